"""RAD KLA action plan: actions (kegiatan) per kab/kota and year, the questions each should
raise with its expected credit, and applying the credits of done actions to the city's
self-assessment (EM) through the one answer writer.

Permissions (``kla.services.permissions``): ``action.write`` (admin, the city's coordinator)
creates, edits, deletes, adds from Kesenjangan / Jalur termurah and applies done credits;
``action.status`` (also the agency, ``opd``, for actions of its own OPD) changes status and
evidence note. Reads follow the visibility rule. Every write is audited in its transaction;
edits and status changes are version-checked (optimistic locking).
"""

from __future__ import annotations

import hashlib
import math
import textwrap
from collections.abc import Iterable, Mapping
from datetime import date

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from kla.domain.action_plan import (
    ACTION_GRADES,
    ACTION_STATUSES,
    BUDGET_MAX,
    DONE,
    NOTE_MAX,
    TEXT_MAX,
    TITLE_MAX,
    PlanProgress,
    progress,
    to_apply,
)
from kla.domain.framework import Framework, get_framework
from kla.domain.planner import plan
from kla.domain.text import control_char
from kla.i18n import Msg, Refusal
from kla.services import audit
from kla.services.answers import (
    Conflict,
    EvidenceMissing,
    _assessment,
    _check_edit,
    _LostRace,
    _states,
    _write_answer,
    evidence_store,
)
from kla.services.assessments import AssessmentInfo, list_assessments
from kla.services.permissions import Actor, Target, require, require_visible, visible
from kla.services.planning import answer_details, stored_efforts
from kla.settings import get_settings, local_today
from kla.store.evidence import EvidenceError, check_upload, display_name
from kla.store.models import Action, ActionQuestion, Answer, Evidence, Question, utcnow
from kla.store.models import Framework as FrameworkRow

FIELDS = ("title", "opd", "budget_rp", "apbd_ref", "start_date", "due_date")


class ActionError(Refusal):
    """An action refused: each message names the field by its label."""


class ActionConflict(Refusal):
    """Someone changed the action since it was read; nothing was written."""


def _label(field: str) -> Msg:
    return Msg(f"plan.field.{field}")


def _date(value: object, field: str, errors: list) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors.append(Msg("err.plan.date", field=_label(field), value=str(value)))
        return None


def _text(value: object, field: str, limit: int, errors: list) -> str:
    text = " ".join(str(value or "").split()) if field != "evidence_note" else str(value or "")
    if len(text) > limit:
        errors.append(Msg("err.plan.too_long", field=_label(field), n=limit))
    elif control_char(text):
        errors.append(Msg("err.plan.control", field=_label(field)))
    return text


def _validate(fields: Mapping[str, object], credits: Mapping[str, float], fw: Framework
             ) -> dict:
    """The cleaned fields of an action; ``ActionError`` with every problem, each naming the
    field by its label."""
    errors: list = []
    clean: dict = {}
    clean["title"] = _text(fields.get("title"), "title", TITLE_MAX, errors)
    if not clean["title"]:
        errors.append(Msg("err.plan.required", field=_label("title")))
    clean["opd"] = _text(fields.get("opd"), "opd", 120, errors)
    clean["apbd_ref"] = _text(fields.get("apbd_ref"), "apbd_ref", TEXT_MAX, errors)
    budget = fields.get("budget_rp") or 0
    if isinstance(budget, float) and math.isfinite(budget) and budget.is_integer():
        budget = int(budget)
    if isinstance(budget, bool) or not isinstance(budget, int) or not 0 <= budget <= BUDGET_MAX:
        errors.append(Msg("err.plan.budget", field=_label("budget_rp"), value=str(budget)))
    clean["budget_rp"] = budget
    start = _date(fields.get("start_date"), "start_date", errors)
    due = _date(fields.get("due_date"), "due_date", errors)
    if start and due and due < start:
        errors.append(Msg("err.plan.dates", due=_label("due_date"), start=_label("start_date"),
                          due_value=due.isoformat(), start_value=start.isoformat()))
    clean["start_date"], clean["due_date"] = start, due
    for qid, c in credits.items():
        if qid not in fw.questions:
            errors.append(Msg("err.plan.question_unknown", qid=qid, code=fw.code))
        elif not isinstance(c, int | float) or float(c) not in ACTION_GRADES:
            errors.append(Msg("err.plan.credit", field=_label("credit"), qid=qid,
                              value=str(c), grades=", ".join(f"{g:g}" for g in ACTION_GRADES)))
    if errors:
        raise ActionError(*errors)
    return clean


