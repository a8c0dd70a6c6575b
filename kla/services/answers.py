"""City-side answers and evidence: permissions, optimistic locking, audit.

Every write runs in one transaction together with its audit row, and bumps the assessment's
``updated_at`` (which invalidates the app's caches).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from kla.domain.framework import Framework, get_framework
from kla.domain.scoring import check_credits
from kla.domain.text import NOTE_MAX, control_char, note_text
from kla.i18n import Msg, Refusal
from kla.services import audit, scores
from kla.services.assessments import require_assessment
from kla.services.permissions import (
    Actor,
    PermissionDenied,
    Target,
    require,
    require_visible,
    visible,
)
from kla.settings import get_settings
from kla.store.evidence import EvidenceError, LocalStore, check_upload, display_name
from kla.store.models import Answer, Assessment, Assignment, Evidence, Question, utcnow
from kla.store.models import Framework as FrameworkRow


class EvidenceMissing(Refusal):
    """The evidence row is there but its file is gone from the store (a database restored
    without its evidence files, a damaged disk): there is nothing to read. Pages show it as
    "berkas hilang dari penyimpanan" (``list_evidence`` marks such files ``missing``)."""


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
        raise Refusal(Msg("err.assessment_unknown", id=assessment_id))
    return a


def _framework_of(s: Session, a: Assessment) -> Framework:
    code = s.exec(select(FrameworkRow.code).where(FrameworkRow.id == a.framework_id)
                  ).scalar_one()
    return get_framework(code)


def _question_id(s: Session, a: Assessment, qid: str) -> int:
    qdb = s.exec(select(Question.id).where(Question.framework_id == a.framework_id,
                                           Question.qid == qid)).scalar_one_or_none()
    if qdb is None:
        raise Refusal(Msg("err.question_unknown", qid=qid))
    return qdb


def _deadline_passed(a: Assessment, now: datetime) -> bool:
    if a.status != "revision" or a.revision_deadline is None:
        return False
    deadline = a.revision_deadline
    if deadline.tzinfo is None:
        deadline = deadline.replace(tzinfo=now.tzinfo)
    return now > deadline


def _check_edit(s: Session, actor: Actor, a: Assessment, fw: Framework, qid: str) -> None:
    agencies = _agencies_for_session(s, a.region_kode, fw).get(qid, [])
    require(actor, "answer.edit", Target(a.region_kode, a.stage, a.status, tuple(agencies)))
    if actor.role != "admin" and _deadline_passed(a, utcnow()):
        raise PermissionDenied(Msg("err.revision_over"))


def _agencies_for_session(s: Session, region_kode: str, fw: Framework) -> dict[str, list[str]]:
    out = {qid: list(q.opds) for qid, q in fw.questions.items()}
    stmt = (select(Question.qid, Assignment.agencies)
            .join(Question, Question.id == Assignment.question_id)
            .join(FrameworkRow, FrameworkRow.id == Question.framework_id)
            .where(Assignment.region_kode == region_kode, FrameworkRow.code == fw.code))
    for qid, agencies in s.exec(stmt).all():
        out[qid] = list(agencies)
    return out


def agencies_for(engine: Engine, actor: Actor, region_kode: str, fw: Framework
                 ) -> dict[str, list[str]]:
    """Question id → responsible agencies: the kab/kota's own assignment, else the
    instrument's data-source column."""
    require_visible(actor, region_kode)
    with Session(engine) as s:
        return _agencies_for_session(s, region_kode, fw)


def set_agencies(engine: Engine, actor: Actor, region_kode: str, fw: Framework, qid: str,
                 agencies: list[str]) -> None:
    require(actor, "assignment.set", region_kode)
    agencies = [a.strip() for a in agencies if a.strip()]
    if qid not in fw.questions:
        raise Refusal(Msg("err.question_unknown", qid=qid))
    if not agencies:
        raise Refusal(Msg("err.assign_one_agency", qid=qid))
    with Session(engine) as s:
        old = _agencies_for_session(s, region_kode, fw)[qid]
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


