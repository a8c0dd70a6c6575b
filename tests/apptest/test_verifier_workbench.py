"""The verifier's workbench on the sample: a queue with filters, bulk accept, one decision with
a decimal comma, and clear messages for a credit that is not a number."""

import pytest

from kla.domain.framework import get_framework
from kla.services import answers as ans
from kla.services import workflow
from kla.services.assessments import save_assessment
from kla.services.permissions import SYSTEM, Actor
from kla.store.db import make_engine
from tests.evidence_files import pdf_bytes

PDF = pdf_bytes()


@pytest.fixture(scope="module")
def review_url(seeded_sqlite_copy, tmp_path_factory):
    """Kota Serang 2042: submitted with evidence everywhere it is asked for; VA open."""
    import os

    from kla.domain.completeness import required_evidence
    from kla.settings import get_settings

    url = seeded_sqlite_copy()
    data = tmp_path_factory.mktemp("data")
    os.environ["KLA_DATA_DIR"] = str(data)
    get_settings.cache_clear()
    engine = make_engine(url)
    fw = get_framework()
    answers = {q: 0.5 for q, x in fw.questions.items() if x.max > 0}
    aid = save_assessment(engine, SYSTEM, region_kode="36.73", year=2042, stage="EM",
                          answers=answers, framework=fw, status="draft", is_sample=True)
    for q, x in fw.questions.items():
        if x.max > 0 and required_evidence(x):
            ans.add_evidence(engine, SYSTEM, aid, q, "bukti.pdf", PDF)
    workflow.submit(engine, Actor("k", "coordinator", "36.73"), aid)
    workflow.open_stage(engine, Actor("v", "verifier", "36"), "36.73", 2042, "VA")
    engine.dispose()
    yield url, data
    os.environ.pop("KLA_DATA_DIR", None)


def open_workbench(app_factory, url):
    at = app_factory(url, user="verifikator.banten").run()
    at.switch_page("app_pages/verifikasi.py").run()
    assert not at.exception
    return at


def test_queue_adjust_with_comma_and_bad_credit(app_factory, review_url, monkeypatch):
    url, data = review_url
    monkeypatch.setenv("KLA_DATA_DIR", str(data))
    at = open_workbench(app_factory, url)
    assert any("belum ditinjau" in c.value for c in at.caption)
    at.selectbox(key="verify_q_" + str(_va_id(url))).set_value("1.P1").run()
    at.radio(key="verify_dec_1.P1").set_value("adjust")  # in a form: sent with the submit
    at.text_input(key="verify_credit_1.P1").set_value("abc")
    at.text_area(key="verify_reason_1.P1").set_value("sebagian saja")
    at.button[[b.label for b in at.button].index("Simpan keputusan")].click().run()
    assert any("bukan angka" in e.value for e in at.error)
    at.radio(key="verify_dec_1.P1").set_value("adjust")
    at.text_input(key="verify_credit_1.P1").set_value("0,4")
    at.text_area(key="verify_reason_1.P1").set_value("sebagian saja")
    at.button[[b.label for b in at.button].index("Simpan keputusan")].click().run()
    assert not at.exception and not at.error
    engine = make_engine(url)
    states = ans.answer_states(engine, SYSTEM, _va_id(url))
    assert states["1.P1"].credit == 0.4


def _va_id(url):
    from kla.services.exports import find_assessment

    return find_assessment(make_engine(url), SYSTEM, "36.73", 2042, "VA").id


def test_bulk_accept_the_rest(review_url):
    url, _ = review_url
    engine = make_engine(url)
    va = _va_id(url)
    queue = workflow.review_queue(engine, SYSTEM, va)
    rest = {r["question_id"]: r["version"] for r in queue if r["state"] == "unreviewed"}
    workflow.accept_many(engine, Actor("v", "verifier", "36"), va, rest)
    assert {r["state"] for r in workflow.review_queue(engine, SYSTEM, va)} <= {
        "accepted", "adjusted"}