def _qids(s: Session, fw: Framework) -> dict[str, int]:
    fid = s.exec(select(FrameworkRow.id).where(FrameworkRow.code == fw.code)).scalar_one_or_none()
    if fid is None:
        raise ActionError(Msg("err.framework_not_loaded", code=fw.code))
    return dict(s.exec(select(Question.qid, Question.id).where(Question.framework_id == fid)).all())


def _row(s: Session, action_id: int) -> Action:
    row = s.get(Action, action_id)
    if row is None:
        raise ActionError(Msg("err.plan.unknown", id=action_id))
    return row


def _credits_of(s: Session, action_ids: Iterable[int]) -> dict[int, dict[str, float]]:
    ids = list(action_ids)
    out: dict[int, dict[str, float]] = {i: {} for i in ids}
    if not ids:
        return out
    stmt = (select(ActionQuestion.action_id, Question.qid, ActionQuestion.expected_credit)
            .join(Question, Question.id == ActionQuestion.question_id)
            .where(ActionQuestion.action_id.in_(ids)))
    for aid, qid, c in s.exec(stmt).all():
        out[aid][qid] = float(c)
    return out


def _as_dict(row: Action, credits: dict[str, float]) -> dict:
    return {"id": row.id, "region_kode": row.region_kode, "year": row.year, "title": row.title,
            "opd": row.opd, "budget_rp": int(row.budget_rp), "apbd_ref": row.apbd_ref,
            "start_date": row.start_date, "due_date": row.due_date, "status": row.status,
            "evidence_note": row.evidence_note, "version": row.version,
            "created_by": row.created_by, "updated_by": row.updated_by,
            "updated_at": row.updated_at, "applied_at": row.applied_at,
            "evidence": ({"name": row.evidence_filename, "size": row.evidence_size,
                          "media_type": row.evidence_media_type, "sha256": row.evidence_sha256}
                         if row.evidence_sha256 else None),
            "credits": dict(sorted(credits.items()))}


def plan_version(engine: Engine, actor: Actor, region_kode: str, year: int) -> str:
    """A cache key of a kab/kota's action plan for a year (changes with every action written,
    deleted or re-dated) — with today's date, since "overdue" moves with the calendar. A region
    ``actor`` may not see has one constant version."""
    if not visible(actor).allows(region_kode):
        return "-"
    with Session(engine) as s:
        n, last_id, last = s.exec(select(func.count(Action.id), func.max(Action.id),
                                         func.max(Action.updated_at))
                                  .where(Action.region_kode == region_kode,
                                         Action.year == year)).one()
    return f"{n}:{last_id}:{last}:{local_today()}"


def list_actions(engine: Engine, actor: Actor, region_kode: str, year: int) -> list[dict]:
    """The actions of a kab/kota's year (empty when ``actor`` may not see it), by due date."""
    if not visible(actor).allows(region_kode):
        return []
    with Session(engine) as s:
        rows = s.exec(select(Action).where(Action.region_kode == region_kode,
                                           Action.year == year)
                      .order_by(Action.due_date, Action.id)).scalars().all()
        credits = _credits_of(s, [r.id for r in rows])
        return [_as_dict(r, credits[r.id]) for r in rows]


def get_action(engine: Engine, actor: Actor, action_id: int) -> dict:
    with Session(engine) as s:
        row = _row(s, action_id)
        require_visible(actor, row.region_kode)
        return _as_dict(row, _credits_of(s, [row.id])[row.id])


