"""Predicted verification score (kla/domain/prediction.py) and its backtest on the sample."""

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kla.domain.prediction import (
    FLAGGED_FACTOR,
    PRIOR_POINTS,
    STATES,
    add_points,
    backtest,
    backtest_markdown,
    predict,
    retention,
    sample_cases,
    summarise,
    type_points,
)
from kla.domain.rubric import question_type
from kla.domain.scoring import score

DOCS = Path(__file__).resolve().parents[2] / "docs" / "planning.md"


def full(fw, credit=1.0):
    return {q: credit for q in fw.questions}


def test_no_history_every_state_fine_predicts_the_em_score(fw):
    em = full(fw, 0.75)
    p = predict(fw, em, None, retention({}))
    assert p.predicted == p.em and p.points_lost == 0 and not p.costliest()
    assert {r.reason for r in p.rows if fw.questions[r.qid].max > 0} == {"no_history"}
    assert all(r.retention == 1.0 for r in p.rows)


def test_missing_evidence_costs_the_whole_credit_flagged_half(fw):
    em = full(fw)
    states = dict.fromkeys(fw.questions, "fine")
    states["1.P1"] = "missing"
    states["7.P2"] = "flagged"
    p = predict(fw, em, states, retention({}))
    rows = {r.qid: r for r in p.rows}
    assert rows["1.P1"].predicted_credit == 0 and rows["1.P1"].reason == "missing"
    assert rows["1.P1"].points_lost == fw.questions["1.P1"].max
    assert rows["7.P2"].predicted_credit == FLAGGED_FACTOR
    assert rows["7.P2"].points_lost == pytest.approx(fw.questions["7.P2"].max * 0.5)
    assert p.points_lost == pytest.approx(fw.questions["1.P1"].max
                                          + fw.questions["7.P2"].max * 0.5, abs=0.011)
    assert [r.qid for r in p.costliest()] == sorted(
        ["1.P1", "7.P2"], key=lambda q: -rows[q].points_lost)


def test_points_lost_honour_the_indicator_cap(fw):
    # indicator 19: questions worth 54 points, capped at 51 — losing a 2-point question
    # from a full EM answer costs nothing
    em = full(fw)
    p = predict(fw, em, {"19.P3": "missing"}, retention({}))
    assert p.predicted.total == p.em.total
    assert {r.qid: r for r in p.rows}["19.P3"].points_lost == 0
    p = predict(fw, em, {"19.P4": "missing"}, retention({}))  # 6 points: 3 above the slack
    assert {r.qid: r for r in p.rows}["19.P4"].points_lost == 3
    assert p.points_lost == 3


def test_retention_per_type_from_history_shrunk_toward_the_city(fw):
    em = full(fw)
    verified = {q: (0.5 if question_type(fw.questions[q]).code == "budget" else 1.0)
                for q in fw.questions}
    own = type_points(fw, em, verified)
    e, v = own["budget"]
    assert v == pytest.approx(e / 2)
    ret = retention(own)
    overall = sum(v for _, v in own.values()) / sum(e for e, _ in own.values())
    assert ret.overall == pytest.approx(overall)
    assert ret.of("budget") == pytest.approx((v + PRIOR_POINTS * overall) / (e + PRIOR_POINTS))
    ed, _ = own["decree"]  # kept in full, yet shrunk toward the city's overall retention
    assert ret.of("decree") == pytest.approx((ed + PRIOR_POINTS * overall)
                                             / (ed + PRIOR_POINTS))
    assert overall < ret.of("decree") < 1
    assert ret.of("photo") <= 1.0
    # a pooled prior: a type the city never had takes the pool's rate
    pool = {"photo": (10.0, 4.0)}
    assert retention({}, pool).of("photo") == pytest.approx(0.4)
    assert retention({}, pool).of("decree") == pytest.approx(0.4)  # the pool's overall
    # a verifier raising credits never makes a retention above 1
    assert retention({"budget": (10.0, 20.0)}).of("budget") == 1.0
    assert add_points([own, own])["budget"] == (2 * e, 2 * v)


def test_reasons_and_states(fw):
    em = {"1.P1": 1.0, "7.P2": 0.5}
    p = predict(fw, em, {"1.P1": "not_required", "7.P2": "bogus", "2.P1": "missing"},
                retention({"policy": (10.0, 8.0)}))
    rows = {r.qid: r for r in p.rows}
    assert rows["1.P1"].state == "not_required" and rows["1.P1"].reason == "retention"
    assert rows["7.P2"].state == "fine"  # an unknown state counts as fine
    assert rows["2.P1"].state == "unclaimed" and rows["2.P1"].predicted_credit == 0
    assert sum(p.state_counts().values()) == len(fw.questions)


credit = st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0])


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_property_prediction_never_above_em_and_losses_add_up(fw, data):
    qids = list(fw.questions)
    picked = data.draw(st.lists(st.sampled_from(qids), min_size=1, max_size=60, unique=True))
    em = {q: data.draw(credit) for q in picked}
    states = {q: data.draw(st.sampled_from(STATES)) for q in picked}
    own = {code: (e, data.draw(st.floats(0, 1.2)) * e) for code, e in
           data.draw(st.dictionaries(st.sampled_from(["budget", "policy", "data", "other"]),
                                     st.floats(0.0, 500.0), max_size=4)).items()}
    p = predict(fw, em, states, retention(own))
    for r in p.rows:
        assert 0 <= r.predicted_credit <= r.em_credit
        assert r.points_lost >= 0
    assert p.predicted.total <= p.em.total
    assert sum(r.points_lost for r in p.rows) == pytest.approx(p.points_lost, abs=0.01 * 30)
    # every state fine and a history without falls: the EM score itself
    fine = predict(fw, em, dict.fromkeys(picked, "fine"),
                   retention({c: (e, e) for c, (e, _) in own.items()}))
    assert fine.predicted == fine.em == score(fw, {q: em.get(q, 0.0) for q in fw.questions})


@pytest.fixture(scope="module")
def backtest_rows(fw):
    return backtest(sample_cases(fw))


def test_backtest_uses_only_earlier_years_and_beats_em_as_is(backtest_rows):
    rows = backtest_rows
    assert len(rows) == 7  # Kota Serang 4 years, Kota Metro 3
    first = [r for r in rows if r.history_years == 0]
    assert {(r.nama, r.year) for r in first} == {("Kota Serang", 2021), ("Kota Metro", 2022)}
    for r in first:  # no own history: the model predicts the EM total, no average fall
        assert r.model_total == r.em_total and r.fall_total is None
    summary = {s.method: s for s in summarise(rows)}
    assert all(s.n == 5 for s in summary.values())
    assert summary["model"].mae < summary["em"].mae
    assert summary["model"].predicate_hits >= summary["em"].predicate_hits


def test_docs_show_the_backtest_as_computed(backtest_rows):
    """docs/planning.md holds the tables `kla backtest` prints (regenerate them there when
    the model or the sample changes)."""
    docs = DOCS.read_text(encoding="utf-8")
    table = backtest_markdown(backtest_rows)
    assert table in docs, "docs/planning.md: paste the output of `kla backtest`"
    assert re.search(r"^## Prediksi skor verifikasi / Predicted verification score$", docs,
                     re.M)
    assert f"FLAGGED_FACTOR = {FLAGGED_FACTOR}" in docs
    assert re.search(rf"`K =\s+{PRIOR_POINTS:g}`", docs)
