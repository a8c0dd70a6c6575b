"""Exports (Excel, dossier ZIP, PDF report) and the all-or-nothing Excel import."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from kla.domain.explain import explain_total
from kla.domain.framework import get_framework
from kla.domain.gaps import gap_rows
from kla.domain.scoring import score
from kla.i18n import Msg
from kla.io import excel
from kla.io.csv import InputError
from kla.io.dossier import EvidenceFile, build_dossier_zip
from kla.io.pdf_report import build_report_pdf
from kla.services.answers import (
    Conflict,
    PermissionDenied,
    _assessment,
    _check_edit,
    _LostRace,
    _write_answer,
    agencies_for,
    answer_states,
    evidence_store,
    list_evidence,
)
from kla.services.assessments import AssessmentInfo, list_assessments
from kla.services.permissions import Actor, require_visible
from kla.services.planning import answer_details
from kla.services.workflow import completeness
from kla.store.models import Question, Region, utcnow


def find_assessment(engine: Engine, actor: Actor, region_kode: str, year: int, stage: str
                    ) -> AssessmentInfo:
    require_visible(actor, region_kode)
    for info in list_assessments(engine, actor, region_kode):
        if info.year == year and info.stage == stage:
            return info
    raise ValueError(Msg("err.export.no_assessment", region=region_kode, year=year,
                         stage=stage))


def _region_name(engine: Engine, kode: str) -> str:
    with Session(engine) as s:
        region = s.get(Region, kode)
        return region.nama if region else kode


def export_xlsx(engine: Engine, actor: Actor, info: AssessmentInfo) -> bytes:
    require_visible(actor, info.region_kode)
    fw = get_framework(info.framework)
    details = answer_details(engine, actor, info.id)
    rows = {q: excel.Row(st.credit, st.note, version=st.version)
            for q, st in answer_states(engine, actor, info.id).items()}
    return excel.export_xlsx(fw, region_kode=info.region_kode,
                             region_nama=_region_name(engine, info.region_kode), year=info.year,
                             stage=info.stage, answers=rows,
                             agencies=agencies_for(engine, actor, info.region_kode, fw),
                             evidence=details.evidence)


def import_xlsx(engine: Engine, actor: Actor, info: AssessmentInfo, data: bytes,
                source: str | None = None) -> dict[str, int]:
    """Validate every row, then apply all changes in one transaction — or nothing. A row whose
    answer changed in the app since the workbook was exported is refused (row named), so an
    offline copy never overwrites a newer answer. An empty credit is refused on an answered
    question (an import deletes no answer) and beside a note (a note needs a credit)."""
    fw = get_framework(info.framework)
    rows = excel.read_xlsx(data, fw, region_kode=info.region_kode, year=info.year,
                           stage=info.stage, source=source)
    current = answer_states(engine, actor, info.id)
    src = source or Msg("err.file.workbook")
    errors = []
    for qid, r in rows.items():  # an empty credit deletes nothing and carries no note
        if r.credit is None and qid in current:
            errors.append(excel.at_column(src, r.rowno, "Kredit", Msg(
                "err.xlsx.credit_cleared", qid=qid, credit=current[qid].credit)))
        elif r.credit is None and r.note:
            errors.append(excel.at_column(src, r.rowno, "Kredit", Msg(
                "err.xlsx.note_without_credit", qid=qid)))
    changed = {q: r for q, r in rows.items() if r.credit is not None and (
        q not in current or current[q].credit != r.credit or current[q].note != r.note)}
    with Session(engine) as s:
        a = _assessment(s, info.id)
        for qid, r in changed.items():
            try:
                _check_edit(s, actor, a, fw, qid)
            except PermissionDenied as exc:
                why = next((x for x in exc.args if isinstance(x, Msg)), str(exc))
                errors.append(excel.at_column(src, r.rowno, "Kredit", why))
                continue
            now_version = current[qid].version if qid in current else None
            if now_version != r.version:
                errors.append(excel.at_column(src, r.rowno, "Kredit", Msg(
                    "err.xlsx.changed_since", qid=qid, who=current[qid].updated_by,
                    old=Msg("err.xlsx.no_version") if r.version is None else r.version,
                    now=now_version) if qid in current else Msg(
                    "err.xlsx.deleted_since", qid=qid)))
        if errors:
            raise InputError(errors)
        qids = dict(s.exec(select(Question.qid, Question.id)
                           .where(Question.framework_id == a.framework_id)).all())
        now = utcnow()
        try:
            for qid, r in changed.items():
                _write_answer(s, actor, a, qids[qid], qid, r.credit, r.note, r.version,
                              "answer.import", now, row=r.rowno)
            s.commit()
        except (Conflict, _LostRace, IntegrityError):
            s.rollback()
            raise InputError([Msg("err.in_file", source=src,
                                  problem=Msg("err.xlsx.race"))]) from None
    return {"changed": len(changed), "unchanged": len(rows) - len(changed)}


def evidence_source(engine: Engine, actor: Actor, info: AssessmentInfo) -> int:
    """The assessment whose files are the evidence of ``info``: itself for the
    self-assessment (EM); for a verification stage (VA, VL, FINAL), which holds credits but no
    files, the city's self-assessment of that year — the files the verifier judged."""
    if info.stage == "EM":
        return info.id
    try:
        return find_assessment(engine, actor, info.region_kode, info.year, "EM").id
    except ValueError:  # no self-assessment in the app (an imported stage): no files
        return info.id