def _write_questions(s: Session, action_id: int, credits: Mapping[str, float],
                     qids: dict[str, int]) -> None:
    s.exec(delete(ActionQuestion).where(ActionQuestion.action_id == action_id))
    for qid, c in credits.items():
        s.add(ActionQuestion(action_id=action_id, question_id=qids[qid],
                             expected_credit=float(c)))


def create_action(engine: Engine, actor: Actor, region_kode: str, year: int, fw: Framework,
                  fields: Mapping[str, object], credits: Mapping[str, float] | None = None,
                  source: str = "form") -> int:
    """A new action (status ``rencana``); returns its id."""
    require(actor, "action.write", region_kode)
    credits = dict(credits or {})
    clean = _validate(fields, credits, fw)
    with Session(engine) as s:
        qids = _qids(s, fw)
        now = utcnow()
        row = Action(region_kode=region_kode, year=int(year), status="rencana",
                     created_by=actor.username, updated_by=actor.username, created_at=now,
                     updated_at=now, **clean)
        s.add(row)
        s.flush()
        _write_questions(s, row.id, credits, qids)
        audit.record(s.connection(), actor, "action.create", "action", row.id,
                     region_kode=region_kode, year=int(year), source=source,
                     title=clean["title"], credits=credits)
        s.commit()
        return row.id


def _guarded(s: Session, row: Action, expected_version: int, values: dict) -> int:
    if row.version != expected_version:
        raise ActionConflict(Msg("err.plan.conflict", title=row.title, by=row.updated_by,
                                 version=row.version))
    res = s.connection().execute(
        update(Action).where(Action.id == row.id, Action.version == expected_version)
        .values(version=expected_version + 1, **values))
    if res.rowcount != 1:
        s.rollback()
        raise ActionConflict(Msg("err.plan.conflict", title=row.title, by="?",
                                 version=expected_version + 1))
    return expected_version + 1


def update_action(engine: Engine, actor: Actor, action_id: int, fw: Framework,
                  fields: Mapping[str, object], credits: Mapping[str, float],
                  expected_version: int) -> int:
    """Change an action's fields and questions; returns its new version."""
    credits = dict(credits)
    with Session(engine) as s:
        row = _row(s, action_id)
        require(actor, "action.write", row.region_kode)
        clean = _validate(fields, credits, fw)
        old = {f: getattr(row, f) for f in FIELDS}
        old_credits = _credits_of(s, [row.id])[row.id]
        version = _guarded(s, row, expected_version,
                           {**clean, "updated_by": actor.username, "updated_at": utcnow()})
        _write_questions(s, row.id, credits, _qids(s, fw))
        changed = {f: [str(old[f]), str(clean[f])] for f in FIELDS if old[f] != clean[f]}
        if old_credits != credits:
            changed["credits"] = [old_credits, credits]
        audit.record(s.connection(), actor, "action.update", "action", row.id,
                     region_kode=row.region_kode, version=[expected_version, version],
                     **changed)
        s.commit()
        return version


def set_status(engine: Engine, actor: Actor, action_id: int, status: str,
               expected_version: int, evidence_note: str | None = None,
               evidence_file: tuple[str, bytes] | None = None) -> int:
    """Change an action's status (and its evidence note, and the file that shows it was done:
    ``evidence_file`` = (name, bytes), checked like every evidence upload); the agency may do
    it for actions of its own OPD. One transaction: a refused file writes nothing, the status
    included; the bytes go to the evidence store only once the row is in. Returns the new
    version."""
    errors: list = []
    if status not in ACTION_STATUSES:
        errors.append(Msg("err.plan.status", field=_label("status"), value=str(status),
                          allowed=", ".join(ACTION_STATUSES)))
    note = None if evidence_note is None else _text(evidence_note, "evidence_note", NOTE_MAX,
                                                      errors)
    upload = None
    if evidence_file is not None:
        name, data = evidence_file
        mime = check_upload(name, data, get_settings().max_upload_mb * 1024 * 1024)
        upload = (display_name(name), data, mime, hashlib.sha256(data).hexdigest())
    with Session(engine) as s:
        row = _row(s, action_id)
        require(actor, "action.status", Target(row.region_kode, agencies=(row.opd,)))
        if errors:
            raise ActionError(*errors)
        values: dict = {"status": status, "updated_by": actor.username, "updated_at": utcnow()}
        if note is not None:
            values["evidence_note"] = note
        if upload is not None:
            values.update(evidence_filename=upload[0], evidence_size=len(upload[1]),
                          evidence_media_type=upload[2], evidence_sha256=upload[3])
        old = (row.status, row.evidence_note, row.evidence_filename)
        version = _guarded(s, row, expected_version, values)
        extra = {"file": [old[2], upload[0]], "sha256": upload[3]} if upload else {}
        audit.record(s.connection(), actor, "action.status", "action", row.id,
                     region_kode=row.region_kode, status=[old[0], status],
                     evidence_note=[old[1], values.get("evidence_note", old[1])],
                     version=[expected_version, version], **extra)
        if upload is not None:
            evidence_store().put(upload[1])  # the row is in: only now the bytes
        s.commit()
        return version


