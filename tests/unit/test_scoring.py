"""Scoring rules and the vectorised path (exactly the per-city result)."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kla.domain.framework import get_framework
from kla.domain.scoring import score, score_long, score_matrix

FW = get_framework("kla-2024")
QIDS = FW.question_ids
GRADED = st.sampled_from([0.0, 0.2, 0.25, 0.33, 0.4, 0.5, 0.6, 0.66, 0.75, 0.8, 1.0])
ANY_CREDIT = st.floats(min_value=0, max_value=1, allow_nan=False)


def test_empty_and_full(fw):
    empty = score(fw, {})
    assert (empty.total, empty.predicate, empty.all_implemented) == (0, "none", False)
    assert len(empty.unimplemented) == 31
    full = score(fw, dict.fromkeys(fw.questions, 1.0))
    assert (full.total, full.predicate, full.all_implemented) == (1000, "KLA", True)
    assert full.blocks == {c: (b.max, b.max) for c, b in fw.blocks.items()}
    assert (full.next_predicate, full.points_to_next) == (None, None)


def test_graded_credit_and_missing_answers(fw):
    r = score(fw, {"1.P1": 0.5, "21A.P3": 0.25})
    assert r.indicators["1"][0] == 6.0
    q = fw.questions["21A.P3"].max
    assert r.indicators["21A"][0] == round(0.25 * q, 2)
    assert r.total == round(6.0 + 0.25 * q, 2)


def test_one_unimplemented_indicator_keeps_a_high_total_at_utama(fw):
    answers = dict.fromkeys(fw.questions, 1.0)
    for qid in fw.indicators["9"].questions:  # 13 points
        answers[qid] = 0.0
    r = score(fw, answers)
    assert r.total == 987 and r.predicate == "Utama"
    assert r.unimplemented == ["9"]
    assert (r.next_predicate, r.points_to_next) == ("KLA", 0.0)


def test_json_contract(fw):
    d = score(fw, {"1.P1": 1}).to_dict()
    assert list(d) == ["total", "predicate", "next_predicate", "points_to_next", "blocks",
                       "indicators"]
    assert d["blocks"]["KEL"] == {"score": 12.0, "max": 164.0}
    assert d["indicators"]["21B"] == {"score": 0.0, "max": 17.0}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.one_of(GRADED, ANY_CREDIT), min_size=len(QIDS), max_size=len(QIDS)),
                min_size=1, max_size=6),
       st.floats(min_value=0, max_value=1))
def test_vectorised_equals_scalar_exactly(rows, drop):
    mat = np.array(rows, dtype=float)
    mat[:, : int(drop * len(QIDS))] = 0.0  # some cities leave many answers empty
    res = score_matrix(FW, mat)
    for i, row in enumerate(mat):
        one = score(FW, dict(zip(QIDS, row.tolist())))
        assert res.total[i] == one.total
        assert res.predicate[i] == one.predicate
        assert bool(res.all_implemented[i]) == one.all_implemented
        assert list(res.blocks[i]) == [s for s, _ in one.blocks.values()]
        assert list(res.indicators[i]) == [s for s, _ in one.indicators.values()]


def test_score_long_matches_per_city(fw):
    rng = np.random.default_rng(3)
    rows = []
    for city in range(5):
        for qid in rng.choice(QIDS, size=200, replace=False):
            rows.append((city, qid, float(rng.choice([0, 0.25, 0.5, 0.75, 1]))))
    df = pd.DataFrame(rows, columns=["assessment_id", "question_id", "credit"])
    out = score_long(fw, df)
    for city, grp in df.groupby("assessment_id"):
        one = score(fw, dict(zip(grp.question_id, grp.credit)))
        got = out.set_index("assessment_id").loc[city]
        assert got.total == one.total and got.predicate == one.predicate
        assert [got[c] for c in fw.blocks] == [s for s, _ in one.blocks.values()]