def assessment_status(engine: Engine, actor: Actor, assessment_id: int) -> dict:
    with Session(engine) as s:
        a = _assessment(s, assessment_id)
        require_visible(actor, a.region_kode)
        # the deadline rule of every write (_check_edit), for pages to explain a lock
        over = actor.role != "admin" and _deadline_passed(a, utcnow())
        return {"status": a.status, "deadline": a.revision_deadline,
                "submitted_at": a.submitted_at, "submitted_by": a.submitted_by,
                "deadline_over": over}


def _states(conn, assessment_id: int) -> dict[str, AnswerState]:
    stmt = (select(Question.qid, Answer.credit, Answer.note, Answer.version, Answer.updated_by,
                   Answer.updated_at)
            .join(Question, Question.id == Answer.question_id)
            .where(Answer.assessment_id == assessment_id))
    return {r[0]: AnswerState(float(r[1]), r[2], r[3], r[4], r[5])
            for r in conn.execute(stmt)}


def answer_states(engine: Engine, actor: Actor, assessment_id: int) -> dict[str, AnswerState]:
    with engine.connect() as conn:
        require_assessment(conn, actor, assessment_id)
        return _states(conn, assessment_id)


def _conflict_now(engine: Engine, assessment_id: int, qid: str) -> Conflict:
    """The conflict to report, with the value that is stored now."""
    with engine.connect() as conn:
        latest = _states(conn, assessment_id).get(qid)
    if latest is None:
        return Conflict(qid, None, "", "(deleted)", None, None)
    return Conflict(qid, latest.credit, latest.note, latest.updated_by, latest.updated_at,
                    latest.version)


def _write_answer(s: Session, actor: Actor, a: Assessment, question_id: int, qid: str,
                  credit: float, note: str, expected_version: int | None, action: str,
                  now: datetime, **audit_detail: object) -> int:
    """The one answer writer (city edits, Excel import, verifier reviews): writes only if the
    stored version is still ``expected_version`` (None: no answer yet), bumps the version,
    touches the assessment and records the audit row, all in the caller's transaction.
    Raises ``Conflict`` (nothing written) when someone saved in between. Permission checks
    are the caller's: each writer has its own action. A note that cannot be stored (too long,
    a control character: PostgreSQL refuses NUL) is refused here too, whatever the path."""
    if len(note) > NOTE_MAX or control_char(note):
        raise Refusal(Msg("err.note_control", qid=qid, char=control_char(note))
                      if control_char(note) else Msg("err.note_too_long", qid=qid, n=NOTE_MAX))
    current = s.exec(select(Answer).where(Answer.assessment_id == a.id,
                                          Answer.question_id == question_id)).scalars().first()
    if current is None:
        if expected_version is not None:
            raise Conflict(qid, None, "", "(deleted)", None, None)
        s.add(Answer(assessment_id=a.id, question_id=question_id, credit=float(credit),
                     note=note, version=1, updated_by=actor.username, updated_at=now))
        new_version, old = 1, (None, "")
    else:
        old = (current.credit, current.note)
        if expected_version != current.version:
            raise Conflict(qid, current.credit, current.note, current.updated_by,
                           current.updated_at, current.version)
        res = s.connection().execute(
            update(Answer).where(Answer.id == current.id, Answer.version == expected_version)
            .values(credit=float(credit), note=note, version=Answer.version + 1,
                    updated_by=actor.username, updated_at=now))
        if res.rowcount != 1:  # lost the race between our read and our write
            raise _LostRace(qid)
        new_version = expected_version + 1
    a.updated_at = now
    s.add(a)
    scores.touch(s, a.id)  # its stored score is recomputed before this transaction commits
    audit.record(s.connection(), actor, action, "answer", qid, region_kode=a.region_kode,
                 assessment_id=a.id, credit=[old[0], float(credit)], note=[old[1], note],
                 version=[expected_version, new_version], **audit_detail)
    return new_version


class _LostRace(Exception):
    """The guarded UPDATE found another version: the caller reports what is stored now."""


def _commit(s: Session, engine: Engine, assessment_id: int, qid: str) -> None:
    """Commit; a concurrent first answer to the same question (unique constraint) or a lost
    version race becomes a ``Conflict`` naming what is stored now."""
    try:
        s.commit()
    except IntegrityError:
        s.rollback()
        raise _conflict_now(engine, assessment_id, qid) from None


