"""Question types, generic rubric lines and default efforts. Pure.

The instrument does not publish points per answer option, so the type of a question is read
from its text (what evidence it asks for). The type gives:
- a plain-Indonesian/English line explaining what usually keeps a question below full credit;
- a default effort for raising it to full credit (relative units: a decree or a policy document
  is cheaper than a new facility or raising the share of villages meeting a criterion).
Both are defaults: the gap page prefers the answer's own note, and efforts are editable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kla.domain.framework import Question


@dataclass(frozen=True)
class QuestionType:
    code: str
    pattern: str  # regular expression on the lower-cased question text
    effort: float
    reason_id: str
    reason_en: str


# Checked in order: the first match wins. `coverage` is decided by the kecamatan/desa flags.
TYPES = (
    QuestionType("budget", r"anggaran|apbd", 3,
                 "bukti anggaran (APBD/dana lain, ditandatangani kepala OPD) belum lengkap",
                 "budget evidence (APBD or other funds, signed by the agency head) incomplete"),
    QuestionType("decree", r"\bsk\b|surat keputusan", 1,
                 "SK (surat keputusan) belum tersedia atau belum dilampirkan",
                 "decree (SK) missing or not attached"),
    QuestionType("policy", r"peraturan|kebijakan|perda\b|perbup|perwal|surat edaran|\brad\b|"
                           r"profil", 2,
                 "dokumen peraturan/kebijakan belum ada atau belum dilampirkan",
                 "regulation/policy document missing or not attached"),
    QuestionType("training", r"pelatihan|dilatih|terlatih|\bkha\b|sertifik", 3,
                 "SDM belum terlatih KHA atau sertifikat belum dilampirkan",
                 "staff not yet trained in the CRC (KHA) or certificates not attached"),
    QuestionType("partnership", r"matriks|kemitraan|kerja ?sama", 2,
                 "matriks kemitraan/peran lintas OPD belum lengkap",
                 "partnership matrix across agencies incomplete"),
    QuestionType("innovation", r"inovasi", 4,
                 "belum ada inovasi yang terdokumentasi",
                 "no documented innovation yet"),
    QuestionType("facility", r"sarana|prasarana|fasilitas|infrastruktur|rumah aman|kendaraan|"
                             r"jalur evakuasi|ruang", 5,
                 "sarana/fasilitas belum tersedia atau belum terstandar",
                 "facility missing or not yet standardised"),
    QuestionType("institution", r"\bsop\b|mekanisme|\btim\b|gugus tugas|lembaga|forum|sistem|"
                                r"program|koordinasi|layanan", 2,
                 "lembaga/SOP/mekanisme belum terbentuk atau belum berjalan",
                 "body, SOP or mechanism not yet in place or not working"),
    QuestionType("photo", r"foto|dokumentasi", 1,
                 "dokumentasi foto belum dilampirkan",
                 "photo documentation not attached"),
    QuestionType("data", r"\bdata\b|jumlah|persentase|cakupan|prevalensi|berapa", 2,
                 "data dua tahun terakhir belum lengkap",
                 "data for the last two years incomplete"),
)
COVERAGE = QuestionType("coverage", "", 5,
                        "belum semua kecamatan/desa-kelurahan memenuhi kriteria",
                        "not every sub-district/village meets the criterion yet")
OTHER = QuestionType("other", "", 2, "bukti dukung belum lengkap", "supporting evidence incomplete")
ALL_TYPES = {t.code: t for t in (*TYPES, COVERAGE, OTHER)}
_COMPILED = [(t, re.compile(t.pattern)) for t in TYPES]


def question_type(q: Question) -> QuestionType:
    if q.for_kecamatan or q.for_desa:
        return COVERAGE
    return _type_of_text(q.text)


@lru_cache(maxsize=4096)
def _type_of_text(text: str) -> QuestionType:
    """The first type whose pattern the text matches (once per text and process: the
    patterns ran 1,500 times per predicted score, half its cost)."""
    lowered = text.lower()
    for qtype, rx in _COMPILED:
        if rx.search(lowered):
            return qtype
    return OTHER


def default_effort(q: Question) -> float:
    return question_type(q).effort


def generic_reason(q: Question, lang: str = "id") -> str:
    qtype = question_type(q)
    return qtype.reason_en if lang == "en" else qtype.reason_id
