"""Agency accountability matrix (issue 16): one row per agency (OPD) of one assessment. Pure.

Per agency: the scored questions assigned to it, how many are answered, how many lack the
evidence they ask for, how many the verifier rejected, the points at stake, the points that
block the next predicate (the agency's questions on the cheapest path, ``kla.domain.planner``)
and its overdue actions (from the action plan, when there is one).

A question with several agencies counts for each of them; the total row counts it once, so the
total row's points at stake are the headline (the framework maximum minus the total) when
``at_stake`` holds every question's row of ``kla.domain.gaps.gap_rows``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from kla.domain.completeness import NO_EVIDENCE, Item
from kla.domain.predicate import round2

NO_AGENCY = "–"  # questions without a responsible agency
REJECT = "reject"


@dataclass(frozen=True)
class QuestionLine:
    """One question of an agency's list (the click-through)."""
    question_id: str
    agencies: tuple[str, ...]
    answered: bool
    credit: float | None  # None: not answered
    evidence: int
    evidence_missing: bool
    review: str | None  # the latest verifier decision (accept, adjust, reject), None: none
    at_stake: float
    blocking: float  # points this question adds on the cheapest path (0: not on it)


@dataclass(frozen=True)
class AgencyRow:
    agency: str
    assigned: int
    answered: int
    evidence_missing: int
    rejected: int
    at_stake: float
    blocking: float
    overdue: int | None  # None: no action plan to count from


@dataclass(frozen=True)
class Matrix:
    rows: tuple[AgencyRow, ...]  # most points at stake first
    total: AgencyRow  # every question once (agency ``""``)
    questions: Mapping[str, tuple[QuestionLine, ...]]  # agency → its questions, most at stake first

    @property
    def shared(self) -> int:
        """Questions in the total that belong to more than one agency."""
        seen = {q.question_id: q for lines in self.questions.values() for q in lines}
        return sum(len(q.agencies) > 1 for q in seen.values())


def _row(agency: str, lines: Sequence[QuestionLine], overdue: int | None) -> AgencyRow:
    return AgencyRow(
        agency=agency, assigned=len(lines), answered=sum(q.answered for q in lines),
        evidence_missing=sum(q.evidence_missing for q in lines),
        rejected=sum(q.review == REJECT for q in lines),
        at_stake=round2(sum(q.at_stake for q in lines)),
        blocking=round2(sum(q.blocking for q in lines)), overdue=overdue)


def agency_matrix(items: Sequence[Item], reviews: Mapping[str, str | None],
                  at_stake: Mapping[str, float], path: Mapping[str, float],
                  overdue: Mapping[str, Collection] | None = None,
                  only: Collection[str] | None = None) -> Matrix:
    """The matrix of one assessment.

    ``items``: the completeness checklist (``kla.domain.completeness.checklist``: every scored
    question with its agencies, answer, credit and evidence; "evidence missing" is its
    ``no_evidence`` problem); ``reviews``: question id → latest verifier decision;
    ``at_stake``: question id → points at stake (``gap_rows``); ``path``: question id → the
    points it adds on the cheapest path to the next predicate (empty at the top); ``overdue``:
    agency → ids of its overdue actions (None: no action plan, the column stays empty; an
    action of several agencies counts once in the total); ``only``: keep only these agencies
    (an agency account sees its own rows; the total then counts only their questions)."""
    keep = None if only is None else set(only)
    lines: dict[str, list[QuestionLine]] = {}
    for it in items:
        agencies = tuple(it.agencies) or (NO_AGENCY,)
        mine = [a for a in agencies if keep is None or a in keep]
        if not mine:
            continue
        line = QuestionLine(
            question_id=it.question_id, agencies=tuple(it.agencies), answered=it.answered,
            credit=it.credit if it.answered else None, evidence=it.evidence,
            evidence_missing=it.problem == NO_EVIDENCE, review=reviews.get(it.question_id),
            at_stake=float(at_stake.get(it.question_id, 0.0)),
            blocking=float(path.get(it.question_id, 0.0)))
        for a in mine:
            lines.setdefault(a, []).append(line)
    late = None if overdue is None else {a: set(ids) for a, ids in overdue.items()
                                         if keep is None or a in keep}
    for a in late or {}:  # an agency with overdue actions but no question still gets a row
        lines.setdefault(a, [])
    for v in lines.values():
        v.sort(key=lambda q: (-q.at_stake, -q.blocking))
    rows = sorted((_row(a, v, None if late is None else len(late.get(a, ())))
                   for a, v in lines.items()),
                  key=lambda r: (-r.at_stake, -r.blocking, r.agency.lower()))
    once = list({q.question_id: q for v in lines.values() for q in v}.values())
    total = _row("", once, None if late is None else len(set().union(*late.values())))
    return Matrix(tuple(rows), total, {a: tuple(v) for a, v in lines.items()})


def double_counted(matrix: Matrix) -> float:
    """Points at stake counted more than once in the agency rows (a question shared by n
    agencies counts n − 1 extra times): the agency rows add up to the total plus this."""
    seen = {q.question_id: q for v in matrix.questions.values() for q in v}
    counted: dict[str, int] = {}
    for v in matrix.questions.values():
        for q in v:
            counted[q.question_id] = counted.get(q.question_id, 0) + 1
    return round2(sum((counted[k] - 1) * q.at_stake for k, q in seen.items()))
