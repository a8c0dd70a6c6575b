"""A database restored without its evidence files must not crash Isian, Verifikasi or the
dossier ZIP on Ekspor: a file whose row is there but whose bytes are gone is shown as
"berkas hilang dari penyimpanan" (issue 14)."""

import os
import shutil

import pytest

from kla.domain.completeness import required_evidence
from kla.domain.framework import get_framework
from kla.services import answers as ans
from kla.services import workflow
from kla.services.assessments import save_assessment
from kla.services.exports import find_assessment
from kla.services.permissions import SYSTEM, Actor
from kla.settings import get_settings
from kla.store.db import make_engine
from tests.evidence_files import pdf_bytes

SERANG, YEAR, REVIEW_YEAR = "36.73", 2026, 2044
GONE = "hilang dari penyimpanan"


@pytest.fixture
def restored(seeded_sqlite_copy, tmp_path, monkeypatch):
    """A seeded database with evidence whose files are gone: on Kota Serang 2026 EM (one
    question) and on a REVIEW_YEAR self-assessment under verification (VA open). Returns
    (url, the question of 2026 EM, a question of the review with its file)."""
    monkeypatch.setenv("KLA_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    url = seeded_sqlite_copy()
    engine = make_engine(url)
    fw = get_framework()
    em = find_assessment(engine, SYSTEM, SERANG, YEAR, "EM").id
    qid = min(ans.answer_states(engine, SYSTEM, em))
    ans.add_evidence(engine, SYSTEM, em, qid, "perda-kla.pdf", pdf_bytes("hilang"))
    answers = {q: 0.5 for q, x in fw.questions.items() if x.max > 0}
    aid = save_assessment(engine, SYSTEM, region_kode=SERANG, year=REVIEW_YEAR, stage="EM",
                          answers=answers, framework=fw, status="draft", is_sample=True)
    needs = [q for q, x in fw.questions.items() if x.max > 0 and required_evidence(x)]
    for q in needs:
        ans.add_evidence(engine, SYSTEM, aid, q, "bukti.pdf", pdf_bytes("tinjau"))
    workflow.submit(engine, Actor("k", "coordinator", SERANG), aid)
    workflow.open_stage(engine, Actor("v", "verifier", "36"), SERANG, REVIEW_YEAR, "VA")
    engine.dispose()
    shutil.rmtree(tmp_path / "evidence")  # as restored without the evidence folder
    yield url, qid, needs[0]
    os.environ.pop("KLA_DATA_DIR", None)


def texts(elements) -> str:
    return " ".join(e.value for e in elements)


def on_serang(at, year=YEAR, stage="EM"):
    """Pages open on Kota Serang, ``year``, ``stage`` (the pickers remember these)."""
    at.session_state["sel_region"] = SERANG
    at.session_state["sel_year"] = year
    at.session_state["sel_stage"] = stage
    return at


def test_isian_lists_a_missing_file_instead_of_failing(app_factory, restored):
    url, qid, _ = restored
    at = on_serang(app_factory(url, user="admin")).run()
    at.switch_page("app_pages/isian.py").run()
    assert not at.exception, at.exception
    next(s for s in at.selectbox if s.key.startswith("entry_q_")).set_value(qid).run()
    assert not at.exception, at.exception
    warning = texts(at.warning)
    assert GONE in warning and "perda-kla.pdf" in warning
    # no download offered for a file that is not there
    assert not [b for b in at.get("link_button") + at.get("download_button")
                if b.proto.label == "Unduh"]


def test_verifikasi_shows_a_missing_file_instead_of_failing(app_factory, restored):
    url, _, reviewed = restored
    at = app_factory(url, user="verifikator.banten").run()
    at.switch_page("app_pages/verifikasi.py").run()
    assert not at.exception, at.exception
    year = next(s for s in at.selectbox if s.key.startswith("verify_year_"))
    year.set_value(REVIEW_YEAR).run()
    assert not at.exception, at.exception
    pick = next(s for s in at.selectbox if s.key.startswith("verify_q_"))
    pick.set_value(reviewed).run()
    assert not at.exception, at.exception
    assert GONE in texts(at.warning) and "bukti.pdf" in texts(at.warning)


def test_ekspor_dossier_zip_lists_missing_files(app_factory, restored):
    url, _, _ = restored
    at = on_serang(app_factory(url, user="koordinator.serang")).run()
    at.switch_page("app_pages/ekspor.py").run()
    assert not at.exception, at.exception
    at.button(key="export_zip_make").click().run()
    assert not at.exception, at.exception
    assert "Berkas hilang" in texts(at.warning)
