"""Planning data: answer details, city history, stored efforts and what-if scenarios."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import Engine, delete, func, select
from sqlmodel import Session

from kla.domain.framework import Framework, get_framework
from kla.domain.progress import Row
from kla.domain.scoring import check_credits
from kla.i18n import Msg, Refusal
from kla.services import audit
from kla.services.assessments import (
    AssessmentInfo,
    list_assessments,
    require_assessment,
    stored_results,
)
from kla.services.permissions import Actor, require, require_visible
from kla.services.reference import upsert
from kla.store.models import Answer, Effort, Evidence, Question, Scenario, utcnow
from kla.store.models import Framework as FrameworkRow

NAME_MAX = 80


class PlanningError(Refusal):
    """Bad planner input; each message names the question and the field."""


@dataclass(frozen=True)
class AnswerDetails:
    credits: dict[str, float]
    notes: dict[str, str]
    evidence: dict[str, int]  # live (not deleted) evidence files per question

    @property
    def has_evidence(self) -> bool:
        return any(self.evidence.values())


def answer_details(engine: Engine, actor: Actor, assessment_id: int) -> AnswerDetails:
    ev = (select(Evidence.answer_id, func.count(Evidence.id).label("n"))
          .where(Evidence.deleted_at.is_(None)).group_by(Evidence.answer_id).subquery())
    stmt = (select(Question.qid, Answer.credit, Answer.note, ev.c.n)
            .join(Question, Question.id == Answer.question_id)
            .outerjoin(ev, ev.c.answer_id == Answer.id)
            .where(Answer.assessment_id == assessment_id))
    credits, notes, evidence = {}, {}, {}
    with engine.connect() as conn:
        require_assessment(conn, actor, assessment_id)
        for qid, credit, note, n in conn.execute(stmt):
            credits[qid] = float(credit)
            if note:
                notes[qid] = note
            evidence[qid] = int(n or 0)
    return AnswerDetails(credits, notes, evidence)


def city_history(engine: Engine, actor: Actor, region_kode: str
                 ) -> list[tuple[AssessmentInfo, Row]]:
    """Every assessment of a kab/kota with its stored score: (info, (year, stage, result))."""
    infos = list_assessments(engine, actor, region_kode)
    results = stored_results(engine, actor, infos)
    return [(a, (a.year, a.stage, results[a.id])) for a in infos]


def _framework_id(s: Session, fw: Framework) -> int:
    fid = s.exec(select(FrameworkRow.id).where(FrameworkRow.code == fw.code)).scalar_one_or_none()
    if fid is None:
        raise PlanningError(Msg("err.framework_not_loaded", code=fw.code))
    return fid


def stored_efforts(engine: Engine, actor: Actor, region_kode: str, fw: Framework
                   ) -> dict[str, float]:
    """The city's own efforts (only the questions it has set)."""
    require_visible(actor, region_kode)
    stmt = (select(Question.qid, Effort.effort).join(Question, Question.id == Effort.question_id)
            .join(FrameworkRow, FrameworkRow.id == Question.framework_id)
            .where(Effort.region_kode == region_kode, FrameworkRow.code == fw.code))
    with engine.connect() as conn:
        return {qid: float(e) for qid, e in conn.execute(stmt)}


def save_efforts(engine: Engine, actor: Actor, region_kode: str, fw: Framework,
                 efforts: dict[str, float]) -> int:
    """Store efforts for a city in one transaction (coordinator or admin of the city); every
    value is checked first."""
    require(actor, "planning.write", region_kode)
    user = actor.username
    errors = []
    for qid, e in efforts.items():
        if qid not in fw.questions:
            errors.append(Msg("err.effort_question_unknown", qid=qid))
        elif not isinstance(e, int | float) or not math.isfinite(e) or e <= 0:
            errors.append(Msg("err.effort_positive", qid=qid, value=str(e)))
    if errors:
        raise PlanningError(*errors)
    with Session(engine) as s:
        fid = _framework_id(s, fw)
        qids = dict(s.exec(select(Question.qid, Question.id)
                           .where(Question.framework_id == fid)).all())
        now = utcnow()
        rows = [{"region_kode": region_kode, "question_id": qids[q], "effort": float(e),
                 "updated_by": user, "updated_at": now} for q, e in efforts.items()]
        if rows:
            upsert(s.connection(), Effort.__table__, rows, ["region_kode", "question_id"])
            audit.record(s.connection(), actor, "effort.save", "effort",
                         region_kode, region_kode=region_kode,
                         efforts={q: float(e) for q, e in efforts.items()})
        s.commit()
    return len(efforts)


def reset_efforts(engine: Engine, actor: Actor, region_kode: str) -> None:
    require(actor, "planning.write", region_kode)
    with Session(engine) as s:
        s.exec(delete(Effort).where(Effort.region_kode == region_kode))
        audit.record(s.connection(), actor, "effort.reset", "effort",
                     region_kode, region_kode=region_kode)
        s.commit()


def list_scenarios(engine: Engine, actor: Actor, assessment_id: int) -> list[dict]:
    with Session(engine) as s:
        require_assessment(s, actor, assessment_id)
        rows = s.exec(select(Scenario).where(Scenario.assessment_id == assessment_id)
                      .order_by(Scenario.name)).scalars().all()
        return [{"name": r.name, "changes": dict(r.changes), "created_by": r.created_by,
                 "updated_at": r.updated_at} for r in rows]


def save_scenario(engine: Engine, actor: Actor, info: AssessmentInfo, name: str,
                  changes: dict[str, float]) -> None:
    """Create or replace the scenario ``name`` of an assessment (coordinator or admin)."""
    name = (name or "").strip()
    if not name:
        raise PlanningError(Msg("err.scenario_name"))
    if len(name) > NAME_MAX:
        raise PlanningError(Msg("err.scenario_name_long", n=NAME_MAX))
    try:
        check_credits(get_framework(info.framework), changes)
    except ValueError as exc:
        raise PlanningError(*(getattr(exc, "errors", None) or [str(exc)])) from None
    with Session(engine) as s:
        require(actor, "planning.write", require_assessment(s, actor, info.id))
        row = s.exec(select(Scenario).where(Scenario.assessment_id == info.id,
                                            Scenario.name == name)).scalars().first()
        if row is None:
            row = Scenario(assessment_id=info.id, name=name, created_by=actor.username)
        old = dict(row.changes or {})
        row.changes = {q: float(c) for q, c in changes.items()}
        row.updated_at = utcnow()
        s.add(row)
        audit.record(s.connection(), actor, "scenario.save", "scenario", name,
                     region_kode=info.region_kode, assessment_id=info.id,
                     changes=[old, row.changes])
        s.commit()


def delete_scenario(engine: Engine, actor: Actor, assessment_id: int, name: str) -> None:
    with Session(engine) as s:
        region = require_assessment(s, actor, assessment_id)
        require(actor, "planning.write", region)
        s.exec(delete(Scenario).where(Scenario.assessment_id == assessment_id,
                                      Scenario.name == name))
        audit.record(s.connection(), actor, "scenario.delete", "scenario", name,
                     region_kode=region, assessment_id=assessment_id)
        s.commit()
