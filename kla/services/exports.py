"""Exports (Excel, dossier ZIP, PDF report) and the all-or-nothing Excel import."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Engine, select
from sqlmodel import Session

from kla.completeness import NO_EVIDENCE
from kla.framework import get_framework
from kla.gaps import gap_rows
from kla.io import excel
from kla.io.answers_csv import InputError
from kla.io.dossier import EvidenceFile, build_dossier_zip
from kla.io.pdf_report import build_report_pdf
from kla.models import Answer, Question, Region, utcnow
from kla.scoring import score
from kla.services import audit
from kla.services.answers import (PermissionDenied, _assessment, agencies_for, answer_states,
                                  check_edit, list_evidence, store)
from kla.services.assessments import AssessmentInfo, list_assessments
from kla.services.permissions import Actor, require_scope
from kla.services.planning import answer_details
from kla.services.workflow import completeness

PROBLEM_TEXT = {"unanswered": "belum dijawab", NO_EVIDENCE: "bukti dukung belum diunggah"}


def find_assessment(engine: Engine, region_kode: str, year: int, stage: str) -> AssessmentInfo:
    for info in list_assessments(engine, region_kode):
        if info.year == year and info.stage == stage:
            return info
    raise ValueError(f"no assessment for region {region_kode}, year {year}, stage {stage}")


def _region_name(engine: Engine, kode: str) -> str:
    with Session(engine) as s:
        region = s.get(Region, kode)
        return region.nama if region else kode


def export_xlsx(engine: Engine, actor: Actor, info: AssessmentInfo) -> bytes:
    require_scope(actor, info.region_kode)
    fw = get_framework(info.framework)
    details = answer_details(engine, info.id)
    rows = {q: excel.Row(st.credit, st.note) for q, st in answer_states(engine, info.id).items()}
    return excel.export_xlsx(fw, region_kode=info.region_kode,
                             region_nama=_region_name(engine, info.region_kode), year=info.year,
                             stage=info.stage, answers=rows,
                             agencies=agencies_for(engine, info.region_kode, fw),
                             evidence=details.evidence)


def import_xlsx(engine: Engine, actor: Actor, info: AssessmentInfo, data: bytes,
                source: str = "workbook") -> dict[str, int]:
    """Validate every row, then apply all changes in one transaction — or nothing."""
    fw = get_framework(info.framework)
    rows = excel.read_xlsx(data, fw, region_kode=info.region_kode, year=info.year,
                           stage=info.stage, source=source)
    current = answer_states(engine, info.id)
    changed = {q: r for q, r in rows.items() if r.credit is not None and (
        q not in current or current[q].credit != r.credit or current[q].note != r.note)}
    errors = []
    with Session(engine) as s:
        a = _assessment(s, info.id)
        for qid, r in changed.items():
            try:
                check_edit(s, actor, a, fw, qid)
            except PermissionDenied as exc:
                errors.append(f"{source}: row {r.rowno}, column Kredit: {exc}")
        if errors:
            raise InputError(errors)
        qids = dict(s.exec(select(Question.qid, Question.id)
                           .where(Question.framework_id == a.framework_id)).all())
        now = utcnow()
        for qid, r in changed.items():
            old = current.get(qid)
            answer = s.exec(select(Answer).where(Answer.assessment_id == a.id,
                                                 Answer.question_id == qids[qid])
                            ).scalars().first()
            if answer is None:
                answer = Answer(assessment_id=a.id, question_id=qids[qid], version=0)
            answer.credit, answer.note = r.credit, r.note
            answer.version += 1
            answer.updated_by, answer.updated_at = actor.username, now
            s.add(answer)
            audit.record(s.connection(), actor, "answer.import", "answer", qid,
                         region_kode=a.region_kode, assessment_id=a.id, row=r.rowno,
                         credit=[old.credit if old else None, r.credit],
                         note=[old.note if old else "", r.note])
        a.updated_at = now
        s.add(a)
        s.commit()
    return {"changed": len(changed), "unchanged": len(rows) - len(changed)}


def export_zip(engine: Engine, actor: Actor, info: AssessmentInfo,
               out: str | Path | BinaryIO) -> dict:
    require_scope(actor, info.region_kode)
    fw = get_framework(info.framework)
    ev_store = store()
    files = [EvidenceFile(e["question_id"], e["name"], e["sha256"], e["size"],
                          e["media_type"], ev_store.path(e["storage_key"]))
             for e in list_evidence(engine, info.id)]
    return build_dossier_zip(fw, region_kode=info.region_kode,
                             region_nama=_region_name(engine, info.region_kode), year=info.year,
                             stage=info.stage, answers=answer_details(engine, info.id).credits,
                             files=files, out=out)


def export_pdf(engine: Engine, actor: Actor, info: AssessmentInfo, lang: str = "id") -> bytes:
    require_scope(actor, info.region_kode)
    fw = get_framework(info.framework)
    details = answer_details(engine, info.id)
    result = score(fw, details.credits)
    gaps = gap_rows(fw, details.credits, result, details.notes,
                    details.evidence if details.has_evidence else None, lang)
    missing = [{"question_id": i.question_id, "agency": "; ".join(i.agencies),
                "problem": PROBLEM_TEXT[i.problem]}
               for i in completeness(engine, info.id) if i.problem]
    return build_report_pdf(fw, region_kode=info.region_kode,
                            region_nama=_region_name(engine, info.region_kode), year=info.year,
                            stage=info.stage, result=result, gaps=gaps, missing=missing,
                            is_sample=info.is_sample, lang=lang)
