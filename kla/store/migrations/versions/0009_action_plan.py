"""RAD KLA action plan: tables action and action_question

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 10:00:00

One action (kegiatan) per kab/kota and year with its responsible OPD, budget, APBD reference,
dates, status and the questions it should raise with their expected credits
(``kla/services/action_plan.py``). New tables only: nothing existing changes.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ("rencana", "berjalan", "selesai", "batal")  # kla.domain.action_plan, as of 0009


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_kode", text(length=13), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", text(length=200), nullable=False),
        sa.Column("opd", text(length=120), nullable=False),
        sa.Column("budget_rp", sa.BigInteger(), nullable=False),
        sa.Column("apbd_ref", text(length=200), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", text(length=16), nullable=False),
        sa.Column("evidence_note", text(length=1000), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", text(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", text(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN (" + ",".join(repr(s) for s in STATUSES) + ")",
                           name=op.f("ck_action_status")),
        sa.CheckConstraint("budget_rp >= 0", name=op.f("ck_action_budget")),
        sa.ForeignKeyConstraint(["region_kode"], ["region.kode"],
                                name=op.f("fk_action_region_kode_region")),
        sa.ForeignKeyConstraint(["evidence_id"], ["evidence.id"],
                                name=op.f("fk_action_evidence_id_evidence"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action")),
    )
    op.create_index("ix_action_region_year", "action", ["region_kode", "year"], unique=False)
    op.create_table(
        "action_question",
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("expected_credit", sa.Float(), nullable=False),
        sa.CheckConstraint("expected_credit > 0 AND expected_credit <= 1",
                           name=op.f("ck_action_question_credit_range")),
        sa.ForeignKeyConstraint(["action_id"], ["action.id"],
                                name=op.f("fk_action_question_action_id_action"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["question_id"], ["question.id"],
                                name=op.f("fk_action_question_question_id_question"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("action_id", "question_id", name=op.f("pk_action_question")),
    )
    op.create_index(op.f("ix_action_question_question_id"), "action_question", ["question_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_action_question_question_id"), table_name="action_question")
    op.drop_table("action_question")
    op.drop_index("ix_action_region_year", table_name="action")
    op.drop_table("action")
