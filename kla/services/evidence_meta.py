"""Evidence with validity (issue 16): the document details of each evidence file, the flags
they raise (``kla.domain.validity``) per question and per agency.

The trust boundary: reads check visibility like ``answers.list_evidence``; a write has the
permission of deleting the file (``answers.delete_evidence``), is checked by the domain
(a refusal writes nothing), audited (``evidence.meta``, old → new) in its transaction, and
bumps the assessment's ``updated_at`` so the pages' caches refresh.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlmodel import Session

from kla.domain.completeness import required_evidence
from kla.domain.framework import Framework
from kla.domain.validity import (
    FIELDS,
    FINE,
    FLAGGED,
    MISSING,
    UNCLAIMED,
    Flag,
    Meta,
    check_meta,
    file_flags,
    question_state,
)
from kla.i18n import Msg, Refusal
from kla.services import audit
from kla.services.answers import (
    _agencies_for_session,
    _assessment,
    _check_edit,
    _evidence_row,
    _framework_of,
)
from kla.services.permissions import Actor, require_visible
from kla.store.models import Answer, Assessment, Evidence, Question, utcnow


@dataclass(frozen=True)
class _File:
    id: int
    qid: str
    name: str
    meta: Meta


def _load(s: Session, actor: Actor, assessment_id: int
          ) -> tuple[Assessment, Framework, dict[str, float], list[_File]]:
    a = _assessment(s, assessment_id)
    require_visible(actor, a.region_kode)
    fw = _framework_of(s, a)
    credits = {qid: float(c) for qid, c in s.exec(
        select(Question.qid, Answer.credit).join(Question, Question.id == Answer.question_id)
        .where(Answer.assessment_id == a.id)).all()}
    files = [_File(e.id, qid, e.original_filename, Meta.of(e)) for e, qid in s.exec(
        select(Evidence, Question.qid).join(Answer, Answer.id == Evidence.answer_id)
        .join(Question, Question.id == Answer.question_id)
        .where(Answer.assessment_id == _files_of(s, a), Evidence.deleted_at.is_(None))
        .order_by(Evidence.id)).all()]
    return a, fw, credits, files


def _files_of(s: Session, a: Assessment) -> int:
    """The assessment whose files count for ``a``: its own for the self-assessment; for a
    verification stage (VA, VL, FINAL) the city's self-assessment of the same year, where the
    evidence is uploaded and where the verifiers open it (page Verifikasi)."""
    if a.stage == "EM":
        return a.id
    em = s.exec(select(Assessment.id).where(Assessment.region_kode == a.region_kode,
                                            Assessment.year == a.year,
                                            Assessment.stage == "EM")).scalar_one_or_none()
    return em if em is not None else a.id


def _states(fw: Framework, year: int, credits: dict[str, float], files: list[_File]
            ) -> tuple[dict[str, str], dict[int, list[Flag]]]:
    asked = {qid: required_evidence(q) for qid, q in fw.questions.items()}
    flags = {f.id: file_flags(f.meta, asked.get(f.qid, ()), year) for f in files}
    per_q: dict[str, list[list[Flag]]] = {}
    for f in files:
        per_q.setdefault(f.qid, []).append(flags[f.id])
    states = {qid: question_state(credits.get(qid), asked[qid], per_q.get(qid, []))
              for qid in fw.questions}
    return states, flags


def question_states(engine: Engine, actor: Actor, assessment_id: int) -> dict[str, str]:
    """Every question of the assessment's framework → its evidence state
    (``kla.domain.validity.STATES``: unclaimed, missing, flagged, fine, not_required), from
    the assessment's credits and the active files of the year (a verification stage: those of
    the self-assessment)."""
    with Session(engine) as s:
        a, fw, credits, files = _load(s, actor, assessment_id)
        year = a.year
    return _states(fw, year, credits, files)[0]


def file_meta(engine: Engine, actor: Actor, assessment_id: int) -> dict[int, dict]:
    """Evidence id → its metadata (``Meta``), flags (``Flag`` list) and question, for every
    active file of the assessment (pages show them next to each file)."""
    with Session(engine) as s:
        a, fw, credits, files = _load(s, actor, assessment_id)
        year = a.year
    flags = _states(fw, year, credits, files)[1]
    return {f.id: {"meta": f.meta, "flags": flags[f.id], "question_id": f.qid}
            for f in files}


def _write_meta(s: Session, actor: Actor, a: Assessment, ev: Evidence, qid: str, meta: Meta,
               ) -> bool:
    """Store ``meta`` on ``ev`` in the caller's transaction, with its audit row and the
    assessment's ``updated_at``; the permission is the caller's. False: nothing changed."""
    old = Meta.of(ev)
    if old == meta:
        return False
    ev.doc_type, ev.doc_number = meta.doc_type, meta.doc_number
    ev.signed_on, ev.valid_until = meta.signed_on, meta.valid_until
    ev.data_years, ev.is_signed = list(meta.data_years), meta.is_signed
    a.updated_at = utcnow()
    s.add_all([ev, a])
    s.flush()
    before, after = old.as_dict(), meta.as_dict()
    audit.record(s.connection(), actor, "evidence.meta", "evidence", ev.id,
                 region_kode=a.region_kode, assessment_id=a.id, question=qid,
                 file=ev.original_filename,
                 **{k: [before[k], after[k]] for k in FIELDS if before[k] != after[k]})
    return True


def set_metadata(engine: Engine, actor: Actor, evidence_id: int, *, doc_type: object = None,
                 doc_number: object = "", signed_on: object = None, valid_until: object = None,
                 data_years: object = None, is_signed: object = None) -> Meta:
    """Set the document details of one evidence file (empty values: not stated). The
    permission of deleting it (``answers.delete_evidence``): who may edit the question's
    answer at this stage; a file of a city the actor cannot see is "unavailable", as if it
    did not exist. Bad input raises ``kla.domain.validity.MetaError`` naming each field;
    nothing is written then. Returns the stored ``Meta``."""
    with Session(engine) as s:
        ev, a, qid = _evidence_row(s, actor, evidence_id)
        _check_edit(s, actor, a, _framework_of(s, a), qid)
        if ev.deleted_at is not None:
            raise Refusal(Msg("validity.err.deleted", name=ev.original_filename))
        meta = check_meta(doc_type=doc_type, doc_number=doc_number, signed_on=signed_on,
                          valid_until=valid_until, data_years=data_years,
                          is_signed=is_signed, year=a.year)
        if _write_meta(s, actor, a, ev, qid, meta):
            s.commit()
        return meta


def _text(msg: Msg, lang: str | None) -> str | Msg:
    return msg.render(lang) if lang else msg


def validity_report(engine: Engine, actor: Actor, assessment_id: int,
                    lang: str | None = None) -> dict:
    """The validity of an assessment's evidence.

    ``rows``: one per flag of a file of a question whose credit is claimed (``flag`` its
    code, ``reason`` the ``Msg`` or its text in ``lang``) and one per question whose credit
    needs evidence but has none (``flag`` ``"missing"``, no file), in framework order:
    question_id, indicator, agencies (text, "; " between them), file, flag, reason. A
    question with credit 0 is not listed: nobody verifies a claim that was not made.
    ``agencies``: one row per agency (a question counts for each of its agencies), most
    problems first: files, files without metadata (``no_metadata``), flagged files of
    claimed questions (``flagged_files``), questions missing evidence (``missing``),
    flagged questions (``flagged``). ``states``: ``question_states``. ``totals``: the counts
    for the whole assessment (and ``fine``)."""
    with Session(engine) as s:
        a, fw, credits, files = _load(s, actor, assessment_id)
        year = a.year
        agencies = _agencies_for_session(s, a.region_kode, fw)
    states, flags = _states(fw, year, credits, files)
    by_q: dict[str, list[_File]] = {}
    for f in files:
        by_q.setdefault(f.qid, []).append(f)
    rows: list[dict] = []
    summary: dict[str, dict] = {}
    for qid, q in fw.questions.items():
        who = agencies.get(qid) or list(q.opds) or ["–"]
        qfiles = by_q.get(qid, [])
        claimed = states[qid] != UNCLAIMED  # a verifier only checks credit that is claimed
        for name in who:
            g = summary.setdefault(name, {"agency": name, "files": 0, "no_metadata": 0,
                                          "flagged_files": 0, "missing": 0, "flagged": 0})
            g["files"] += len(qfiles)
            g["no_metadata"] += sum(f.meta.empty for f in qfiles)
            g["flagged_files"] += sum(claimed and bool(flags[f.id]) for f in qfiles)
            g["missing"] += states[qid] == MISSING
            g["flagged"] += states[qid] == FLAGGED
        base = {"question_id": qid, "indicator": q.indicator, "agencies": "; ".join(who)}
        if states[qid] == MISSING:
            rows.append({**base, "file": "", "flag": MISSING,
                         "reason": _text(Msg("validity.flag.missing"), lang)})
        for f in (qfiles if claimed else ()):
            for fl in flags[f.id]:
                rows.append({**base, "file": f.name, "flag": fl.code,
                             "reason": _text(fl.reason, lang)})
    totals = {"files": len(files), "no_metadata": sum(f.meta.empty for f in files),
              "flagged_files": sum(bool(flags[f.id]) and states[f.qid] != UNCLAIMED
                                   for f in files),
              "missing": sum(v == MISSING for v in states.values()),
              "flagged": sum(v == FLAGGED for v in states.values()),
              "fine": sum(v == FINE for v in states.values())}
    ordered = sorted(summary.values(),
                     key=lambda g: (-(g["missing"] + g["flagged"]), -g["flagged_files"],
                                    g["agency"]))
    return {"year": year, "rows": rows, "agencies": ordered, "states": states,
            "totals": totals}
