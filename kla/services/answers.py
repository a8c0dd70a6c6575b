"""City-side answers and evidence: permissions, optimistic locking, audit.

Every write runs in one transaction together with its audit row, and bumps the assessment's
``updated_at`` (which invalidates the app's caches).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select, update
from sqlmodel import Session

from kla.evidence import LocalStore, check_upload, display_name
from kla.framework import Framework, get_framework
from kla.models import Answer, Assessment, Assignment, Evidence, Question, utcnow
from kla.models import Framework as FrameworkRow
from kla.scoring import check_credits
from kla.services import audit
from kla.services.permissions import Actor, PermissionDenied, require_answer_edit, \
    require_coordinator, require_scope
from kla.settings import get_settings


class Conflict(Exception):
    """Someone else saved this answer first; nothing was overwritten."""

    def __init__(self, qid: str, credit: float | None, note: str, by: str,
                 at: datetime | None, version: int | None):
        self.qid, self.credit, self.note, self.by, self.at, self.version = (
            qid, credit, note, by, at, version)
        super().__init__(
            f"question {qid}: {by} saved it first (credit {credit}, version {version}); "
            f"your change was not saved — reload and decide")


@dataclass(frozen=True)
class AnswerState:
    credit: float
    note: str
    version: int
    updated_by: str
    updated_at: datetime


def _assessment(s: Session, assessment_id: int) -> Assessment:
    a = s.get(Assessment, assessment_id)
    if a is None:
        raise ValueError(f"unknown assessment {assessment_id}")
    return a


def _framework_of(s: Session, a: Assessment) -> Framework:
    code = s.exec(select(FrameworkRow.code).where(FrameworkRow.id == a.framework_id)
                  ).scalar_one()
    return get_framework(code)


def _question_id(s: Session, a: Assessment, qid: str) -> int:
    qdb = s.exec(select(Question.id).where(Question.framework_id == a.framework_id,
                                           Question.qid == qid)).scalar_one_or_none()
    if qdb is None:
        raise ValueError(f"unknown question id '{qid}'")
    return qdb


def _deadline_passed(a: Assessment, now: datetime) -> bool:
    if a.status != "revision" or a.revision_deadline is None:
        return False
    deadline = a.revision_deadline
    if deadline.tzinfo is None:
        deadline = deadline.replace(tzinfo=now.tzinfo)
    return now > deadline


def check_edit(s: Session, actor: Actor, a: Assessment, fw: Framework, qid: str) -> None:
    agencies = agencies_for_session(s, a.region_kode, fw).get(qid, [])
    require_answer_edit(actor, a.region_kode, a.stage, a.status, agencies)
    if actor.role != "admin" and _deadline_passed(a, utcnow()):
        raise PermissionDenied("the revision deadline has passed: the assessment is locked")


def agencies_for_session(s: Session, region_kode: str, fw: Framework) -> dict[str, list[str]]:
    out = {qid: list(q.opds) for qid, q in fw.questions.items()}
    stmt = (select(Question.qid, Assignment.agencies)
            .join(Question, Question.id == Assignment.question_id)
            .join(FrameworkRow, FrameworkRow.id == Question.framework_id)
            .where(Assignment.region_kode == region_kode, FrameworkRow.code == fw.code))
    for qid, agencies in s.exec(stmt).all():
        out[qid] = list(agencies)
    return out


def agencies_for(engine: Engine, region_kode: str, fw: Framework) -> dict[str, list[str]]:
    """Question id → responsible agencies: the kab/kota's own assignment, else the
    instrument's data-source column."""
    with Session(engine) as s:
        return agencies_for_session(s, region_kode, fw)


def set_agencies(engine: Engine, actor: Actor, region_kode: str, fw: Framework, qid: str,
                 agencies: list[str]) -> None:
    require_coordinator(actor, region_kode)
    agencies = [a.strip() for a in agencies if a.strip()]
    if qid not in fw.questions:
        raise ValueError(f"unknown question id '{qid}'")
    if not agencies:
        raise ValueError(f"question {qid}: at least one agency")
    with Session(engine) as s:
        old = agencies_for_session(s, region_kode, fw)[qid]
        qdb = s.exec(select(Question.id).join(FrameworkRow,
                                              FrameworkRow.id == Question.framework_id)
                     .where(FrameworkRow.code == fw.code, Question.qid == qid)).scalar_one()
        row = s.exec(select(Assignment).where(Assignment.region_kode == region_kode,
                                              Assignment.question_id == qdb)).scalars().first()
        row = row or Assignment(region_kode=region_kode, question_id=qdb)
        row.agencies, row.updated_by, row.updated_at = agencies, actor.username, utcnow()
        s.add(row)
        audit.record(s.connection(), actor, "assignment.set", "question", qid,
                     region_kode=region_kode, agencies=[old, agencies])
        s.commit()


