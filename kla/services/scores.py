"""Stored scores (table ``assessment_score``), kept current on every write.

A stored score is ``kla.domain.scoring.score`` of an assessment's answers; the store only keeps
the result, so the analytics and standing views read a few thousand rows instead of scoring
millions of answers on every data change.

- **The one path.** A writer that changes answers (or creates an assessment) calls
  ``touch(session, assessment_id)``: ``answers._write_answer`` does it for city edits, Excel
  imports, verifier reviews and accepted registry proposals; ``workflow.open_stage``,
  ``assessments.save_assessment`` (sample data, the bench) and a framework reload
  (``reference.load_framework_rows``) call it themselves. Right before that session commits
  (a ``before_commit`` hook) every touched assessment is locked (its ``updated_at`` is bumped:
  the pages' caches of that city see it), scored again from its answers as they stand in the
  transaction, and its row upserted: the change and its score commit together, or neither.
- **Checks.** ``rescore(engine, actor, check=True)`` compares every stored row with the score
  of the answers and changes nothing (``kla rescore --check``); ``check=False`` writes the
  differing or missing rows (``kla rescore``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, event, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session as OrmSession

from kla.domain.framework import Framework, FrameworkError, get_framework
from kla.domain.scoring import ScoreResult, score
from kla.services import audit
from kla.services.permissions import Actor, require
from kla.store.models import Answer, Assessment, AssessmentScore, Question, utcnow
from kla.store.models import Framework as FrameworkRow

log = logging.getLogger(__name__)

_PENDING = "kla.rescore"  # session.info key: assessment id -> framework (None: by its code)
CHUNK = 1000
COMPARED = ("framework_code", "framework_version", "total", "predicate", "next_predicate",
            "points_to_next", "all_implemented", "blocks", "indicators")


# --- rows -------------------------------------------------------------------------------------

def row_of(fw: Framework, result: ScoreResult) -> dict:
    """The stored columns of a score (without the assessment id and the time)."""
    return {"framework_code": fw.code, "framework_version": fw.version,
            "total": result.total, "predicate": result.predicate,
            "next_predicate": result.next_predicate, "points_to_next": result.points_to_next,
            "all_implemented": bool(result.all_implemented),
            "blocks": {c: s for c, (s, _m) in result.blocks.items()},
            "indicators": {c: s for c, (s, _m) in result.indicators.items()}}


def result_of(fw: Framework, row) -> ScoreResult:
    """A stored row (mapping or ORM row) as the ``ScoreResult`` it was made from; the maxima
    come from the framework."""
    get = row.__getitem__ if hasattr(row, "__getitem__") else lambda k: getattr(row, k)
    blocks, indicators = get("blocks") or {}, get("indicators") or {}
    return ScoreResult(
        framework=fw.code, total=float(get("total")), predicate=get("predicate"),
        next_predicate=get("next_predicate"),
        points_to_next=None if get("points_to_next") is None else float(get("points_to_next")),
        all_implemented=bool(get("all_implemented")),
        blocks={c: (float(blocks.get(c, 0.0)), b.max) for c, b in fw.blocks.items()},
        indicators={c: (float(indicators.get(c, 0.0)), i.max)
                    for c, i in fw.indicators.items()})


def _is_current(fw: Framework, row) -> bool:
    """The stored row was made with this framework (code and version)."""
    get = row.__getitem__ if hasattr(row, "__getitem__") else lambda k: getattr(row, k)
    return get("framework_code") == fw.code and get("framework_version") == fw.version


def _differences(stored: dict | None, wanted: dict) -> list[str]:
    """The stored columns that differ from ``wanted`` (every column when nothing is stored)."""
    if stored is None:
        return ["missing"]
    return [k for k in COMPARED if stored.get(k) != wanted[k]]


# --- the one write path -----------------------------------------------------------------------

def touch(session: OrmSession, assessment_id: int, framework: Framework | None = None) -> None:
    """The answers of ``assessment_id`` changed (or it is new) in ``session``'s transaction:
    its stored score is recomputed right before that transaction commits, in it.
    ``framework``: the one to score with (default: the assessment's, by its code). The
    caller has checked its permission: this runs inside its write."""
    pending = session.info.setdefault(_PENDING, {})
    if framework is not None or assessment_id not in pending:
        pending[assessment_id] = framework


@event.listens_for(OrmSession, "before_commit")
def _before_commit(session: OrmSession) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.flush()  # the transaction's own writes first (answers, new assessments)
        _refresh(session.connection(), pending)


@event.listens_for(OrmSession, "after_soft_rollback")
def _after_rollback(session: OrmSession, _previous) -> None:
    session.info.pop(_PENDING, None)


def _refresh(conn: Connection, pending: dict[int, Framework | None]) -> int:
    """Score the assessments of ``pending`` from their answers on ``conn`` (inside the
    caller's transaction) and upsert their stored rows; returns how many. Each assessment row
    is locked first (an UPDATE of ``updated_at``), so two writers of one assessment score it
    one after the other, each from the answers as the other left them."""
    ids = sorted(pending)
    now = utcnow()
    done = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        conn.execute(update(Assessment).where(Assessment.id.in_(chunk)).values(updated_at=now))
        codes = dict(conn.execute(
            select(Assessment.id, FrameworkRow.code)
            .join(FrameworkRow, FrameworkRow.id == Assessment.framework_id)
            .where(Assessment.id.in_(chunk))).all())
        credits = _credits(conn, list(codes))
        rows = []
        for a, code in codes.items():  # an assessment deleted meanwhile has no row to keep
            fw = pending[a] or get_framework(code)
            rows.append({"assessment_id": a, **row_of(fw, score(fw, credits[a])),
                         "computed_at": now})
        _upsert(conn, rows)
        done += len(rows)
    return done


def _credits(conn: Connection, ids: list[int]) -> dict[int, dict[str, float]]:
    """Question id → credit of each assessment of ``ids`` (every id present)."""
    credits: dict[int, dict[str, float]] = {a: {} for a in ids}
    for a, qid, credit in conn.execute(
            select(Answer.assessment_id, Question.qid, Answer.credit)
            .join(Question, Question.id == Answer.question_id)
            .where(Answer.assessment_id.in_(ids))).all():
        credits[a][qid] = float(credit)
    return credits


def _upsert(conn: Connection, rows: list[dict]) -> None:
    if not rows:
        return
    ins = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(
        AssessmentScore.__table__)
    cols = [c for c in rows[0] if c != "assessment_id"]
    conn.execute(ins.on_conflict_do_update(index_elements=["assessment_id"],
                                           set_={c: ins.excluded[c] for c in cols}), rows)


# --- checking every stored score --------------------------------------------------------------

@dataclass(frozen=True)
class Difference:
    assessment_id: int
    region_kode: str
    year: int
    stage: str
    fields: tuple[str, ...]  # the differing columns, or ("missing",)
    stored_total: float | None
    stored_predicate: str | None
    total: float
    predicate: str

    def line(self) -> str:
        stored = ("no stored score" if self.stored_total is None
                  else f"stored {self.stored_total:.2f} ({self.stored_predicate})")
        return (f"assessment {self.assessment_id} ({self.region_kode} {self.year} {self.stage}): "
                f"{stored}, from the answers {self.total:.2f} ({self.predicate}); differs in "
                f"{', '.join(self.fields)}")


@dataclass
class RescoreReport:
    checked: int = 0
    differences: list[Difference] = field(default_factory=list)
    written: int = 0
    unscored: list[str] = field(default_factory=list)  # frameworks that cannot be loaded

    def to_dict(self) -> dict:
        return {"checked": self.checked, "differences": len(self.differences),
                "written": self.written, "unscored": list(self.unscored),
                "assessments": [d.line() for d in self.differences]}


def _compare(conn: Connection, fw: Framework, ids: list[int]) -> Iterator[Difference]:
    """Stored rows of ``ids`` against the score of their answers, both read on ``conn``."""
    meta = {r[0]: r[1:] for r in conn.execute(
        select(Assessment.id, Assessment.region_kode, Assessment.year, Assessment.stage)
        .where(Assessment.id.in_(ids)))}
    stored = {r["assessment_id"]: dict(r) for r in conn.execute(
        select(AssessmentScore.__table__).where(AssessmentScore.assessment_id.in_(ids))
    ).mappings()}
    credits = _credits(conn, ids)
    for a in ids:
        if a not in meta:  # deleted meanwhile
            continue
        result = score(fw, credits[a])
        have = stored.get(a)
        diff = _differences(have, row_of(fw, result))
        if diff:
            region, year, stage = meta[a]
            yield Difference(a, region, year, stage, tuple(diff),
                             None if have is None else have["total"],
                             None if have is None else have["predicate"],
                             result.total, result.predicate)


def _frameworks(conn: Connection, report: RescoreReport) -> Iterable[tuple[Framework, list[int]]]:
    by_code: dict[str, list[int]] = {}
    for a, code in conn.execute(select(Assessment.id, FrameworkRow.code)
                                .join(FrameworkRow, FrameworkRow.id == Assessment.framework_id)
                                .order_by(Assessment.id)):
        by_code.setdefault(code, []).append(a)
    for code, ids in by_code.items():
        try:
            fw = get_framework(code)
        except (FrameworkError, OSError) as exc:
            report.unscored.append(f"{code}: {len(ids)} assessments not checked ({exc})")
            continue
        yield fw, ids


def rescore(engine: Engine, actor: Actor, check: bool = False,
            progress: Callable[[int, int], None] | None = None) -> RescoreReport:
    """Compare every stored score with the score of its assessment's answers (``kla rescore
    --check``: nothing is changed) or, with ``check`` False, also write every differing or
    missing row (``kla rescore``: each assessment scored again under its lock, in one
    transaction, audited). Admin (national) only. With ``check``, a difference is read again
    before it is reported (a writer may have committed between the two reads of one
    comparison). ``progress(checked, total)``: called after each chunk of assessments
    compared (the national data set has thousands: ``kla rescore`` shows how far it is)."""
    require(actor, "assessment.write")
    report = RescoreReport()
    found: dict[int, tuple[Framework, Difference]] = {}
    with engine.connect() as conn:
        groups = list(_frameworks(conn, report))
        total, done = sum(len(ids) for _, ids in groups), 0
        for fw, ids in groups:
            report.checked += len(ids)
            for start in range(0, len(ids), CHUNK):
                for d in _compare(conn, fw, ids[start:start + CHUNK]):
                    found[d.assessment_id] = (fw, d)
                done += len(ids[start:start + CHUNK])
                if progress is not None:
                    progress(done, total)
        # --check: once more for those that differ (a writer may have committed between two
        # reads); a repair scores them again under their locks anyway
        for fw in ({id(f): f for f, _ in found.values()}.values() if check else ()):
            mine = [a for a, (f, _) in found.items() if f is fw]
            again = {d.assessment_id: d for start in range(0, len(mine), CHUNK)
                     for d in _compare(conn, fw, mine[start:start + CHUNK])}
            for a in mine:
                if a in again:
                    found[a] = (fw, again[a])
                else:
                    del found[a]
    report.differences = [d for _, d in sorted(found.values(), key=lambda x: x[1].assessment_id)]
    if check or not found:
        return report
    with engine.begin() as conn:
        report.written = _refresh(conn, {a: fw for a, (fw, _) in found.items()})
        audit.record(conn, actor, "score.rescore", "assessment_score", "",
                     assessments=sorted(found), written=report.written)
    return report


def _stored_rows(conn: Connection, ids: list[int]) -> dict[int, dict]:
    """The stored rows of ``ids`` (those that have one), as dicts. The caller checked that
    its actor may read these assessments."""
    out: dict[int, dict] = {}
    for start in range(0, len(ids), CHUNK):
        for r in conn.execute(select(AssessmentScore.__table__).where(
                AssessmentScore.assessment_id.in_(ids[start:start + CHUNK]))).mappings():
            out[r["assessment_id"]] = dict(r)
    return out
