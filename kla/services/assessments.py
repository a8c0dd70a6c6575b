"""Assessment queries and writes. Plain data out (dicts, DataFrames), never ORM objects."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Engine, and_, case, delete, func, or_, select
from sqlmodel import Session

from kla.domain.framework import Framework, get_framework
from kla.domain.scoring import ScoreResult, score, score_matrix
from kla.i18n import Msg, Refusal
from kla.services import scores
from kla.services.permissions import Actor, require, require_visible, visible
from kla.store.models import (
    STAGES,
    Answer,
    Assessment,
    AssessmentScore,
    Assignment,
    PublishedResult,
    Question,
    Region,
    utcnow,
)
from kla.store.models import Framework as FrameworkRow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AssessmentInfo:
    id: int
    region_kode: str
    region_nama: str
    year: int
    stage: str
    status: str
    is_sample: bool
    framework: str


def data_version(engine: Engine) -> str:
    """A cheap fingerprint of the assessment data, for cache keys (changes on every write:
    answers, evidence and reviews bump their assessment's ``updated_at``; assignments and
    published results have their own; a new or replaced row has a new id). Runs on every rerun
    of every page, so it reads only indexed maxima: never counts rows (counting answers alone
    would cost a tenth of a second per page at national scale). The app never deletes these
    rows without writing another; a deletion made outside the app shows when the caches
    expire (10 minutes)."""
    parts = [select(agg).scalar_subquery()
             for table, stamp in ((Assessment, Assessment.updated_at),
                                  (Assignment, Assignment.updated_at),
                                  (PublishedResult, PublishedResult.loaded_at))
             for agg in (func.max(table.id), func.max(stamp))]
    with engine.connect() as conn:  # one round trip
        values = conn.execute(select(*parts)).one()
    return ":".join(str(v) for v in values)


def _maxima(conn, *where) -> str:
    """max(id) and max(updated_at) of the assessments matching ``where`` (one query)."""
    row = conn.execute(select(func.max(Assessment.id), func.max(Assessment.updated_at))
                       .where(*where)).one()
    return f"{row[0]}:{row[1]}"


def _in_scope(prefix: str):
    """``region_kode`` is ``prefix`` or below it, as a range the region index can use (the
    character after ``.`` is ``/``)."""
    return or_(Assessment.region_kode == prefix,
               and_(Assessment.region_kode > prefix + ".", Assessment.region_kode < prefix + "/"))


def region_version(engine: Engine, actor: Actor, region_kode: str) -> str:
    """The cache key of one kab/kota's pages: changes with every write to its assessments
    (answers, evidence, reviews, stages, statuses, stored scores: each bumps its assessment's
    ``updated_at``; a new or replaced assessment has a new id) and to its agency assignment,
    and with nothing written anywhere else: a write in Kota Serang leaves Kota Metro's pages
    cached. Reads a handful of rows through the region indexes. A region ``actor`` may not see
    has one constant version (its pages show nothing of it)."""
    if not visible(actor).allows(region_kode):
        return "-"
    def most(column, table_kode):  # one scalar subquery; the four go in one round trip
        return select(func.max(column)).where(table_kode == region_kode).scalar_subquery()

    with engine.connect() as conn:
        row = conn.execute(select(most(Assessment.id, Assessment.region_kode),
                                  most(Assessment.updated_at, Assessment.region_kode),
                                  most(Assignment.id, Assignment.region_kode),
                                  most(Assignment.updated_at, Assignment.region_kode))).one()
    return ":".join(str(v) for v in row)


def scope_version(engine: Engine, actor: Actor) -> str:
    """The cache key of views across every assessment ``actor`` may see (the stored-score
    analytics, the list of assessed kab/kota): changes with a write to any of them, and only
    to them (a province account's key ignores other provinces)."""
    seen = visible(actor)
    with engine.connect() as conn:
        if seen.prefix is None:
            return _maxima(conn)
        return _maxima(conn, _in_scope(seen.prefix))


def results_version(engine: Engine) -> str:
    """The cache key of the published results (public): changes when results are imported,
    never with an assessment write."""
    with engine.connect() as conn:
        row = conn.execute(select(func.max(PublishedResult.id),
                                  func.max(PublishedResult.loaded_at))).one()
    return f"{row[0]}:{row[1]}"


def assessed_regions(engine: Engine, actor: Actor) -> list[dict]:
    """Kab/kota visible to ``actor`` that have at least one assessment: kode, nama, is_sample
    (any sample)."""
    sample = func.max(case((Assessment.is_sample, 1), else_=0))
    stmt = (select(Region.kode, Region.nama, sample)
            .join(Assessment, Assessment.region_kode == Region.kode)
            .where(visible(actor).clause(Assessment.region_kode))
            .group_by(Region.kode, Region.nama).order_by(Region.nama))
    with engine.connect() as conn:
        return [{"kode": k, "nama": n, "is_sample": bool(s)} for k, n, s in conn.execute(stmt)]


def list_assessments(engine: Engine, actor: Actor, region_kode: str) -> list[AssessmentInfo]:
    """The assessments of a kab/kota, oldest first; empty when ``actor`` may not see it."""
    stmt = (select(Assessment, Region.nama, FrameworkRow.code)
            .join(Region, Region.kode == Assessment.region_kode)
            .join(FrameworkRow, FrameworkRow.id == Assessment.framework_id)
            .where(Assessment.region_kode == region_kode,
                   visible(actor).clause(Assessment.region_kode)))
    with Session(engine) as s:
        rows = s.exec(stmt).all()
    out = [AssessmentInfo(id=a.id, region_kode=a.region_kode, region_nama=nama, year=a.year,
                          stage=a.stage, status=a.status, is_sample=a.is_sample, framework=code)
           for a, nama, code in rows]
    return sorted(out, key=lambda a: (a.year, STAGES.index(a.stage)))


def require_assessment(conn, actor: Actor, assessment_id: int) -> str:
    """The region of an assessment ``actor`` may read (``PermissionDenied`` otherwise, and
    ``ValueError`` for an unknown id). ``conn``: a connection or session."""
    run = getattr(conn, "exec", None) or conn.execute  # a SQLModel session, or a connection
    region = run(select(Assessment.region_kode)
                 .where(Assessment.id == assessment_id)).scalar_one_or_none()
    if region is None:
        raise Refusal(Msg("err.assessment_unknown", id=assessment_id))
    require_visible(actor, region)
    return region


def answers_of(engine: Engine, actor: Actor, assessment_id: int) -> dict[str, float]:
    stmt = (select(Question.qid, Answer.credit)
            .join(Question, Question.id == Answer.question_id)
            .where(Answer.assessment_id == assessment_id))
    with engine.connect() as conn:
        require_assessment(conn, actor, assessment_id)
        return {qid: float(c) for qid, c in conn.execute(stmt)}


def score_assessment(engine: Engine, actor: Actor, info: AssessmentInfo,
                     framework: Framework | None = None) -> ScoreResult:
    """Score one stored assessment from its answers (its framework is looked up in
    ``indicators/`` by default): the answer-level pages, and the reference the stored
    score is checked against."""
    return score(framework or get_framework(info.framework), answers_of(engine, actor, info.id))


def stored_score(engine: Engine, actor: Actor, info: AssessmentInfo,
                 framework: Framework | None = None) -> ScoreResult:
    """The stored score of one assessment (one row, no answers read): what the standing
    views show. An assessment without a current stored row (its framework changed and `kla
    init` / `kla rescore` has not run yet) is scored from its answers."""
    return stored_results(engine, actor, [info], framework)[info.id]


def stored_results(engine: Engine, actor: Actor, infos: list[AssessmentInfo],
                   framework: Framework | None = None) -> dict[int, ScoreResult]:
    """``stored_score`` of several assessments (one kab/kota's history) in one query."""
    ids = [i.id for i in infos]
    with engine.connect() as conn:
        region = dict(conn.execute(select(Assessment.id, Assessment.region_kode)
                                   .where(Assessment.id.in_(ids))).all()) if ids else {}
        rows = scores._stored_rows(conn, ids)
    out = {}
    for info in infos:
        if info.id not in region:
            raise Refusal(Msg("err.assessment_unknown", id=info.id))
        require_visible(actor, region[info.id])  # the row's own region, not the caller's word
        fw = framework or get_framework(info.framework)
        row = rows.get(info.id)
        if row is None or not scores._is_current(fw, row):
            log.warning("assessment %s has no current stored score: scored from its answers "
                        "(run `kla rescore`)", info.id)
            out[info.id] = score_assessment(engine, actor, info, fw)
        else:
            out[info.id] = scores.result_of(fw, row)
    return out


def save_assessment(engine: Engine, actor: Actor, *, region_kode: str, year: int, stage: str,
                    answers: dict[str, float], framework: Framework, status: str = "draft",
                    is_sample: bool = False, replace: bool = True,
                    notes: dict[str, str] | None = None) -> int:
    """Create (or, with ``replace``, overwrite) one assessment with its answers, in one
    transaction (sample data, the bench; admin only). Returns the assessment id."""
    require(actor, "assessment.write", region_kode)
    user = actor.username
    if stage not in STAGES:
        raise Refusal(Msg("err.stage_unknown", stage=stage, stages=", ".join(STAGES)))
    score(framework, answers)  # validates ids and credit ranges before anything is written
    unknown = set(notes or {}) - set(answers)
    if unknown:
        raise Refusal(Msg("err.notes_without_answer", ids=", ".join(sorted(unknown))))
    with Session(engine) as s:
        fw_id = s.exec(select(FrameworkRow.id).where(FrameworkRow.code == framework.code)
                       ).scalar_one_or_none()
        if fw_id is None:
            raise Refusal(Msg("err.framework_not_loaded", code=framework.code))
        if s.get(Region, region_kode) is None:
            raise Refusal(Msg("err.region_unknown", code=region_kode))
        existing = s.exec(select(Assessment).where(
            Assessment.region_kode == region_kode, Assessment.year == year,
            Assessment.stage == stage)).scalars().first()
        if existing is not None:
            if not replace:
                raise Refusal(Msg("err.assessment_exists", region=region_kode, year=year,
                                  stage=stage))
            s.exec(delete(Answer).where(Answer.assessment_id == existing.id))
            s.exec(delete(AssessmentScore).where(AssessmentScore.assessment_id == existing.id))
            s.delete(existing)
            s.flush()
        a = Assessment(region_kode=region_kode, framework_id=fw_id, year=year, stage=stage,
                       status=status, is_sample=is_sample)
        s.add(a)
        s.flush()
        qids = dict(s.exec(select(Question.qid, Question.id)
                           .where(Question.framework_id == fw_id)).all())
        now = utcnow()
        if answers:  # an empty list would be one row of defaults
            s.connection().execute(Answer.__table__.insert(), [
                {"assessment_id": a.id, "question_id": qids[q], "credit": c,
                 "note": (notes or {}).get(q, ""),
                 "version": 1, "updated_by": user, "updated_at": now}
                for q, c in answers.items()])
        scores.touch(s, a.id, framework)  # its stored score, in this transaction
        s.commit()
        return a.id


RAW_ANSWERS = "SELECT assessment_id, question_id, credit FROM answer"


def _answer_rows(engine: Engine, actor: Actor) -> list[tuple]:
    """The answers ``actor`` may read as (assessment_id, question_id, credit): the raw rows
    scoring starts from (one plain cursor when everything is visible: the fast path)."""
    seen = visible(actor)
    if seen.prefix is not None:
        stmt = (select(Answer.assessment_id, Answer.question_id, Answer.credit)
                .join(Assessment, Assessment.id == Answer.assessment_id)
                .where(seen.clause(Assessment.region_kode)))
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(stmt)]
    return _raw_answer_rows(engine)


