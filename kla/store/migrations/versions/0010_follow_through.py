"""follow-through: evidence validity, inbox and digest, action evidence file, calendar edits

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 10:00:00

- ``evidence``: optional validity metadata (document type, number, date signed, valid until,
  data years covered, signed) read by ``kla.domain.validity``. The document type is checked
  by the service (``kla.services.evidence_meta``), not by a constraint: adding a constraint
  to an existing SQLite table means copying it.
- ``app_user``: e-mail address, daily digest opt-in, when the inbox was last opened and the
  day the last digest went out (``kla.services.inbox``).
- ``action``: the file that shows an action was done (kept by sha256 in the evidence store).
- ``calendar_window`` (new): an admin's change of one stage window; it takes the place of the
  same year and stage in ``data/calendar.toml``.
All new columns are nullable or have a server default: existing rows stay as they are.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CAL_STAGES = ("EM", "VA", "VL", "FINAL", "ANNOUNCEMENT")  # kla.domain.calendar, as of 0010
CAL_BASES = ("sourced", "assumed")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    with op.batch_alter_table("evidence") as b:
        b.add_column(sa.Column("doc_type", text(length=16), nullable=True))
        b.add_column(sa.Column("doc_number", text(length=120), nullable=False,
                               server_default=""))
        b.add_column(sa.Column("signed_on", sa.Date(), nullable=True))
        b.add_column(sa.Column("valid_until", sa.Date(), nullable=True))
        b.add_column(sa.Column("data_years", sa.JSON(), nullable=False,
                               server_default=sa.text("'[]'")))
        b.add_column(sa.Column("is_signed", sa.Boolean(), nullable=True))
    with op.batch_alter_table("app_user") as b:
        b.add_column(sa.Column("email", text(length=254), nullable=False, server_default=""))
        b.add_column(sa.Column("digest_daily", sa.Boolean(), nullable=False,
                               server_default=sa.false()))
        b.add_column(sa.Column("inbox_seen_at", sa.DateTime(timezone=True), nullable=True))
        b.add_column(sa.Column("digest_sent_on", sa.Date(), nullable=True))
    with op.batch_alter_table("action") as b:
        b.add_column(sa.Column("evidence_sha256", text(length=64), nullable=True))
        b.add_column(sa.Column("evidence_filename", text(length=255), nullable=False,
                               server_default=""))
        b.add_column(sa.Column("evidence_size", sa.Integer(), nullable=True))
        b.add_column(sa.Column("evidence_media_type", text(length=120), nullable=False,
                               server_default=""))
    op.create_table(
        "calendar_window",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("stage", text(length=16), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("basis", text(length=16), nullable=False),
        sa.Column("source", text(length=500), nullable=False),
        sa.Column("updated_by", text(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_in("stage", CAL_STAGES), name=op.f("ck_calendar_window_stage")),
        sa.CheckConstraint(_in("basis", CAL_BASES), name=op.f("ck_calendar_window_basis")),
        sa.CheckConstraint("end_date >= start_date", name=op.f("ck_calendar_window_dates")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_window")),
        sa.UniqueConstraint("year", "stage", name="uq_calendar_window_year_stage"),
    )


def downgrade() -> None:
    op.drop_table("calendar_window")
    with op.batch_alter_table("action") as b:
        for c in ("evidence_media_type", "evidence_size", "evidence_filename",
                  "evidence_sha256"):
            b.drop_column(c)
    with op.batch_alter_table("app_user") as b:
        for c in ("digest_sent_on", "inbox_seen_at", "digest_daily", "email"):
            b.drop_column(c)
    with op.batch_alter_table("evidence") as b:
        for c in ("is_signed", "data_years", "valid_until", "signed_on", "doc_number",
                  "doc_type"):
            b.drop_column(c)
