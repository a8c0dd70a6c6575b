"""stored scores: table assessment_score, filled from the answers

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 09:00:00

The score of every assessment (``kla.domain.scoring.score`` of its answers: total, blocks,
indicators, predicate, next predicate and points to it, the all-implemented flag) is kept in
``assessment_score`` from now on; the services write it in the same transaction as every
change that moves it (``kla/services/scores.py``). This migration creates the table and fills
it for an existing database, in the migration's transaction. An assessment whose framework
cannot be loaded from the framework files is left without a row and named in the log (``kla
rescore`` fills it once the framework is there; the pages score such an assessment from its
answers meanwhile). The row layout is written out here (not taken from the services), so
this migration does not change when the services do.
"""
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")
CHUNK = 1000


def upgrade() -> None:
    op.create_table(
        "assessment_score",
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("framework_code", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("framework_version", sqlmodel.sql.sqltypes.AutoString(length=40),
                  nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("predicate", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("next_predicate", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("points_to_next", sa.Float(), nullable=True),
        sa.Column("all_implemented", sa.Boolean(), nullable=False),
        sa.Column("blocks", sa.JSON(), nullable=False),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessment.id"],
                                name=op.f("fk_assessment_score_assessment_id_assessment"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("assessment_id", name=op.f("pk_assessment_score")),
    )
    _fill()


def _fill() -> None:
    """One row per existing assessment, scored from its answers by the domain's function."""
    from kla.domain.framework import FrameworkError, get_framework
    from kla.domain.scoring import score

    conn = op.get_bind()
    framework = sa.table("framework", sa.column("id", sa.Integer), sa.column("code", sa.String))
    assessment = sa.table("assessment", sa.column("id", sa.Integer),
                          sa.column("framework_id", sa.Integer))
    question = sa.table("question", sa.column("id", sa.Integer), sa.column("qid", sa.String))
    answer = sa.table("answer", sa.column("assessment_id", sa.Integer),
                      sa.column("question_id", sa.Integer), sa.column("credit", sa.Float))
    stored = sa.table(
        "assessment_score", sa.column("assessment_id", sa.Integer),
        *(sa.column(c, sa.String) for c in ("framework_code", "framework_version", "predicate",
                                            "next_predicate")),
        sa.column("total", sa.Float), sa.column("points_to_next", sa.Float),
        sa.column("all_implemented", sa.Boolean), sa.column("blocks", sa.JSON),
        sa.column("indicators", sa.JSON), sa.column("computed_at", sa.DateTime(timezone=True)))
    now = datetime.now(UTC)
    for fw_id, code in conn.execute(sa.select(framework.c.id, framework.c.code)).all():
        ids = conn.execute(sa.select(assessment.c.id).where(assessment.c.framework_id == fw_id)
                           .order_by(assessment.c.id)).scalars().all()
        if not ids:
            continue
        try:
            fw = get_framework(code)
        except (FrameworkError, OSError) as exc:
            log.warning("framework %s cannot be loaded (%s): %d assessments left without a "
                        "stored score; run `kla rescore` once it is there", code, exc, len(ids))
            continue
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            credits: dict[int, dict[str, float]] = {a: {} for a in chunk}
            for a, qid, credit in conn.execute(
                    sa.select(answer.c.assessment_id, question.c.qid, answer.c.credit)
                    .join(question, question.c.id == answer.c.question_id)
                    .where(answer.c.assessment_id.in_(chunk))):
                credits[a][qid] = float(credit)
            rows = []
            for a in chunk:
                r = score(fw, credits[a])
                rows.append({
                    "assessment_id": a, "framework_code": fw.code,
                    "framework_version": fw.version, "total": r.total,
                    "predicate": r.predicate, "next_predicate": r.next_predicate,
                    "points_to_next": r.points_to_next,
                    "all_implemented": bool(r.all_implemented),
                    "blocks": {c: s for c, (s, _m) in r.blocks.items()},
                    "indicators": {c: s for c, (s, _m) in r.indicators.items()},
                    "computed_at": now})
            conn.execute(stored.insert(), rows)


def downgrade() -> None:
    op.drop_table("assessment_score")