def save_answer(engine: Engine, actor: Actor, assessment_id: int, qid: str, credit: float,
                note: str, expected_version: int | None, action: str = "answer.save",
                **audit_detail: object) -> int:
    """Save one answer; returns its new version. The audit row (``action``, old → new, and
    any ``audit_detail``) is written in the same transaction.

    ``expected_version`` is the version the user started from (None: the question had no
    answer). If someone saved in between, ``Conflict`` is raised with their value and nothing
    is written.
    """
    note = note_text(note)  # line breaks (Word's \x0b too) as \n; control characters refused
    if len(note) > NOTE_MAX:
        raise Refusal(Msg("err.note_too_long", qid=qid, n=NOTE_MAX))
    if control_char(note):
        raise Refusal(Msg("err.note_control", qid=qid, char=control_char(note)))
    with Session(engine) as s:
        a = _assessment(s, assessment_id)
        fw = _framework_of(s, a)
        if qid not in fw.questions:
            raise Refusal(Msg("err.question_unknown", qid=qid))
        check_credits(fw, {qid: credit})
        _check_edit(s, actor, a, fw, qid)
        try:
            version = _write_answer(s, actor, a, _question_id(s, a, qid), qid, credit, note,
                                    expected_version, action, utcnow(), **audit_detail)
        except _LostRace:
            s.rollback()
            raise _conflict_now(engine, assessment_id, qid) from None
        _commit(s, engine, assessment_id, qid)
        return version


def evidence_store() -> LocalStore:
    return LocalStore(get_settings().evidence_dir)


def add_evidence(engine: Engine, actor: Actor, assessment_id: int, qid: str, filename: str,
                 data: bytes, files: LocalStore | None = None,
                 meta: Mapping[str, object] | None = None) -> dict:
    """Attach a file to an answer. Checked by content and size first (``check_upload``), the
    name cleaned (``display_name``), then the question, the permission and the answer; the
    row and its audit entry are written (flushed) before the bytes go to the store, so a
    refused row never leaves a stored file; all commit together. Stored once per sha256. The
    same file (sha256) already attached to this answer is not attached twice: nothing is
    written and the file already there is returned with ``duplicate`` True.

    ``meta``: the file's document details (the keyword arguments of
    ``evidence_meta.set_metadata``), checked against the evaluation year before anything is
    written (``kla.domain.validity.MetaError`` names each bad field) and stored in the same
    transaction, audited as ``evidence.meta``; for a duplicate they update the file already
    there."""
    import hashlib

    from kla.domain.validity import check_meta
    from kla.services.evidence_meta import _write_meta

    settings = get_settings()
    mime = check_upload(filename, data, settings.max_upload_mb * 1024 * 1024)
    shown = display_name(filename)
    with Session(engine) as s:
        a = _assessment(s, assessment_id)
        fw = _framework_of(s, a)
        if qid not in fw.questions:
            raise Refusal(Msg("err.question_unknown", qid=qid))
        _check_edit(s, actor, a, fw, qid)
        answer = s.exec(select(Answer).join(Question, Question.id == Answer.question_id)
                        .where(Answer.assessment_id == a.id, Question.qid == qid)
                        ).scalars().first()
        if answer is None:
            raise Refusal(Msg("err.evidence_needs_answer", qid=qid))
        details = check_meta(**dict(meta), year=a.year) if meta else None
        sha = hashlib.sha256(data).hexdigest()
        same = s.exec(select(Evidence).where(Evidence.answer_id == answer.id,
                                             Evidence.sha256 == sha,
                                             Evidence.deleted_at.is_(None))).scalars().first()
        if same is not None:  # e.g. a second click on "Lampirkan"
            store = files or evidence_store()
            changed = details is not None and _write_meta(s, actor, a, same, qid, details)
            if not _stored(store, same.storage_key):  # its file was gone: it comes back
                store.put(data)
                a.updated_at = utcnow()  # the pages' caches see it again
                s.add(a)
                changed = True
            if changed:
                s.commit()
            return {"id": same.id, "sha256": sha, "new_file": False,
                    "media_type": same.media_type, "name": same.original_filename,
                    "duplicate": True}
        store = files or evidence_store()
        ev = Evidence(answer_id=answer.id, original_filename=shown, sha256=sha,
                      size=len(data), media_type=mime, storage_key=store.key_for(sha),
                      uploaded_by=actor.username)
        s.add(ev)
        a.updated_at = utcnow()
        s.add(a)
        s.flush()
        audit.record(s.connection(), actor, "evidence.add", "evidence", ev.id,
                     region_kode=a.region_kode, assessment_id=a.id, question=qid,
                     file=shown, sha256=sha, size=len(data))
        if details is not None:
            _write_meta(s, actor, a, ev, qid, details)
        stored = store.put(data)  # the rows are in: only now the bytes
        s.commit()
        return {"id": ev.id, "sha256": stored.sha256, "new_file": stored.created,
                "media_type": mime, "name": shown, "duplicate": False}


