"""Cheapest path: optimal (brute force on small cases, an independent dynamic programme on the
full instrument), honours indicator caps and the KLA gate, and says when a target is out of
reach."""

import itertools
import math
import random

import numpy as np
import pytest

from kla.domain.framework import Band, Block, Framework, Indicator, Question, get_framework
from kla.domain.planner import Unreachable, plan, rank_open_questions
from kla.domain.scoring import score

FW = get_framework("kla-2024")


def small_framework(rng: random.Random) -> Framework:
    """A random framework of 2–4 indicators with 2–4 questions each, some capped."""
    indicators, questions = {}, {}
    n_ind = rng.randint(2, 4)
    for i in range(n_ind):
        code = f"I{i}"
        maxima = [rng.choice([1, 2, 3, 5, 1.25]) for _ in range(rng.randint(2, 4))]
        cap = sum(maxima) - rng.choice([0, 0, 1])  # sometimes the cap binds, as for 19 and 21B
        qids = []
        for j, m in enumerate(maxima):
            qid = f"{code}.Q{j}"
            questions[qid] = Question(qid, f"Q{j}", code, "B", m, False, False, (), "",
                                      len(questions) + 1)
            qids.append(qid)
        indicators[code] = Indicator(code, code, "B", cap, i + 1, tuple(qids))
    total = sum(i.max for i in indicators.values())
    bands = (Band("Low", round(total * 0.3, 2)), Band("Mid", round(total * 0.55, 2), True),
             Band("Top", round(total * 0.8, 2), True, True))
    block = Block("B", "B", "B", total, 1, tuple(indicators))
    return Framework("rand", "1", 2099, "r", "r", total, {"B": block}, indicators, questions,
                     bands)


def brute_force(fw, answers, target, efforts):
    open_q = [q for q in fw.questions if answers.get(q, 0) < 1]
    best = math.inf
    order = ["none", *(b.code for b in fw.bands)]
    for k in range(len(open_q) + 1):
        for combo in itertools.combinations(open_q, k):
            cost = sum(efforts[q] for q in combo)
            if cost >= best:
                continue
            r = score(fw, {**answers, **dict.fromkeys(combo, 1.0)})
            if order.index(r.predicate) >= order.index(target):
                best = cost
    return best


@pytest.mark.parametrize("seed", range(40))
def test_optimal_on_small_cases_by_brute_force(seed):
    rng = random.Random(seed)
    fw = small_framework(rng)
    answers = {q: rng.choice([0, 0, 0.25, 0.5, 1]) for q in fw.questions}
    efforts = {q: rng.choice([1, 2, 3, 5, 8]) for q in fw.questions}
    target = rng.choice(["Low", "Mid", "Top"])
    best = brute_force(fw, answers, target, efforts)
    current = score(fw, answers)
    order = ["none", "Low", "Mid", "Top"]
    if order.index(current.predicate) >= order.index(target):
        assert plan(fw, answers, target, efforts).actions == ()
        return
    p = plan(fw, answers, target, efforts)
    assert p.total_effort == best
    assert order.index(p.new_predicate) >= order.index(target)
    assert p.new_total == score(fw, {**answers, **{a.question_id: 1.0 for a in p.actions}}).total
    assert sum(a.points for a in p.actions) == pytest.approx(p.new_total - p.total, abs=0.02)


UNIT = 40  # every (1 − credit) × max of the instrument is a multiple of 1/40 for credits 0, ½, 1