def read_action_evidence(engine: Engine, actor: Actor, action_id: int
                         ) -> tuple[str, str, bytes]:
    """(name, media type, bytes) of the file of a done action the actor may see."""
    with Session(engine) as s:
        row = s.get(Action, action_id)
        if row is None or not visible(actor).allows(row.region_kode) \
                or not row.evidence_sha256:  # the same answer for another city's action
            raise ActionError(Msg("err.plan.no_file", id=action_id))
    store = evidence_store()
    try:
        data = store.read(store.key_for(row.evidence_sha256))
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, EvidenceError):
        raise EvidenceMissing(Msg("err.evidence_missing", name=row.evidence_filename)) from None
    return row.evidence_filename, row.evidence_media_type, data


def action_evidence_stored(engine: Engine, actor: Actor, action_id: int) -> bool:
    """The action has a file and its bytes are in the store (a cheap check before offering
    the download)."""
    with Session(engine) as s:
        row = s.get(Action, action_id)
        if row is None or not visible(actor).allows(row.region_kode) or not row.evidence_sha256:
            return False
    store = evidence_store()
    return store.exists(store.key_for(row.evidence_sha256))


def _attach_action_files(s: Session, actor: Actor, a, fw: Framework, rows: Iterable[Action],
                         credits_of: Mapping[int, Mapping[str, float]], qids: dict[str, int],
                         only: Iterable[str]) -> list[str]:
    """The file of each done action, attached to the answers of its questions in ``only``
    (their credits were just written), unless the same file is already there. The bytes are
    in the store already (``set_status``). Returns "qid:file" of what was attached."""
    store, only, out = evidence_store(), set(only), []
    for r in rows:
        if not r.evidence_sha256:
            continue
        for qid in sorted(set(credits_of[r.id]) & only, key=lambda q: fw.questions[q].order):
            answer = s.exec(select(Answer).where(Answer.assessment_id == a.id,
                                                 Answer.question_id == qids[qid])
                            ).scalars().first()
            if answer is None:
                continue
            same = s.exec(select(Evidence.id).where(Evidence.answer_id == answer.id,
                                                    Evidence.sha256 == r.evidence_sha256,
                                                    Evidence.deleted_at.is_(None))).first()
            if same is not None:
                continue
            ev = Evidence(answer_id=answer.id, original_filename=r.evidence_filename,
                          sha256=r.evidence_sha256, size=r.evidence_size or 0,
                          media_type=r.evidence_media_type or "application/octet-stream",
                          storage_key=store.key_for(r.evidence_sha256),
                          uploaded_by=actor.username)
            s.add(ev)
            s.flush()
            audit.record(s.connection(), actor, "evidence.add", "evidence", ev.id,
                         region_kode=a.region_kode, assessment_id=a.id, question=qid,
                         file=r.evidence_filename, sha256=r.evidence_sha256,
                         size=r.evidence_size, source=f"action:{r.id}")
            out.append(f"{qid}:{r.evidence_filename}")
    return out


