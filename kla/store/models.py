"""SQLModel tables. Schema changes go through Alembic (kla/store/migrations), never create_all.

No ``from __future__ import annotations`` here: it breaks SQLModel on Python 3.11.
"""

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from kla.domain.action_plan import ACTION_STATUSES
from kla.domain.calendar import BASES as CALENDAR_BASES
from kla.domain.calendar import STAGES as CALENDAR_STAGES
from kla.domain.registries import KINDS
from kla.domain.workflow import DECISIONS, LEVELS, ROLES, STAGES, STATUSES, sql_in

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def _ts(index: bool = False) -> Any:
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), nullable=False,
                 index=index)


class Region(SQLModel, table=True):
    """Every Indonesian region (Kepmendagri 300.2.2-2138/2025), dotted code as the key."""

    __table_args__ = (
        CheckConstraint(sql_in("level", LEVELS), name="level"),
    )
    kode: str = Field(primary_key=True, max_length=13)
    nama: str = Field(max_length=120)
    level: str = Field(max_length=16, index=True)
    parent_kode: str | None = Field(default=None, foreign_key="region.kode", index=True,
                                       max_length=13)
    population: int | None = None
    population_male: int | None = None
    population_female: int | None = None
    area_km2: float | None = None


class Framework(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    version: str = Field(max_length=40)
    year: int
    name_id: str
    name_en: str
    total_max: float
    checksum: str = Field(max_length=64)
    meta: dict = Field(default_factory=dict, sa_type=JSON)
    loaded_at: datetime = _ts()


class Block(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("framework_id", "code", name="uq_block_framework_code"),)
    id: int | None = Field(default=None, primary_key=True)
    framework_id: int = Field(foreign_key="framework.id", ondelete="CASCADE")
    code: str = Field(max_length=16)
    position: int
    name_id: str
    name_en: str
    max_points: float


class Indicator(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("framework_id", "code", name="uq_indicator_framework_code"),
    )
    id: int | None = Field(default=None, primary_key=True)
    framework_id: int = Field(foreign_key="framework.id", ondelete="CASCADE")
    block_id: int = Field(foreign_key="block.id", ondelete="CASCADE", index=True)
    code: str = Field(max_length=16)
    name: str
    max_points: float
    position: int


class Question(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("framework_id", "qid", name="uq_question_framework_qid"),)
    id: int | None = Field(default=None, primary_key=True)
    framework_id: int = Field(foreign_key="framework.id", ondelete="CASCADE")
    indicator_id: int = Field(foreign_key="indicator.id", ondelete="CASCADE", index=True)
    qid: str = Field(max_length=32)
    code: str = Field(max_length=16)
    max_points: float
    for_kecamatan: bool = False
    for_desa: bool = False
    opds: str = ""
    text: str = ""
    position: int


class Assessment(SQLModel, table=True):
    """One kab/kota, one evaluation year, one stage (EM, VA, VL, FINAL)."""

    __table_args__ = (
        UniqueConstraint("region_kode", "year", "stage", name="uq_assessment_region_year_stage"),
        CheckConstraint(sql_in("stage", STAGES), name="stage"),
        CheckConstraint(sql_in("status", STATUSES), name="status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    region_kode: str = Field(foreign_key="region.kode", max_length=13)
    framework_id: int = Field(foreign_key="framework.id")
    year: int = Field(index=True)
    stage: str = Field(max_length=8)
    status: str = Field(default="draft", max_length=16)
    is_sample: bool = False
    created_at: datetime = _ts()
    updated_at: datetime = _ts(index=True)  # max() in the data version, every rerun
    submitted_at: datetime | None = Field(default=None,
                                             sa_column=Column(DateTime(timezone=True)))
    submitted_by: str | None = Field(default=None, max_length=120)
    revision_deadline: datetime | None = Field(default=None,
                                                  sa_column=Column(DateTime(timezone=True)))


class Answer(SQLModel, table=True):
    """Credit (0–1 of the question maximum) with a version for optimistic locking."""

    __table_args__ = (
        UniqueConstraint("assessment_id", "question_id", name="uq_answer_assessment_question"),
        CheckConstraint("credit >= 0 AND credit <= 1", name="credit_range"),
    )
    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", ondelete="CASCADE")
    question_id: int = Field(foreign_key="question.id")
    credit: float = 0.0
    note: str = ""
    version: int = 1
    updated_by: str = Field(default="system", max_length=120)
    updated_at: datetime = _ts()


class AssessmentScore(SQLModel, table=True):
    """The stored score of one assessment: ``kla.domain.scoring.score`` of its answers, kept
    by the store, never computed here. Written in the same transaction as every change that
    moves it (``kla.services.scores``); the analytics and standing views read it instead of
    the answers. ``blocks`` and ``indicators``: code → score (their maxima are the
    framework's). ``kla rescore --check`` compares every row with its answers."""

    __tablename__ = "assessment_score"
    assessment_id: int = Field(primary_key=True, foreign_key="assessment.id",
                               ondelete="CASCADE")
    framework_code: str = Field(max_length=40)
    framework_version: str = Field(max_length=40)
    total: float
    predicate: str = Field(max_length=16)
    next_predicate: str | None = Field(default=None, max_length=16)
    points_to_next: float | None = None
    all_implemented: bool
    blocks: dict = Field(default_factory=dict, sa_type=JSON)
    indicators: dict = Field(default_factory=dict, sa_type=JSON)
    computed_at: datetime = _ts()


class Evidence(SQLModel, table=True):
    """An evidence file, stored once by sha256; the original name is for display only."""

    __table_args__ = (
        Index("ix_evidence_sha256", "sha256"),
        CheckConstraint("size >= 0", name="size"),
    )
    id: int | None = Field(default=None, primary_key=True)
    answer_id: int = Field(foreign_key="answer.id", ondelete="CASCADE", index=True)
    original_filename: str = Field(max_length=255)
    sha256: str = Field(max_length=64)
    size: int
    media_type: str = Field(max_length=120)
    storage_key: str = Field(max_length=255)
    uploaded_by: str = Field(max_length=120)
    uploaded_at: datetime = _ts()
    deleted_at: datetime | None = Field(default=None,
                                           sa_column=Column(DateTime(timezone=True),
                                                            nullable=True))
    deleted_by: str | None = Field(default=None, max_length=120)
    # validity metadata (migration 0010; kla.domain.validity): all optional
    doc_type: str | None = Field(default=None, max_length=16)  # one of validity.DOC_TYPES
    doc_number: str = Field(default="", max_length=120)
    signed_on: date | None = None
    valid_until: date | None = None
    data_years: list = Field(default_factory=list, sa_type=JSON)
    is_signed: bool | None = None


class RefData(SQLModel, table=True):
    """Which shipped reference data set is loaded (checksum makes `kla init` idempotent)."""

    __tablename__ = "refdata"
    name: str = Field(primary_key=True, max_length=40)
    checksum: str = Field(max_length=64)
    rows: int
    loaded_at: datetime = _ts()


class Effort(SQLModel, table=True):
    """A city's own effort estimate for raising one question to full credit (planner input)."""

    __table_args__ = (
        UniqueConstraint("region_kode", "question_id", name="uq_effort_region_question"),
        CheckConstraint("effort > 0", name="positive"),
    )
    id: int | None = Field(default=None, primary_key=True)
    region_kode: str = Field(foreign_key="region.kode", max_length=13)
    question_id: int = Field(foreign_key="question.id", ondelete="CASCADE")
    effort: float
    updated_by: str = Field(default="system", max_length=120)
    updated_at: datetime = _ts()


class Scenario(SQLModel, table=True):
    """A named what-if scenario on one assessment: question id → credit."""

    __table_args__ = (
        UniqueConstraint("assessment_id", "name", name="uq_scenario_assessment_name"),
    )
    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=80)
    changes: dict = Field(default_factory=dict, sa_type=JSON)
    created_by: str = Field(default="system", max_length=120)
    updated_at: datetime = _ts()


class User(SQLModel, table=True):
    """A local account. Scope: `region_kode` is a province (verifier, viewer) or a kab/kota
    (coordinator, opd, viewer); empty means national. `agencies`: the OPDs of an opd user."""

    __tablename__ = "app_user"
    __table_args__ = (
        CheckConstraint(sql_in("role", ROLES), name="role"),
    )
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, unique=True)
    display_name: str = Field(default="", max_length=120)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=16)
    region_kode: str | None = Field(default=None, foreign_key="region.kode", max_length=13)
    agencies: list = Field(default_factory=list, sa_type=JSON)
    is_active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None,
                                             sa_column=Column(DateTime(timezone=True)))
    created_at: datetime = _ts()
    # inbox and daily digest (migration 0010; kla.services.inbox)
    email: str = Field(default="", max_length=254)
    digest_daily: bool = False
    inbox_seen_at: datetime | None = Field(default=None,
                                              sa_column=Column(DateTime(timezone=True)))
    digest_sent_on: date | None = None