def _raw_answer_rows(engine: Engine) -> list[tuple]:
    """Every answer row through one plain cursor (no ORM): the scoring fast path, and the
    bench's baseline. Private: callers check visibility first (``score_all``)."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(RAW_ANSWERS)
        rows = cur.fetchall()
        cur.close()
    finally:
        raw.close()
    return rows


def score_all(engine: Engine, actor: Actor, framework: Framework) -> pd.DataFrame:
    """Score every assessment of ``framework`` that ``actor`` may see (vectorised).

    Columns: assessment_id, total, predicate, all_implemented, then one per block code.
    """
    with engine.connect() as conn:
        fw_id = conn.execute(select(FrameworkRow.id).where(
            FrameworkRow.code == framework.code)).scalar_one()
        qmap = dict(conn.execute(select(Question.id, Question.qid)
                                 .where(Question.framework_id == fw_id)).all())
        ass_ids = conn.execute(select(Assessment.id).where(
            Assessment.framework_id == fw_id, visible(actor).clause(Assessment.region_kode))
            .order_by(Assessment.id)).scalars().all()
    rows = _answer_rows(engine, actor)
    flat = np.fromiter((v for r in rows for v in r), dtype=float, count=3 * len(rows))
    data = flat.reshape(-1, 3)
    col_of = {qdb: framework.question_ids.index(qid) for qdb, qid in qmap.items()}
    lut = np.full(max(qmap, default=0) + 1, -1, dtype=np.int64)
    for qdb, col in col_of.items():
        lut[qdb] = col
    ass = np.asarray(ass_ids, dtype=np.int64)
    a_col = data[:, 0].astype(np.int64)
    q_col = data[:, 1].astype(np.int64)
    keep = (q_col < len(lut)) & np.isin(a_col, ass)
    a_col, q_col, credit = a_col[keep], q_col[keep], data[keep, 2]
    rows_idx = np.searchsorted(ass, a_col)
    mat = np.zeros((len(ass), len(framework.questions)))
    mat[rows_idx, lut[q_col]] = credit
    res = score_matrix(framework, mat)
    out = pd.DataFrame({"assessment_id": ass, "total": res.total, "predicate": res.predicate,
                        "all_implemented": res.all_implemented})
    for k, code in enumerate(framework.blocks):
        out[code] = res.blocks[:, k]
    return out


def stored_scores(engine: Engine, actor: Actor, framework: Framework) -> pd.DataFrame:
    """The stored scores of every assessment of ``framework`` that ``actor`` may see (no
    answers read): the columns of ``score_all``. An assessment without a current stored row
    is scored from its answers (and logged: `kla rescore` repairs it)."""
    blocks = list(framework.blocks)
    st = AssessmentScore.__table__
    stmt = (select(Assessment.id, st.c.total, st.c.predicate, st.c.all_implemented,
                   st.c.blocks, st.c.framework_code, st.c.framework_version)
            .join(FrameworkRow, FrameworkRow.id == Assessment.framework_id)
            .outerjoin(st, st.c.assessment_id == Assessment.id)
            .where(FrameworkRow.code == framework.code,
                   visible(actor).clause(Assessment.region_kode))
            .order_by(Assessment.id))
    rows, stale = [], []
    with engine.connect() as conn:
        for a, total, pred, impl, blk, code, version in conn.execute(stmt).all():
            if total is None or (code, version) != (framework.code, framework.version):
                stale.append(a)
                continue
            rows.append((a, float(total), pred, bool(impl),
                         *(float((blk or {}).get(c, 0.0)) for c in blocks)))
    if stale:
        for a, r in _scored_from_answers(engine, framework, stale).items():
            rows.append((a, r.total, r.predicate, bool(r.all_implemented),
                         *(r.blocks[c][0] for c in blocks)))
        rows.sort()
    out = pd.DataFrame(rows, columns=["assessment_id", "total", "predicate", "all_implemented",
                                      *blocks])
    return out.astype({"assessment_id": "int64", "total": "float64", "all_implemented": bool,
                       **{c: "float64" for c in blocks}})


def _scored_from_answers(engine: Engine, framework: Framework, ids: list[int]
                         ) -> dict[int, ScoreResult]:
    """The fallback for assessments without a current stored row (the caller checked that
    its actor may read them): scored from their answers, and logged."""
    log.warning("%d assessments have no current stored score: scored from their answers "
                "(run `kla rescore`)", len(ids))
    stmt = (select(Answer.assessment_id, Question.qid, Answer.credit)
            .join(Question, Question.id == Answer.question_id)
            .where(Answer.assessment_id.in_(ids)))
    credits: dict[int, dict[str, float]] = {a: {} for a in ids}
    with engine.connect() as conn:
        for a, qid, c in conn.execute(stmt).all():
            credits[a][qid] = float(c)
    return {a: score(framework, cr) for a, cr in credits.items()}


LATEST_COLUMNS = ["region_kode", "year", "assessment_id", "stage", "status", "is_sample",
                  "total", "predicate"]


def latest_stage_scores(engine: Engine, actor: Actor, framework: Framework) -> pd.DataFrame:
    """Per kab/kota visible to ``actor`` and year, the total and predicate of its most verified
    stage (FINAL over VL over VA over EM), from the stored scores (one query, no JSON read);
    drafts left out. Columns: ``LATEST_COLUMNS``, sorted by region and year."""
    st = AssessmentScore.__table__
    stmt = (select(Assessment.region_kode, Assessment.year, Assessment.id, Assessment.stage,
                   Assessment.status, Assessment.is_sample, st.c.total, st.c.predicate,
                   st.c.framework_code, st.c.framework_version)
            .join(FrameworkRow, FrameworkRow.id == Assessment.framework_id)
            .outerjoin(st, st.c.assessment_id == Assessment.id)
            .where(FrameworkRow.code == framework.code, Assessment.status != "draft",
                   visible(actor).clause(Assessment.region_kode)))
    rank = {s: i for i, s in enumerate(STAGES)}
    latest: dict[tuple[str, int], list] = {}
    with engine.connect() as conn:
        for r in conn.execute(stmt).all():
            key = (r[0], r[1])
            if key not in latest or rank[r[3]] > rank[latest[key][3]]:
                latest[key] = list(r)
    stale = [r[2] for r in latest.values()
             if r[6] is None or (r[8], r[9]) != (framework.code, framework.version)]
    if stale:
        fixed = _scored_from_answers(engine, framework, stale)
        for r in latest.values():
            if r[2] in fixed:
                r[6], r[7] = fixed[r[2]].total, fixed[r[2]].predicate
    rows = [(*r[:5], bool(r[5]), float(r[6]), r[7]) for _, r in sorted(latest.items())]
    return pd.DataFrame(rows, columns=LATEST_COLUMNS).astype(
        {"year": "int64", "assessment_id": "int64", "is_sample": bool, "total": "float64"})