def dp_min_effort(fw, answers, need, efforts, gate):
    """Independent formulation: exact dynamic programme over gains in 1/40 points, indicator by
    indicator (capped gains, Pareto frontier), combined as a group knapsack."""
    n = math.ceil(need * UNIT - 1e-6)
    result = score(fw, answers)
    comb = np.full(n + 1, np.inf)
    comb[0] = 0.0
    for code, ind in fw.indicators.items():
        room = round((ind.max - result.indicators[code][0]) * UNIT)
        h = min(room, n)
        dp = np.full(h + 1, np.inf)
        dp[0] = 0.0
        for qid in ind.questions:
            q = fw.questions[qid]
            d = round((1 - answers.get(qid, 0.0)) * q.max * UNIT)
            if d <= 0:
                continue
            new = dp.copy()
            for g in np.nonzero(np.isfinite(dp))[0]:
                t = min(g + d, h)
                new[t] = min(new[t], dp[g] + efforts[qid])
            dp = new
        if gate and result.indicators[code][0] <= 0:
            dp[0] = np.inf
        nxt = np.full(n + 1, np.inf)
        for g in np.nonzero(np.isfinite(dp))[0]:
            shifted = np.full(n + 1, np.inf)
            if g == 0:
                shifted = comb.copy()
            else:
                shifted[g:] = comb[:-g] if g <= n else np.inf
                shifted[n] = min(shifted[n], comb[max(0, n - g):].min())
            nxt = np.minimum(nxt, shifted + dp[g])
        comb = nxt
    return comb[n]


@pytest.mark.parametrize("seed,target", [(1, None), (2, None), (3, "Utama"), (4, None),
                                         (5, "KLA"), (6, "Nindya")])
def test_optimal_on_the_full_instrument_against_a_dynamic_programme(seed, target):
    rng = random.Random(seed)
    answers = {q: rng.choice([0.0, 0.5, 1.0, 1.0]) for q in FW.questions}
    for qid in FW.indicators["9"].questions:  # one unimplemented indicator
        answers[qid] = 0.0
    efforts = {q: float(rng.randint(1, 9)) for q in FW.questions}
    p = plan(FW, answers, target, efforts)
    gate = p.target == "KLA"
    expected = dp_min_effort(FW, answers, p.points_needed, efforts, gate)
    assert p.total_effort == expected
    assert p.new_predicate == p.target or (p.target != "KLA" and p.new_predicate != "none")


def test_cap_is_respected(fw):
    """Indicator 19 can give at most 51 points: a plan never counts more."""
    answers = dict.fromkeys(fw.questions, 1.0)
    for qid in fw.indicators["19"].questions:
        answers[qid] = 0.0
    r = score(fw, answers)
    assert r.total == 949 and r.predicate == "Utama"  # indicator 19 unimplemented: no KLA
    p = plan(fw, answers, "KLA", dict.fromkeys(fw.questions, 1.0))
    assert p.new_predicate == "KLA" and len(p.actions) == 1
    rank = rank_open_questions(fw, answers)
    assert max(x["points"] for x in rank) <= 51


def test_already_there_and_unreachable(fw):
    from pathlib import Path

    full = dict.fromkeys(fw.questions, 1.0)
    p = plan(fw, full, "Madya")
    assert p.actions == () and p.points_needed == 0 and p.new_predicate == "KLA"
    mini = get_framework("mini-2099", Path(__file__).resolve().parents[1] / "fixtures" /
                         "frameworks")
    with pytest.raises(Unreachable):
        plan(mini, {}, "Platinum")
    with pytest.raises(ValueError, match="unknown predicate 'Emas'"):
        plan(fw, {}, "Emas")


def test_rank_by_points_per_effort(fw):
    answers = {"1.P1": 0.5}
    rows = rank_open_questions(fw, answers, {"1.P1": 0.5}, default_effort=10)
    assert rows[0]["question_id"] == "1.P1" and rows[0]["points"] == 6
    assert rows[0]["points_per_effort"] == 12
    ratios = [r["points_per_effort"] for r in rows]
    assert ratios == sorted(ratios, reverse=True)
    assert "26.P17" not in {r["question_id"] for r in rows}  # max 0: nothing to gain


def test_default_efforts_make_documents_cheaper_than_facilities(fw):
    from kla.domain.rubric import default_effort, question_type

    kinds = {qid: question_type(q).code for qid, q in fw.questions.items()}
    decree = next(q for q, k in kinds.items() if k == "decree")
    facility = next(q for q, k in kinds.items() if k == "facility")
    coverage = next(q for q, k in kinds.items() if k == "coverage")
    assert default_effort(fw.questions[decree]) < default_effort(fw.questions[facility])
    assert default_effort(fw.questions[coverage]) > default_effort(fw.questions["1.P1"])