def export_zip(engine: Engine, actor: Actor, info: AssessmentInfo,
               out: str | Path | BinaryIO, progress=None) -> dict:
    """The evidence dossier ZIP: the stage's credits with the city's files
    (``evidence_source``). A file whose bytes are gone from the store (a database
    restored without its evidence) does not fail the export: it is listed in the index
    (sheet "Berkas hilang") and in the result's ``missing`` (file names).
    ``progress(bytes_done, bytes_total)``: called after each file packed (the page's bar)."""
    require_visible(actor, info.region_kode)
    fw = get_framework(info.framework)
    ev_store = evidence_store()
    files, missing = [], []
    for e in list_evidence(engine, actor, evidence_source(engine, actor, info)):
        path = None if e["missing"] else ev_store.path(e["storage_key"])
        f = EvidenceFile(e["question_id"], e["name"], e["sha256"], e["size"], e["media_type"],
                         path if path is not None else Path(e["storage_key"]))
        (missing if path is None else files).append(f)
    answers = answer_details(engine, actor, info.id).credits
    summary = build_dossier_zip(fw, region_kode=info.region_kode,
                                region_nama=_region_name(engine, info.region_kode),
                                year=info.year, stage=info.stage, answers=answers,
                                files=files, out=out, missing=missing, progress=progress)
    return {**summary, "missing": [f.original_filename for f in missing]}


def export_pdf(engine: Engine, actor: Actor, info: AssessmentInfo, lang: str = "id") -> bytes:
    require_visible(actor, info.region_kode)
    fw = get_framework(info.framework)
    details = answer_details(engine, actor, info.id)
    result = score(fw, details.credits)
    source = evidence_source(engine, actor, info)
    if source != info.id:  # a verification stage: the city's files, as the verifier saw them
        claim = answer_details(engine, actor, source)
        evidence = claim.evidence if claim.has_evidence else None
    else:
        evidence = details.evidence if details.has_evidence else None
    gaps = gap_rows(fw, details.credits, result, details.notes, evidence, lang)
    missing = [{"question_id": i.question_id, "agency": "; ".join(i.agencies),
                "problem": i.problem}  # a completeness code: the report names it in ``lang``
               for i in completeness(engine, actor, info.id) if i.problem]
    return build_report_pdf(fw, region_kode=info.region_kode,
                            region_nama=_region_name(engine, info.region_kode), year=info.year,
                            stage=info.stage, result=result, gaps=gaps, missing=missing,
                            is_sample=info.is_sample, lang=lang,
                            explanation=explain_total(fw, details.credits),
                            plan=_plan_of(engine, actor, info, details.credits, fw))


def _plan_of(engine: Engine, actor: Actor, info: AssessmentInfo, credits: dict[str, float],
             fw) -> dict | None:
    """The RAD KLA action plan of the report's year, when the city has one."""
    from kla.domain.action_plan import progress
    from kla.services.action_plan import list_actions

    actions = list_actions(engine, actor, info.region_kode, info.year)
    if not actions:
        return None
    return {"progress": progress(fw, credits, actions), "actions": actions}