def apply_question(engine: Engine, actor: Actor, action_id: int, qid: str,
                   expected_version: int | None) -> int:
    """The agency's way, question by question: the expected credit of one question of a done
    action written to the year's self-assessment through the answer writer (version-checked
    against ``expected_version`` of the answer), with the action's file attached to that
    answer. Allowed to whoever may change the action's status and edit that answer."""
    with Session(engine) as s:
        row = _row(s, action_id)
        require(actor, "action.status", Target(row.region_kode, agencies=(row.opd,)))
        if row.status != DONE:
            raise ActionError(Msg("err.plan.not_done", title=row.title))
        credits = _credits_of(s, [row.id])[row.id]
        if qid not in credits:
            raise ActionError(Msg("err.plan.question_not_in_action", qid=qid, title=row.title))
    info = self_assessment(engine, actor, row.region_kode, row.year)
    fw = get_framework(info.framework)
    with Session(engine) as s:
        a = _assessment(s, info.id)
        _check_edit(s, actor, a, fw, qid)
        states = _states(s.connection(), info.id)
        st = states.get(qid)
        if st is not None and st.credit >= credits[qid]:
            raise ActionError(Msg("err.plan.already_applied", qid=qid))
        qids = _qids(s, fw)
        try:
            version = _write_answer(s, actor, a, qids[qid], qid, credits[qid],
                                    st.note if st else "", expected_version,
                                    "action.apply_credit", utcnow())
            _attach_action_files(s, actor, a, fw, [s.get(Action, action_id)],
                                 {action_id: credits}, qids, [qid])
            s.commit()
        except (Conflict, _LostRace, IntegrityError):
            s.rollback()
            raise ActionError(Msg("err.plan.apply_race")) from None
        return version


def delete_action(engine: Engine, actor: Actor, action_id: int, expected_version: int) -> None:
    with Session(engine) as s:
        row = _row(s, action_id)
        require(actor, "action.write", row.region_kode)
        if row.version != expected_version:
            raise ActionConflict(Msg("err.plan.conflict", title=row.title, by=row.updated_by,
                                     version=row.version))
        credits = _credits_of(s, [row.id])[row.id]
        audit.record(s.connection(), actor, "action.delete", "action", row.id,
                     region_kode=row.region_kode, title=row.title, status=row.status,
                     credits=credits)
        s.exec(delete(ActionQuestion).where(ActionQuestion.action_id == row.id))
        s.exec(delete(Action).where(Action.id == row.id))
        s.commit()


def _title(fw: Framework, qid: str) -> str:
    return textwrap.shorten(f"{qid} · {fw.questions[qid].text}", TITLE_MAX, placeholder=" …")


def add_from_gaps(engine: Engine, actor: Actor, region_kode: str, year: int, fw: Framework,
                  questions: Mapping[str, float] | Iterable[str], source: str = "gaps"
                  ) -> list[int]:
    """One action per question (title: the question, OPD: its first data source, expected
    credit 1 or the one given), skipping questions already in an action of that year that is
    not cancelled. Returns the new ids, all written in one transaction."""
    require(actor, "action.write", region_kode)
    wanted = dict(questions) if isinstance(questions, Mapping) else dict.fromkeys(questions, 1.0)
    _validate({"title": "-"}, wanted, fw)
    with Session(engine) as s:
        qids = _qids(s, fw)
        live = [r.id for r in s.exec(select(Action).where(
            Action.region_kode == region_kode, Action.year == int(year),
            Action.status != "batal")).scalars().all()]
        planned = {q for c in _credits_of(s, live).values() for q in c}
        now, ids = utcnow(), []
        for qid in sorted(wanted, key=lambda q: fw.questions[q].order):
            if qid in planned:
                continue
            opds = fw.questions[qid].opds
            row = Action(region_kode=region_kode, year=int(year), title=_title(fw, qid),
                         opd=opds[0][:120] if opds else "", status="rencana",
                         created_by=actor.username, updated_by=actor.username,
                         created_at=now, updated_at=now)
            s.add(row)
            s.flush()
            _write_questions(s, row.id, {qid: wanted[qid]}, qids)
            ids.append(row.id)
        audit.record(s.connection(), actor, "action.add", "action", f"{region_kode}/{year}",
                     region_kode=region_kode, year=int(year), source=source, ids=ids,
                     credits={q: wanted[q] for q in wanted if q not in planned},
                     skipped=sorted(set(wanted) & planned))
        s.commit()
        return ids