def assessment_status(engine: Engine, assessment_id: int) -> dict:
    with Session(engine) as s:
        a = _assessment(s, assessment_id)
        return {"status": a.status, "deadline": a.revision_deadline,
                "submitted_at": a.submitted_at, "submitted_by": a.submitted_by}


def answer_states(engine: Engine, assessment_id: int) -> dict[str, AnswerState]:
    stmt = (select(Question.qid, Answer.credit, Answer.note, Answer.version, Answer.updated_by,
                   Answer.updated_at)
            .join(Question, Question.id == Answer.question_id)
            .where(Answer.assessment_id == assessment_id))
    with engine.connect() as conn:
        return {r[0]: AnswerState(float(r[1]), r[2], r[3], r[4], r[5])
                for r in conn.execute(stmt)}


def save_answer(engine: Engine, actor: Actor, assessment_id: int, qid: str, credit: float,
                note: str, expected_version: int | None, action: str = "answer.save",
                **audit_detail: object) -> int:
    """Save one answer; returns its new version. The audit row (``action``, old → new, and
    any ``audit_detail``) is written in the same transaction.

    ``expected_version`` is the version the user started from (None: the question had no
    answer). If someone saved in between, ``Conflict`` is raised with their value and nothing
    is written.
    """
    note = (note or "").strip()
    if len(note) > 2000:
        raise ValueError(f"question {qid}, field note: at most 2000 characters")
    with Session(engine) as s:
        a = _assessment(s, assessment_id)
        fw = _framework_of(s, a)
        if qid not in fw.questions:
            raise ValueError(f"unknown question id '{qid}'")
        check_credits(fw, {qid: credit})
        check_edit(s, actor, a, fw, qid)
        qdb = _question_id(s, a, qid)
        now = utcnow()
        current = s.exec(select(Answer).where(Answer.assessment_id == a.id,
                                              Answer.question_id == qdb)).scalars().first()
        if current is None:
            if expected_version is not None:
                raise Conflict(qid, None, "", "(deleted)", None, None)
            s.add(Answer(assessment_id=a.id, question_id=qdb, credit=float(credit), note=note,
                         version=1, updated_by=actor.username, updated_at=now))
            new_version, old = 1, (None, "")
        else:
            old = (current.credit, current.note)
            if expected_version != current.version:
                raise Conflict(qid, current.credit, current.note, current.updated_by,
                               current.updated_at, current.version)
            res = s.connection().execute(update(Answer)
                         .where(Answer.id == current.id, Answer.version == expected_version)
                         .values(credit=float(credit), note=note,
                                 version=Answer.version + 1, updated_by=actor.username,
                                 updated_at=now))
            if res.rowcount != 1:  # lost the race between our read and our write
                s.rollback()
                latest = answer_states(engine, assessment_id)[qid]
                raise Conflict(qid, latest.credit, latest.note, latest.updated_by,
                               latest.updated_at, latest.version)
            new_version = expected_version + 1
        a.updated_at = now
        s.add(a)
        audit.record(s.connection(), actor, action, "answer", qid,
                     region_kode=a.region_kode, assessment_id=a.id,
                     credit=[old[0], float(credit)], note=[old[1], note], **audit_detail)
        try:
            s.commit()
        except Exception as exc:  # a concurrent first answer (unique constraint)
            s.rollback()
            from sqlalchemy.exc import IntegrityError

            if isinstance(exc, IntegrityError):
                latest = answer_states(engine, assessment_id)[qid]
                raise Conflict(qid, latest.credit, latest.note, latest.updated_by,
                               latest.updated_at, latest.version) from None
            raise
        return new_version


def store() -> LocalStore:
    return LocalStore(get_settings().evidence_dir)