def _stored(store: LocalStore, key: str) -> bool:
    """The file of ``key`` is in the store."""
    try:
        return store.path(key).is_file()
    except EvidenceError:  # a key that points outside the store
        return False


def list_evidence(engine: Engine, actor: Actor, assessment_id: int,
                  include_deleted: bool = False) -> list[dict]:
    """The files of an assessment; ``missing`` is True for a file whose row is there but
    whose bytes are gone from the store (``read_evidence`` raises ``EvidenceMissing``)."""
    stmt = (select(Evidence, Question.qid).join(Answer, Answer.id == Evidence.answer_id)
            .join(Question, Question.id == Answer.question_id)
            .where(Answer.assessment_id == assessment_id).order_by(Evidence.id))
    if not include_deleted:
        stmt = stmt.where(Evidence.deleted_at.is_(None))
    store = evidence_store()
    with Session(engine) as s:
        require_assessment(s, actor, assessment_id)
        return [{"id": e.id, "question_id": qid, "name": e.original_filename, "sha256": e.sha256,
                 "size": e.size, "media_type": e.media_type, "storage_key": e.storage_key,
                 "uploaded_by": e.uploaded_by, "uploaded_at": e.uploaded_at,
                 "deleted_at": e.deleted_at, "deleted_by": e.deleted_by,
                 "missing": not _stored(store, e.storage_key)}
                for e, qid in s.exec(stmt).all()]


def _evidence_row(s: Session, actor: Actor, evidence_id: int
                 ) -> tuple[Evidence, Assessment, str]:
    """(file, its assessment, its question) for a file ``actor`` may see; another city's file
    and a file that does not exist are refused alike (no existence oracle)."""
    row = s.exec(select(Evidence, Answer.assessment_id, Question.qid)
                 .join(Answer, Answer.id == Evidence.answer_id)
                 .join(Question, Question.id == Answer.question_id)
                 .where(Evidence.id == evidence_id)).first()
    if row is None:
        raise PermissionDenied(Msg("err.evidence_unavailable", id=evidence_id))
    ev, assessment_id, qid = row
    a = _assessment(s, assessment_id)
    if not visible(actor).allows(a.region_kode):
        raise PermissionDenied(Msg("err.evidence_unavailable", id=evidence_id))
    return ev, a, qid


def delete_evidence(engine: Engine, actor: Actor, evidence_id: int) -> None:
    """Hide a file from the answer; the row (and the stored bytes) stay for the history."""
    with Session(engine) as s:
        ev, a, qid = _evidence_row(s, actor, evidence_id)
        _check_edit(s, actor, a, _framework_of(s, a), qid)
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
    """(name, media type, bytes) of a file the actor may see. ``EvidenceMissing`` when its
    bytes are gone from the store."""
    with Session(engine) as s:
        row = s.exec(select(Evidence, Assessment.region_kode)
                     .join(Answer, Answer.id == Evidence.answer_id)
                     .join(Assessment, Assessment.id == Answer.assessment_id)
                     .where(Evidence.id == evidence_id)).first()
        if row is None or not visible(actor).allows(row[1]):  # no existence oracle
            raise PermissionDenied(Msg("err.evidence_unavailable", id=evidence_id))
        ev, _region = row
    try:
        data = evidence_store().read(ev.storage_key)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, EvidenceError):
        raise EvidenceMissing(Msg("err.evidence_missing", name=ev.original_filename)) from None
    return ev.original_filename, ev.media_type, data
