"""Stages of one evaluation year: EM (self-assessment) → submitted → VA → VL → FINAL.

- The coordinator submits the EM once the completeness gate passes; it is then locked.
- A verifier opens a verification stage: its credits and notes are copied from the previous
  stage, so every stage keeps its own credits and score.
- Per answer the verifier accepts, adjusts the credit or rejects (credit 0) with a reason.
- The verifier may send the self-assessment back for revision: the city edits again until the
  deadline (default 48 hours), sees every reason, and resubmits.
- Completing a stage closes it (FINAL: the year's final score).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, select
from sqlmodel import Session

from kla.domain.completeness import Item, checklist, is_complete
from kla.domain.framework import STAGES
from kla.i18n import Msg, Refusal
from kla.services import audit, scores
from kla.services.answers import (
    _agencies_for_session,
    _assessment,
    _commit,
    _conflict_now,
    _framework_of,
    _LostRace,
    _write_answer,
)
from kla.services.permissions import Actor, require, require_visible
from kla.store.models import DECISIONS, Answer, Assessment, Question, Review, utcnow

MAX_REVISION_HOURS = 30 * 24  # a revision window is at least an hour and at most 30 days


class GateError(ValueError):
    """Submission refused: ``items`` are the incomplete questions."""

    def __init__(self, items: list[Item]):
        self.items = items
        super().__init__(Msg("err.gate", n=len(items),
                             ids=", ".join(i.question_id for i in items[:10])
                             + (" …" if len(items) > 10 else "")))


class StageError(ValueError):
    """The stage cannot move this way now."""


def completeness(engine: Engine, actor: Actor, assessment_id: int) -> list[Item]:
    from kla.services.planning import answer_details

    with Session(engine) as s:
        a = _assessment(s, assessment_id)
        require_visible(actor, a.region_kode)
        fw = _framework_of(s, a)
        agencies = _agencies_for_session(s, a.region_kode, fw)
    details = answer_details(engine, actor, assessment_id)
    return checklist(fw, details.credits, details.evidence, agencies)


def submit(engine: Engine, actor: Actor, assessment_id: int) -> None:
    """Submit the self-assessment when the gate (``completeness``) passes. Evidence validity
    flags (``evidence_meta.validity_report``) are warnings, never part of the gate: they rest
    on what the city typed, and the verifiers decide (docs/workflow.md)."""
    items = completeness(engine, actor, assessment_id)
    with Session(engine) as s:
        a = _assessment(s, assessment_id)
        require(actor, "assessment.submit", a.region_kode)
        if a.stage != "EM" or a.status not in ("draft", "revision"):
            raise StageError(Msg("err.submit_only_em", stage=a.stage,
                                 status=Msg(f"status.{a.status}")))
        if not is_complete(items):
            raise GateError([i for i in items if not i.complete])
        old = a.status
        a.status, a.submitted_at, a.submitted_by = "submitted", utcnow(), actor.username
        a.revision_deadline = None
        a.updated_at = utcnow()
        s.add(a)
        audit.record(s.connection(), actor, "assessment.submit", "assessment", a.id,
                     region_kode=a.region_kode, assessment_id=a.id, status=[old, "submitted"])
        s.commit()


def _stage_row(s: Session, region: str, year: int, stage: str) -> Assessment | None:
    return s.exec(select(Assessment).where(Assessment.region_kode == region,
                                           Assessment.year == year,
                                           Assessment.stage == stage)).scalars().first()


def open_stage(engine: Engine, actor: Actor, region_kode: str, year: int, stage: str) -> int:
    """Open VA, VL or FINAL by copying the previous stage's credits and notes."""
    require(actor, "stage.verify", region_kode)
    if stage not in STAGES[1:]:
        raise StageError(Msg("err.open_which", stage=stage))
    prev_stage = STAGES[STAGES.index(stage) - 1]
    with Session(engine) as s:
        prev = _stage_row(s, region_kode, year, prev_stage)
        ready = ("submitted",) if prev_stage == "EM" else ("verified",)
        if prev is None or prev.status not in ready:
            raise StageError(Msg("err.open_prev", prev=prev_stage, year=year, stage=stage,
                                 ready=Msg(f"status.{ready[0]}"),
                                 now=Msg(f"status.{prev.status}") if prev
                                 else Msg("err.stage_missing")))
        if _stage_row(s, region_kode, year, stage) is not None:
            raise StageError(Msg("err.stage_open_already", stage=stage, year=year))
        now = utcnow()
        new = Assessment(region_kode=region_kode, framework_id=prev.framework_id, year=year,
                         stage=stage, status="in_review", is_sample=prev.is_sample)
        s.add(new)
        s.flush()
        rows = s.exec(select(Answer.question_id, Answer.credit, Answer.note)
                      .where(Answer.assessment_id == prev.id)).all()
        if rows:
            s.connection().execute(Answer.__table__.insert(), [
                {"assessment_id": new.id, "question_id": q, "credit": c, "note": n,
                 "version": 1, "updated_by": actor.username, "updated_at": now}
                for q, c, n in rows])
        scores.touch(s, new.id)  # the copy's stored score, in this transaction
        audit.record(s.connection(), actor, "stage.open", "assessment", new.id,
                     region_kode=region_kode, assessment_id=new.id, stage=stage,
                     copied_from=prev.id, answers=len(rows))
        s.commit()
        return new.id