def add_evidence(engine: Engine, actor: Actor, assessment_id: int, qid: str, filename: str,
                 data: bytes, evidence_store: LocalStore | None = None) -> dict:
    """Attach a file to an answer. Checked by content and size first; stored once per sha256;
    the database row and its audit entry are written together."""
    settings = get_settings()
    mime = check_upload(filename, data, settings.max_upload_mb * 1024 * 1024)
    shown = display_name(filename)
    with Session(engine) as s:
        a = _assessment(s, assessment_id)
        fw = _framework_of(s, a)
        check_edit(s, actor, a, fw, qid)
        answer = s.exec(select(Answer).join(Question, Question.id == Answer.question_id)
                        .where(Answer.assessment_id == a.id, Question.qid == qid)
                        ).scalars().first()
        if answer is None:
            raise ValueError(f"question {qid}: save an answer before attaching evidence")
        stored = (evidence_store or store()).put(data)
        ev = Evidence(answer_id=answer.id, original_filename=shown, sha256=stored.sha256,
                      size=stored.size, media_type=mime, storage_key=stored.key,
                      uploaded_by=actor.username)
        s.add(ev)
        a.updated_at = utcnow()
        s.add(a)
        s.flush()
        audit.record(s.connection(), actor, "evidence.add", "evidence", ev.id,
                     region_kode=a.region_kode, assessment_id=a.id, question=qid,
                     file=shown, sha256=stored.sha256, size=stored.size)
        s.commit()
        return {"id": ev.id, "sha256": stored.sha256, "new_file": stored.created,
                "media_type": mime, "name": shown}


def list_evidence(engine: Engine, assessment_id: int, include_deleted: bool = False
                  ) -> list[dict]:
    stmt = (select(Evidence, Question.qid).join(Answer, Answer.id == Evidence.answer_id)
            .join(Question, Question.id == Answer.question_id)
            .where(Answer.assessment_id == assessment_id).order_by(Evidence.id))
    if not include_deleted:
        stmt = stmt.where(Evidence.deleted_at.is_(None))
    with Session(engine) as s:
        return [{"id": e.id, "question_id": qid, "name": e.original_filename, "sha256": e.sha256,
                 "size": e.size, "media_type": e.media_type, "storage_key": e.storage_key,
                 "uploaded_by": e.uploaded_by, "uploaded_at": e.uploaded_at,
                 "deleted_at": e.deleted_at, "deleted_by": e.deleted_by}
                for e, qid in s.exec(stmt).all()]


def delete_evidence(engine: Engine, actor: Actor, evidence_id: int) -> None:
    """Hide a file from the answer; the row (and the stored bytes) stay for the history."""
    with Session(engine) as s:
        row = s.exec(select(Evidence, Answer.assessment_id, Question.qid)
                     .join(Answer, Answer.id == Evidence.answer_id)
                     .join(Question, Question.id == Answer.question_id)
                     .where(Evidence.id == evidence_id)).first()
        if row is None:
            raise ValueError(f"unknown evidence {evidence_id}")
        ev, assessment_id, qid = row
        a = _assessment(s, assessment_id)
        check_edit(s, actor, a, _framework_of(s, a), qid)
        if ev.deleted_at is not None:
            return
        ev.deleted_at, ev.deleted_by = utcnow(), actor.username
        a.updated_at = utcnow()
        s.add_all([ev, a])
        audit.record(s.connection(), actor, "evidence.delete", "evidence", ev.id,
                     region_kode=a.region_kode, assessment_id=a.id, question=qid,
                     file=ev.original_filename)
        s.commit()


def read_evidence(engine: Engine, actor: Actor, evidence_id: int) -> tuple[str, str, bytes]:
    """(name, media type, bytes) of a file the actor may see."""
    with Session(engine) as s:
        row = s.exec(select(Evidence, Assessment.region_kode)
                     .join(Answer, Answer.id == Evidence.answer_id)
                     .join(Assessment, Assessment.id == Answer.assessment_id)
                     .where(Evidence.id == evidence_id)).first()
        if row is None:
            raise ValueError(f"unknown evidence {evidence_id}")
        ev, region = row
    require_scope(actor, region)
    return ev.original_filename, ev.media_type, store().read(ev.storage_key)
