"""The revision loop keeps the city's fix: a verifier rejects an answer at VA and sends the
self-assessment back; the agency fixes it and resubmits; the verifier's queue shows the answer
as revised, and accepting it takes the city's corrected credit into VA (it once kept 0)."""

import itertools

import pytest

from kla.domain.framework import get_framework
from kla.services import answers as ans
from kla.services import workflow
from kla.services.answers import Conflict
from kla.services.assessments import save_assessment
from kla.services.permissions import SYSTEM, Actor
from kla.store.db import engine_for
from tests.evidence_files import pdf_bytes

pytestmark = pytest.mark.store
PDF = pdf_bytes()
VERIFIER = Actor("rl.verif", "verifier", "36")
COORD = Actor("rl.koord", "coordinator", "36.73")
ADMIN = Actor("rl.admin", "admin")
YEARS = itertools.count(2041)  # each test its own year on the shared seeded database


@pytest.fixture
def submitted(seeded_url, tmp_path, monkeypatch):
    """A complete, submitted self-assessment of Kota Serang (evidence everywhere it is asked
    for) in a year of its own, with VA open."""
    from kla.domain.completeness import required_evidence
    from kla.settings import get_settings

    monkeypatch.setenv("KLA_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    engine = engine_for(seeded_url)
    fw = get_framework()
    answers = {q: 0.5 for q, x in fw.questions.items() if x.max > 0}
    year = next(YEARS)
    aid = save_assessment(engine, SYSTEM, region_kode="36.73", year=year, stage="EM",
                          answers=answers, framework=fw, status="draft")
    for q, x in fw.questions.items():
        if x.max > 0 and required_evidence(x):
            ans.add_evidence(engine, ADMIN, aid, q, "bukti.pdf", PDF)
    workflow.submit(engine, COORD, aid)
    va = workflow.open_stage(engine, VERIFIER, "36.73", year, "VA")
    return engine, aid, va


def queue(engine, va):
    return {r["question_id"]: r for r in workflow.review_queue(engine, VERIFIER, va)}


def test_accept_after_revision_takes_the_citys_fix(submitted):
    engine, em, va = submitted
    assert queue(engine, va)["1.P1"]["state"] == "unreviewed"
    workflow.review_answer(engine, VERIFIER, va, "1.P1", "reject", reason="SK kedaluwarsa")
    assert queue(engine, va)["1.P1"]["state"] == "rejected"
    workflow.request_revision(engine, VERIFIER, va, 48)
    version = ans.answer_states(engine, COORD, em)["1.P1"].version
    ans.save_answer(engine, COORD, em, "1.P1", 1.0, "SK baru 2041 dilampirkan", version)
    workflow.submit(engine, COORD, em)
    row = queue(engine, va)["1.P1"]
    assert row["state"] == "revised" and row["credit"] == 0.0 and row["claimed"] == 1.0
    workflow.review_answer(engine, VERIFIER, va, "1.P1", "accept",
                           expected_version=row["version"])
    after = ans.answer_states(engine, VERIFIER, va)["1.P1"]
    assert after.credit == 1.0 and after.note == "SK baru 2041 dilampirkan"
    assert queue(engine, va)["1.P1"]["state"] == "accepted"


def test_adjust_and_accept_many(submitted):
    engine, _em, va = submitted
    workflow.review_answer(engine, VERIFIER, va, "1.P2a", "adjust", credit=0.4,
                           reason="sebagian")
    rows = queue(engine, va)
    rest = {q: r["version"] for q, r in rows.items() if r["state"] == "unreviewed"}
    assert workflow.accept_many(engine, VERIFIER, va, rest) == len(rest)
    states = {r["state"] for r in workflow.review_queue(engine, VERIFIER, va)}
    assert states == {"accepted", "adjusted"}
    assert ans.answer_states(engine, VERIFIER, va)["1.P2a"].credit == 0.4


def test_accept_many_is_all_or_nothing_on_a_stale_version(submitted):
    engine, _em, va = submitted
    rows = queue(engine, va)
    picked = dict(list({q: r["version"] for q, r in rows.items()}.items())[:5])
    first = next(iter(picked))
    workflow.review_answer(engine, VERIFIER, va, first, "adjust", credit=0.1, reason="cek")
    with pytest.raises(Conflict):
        workflow.accept_many(engine, VERIFIER, va, picked)  # ``first`` moved on meanwhile
    after = queue(engine, va)
    assert [after[q]["state"] for q in picked] == ["adjusted"] + ["unreviewed"] * 4
