"""The predicted verification score of a self-assessment (EM): its answers, each question's
evidence state and the city's own EM → VA history, handed to ``kla.domain.prediction``
(docs/planning.md, "Prediksi skor verifikasi")."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Engine, func, select

from kla.domain.framework import get_framework
from kla.domain.prediction import Prediction, add_points, predict, retention, type_points
from kla.i18n import Msg, Refusal
from kla.services.assessments import AssessmentInfo, list_assessments, require_assessment
from kla.services.evidence_meta import question_states
from kla.services.permissions import Actor
from kla.store.models import Answer, Evidence, Question

HISTORY_STAGE = "VA"


def _credits(conn, ids: list[int]) -> dict[int, dict[str, float]]:
    """Per assessment id: question id → credit (the caller has checked visibility)."""
    out: dict[int, dict[str, float]] = defaultdict(dict)
    if ids:
        for aid, qid, credit in conn.execute(
                select(Answer.assessment_id, Question.qid, Answer.credit)
                .join(Question, Question.id == Answer.question_id)
                .where(Answer.assessment_id.in_(ids))):
            out[aid][qid] = float(credit)
    return out


def _has_files(conn, assessment_id: int) -> bool:
    n = conn.execute(select(func.count(Evidence.id))
                     .join(Answer, Answer.id == Evidence.answer_id)
                     .where(Answer.assessment_id == assessment_id,
                            Evidence.deleted_at.is_(None))).scalar_one()
    return n > 0


def predicted_verification(engine: Engine, actor: Actor, assessment_id: int) -> Prediction:
    """The VA score predicted for an EM assessment ``actor`` may read (a refusal otherwise,
    and for another stage). History: the city's earlier years with both an EM and a VA
    assessment, per question, read with the same visibility (only this city's rows). Evidence
    states count once the assessment has at least one file in the app: without any, the
    city keeps its evidence elsewhere and only the history is applied (the result says so)."""
    with engine.connect() as conn:
        region = require_assessment(conn, actor, assessment_id)
    infos = list_assessments(engine, actor, region)
    info = next(i for i in infos if i.id == assessment_id)
    if info.stage != "EM":
        raise Refusal(Msg("err.prediction_not_em", stage=info.stage))
    pairs: dict[int, dict[str, AssessmentInfo]] = defaultdict(dict)
    for i in infos:
        if i.year < info.year and i.stage in ("EM", HISTORY_STAGE):
            pairs[i.year][i.stage] = i
    pairs = {y: p for y, p in pairs.items() if len(p) == 2}
    with engine.connect() as conn:
        credits = _credits(conn, [info.id, *(i.id for p in pairs.values()
                                             for i in p.values())])
        counted = _has_files(conn, info.id)
    own = add_points(type_points(get_framework(p["EM"].framework), credits[p["EM"].id],
                                 credits[p[HISTORY_STAGE].id]) for p in pairs.values())
    states = question_states(engine, actor, assessment_id) if counted else None
    return predict(get_framework(info.framework), credits[info.id], states, retention(own))
