"""Predicted verification score service on SQLite and PostgreSQL: the city's own EM → VA
history, a missing evidence file lowers the prediction and attaching it raises it back (an
expired one keeps half), an assessment without any file counts only the history, another
city and another stage are refused; on the sample it equals the backtest's prediction."""

from __future__ import annotations

from datetime import date

import pytest

from kla.domain.framework import get_framework
from kla.domain.prediction import (
    FLAGGED_FACTOR,
    backtest,
    predict,
    retention,
    sample_cases,
    type_points,
)
from kla.domain.scoring import score
from kla.i18n import Refusal
from kla.services import answers, evidence_meta, exports
from kla.services.assessments import save_assessment
from kla.services.permissions import SYSTEM, Actor, PermissionDenied
from kla.services.prediction import predicted_verification
from kla.store.db import engine_for
from kla.store.evidence import LocalStore
from tests.conftest import BACKENDS
from tests.evidence_files import pdf_bytes

pytestmark = pytest.mark.store

TANGERANG, METRO, SERANG = "36.71", "18.72", "36.73"
FW = get_framework("kla-2024")
COORD = Actor("t.pred", "coordinator", TANGERANG)
METRO_COORD = Actor("t.pred.metro", "coordinator", METRO)
# 1.P1 and 1.P2f ask for a regulation; 18.P2 asks for no evidence
EM_PAST = {"1.P1": 1.0, "1.P2f": 1.0, "18.P2": 1.0}
VA_PAST = {"1.P1": 0.75, "1.P2f": 1.0, "18.P2": 1.0}
EM_NOW = {"1.P1": 1.0, "1.P2f": 1.0, "18.P2": 0.5}


@pytest.fixture(scope="module", params=BACKENDS)
def engine(request, seeded_copy):
    url = seeded_copy(request.param)
    eng = engine_for(url)
    for stage, credits, status in (("EM", EM_PAST, "submitted"), ("VA", VA_PAST, "verified")):
        save_assessment(eng, SYSTEM, region_kode=TANGERANG, year=2044, stage=stage,
                        framework=FW, answers=credits, status=status)
    save_assessment(eng, SYSTEM, region_kode=TANGERANG, year=2046, stage="EM", framework=FW,
                    answers=EM_NOW, status="draft")
    return eng


def find(engine, kode, year, stage):
    return exports.find_assessment(engine, SYSTEM, kode, year, stage).id


def test_missing_evidence_lowers_the_prediction_and_a_file_raises_it_back(engine, tmp_path):
    aid = find(engine, TANGERANG, 2046, "EM")
    own = retention(type_points(FW, EM_PAST, VA_PAST))
    history_only = predict(FW, EM_NOW, None, own)

    p = predicted_verification(engine, COORD, aid)  # no file at all: evidence not counted
    assert not p.evidence_counted and p.predicted == history_only.predicted
    assert p.em == score(FW, EM_NOW) and p.predicted.total < p.em.total  # 1.P1 fell in 2044
    rows = {r.qid: r for r in p.rows}
    assert rows["1.P1"].reason == "retention" and 0 < rows["1.P1"].predicted_credit < 1

    store = LocalStore(tmp_path)
    answers.add_evidence(engine, COORD, aid, "1.P2f", "perwal.pdf", pdf_bytes("pred-a"), store)
    p = predicted_verification(engine, COORD, aid)  # now 1.P1 is missing its file
    rows = {r.qid: r for r in p.rows}
    assert p.evidence_counted
    assert rows["1.P1"].state == "missing" and rows["1.P1"].predicted_credit == 0
    assert rows["18.P2"].state == "not_required" and rows["1.P2f"].state == "fine"
    assert p.predicted.total < history_only.predicted.total
    assert p.costliest()[0].qid == "1.P1"
    missing_total = p.predicted.total

    added = answers.add_evidence(engine, COORD, aid, "1.P1", "perda.pdf", pdf_bytes("pred-b"),
                                 store)
    p = predicted_verification(engine, COORD, aid)
    assert {r.qid: r for r in p.rows}["1.P1"].state == "fine"
    assert p.predicted == history_only.predicted

    # its only file turns out to be an expired regulation: flagged, half the credit kept
    evidence_meta.set_metadata(engine, COORD, added["id"], doc_type="perda",
                               valid_until=date(2040, 12, 31))
    p = predicted_verification(engine, COORD, aid)
    row = {r.qid: r for r in p.rows}["1.P1"]
    assert row.state == "flagged" and row.reason == "flagged"
    kept = {r.qid: r for r in history_only.rows}["1.P1"].predicted_credit
    assert row.predicted_credit == pytest.approx(kept * FLAGGED_FACTOR)
    assert missing_total < p.predicted.total < history_only.predicted.total


def test_another_city_and_another_stage_are_refused(engine):
    with pytest.raises(PermissionDenied):
        predicted_verification(engine, METRO_COORD, find(engine, TANGERANG, 2046, "EM"))
    with pytest.raises(Refusal):
        predicted_verification(engine, COORD, find(engine, TANGERANG, 2044, "VA"))


def test_the_sample_prediction_is_the_backtest_one(engine):
    """Kota Serang 2025 (sample, no files): the service reads the same history the backtest
    used, so it predicts the same total."""
    row = next(r for r in backtest(sample_cases(FW))
               if r.nama == "Kota Serang" and r.year == 2025)
    p = predicted_verification(engine, SYSTEM, find(engine, SERANG, 2025, "EM"))
    assert p.em.total == row.em_total and p.predicted.total == row.model_total
    assert p.retention.has_history and not p.evidence_counted
