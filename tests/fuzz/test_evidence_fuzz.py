"""Evidence (``kla.store.evidence.check_upload``) is accepted as one of its types or refused
with an ``EvidenceError`` naming the file, in both languages: random bytes, and real PDF,
PNG, JPG, XLSX and DOCX files damaged byte by byte or part by part. File names of any
characters are shown cleaned (``display_name``)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kla.domain.text import control_char
from kla.store.evidence import ALLOWED, NAME_MAX, EvidenceError, check_upload, display_name
from tests.fuzz.support import (
    assert_renders,
    evidence_seeds,
    fuzz,
    hostile_text,
    mutate,
    mutate_part,
    mutations,
    outcome,
)

LIMIT = 2 * 1024 * 1024
SEEDS = evidence_seeds()
NAMES = sorted(SEEDS)


def check(name: str, data: bytes) -> str | None:
    """The media type, or None when refused (the refusal checked)."""
    try:
        mime = check_upload(name, data, LIMIT)
    except EvidenceError as exc:
        id_text, en_text = assert_renders(exc)
        shown = display_name(name) if name.strip() else None
        if shown:
            assert id_text.startswith(shown) and en_text.startswith(shown)
        return None
    assert mime in ALLOWED
    outcome(f"accepted {mime.rsplit('.', 1)[-1]}")
    return mime


def test_the_seeds_are_accepted():
    assert all(check(name, data) for name, data in SEEDS.items())


@fuzz(150)
@given(st.sampled_from(NAMES + ["bukti", "x.exe", ""]), st.binary(max_size=3000))
def test_random_bytes_are_refused_or_accepted_with_their_type(name, data):
    check(name, data)


@fuzz(200)
@given(st.sampled_from(NAMES), mutations(5))
def test_damaged_files_are_refused_or_accepted(name, ops):
    check(name, mutate(SEEDS[name], ops))


@fuzz(150)
@given(st.sampled_from(["data.xlsx", "surat.docx"]), st.integers(0, 30), mutations(4))
def test_office_files_with_a_damaged_part_are_refused_or_accepted(name, index, ops):
    check(name, mutate_part(SEEDS[name], index, ops))


@fuzz(200)
@given(hostile_text(400))
def test_any_file_name_is_shown_cleaned(name):
    shown = display_name(name)
    assert shown and len(shown) <= NAME_MAX
    assert control_char(shown) is None and "/" not in shown and "\\" not in shown
    assert shown == shown.strip()