def add_cheapest_path(engine: Engine, actor: Actor, info: AssessmentInfo,
                      target: str | None = None) -> list[int]:
    """The whole cheapest path of ``info`` (Jalur termurah, with the city's efforts) into the
    plan of its year: one action per question, expected credit 1."""
    require(actor, "action.write", info.region_kode)
    fw = get_framework(info.framework)
    credits = answer_details(engine, actor, info.id).credits
    p = plan(fw, credits, target, stored_efforts(engine, actor, info.region_kode, fw))
    return add_from_gaps(engine, actor, info.region_kode, info.year, fw,
                         {a.question_id: 1.0 for a in p.actions}, source="path")


def plan_progress(engine: Engine, actor: Actor, info: AssessmentInfo, target: str | None = None,
                  actions: list[dict] | None = None) -> PlanProgress:
    """Progress of the plan of ``info``'s year to ``target``, from ``info``'s credits."""
    fw = get_framework(info.framework)
    credits = answer_details(engine, actor, info.id).credits
    if actions is None:
        actions = list_actions(engine, actor, info.region_kode, info.year)
    return progress(fw, credits, actions, target)


def self_assessment(engine: Engine, actor: Actor, region_kode: str, year: int
                    ) -> AssessmentInfo:
    """The city's self-assessment (EM) of ``year``, where done credits are applied."""
    require_visible(actor, region_kode)
    for a in list_assessments(engine, actor, region_kode):
        if a.year == year and a.stage == "EM":
            return a
    raise ActionError(Msg("err.plan.no_em", region=region_kode, year=year))


def apply_done_credits(engine: Engine, actor: Actor, region_kode: str, year: int
                       ) -> dict[str, float]:
    """Write the expected credits of every done action (``selesai``) of the year to the
    city's draft self-assessment (EM), in one transaction through the one answer writer:
    each answer version-checked and permission-checked (a locked stage is refused with its
    own message), only where it raises the credit. Returns question → credit written."""
    require(actor, "action.write", region_kode)
    info = self_assessment(engine, actor, region_kode, year)
    fw = get_framework(info.framework)
    with Session(engine) as s:
        a = _assessment(s, info.id)
        states = _states(s.connection(), info.id)
        rows = s.exec(select(Action).where(Action.region_kode == region_kode,
                                           Action.year == int(year),
                                           Action.status == DONE)).scalars().all()
        credits_of = _credits_of(s, [r.id for r in rows])
        actions = [{"status": r.status, "credits": credits_of[r.id]} for r in rows]
        changes = to_apply({q: st.credit for q, st in states.items()}, actions)
        for qid in changes:
            _check_edit(s, actor, a, fw, qid)  # refuses a locked stage with its message
        qids = _qids(s, fw)
        now = utcnow()
        try:
            for qid in sorted(changes, key=lambda q: fw.questions[q].order):
                st = states.get(qid)
                _write_answer(s, actor, a, qids[qid], qid, changes[qid],
                              st.note if st else "", st.version if st else None,
                              "action.apply_credit", now)
            files = _attach_action_files(s, actor, a, fw, rows, credits_of, qids, changes)
            for r in rows:
                if r.applied_at is None:
                    r.applied_at = now
                    s.add(r)
            audit.record(s.connection(), actor, "action.apply", "action",
                         f"{region_kode}/{year}", region_kode=region_kode,
                         assessment_id=info.id, ids=[r.id for r in rows], credits=changes,
                         files=files)
            s.commit()
        except (Conflict, _LostRace, IntegrityError):
            s.rollback()
            raise ActionError(Msg("err.plan.apply_race")) from None
        return changes
