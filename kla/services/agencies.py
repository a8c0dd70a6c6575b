"""The agency accountability matrix of one assessment (issue 16), composed from the store for
those who may see it: every read below checks the assessment's own region; an agency account
(``opd``) gets only the rows of its own agencies."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sqlalchemy import Engine

from kla.domain.agency_matrix import Matrix, agency_matrix
from kla.domain.completeness import checklist
from kla.domain.framework import get_framework
from kla.domain.gaps import question_losses
from kla.domain.planner import Unreachable, plan
from kla.domain.scoring import score
from kla.services import answers, planning, workflow
from kla.services.assessments import AssessmentInfo, list_assessments, require_assessment
from kla.services.permissions import Actor


@dataclass(frozen=True)
class AgencyMatrix:
    info: AssessmentInfo
    matrix: Matrix
    total: float  # the assessment's total, scored from its answers
    headline: float  # points at stake: the framework maximum minus the total
    target: str | None  # the next predicate (None: at the top)
    reachable: bool  # the cheapest path to ``target`` exists
    evidence_from: str  # the stage whose evidence files are counted (the year's EM)
    own_only: bool  # only the actor's own agencies (an agency account)


def agency_matrix_of(engine: Engine, actor: Actor, assessment_id: int,
                     overdue: Mapping[str, Collection] | None = None) -> AgencyMatrix:
    """Per agency (OPD) of one assessment: questions assigned, answered, evidence missing,
    rejected at verification, points at stake, points on the cheapest path to the next
    predicate, overdue actions (``overdue``: agency → ids of its overdue actions; None: no
    action plan). Evidence is uploaded to the year's self-assessment (EM): a verification
    stage counts those files. Rejected: the latest verifier decision of the year is "reject".
    Raises ``PermissionDenied`` for an assessment the actor may not see."""
    with engine.connect() as conn:
        region = require_assessment(conn, actor, assessment_id)
    infos = list_assessments(engine, actor, region)
    info = next(a for a in infos if a.id == assessment_id)
    fw = get_framework(info.framework)
    details = planning.answer_details(engine, actor, info.id)
    em = next((a for a in infos if a.year == info.year and a.stage == "EM"), info)
    evidence = details.evidence if em.id == info.id else \
        planning.answer_details(engine, actor, em.id).evidence
    items = checklist(fw, details.credits, evidence,
                      answers.agencies_for(engine, actor, region, fw))
    result = score(fw, details.credits)
    at_stake = {q: c / 100 for q, c in question_losses(fw, details.credits, result).items()}
    reviews = {q: r["decision"]
               for q, r in workflow.reviews_for_year(engine, actor, region, info.year).items()}
    path: dict[str, float] = {}
    reachable = True
    if result.next_predicate is not None:
        try:
            cheapest = plan(fw, details.credits, result.next_predicate,
                            planning.stored_efforts(engine, actor, region, fw))
            path = {a.question_id: a.points for a in cheapest.actions}
        except Unreachable:
            reachable = False
    if overdue is None:
        overdue = _overdue_actions(engine, actor, region, info.year)
    own = actor.role == "opd"
    matrix = agency_matrix(items, reviews, at_stake, path, overdue,
                           only=actor.agencies if own else None)
    return AgencyMatrix(info, matrix, result.total, round(fw.total_max - result.total, 2),
                        result.next_predicate, reachable, em.stage, own)


def _overdue_actions(engine: Engine, actor: Actor, region: str, year: int
                     ) -> dict[str, list[int]] | None:
    """Agency → ids of its overdue actions in the year's action plan (RAD KLA, today in
    ``KLA_TIMEZONE``); None when the city has no action plan that year (the column is hidden).
    An action's OPD field may name several agencies separated by ";"."""
    from kla.domain.action_plan import is_overdue
    from kla.services.action_plan import list_actions
    from kla.settings import local_today

    actions = list_actions(engine, actor, region, year)
    if not actions:
        return None
    today = local_today()
    out: dict[str, list[int]] = {}
    for a in actions:
        if is_overdue(a["status"], a["due_date"], today):
            for opd in (o.strip() for o in (a["opd"] or "").split(";")):
                if opd:
                    out.setdefault(opd, []).append(a["id"])
    return out