class Assignment(SQLModel, table=True):
    """A kab/kota's own choice of agencies for a question (default: the instrument's column)."""

    __table_args__ = (
        UniqueConstraint("region_kode", "question_id", name="uq_assignment_region_question"),
    )
    id: int | None = Field(default=None, primary_key=True)
    region_kode: str = Field(foreign_key="region.kode", max_length=13)
    question_id: int = Field(foreign_key="question.id", ondelete="CASCADE")
    agencies: list = Field(default_factory=list, sa_type=JSON)
    updated_by: str = Field(default="system", max_length=120)
    updated_at: datetime = _ts(index=True)


class Review(SQLModel, table=True):
    """A verifier's decision on one answer of a verification stage (history kept)."""

    __table_args__ = (
        CheckConstraint(sql_in("decision", DECISIONS), name="decision"),
    )
    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", ondelete="CASCADE", index=True)
    question_id: int = Field(foreign_key="question.id")
    decision: str = Field(max_length=8)
    reason: str = ""
    credit_before: float
    credit_after: float
    reviewer: str = Field(max_length=120)
    at: datetime = _ts()


class AuditLog(SQLModel, table=True):
    """Append-only record of every change (who, when, what, old → new). The database refuses
    UPDATE and DELETE on this table (triggers in migration 0003)."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _ts()
    actor: str = Field(max_length=120)
    action: str = Field(max_length=40, index=True)
    entity: str = Field(max_length=40)
    entity_id: str = Field(default="", max_length=80)
    region_kode: str | None = Field(default=None, max_length=13, index=True)
    assessment_id: int | None = Field(default=None, index=True)
    detail: dict = Field(default_factory=dict, sa_type=JSON)


class RegistryEntry(SQLModel, table=True):
    """One row of a city's registry (play area, KHA training, village body, PPA case).

    The validated fields live in ``data`` (JSON; dates as ISO strings); ``key`` is the row's
    identity within the registry (duplicates are refused)."""

    __tablename__ = "registry_entry"
    __table_args__ = (
        UniqueConstraint("region_kode", "kind", "key", name="uq_registry_entry_key"),
        CheckConstraint(sql_in("kind", KINDS), name="kind"),
    )
    id: int | None = Field(default=None, primary_key=True)
    region_kode: str = Field(foreign_key="region.kode", max_length=13, index=True)
    kind: str = Field(max_length=20)
    key: str = Field(max_length=255)
    data: dict = Field(default_factory=dict, sa_type=JSON)
    is_sample: bool = False
    updated_by: str = Field(default="system", max_length=120)
    updated_at: datetime = _ts()


class RegistryTarget(SQLModel, table=True):
    """A city's target for a registry measure (e.g. providers to train per kind)."""

    __tablename__ = "registry_target"
    __table_args__ = (UniqueConstraint("region_kode", "name", name="uq_registry_target_name"),)
    id: int | None = Field(default=None, primary_key=True)
    region_kode: str = Field(foreign_key="region.kode", max_length=13)
    name: str = Field(max_length=60)
    value: int
    updated_by: str = Field(default="system", max_length=120)
    updated_at: datetime = _ts()


