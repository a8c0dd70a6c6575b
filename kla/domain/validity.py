"""Evidence with validity: what a file says about itself (document type, number, date signed,
valid until, data years covered, signed) and the flags a verifier would raise on it. Pure.

The constants are also the store's vocabulary (``kla.store.models.Evidence``)."""

from __future__ import annotations

# Document types of an evidence file (id labels in the catalogue: ``validity.doc_type.<code>``)
DOC_TYPES = ("perda", "perkada", "sk", "surat_edaran", "mou", "anggaran", "data", "foto",
             "lainnya")
# Types that are decrees or agreements: they must be signed, and may expire
DECREES = ("perda", "perkada", "sk", "surat_edaran", "mou")
DOC_NUMBER_MAX = 120