def _claimed(s: Session, a: Assessment, question_id: int) -> tuple[float, str] | None:
    """What the stage before ``a`` holds now for a question (for VA: the city's self-assessment,
    which the city may have corrected during a revision): (credit, note), or None."""
    prev = _stage_row(s, a.region_kode, a.year, STAGES[STAGES.index(a.stage) - 1])
    if prev is None:
        return None
    row = s.exec(select(Answer.credit, Answer.note).where(
        Answer.assessment_id == prev.id, Answer.question_id == question_id)).first()
    return (float(row[0]), row[1]) if row else None


def _review_one(s: Session, actor: Actor, a: Assessment, qid: str, decision: str,
                credit: float | None, reason: str, expected_version: int | None) -> int:
    """One decision in the caller's transaction: the stage's answer through the one answer
    writer (version checked, audited) and the Review row. ``accept`` takes what the stage
    before holds now — after a revision that is the city's corrected credit and note."""
    answer = s.exec(select(Answer).join(Question, Question.id == Answer.question_id)
                    .where(Answer.assessment_id == a.id, Question.qid == qid)).scalars().first()
    if answer is None:
        raise Refusal(Msg("err.review_no_answer", qid=qid))
    before, note = answer.credit, answer.note
    if decision == "accept":
        claimed = _claimed(s, a, answer.question_id)
        after, note = claimed if claimed is not None else (before, note)
    else:
        after = 0.0 if decision == "reject" else credit
    if after is None or isinstance(after, bool) or not 0 <= float(after) <= 1:
        raise Refusal(Msg("err.review_credit", qid=qid))
    version = answer.version if expected_version is None else expected_version
    new_version = _write_answer(s, actor, a, answer.question_id, qid, float(after), note,
                                version, f"review.{decision}", utcnow(), reason=reason)
    s.add(Review(assessment_id=a.id, question_id=answer.question_id, decision=decision,
                 reason=reason, credit_before=before, credit_after=float(after),
                 reviewer=actor.username))
    return new_version


def _open_review(s: Session, actor: Actor, assessment_id: int) -> Assessment:
    a = _assessment(s, assessment_id)
    require(actor, "stage.verify", a.region_kode)
    if a.stage == "EM" or a.status != "in_review":
        raise StageError(Msg("err.review_not_open", stage=a.stage,
                             status=Msg(f"status.{a.status}")))
    return a


def review_answer(engine: Engine, actor: Actor, assessment_id: int, qid: str, decision: str,
                  credit: float | None = None, reason: str = "",
                  expected_version: int | None = None) -> int:
    """Accept, adjust or reject one answer of an open verification stage; returns the
    answer's new version. ``accept`` takes the credit the stage before holds now (the city's
    corrected credit after a revision); ``reject`` sets 0; ``adjust`` sets ``credit``.
    ``expected_version`` is the version the verifier judged: if the answer changed since,
    ``Conflict`` is raised and nothing is written (None: judge whatever is stored now, as
    the command line does)."""
    reason = (reason or "").strip()
    if decision not in DECISIONS:
        raise Refusal(Msg("err.decision_unknown", decision=str(decision)))
    if decision in ("adjust", "reject") and not reason:
        raise Refusal(Msg("err.reason_required", qid=qid, decision=Msg(f"decision.{decision}")))
    with Session(engine) as s:
        a = _open_review(s, actor, assessment_id)
        try:
            new_version = _review_one(s, actor, a, qid, decision, credit, reason,
                                      expected_version)
        except _LostRace:
            s.rollback()
            raise _conflict_now(engine, assessment_id, qid) from None
        _commit(s, engine, assessment_id, qid)
        return new_version


def accept_many(engine: Engine, actor: Actor, assessment_id: int,
                versions: dict[str, int | None]) -> int:
    """Accept several answers at once (``versions``: question id → the version the verifier
    saw), in one transaction: all accepted, or — when one changed meanwhile — none
    (``Conflict``). Returns how many were accepted."""
    with Session(engine) as s:
        a = _open_review(s, actor, assessment_id)
        qid = ""
        try:
            for qid, version in versions.items():
                _review_one(s, actor, a, qid, "accept", None, "", version)
        except _LostRace:
            s.rollback()
            raise _conflict_now(engine, assessment_id, qid) from None
        _commit(s, engine, assessment_id, qid)
        return len(versions)