class PublishedResult(SQLModel, table=True):
    """A published KLA award (one kab/kota, one award year), from `kla import-results`."""

    __tablename__ = "published_result"
    __table_args__ = (
        UniqueConstraint("region_kode", "award_year", name="uq_published_result_region_year"),
    )
    id: int | None = Field(default=None, primary_key=True)
    region_kode: str = Field(foreign_key="region.kode", max_length=13, index=True)
    award_year: int = Field(index=True)
    predicate: str = Field(max_length=16)
    score: float | None = None
    score_type: str = Field(default="", max_length=60)
    marker: str = Field(default="", max_length=8)
    source: str = ""
    note: str = ""
    source_file: str = Field(default="", max_length=255)
    loaded_at: datetime = _ts()


class Action(SQLModel, table=True):
    """One action (kegiatan) of a kab/kota's RAD KLA action plan for one evaluation year: the
    questions it should raise are in ``action_question``. ``version`` for optimistic locking;
    ``applied_at`` when its expected credits were written to the self-assessment."""

    __table_args__ = (
        CheckConstraint(sql_in("status", ACTION_STATUSES), name="status"),
        CheckConstraint("budget_rp >= 0", name="budget"),
        Index("ix_action_region_year", "region_kode", "year"),
    )
    id: int | None = Field(default=None, primary_key=True)
    region_kode: str = Field(foreign_key="region.kode", max_length=13)
    year: int
    title: str = Field(max_length=200)
    opd: str = Field(default="", max_length=120)
    budget_rp: int = Field(default=0, sa_type=BigInteger)
    apbd_ref: str = Field(default="", max_length=200)
    start_date: date | None = None
    due_date: date | None = None
    status: str = Field(default="rencana", max_length=16)
    evidence_note: str = Field(default="", max_length=1000)
    evidence_id: int | None = Field(default=None, foreign_key="evidence.id", ondelete="SET NULL")
    version: int = 1
    created_by: str = Field(default="system", max_length=120)
    created_at: datetime = _ts()
    updated_by: str = Field(default="system", max_length=120)
    updated_at: datetime = _ts()
    applied_at: datetime | None = Field(default=None,
                                           sa_column=Column(DateTime(timezone=True),
                                                            nullable=True))
    # the file that shows it was done (migration 0010): kept in the evidence store by sha256,
    # attached to each of its questions' answers when its credits are applied
    evidence_sha256: str | None = Field(default=None, max_length=64)
    evidence_filename: str = Field(default="", max_length=255)
    evidence_size: int | None = None
    evidence_media_type: str = Field(default="", max_length=120)


