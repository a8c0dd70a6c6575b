"""The PDF report tells the truth about evidence: a question with a file attached is said to
have it (its gap line never says "belum dilampirkan") and is not listed as incomplete; a
question without one is listed, and its gap line says so."""

import io
import re

import pytest
from pypdf import PdfReader

from kla.domain.framework import get_framework
from kla.services import answers as ans
from kla.services import exports
from kla.services.assessments import save_assessment
from kla.services.permissions import SYSTEM, Actor
from kla.store.db import engine_for
from tests.evidence_files import pdf_bytes

pytestmark = pytest.mark.store
PDF = pdf_bytes()
ADMIN = Actor("rep.admin", "admin")
QID = re.compile(r"(?:(?<=\s)|^)(\d{1,2}[A-C]?\.P\w+) ")


def rows_of(section: str) -> dict[str, str]:
    """A table's text cut at each question id: question id → the text of its row."""
    parts = QID.split(section)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


@pytest.fixture
def engine(seeded_url, tmp_path, monkeypatch):
    from kla.settings import get_settings

    monkeypatch.setenv("KLA_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    return engine_for(seeded_url)


def test_pdf_says_attached_for_a_question_with_evidence(engine):
    fw = get_framework()
    # everything full but two questions that ask for a regulation (a document): they are the
    # only gaps; only 1.P1 gets its file
    year = 2061
    answers = {**dict.fromkeys(fw.questions, 1.0), "1.P1": 0.5, "1.P2e": 0.5}
    aid = save_assessment(engine, SYSTEM, region_kode="36.73", year=year, stage="EM",
                          answers=answers, framework=fw, status="draft")
    ans.add_evidence(engine, ADMIN, aid, "1.P1", "perda-kla.pdf", PDF)
    info = exports.find_assessment(engine, SYSTEM, "36.73", year, "EM")
    data = exports.export_pdf(engine, SYSTEM, info)
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())
    gaps_part, missing_part = text.split("Bukti yang belum lengkap", 1)
    gaps = rows_of(gaps_part.split("Kesenjangan terbesar", 1)[1])
    missing = rows_of(missing_part)

    assert "1 berkas bukti terlampir" in gaps["1.P1"]
    assert "belum dilampirkan" not in gaps["1.P1"] and "belum diunggah" not in gaps["1.P1"]
    assert "1.P1" not in missing  # complete: answered, with its file

    assert "bukti dukung belum diunggah" in gaps["1.P2e"]
    assert "terlampir" not in gaps["1.P2e"]
    assert "bukti dukung belum diunggah" in missing["1.P2e"]


def test_a_verification_stage_exports_the_citys_files(engine):
    """FINAL holds credits, not files: its dossier and report carry the files of the city's
    self-assessment (what the verifier judged), with the stage's credits."""
    import zipfile

    fw = get_framework()
    year = 2062
    answers = {**dict.fromkeys(fw.questions, 1.0), "1.P1": 0.5}
    em = save_assessment(engine, SYSTEM, region_kode="36.73", year=year, stage="EM",
                         answers=answers, framework=fw, status="draft")
    ans.add_evidence(engine, ADMIN, em, "1.P1", "perda-kla.pdf", PDF)
    save_assessment(engine, SYSTEM, region_kode="36.73", year=year, stage="FINAL",
                    answers={**answers, "1.P1": 0.25}, framework=fw, status="final")
    info = exports.find_assessment(engine, SYSTEM, "36.73", year, "FINAL")
    buf = io.BytesIO()
    summary = exports.export_zip(engine, SYSTEM, info, buf)
    names = zipfile.ZipFile(io.BytesIO(buf.getvalue())).namelist()
    assert summary["files"] == 1
    assert [n.rsplit("/", 1)[1] for n in names if "/1.P1/" in n] == ["perda-kla.pdf"]
    data = exports.export_pdf(engine, SYSTEM, info)
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())
    gaps = rows_of(text.split("Kesenjangan terbesar", 1)[1].split("Bukti yang belum lengkap")[0])
    assert "1 berkas bukti terlampir" in gaps["1.P1"]