def review_queue(engine: Engine, actor: Actor, assessment_id: int) -> list[dict]:
    """Every answer of a verification stage with where it stands for the verifier:
    ``unreviewed`` (no decision in this stage yet), ``revised`` (rejected or adjusted here,
    and the stage before changed since: the city's fix waits), ``rejected``, ``adjusted``,
    ``accepted``; with the stage's credit, what the stage before claims now, and the version."""
    with Session(engine) as s:
        a = _assessment(s, assessment_id)
        require_visible(actor, a.region_kode)
        prev = _stage_row(s, a.region_kode, a.year, STAGES[STAGES.index(a.stage) - 1]) \
            if a.stage != "EM" else None
        mine = {q: (c, v) for q, c, v in s.exec(
            select(Question.qid, Answer.credit, Answer.version)
            .join(Question, Question.id == Answer.question_id)
            .where(Answer.assessment_id == a.id)).all()}
        claimed = {} if prev is None else {q: (c, at) for q, c, at in s.exec(
            select(Question.qid, Answer.credit, Answer.updated_at)
            .join(Question, Question.id == Answer.question_id)
            .where(Answer.assessment_id == prev.id)).all()}
        last: dict[str, tuple[str, object]] = {}
        for q, decision, at in s.exec(
                select(Question.qid, Review.decision, Review.at)
                .join(Question, Question.id == Review.question_id)
                .where(Review.assessment_id == a.id).order_by(Review.id)).all():
            last[q] = (decision, at)
    out = []
    for q, (credit, version) in mine.items():
        decision, at = last.get(q, (None, None))
        state = {"accept": "accepted", "adjust": "adjusted", "reject": "rejected",
                 None: "unreviewed"}[decision]
        city = claimed.get(q)
        if decision in ("reject", "adjust") and city is not None and at is not None \
                and _after(city[1], at):
            state = "revised"
        out.append({"question_id": q, "state": state, "credit": float(credit),
                    "claimed": float(city[0]) if city else None, "version": version})
    return out


def _after(a, b) -> bool:
    """``a`` later than ``b`` (stored timestamps may come back naive on SQLite)."""
    if (a.tzinfo is None) != (b.tzinfo is None):
        a, b = a.replace(tzinfo=None), b.replace(tzinfo=None)
    return a > b


def request_revision(engine: Engine, actor: Actor, assessment_id: int,
                     hours: int | None = None) -> datetime:
    """Send the year's self-assessment back to the city until a deadline."""
    from kla.settings import get_settings

    hours = get_settings().revision_hours if hours is None else hours
    if isinstance(hours, bool) or not isinstance(hours, int | float) or \
            not 1 <= hours <= MAX_REVISION_HOURS:
        raise Refusal(Msg("err.revision_hours", max=MAX_REVISION_HOURS, hours=str(hours)))
    with Session(engine) as s:
        review = _assessment(s, assessment_id)
        require(actor, "stage.verify", review.region_kode)
        em = _stage_row(s, review.region_kode, review.year, "EM")
        if em is None or em.status != "submitted":
            raise StageError(Msg("err.send_back_unsubmitted"))
        deadline = utcnow() + timedelta(hours=hours)
        em.status, em.revision_deadline, em.updated_at = "revision", deadline, utcnow()
        s.add(em)
        audit.record(s.connection(), actor, "assessment.revision", "assessment", em.id,
                     region_kode=em.region_kode, assessment_id=em.id,
                     status=["submitted", "revision"], deadline=deadline.isoformat())
        s.commit()
        return deadline


def complete_stage(engine: Engine, actor: Actor, assessment_id: int) -> None:
    with Session(engine) as s:
        a = _assessment(s, assessment_id)
        require(actor, "stage.verify", a.region_kode)
        if a.status != "in_review":
            raise StageError(Msg("err.complete_not_in_review", stage=a.stage,
                                 status=Msg(f"status.{a.status}")))
        new = "final" if a.stage == "FINAL" else "verified"
        a.status, a.updated_at = new, utcnow()
        s.add(a)
        audit.record(s.connection(), actor, "stage.complete", "assessment", a.id,
                     region_kode=a.region_kode, assessment_id=a.id, status=["in_review", new])
        s.commit()


def reviews_for_year(engine: Engine, actor: Actor, region_kode: str, year: int
                     ) -> dict[str, dict]:
    """The latest verifier decision per question over the year's verification stages."""
    require_visible(actor, region_kode)
    with Session(engine) as s:
        return {qid: {"decision": r.decision, "reason": r.reason, "stage": stage,
                      "reviewer": r.reviewer, "at": r.at, "credit_before": r.credit_before,
                      "credit_after": r.credit_after}
                for qid, (r, stage) in _latest_reviews(s, region_kode, year).items()}


def _latest_reviews(s: Session, region_kode: str, year: int) -> dict[str, tuple[Review, str]]:
    """Question → (its latest review, that review's stage) over the year's verification
    stages; the caller has checked visibility."""
    stmt = (select(Question.qid, Review, Assessment.stage)
            .join(Assessment, Assessment.id == Review.assessment_id)
            .join(Question, Question.id == Review.question_id)
            .where(Assessment.region_kode == region_kode, Assessment.year == year)
            .order_by(Review.id))
    return {qid: (r, stage) for qid, r, stage in s.exec(stmt).all()}