class ActionQuestion(SQLModel, table=True):
    """A question an action should raise, with the credit it is expected to give."""

    __tablename__ = "action_question"
    __table_args__ = (
        CheckConstraint("expected_credit > 0 AND expected_credit <= 1", name="credit_range"),
    )
    action_id: int = Field(foreign_key="action.id", ondelete="CASCADE", primary_key=True)
    question_id: int = Field(foreign_key="question.id", ondelete="CASCADE", primary_key=True,
                             index=True)
    expected_credit: float = 1.0


class CalendarWindow(SQLModel, table=True):
    """An admin's change to one stage window of the KLA calendar (migration 0010): it takes
    the place of the same year and stage in ``data/calendar.toml`` (``kla.services.calendar``)."""

    __tablename__ = "calendar_window"
    __table_args__ = (
        UniqueConstraint("year", "stage", name="uq_calendar_window_year_stage"),
        CheckConstraint(sql_in("stage", CALENDAR_STAGES), name="stage"),
        CheckConstraint(sql_in("basis", CALENDAR_BASES), name="basis"),
        CheckConstraint("end_date >= start_date", name="dates"),
    )
    id: int | None = Field(default=None, primary_key=True)
    year: int
    stage: str = Field(max_length=16)
    start_date: date
    end_date: date
    basis: str = Field(default="assumed", max_length=16)
    source: str = Field(default="", max_length=500)
    updated_by: str = Field(default="system", max_length=120)
    updated_at: datetime = _ts()
