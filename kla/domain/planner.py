"""Cheapest path to a predicate: the least-effort set of questions to raise to full credit.

Pure. It is a covering knapsack with indicator caps, solved exactly as a mixed-integer program
with HiGHS (``scipy.optimize.milp``):

    minimise   Σ_q effort_q · x_q                        x_q ∈ {0, 1}: raise question q to 1
    subject to g_i ≤ Σ_{q ∈ i} (1 − credit_q) · max_q · x_q   gain of indicator i …
               0 ≤ g_i ≤ max_i − score_i                 … never above its cap
               Σ_i g_i ≥ points_needed
               Σ_{q ∈ i} x_q ≥ 1 for every indicator at 0   (only when the target band
                                                         requires every indicator implemented)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from kla.domain.framework import Framework
from kla.domain.predicate import predicate_codes, round2, threshold
from kla.domain.rubric import default_effort as rubric_effort
from kla.domain.scoring import ScoreResult, headrooms, score
from kla.i18n import Msg, Refusal

EPS = 1e-9


class Unreachable(ValueError):
    """The target cannot be reached by raising questions to full credit."""


@dataclass(frozen=True)
class PlanAction:
    question_id: str
    from_credit: float
    points: float  # points this action adds to the total (after indicator caps)
    effort: float

    def to_dict(self) -> dict:
        return {"question_id": self.question_id, "from_credit": self.from_credit,
                "points": self.points, "effort": self.effort}


@dataclass(frozen=True)
class Plan:
    total: float
    target: str
    points_needed: float
    actions: tuple[PlanAction, ...]
    total_effort: float
    new_total: float
    new_predicate: str

    def to_dict(self) -> dict:
        """The ``kla plan --json`` object."""
        return {"total": self.total, "target": self.target, "points_needed": self.points_needed,
                "actions": [a.to_dict() for a in self.actions],
                "total_effort": self.total_effort, "new_total": self.new_total}


def efforts_for(fw: Framework, overrides: Mapping[str, float] | None = None,
                default: float | None = None) -> dict[str, float]:
    """Effort per question: ``default`` (or, when None, the rubric default of the question
    type), replaced by ``overrides`` where given."""
    eff = {qid: float(default) if default is not None else rubric_effort(q)
           for qid, q in fw.questions.items()}
    for qid, e in (overrides or {}).items():
        if qid not in fw.questions:
            raise Refusal(Msg("err.question_unknown", qid=qid))
        if not e > 0:
            raise Refusal(Msg("err.effort_positive", qid=qid, value=str(e)))
        eff[qid] = float(e)
    return eff


def candidates(fw: Framework, answers: Mapping[str, float]) -> list[str]:
    """Open questions: below full credit, with points to gain."""
    return [qid for qid, q in fw.questions.items()
            if q.max > 0 and float(answers.get(qid, 0.0)) < 1.0]


def rank_open_questions(fw: Framework, answers: Mapping[str, float],
                        efforts: Mapping[str, float] | None = None,
                        default_effort: float | None = None) -> list[dict]:
    """Every open question with the points raising it alone would add (after the cap of its
    indicator) and points per unit of effort, best value first."""
    eff = efforts_for(fw, efforts, default_effort)
    room = headrooms(fw, score(fw, answers))
    rows = []
    for qid in candidates(fw, answers):
        q = fw.questions[qid]
        credit = float(answers.get(qid, 0.0))
        pts = round2(min((1.0 - credit) * q.max, room[q.indicator]))
        rows.append({"question_id": qid, "indicator": q.indicator, "block": q.block,
                     "from_credit": credit, "points": pts, "effort": eff[qid],
                     "points_per_effort": pts / eff[qid]})
    rows.sort(key=lambda r: (-r["points_per_effort"], -r["points"],
                             fw.questions[r["question_id"]].order))
    return rows


def target_threshold(fw: Framework, target: str) -> float:
    codes = [b.code for b in fw.bands]
    if target not in codes:
        raise Refusal(Msg("err.predicate_unknown", target=target, codes=", ".join(codes)))
    return threshold(fw.bands[codes.index(target)])


def _solve(fw: Framework, answers: Mapping[str, float], result: ScoreResult, need: float,
           eff: Mapping[str, float], gate: bool) -> list[str]:
    cand = candidates(fw, answers)
    inds = list(fw.indicators)
    room = headrooms(fw, result)
    nq, ni = len(cand), len(inds)
    if nq == 0:
        raise Unreachable(Msg("err.unreachable_no_open"))
    ipos = {c: k for k, c in enumerate(inds)}
    # variables: x (nq binaries) then g (ni continuous)
    c = np.concatenate([[eff[q] for q in cand], np.zeros(ni)])
    a_link = np.zeros((ni, nq + ni))
    for j, qid in enumerate(cand):
        q = fw.questions[qid]
        a_link[ipos[q.indicator], j] = -(1.0 - float(answers.get(qid, 0.0))) * q.max
    a_link[np.arange(ni), nq + np.arange(ni)] = 1.0
    rows = [LinearConstraint(a_link, -np.inf, 0.0)]
    a_need = np.concatenate([np.zeros(nq), np.ones(ni)])[None, :]
    rows.append(LinearConstraint(a_need, need, np.inf))
    if gate:
        zero = [code for code in inds if result.indicators[code][0] <= 0]
        if zero:
            a_gate = np.zeros((len(zero), nq + ni))
            for r, code in enumerate(zero):
                for j, qid in enumerate(cand):
                    if fw.questions[qid].indicator == code:
                        a_gate[r, j] = 1.0
            if (a_gate.sum(axis=1) == 0).any():
                raise Unreachable(Msg("err.unreachable_gate"))
            rows.append(LinearConstraint(a_gate, 1.0, np.inf))
    lower = np.zeros(nq + ni)
    upper = np.concatenate([np.ones(nq), [room[code] for code in inds]])
    integrality = np.concatenate([np.ones(nq), np.zeros(ni)])
    res = milp(c, constraints=rows, integrality=integrality, bounds=Bounds(lower, upper),
               options={"mip_rel_gap": 0.0})
    if res.status == 2 or res.x is None:  # infeasible
        raise Unreachable(Msg("err.unreachable_full"))
    if not res.success:
        raise RuntimeError(f"solver failed: {res.message}")
    return [qid for j, qid in enumerate(cand) if res.x[j] > 0.5]


def plan(fw: Framework, answers: Mapping[str, float], target: str | None = None,
         efforts: Mapping[str, float] | None = None, default_effort: float | None = None
         ) -> Plan:
    """The least-effort plan reaching ``target`` (default: the next predicate). Efforts:
    ``efforts`` per question, else ``default_effort``, else the rubric default.

    Raises ``Unreachable`` when no set of raises reaches it, ``ValueError`` for bad input."""
    result = score(fw, answers)
    eff = efforts_for(fw, efforts, default_effort)
    if target is None:
        target = result.next_predicate or result.predicate
    order = predicate_codes(fw.bands)
    if target not in order[1:]:
        raise Refusal(Msg("err.predicate_unknown", target=target, codes=", ".join(order[1:])))
    if order.index(result.predicate) >= order.index(target):
        return Plan(result.total, target, 0.0, (), 0.0, result.total, result.predicate)
    band = fw.bands[order.index(target) - 1]
    gate = band.requires_all_implemented
    need = max(0.0, round2(target_threshold(fw, target) - result.total))
    chosen: list[str] = []
    new = result
    for bump in (0.0, 0.005, 0.01):  # guard against float noise at the two-decimal boundary
        chosen = _solve(fw, answers, result, need + bump - EPS if bump == 0 else need + bump,
                        eff, gate)
        new = score(fw, {**answers, **dict.fromkeys(chosen, 1.0)})
        if order.index(new.predicate) >= order.index(target):
            break
    else:
        raise Unreachable(Msg("err.unreachable_target", target=target))
    room = headrooms(fw, result)
    actions = []
    for qid in sorted(chosen, key=lambda q: fw.questions[q].order):
        q = fw.questions[qid]
        credit = float(answers.get(qid, 0.0))
        pts = min((1.0 - credit) * q.max, room[q.indicator])
        room[q.indicator] -= pts
        actions.append(PlanAction(qid, credit, round2(pts), eff[qid]))
    return Plan(total=result.total, target=target, points_needed=need, actions=tuple(actions),
                total_effort=round(sum(a.effort for a in actions), 6), new_total=new.total,
                new_predicate=new.predicate)
