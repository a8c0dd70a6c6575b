"""One settings object, read from the environment (prefix ``KLA_``).

- ``KLA_DATA_DIR``: runtime folder (default ``var/`` in the project, git-ignored): the default
  SQLite database and the evidence files.
- ``KLA_EVIDENCE_DIR``: where evidence files are stored (default ``<KLA_DATA_DIR>/evidence``).
  Several replicas (``deploy/``) must all point at the same folder, e.g. a network mount.
- ``KLA_MAX_UPLOAD_MB``: evidence upload limit (default 25); ``KLA_REVISION_HOURS``: revision
  window after a verifier sends answers back (default 48, 1–720).
- ``KLA_LOGIN_MAX_FAILURES``: wrong passwords in a row before an account is locked (default 5,
  3–20); ``KLA_LOGIN_LOCK_MINUTES``: how long it stays locked (default 15, 1–1440). A value
  outside its range (or not a number) fails when the settings are read: a pydantic
  validation error naming the field (e.g. ``revision_hours``) and its bound.
- ``KLA_FRAMEWORKS_DIR``: folder of framework folders (default the project's ``indicators/``).
- ``KLA_CALENDAR_FILE``: the KLA calendar, stage windows per evaluation year (default the
  project's ``data/calendar.toml``; ``kla.domain.calendar``); a missing file: no stage banner.
- ``KLA_TIMEZONE``: the IANA time zone every time and deadline is shown in (default
  ``Asia/Jakarta``, WIB; ``Asia/Makassar`` WITA, ``Asia/Jayapura`` WIT). The store keeps UTC.
- ``KLA_SECRET_KEY``: the key that signs evidence links (``kla.web.evidence_access``); unset,
  a random key per process (links end with the process, as the sessions do). Several
  replicas behind one address need the same value.
- ``KLA_DATABASE_URL``: SQLAlchemy URL; default ``sqlite:///<KLA_DATA_DIR>/kla.db``. PostgreSQL:
  ``postgresql+psycopg://user:password@host:5432/dbname`` (``postgres://`` and ``postgresql://``
  are normalised to psycopg 3).
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KLA_", extra="ignore")

    data_dir: Path = PROJECT_DIR / "var"
    evidence_dir: Path | None = Field(default=None,
                                      description="evidence files (default <data_dir>/evidence)")
    database_url: str = ""
    sqlite_busy_timeout_ms: int = 30_000
    max_upload_mb: int = 25
    revision_hours: int = Field(default=48, ge=1, le=720,
                                description="revision window in hours (1–720)")
    login_max_failures: int = Field(default=5, ge=3, le=20,
                                    description="wrong passwords in a row before a lock (3–20)")
    login_lock_minutes: int = Field(default=15, ge=1, le=1440,
                                    description="minutes an account stays locked (1–1440)")
    frameworks_dir: Path = PROJECT_DIR / "indicators"
    calendar_file: Path = PROJECT_DIR / "data" / "calendar.toml"
    timezone: str = Field(default="Asia/Jakarta",
                          description="IANA time zone of the times shown (e.g. Asia/Makassar)")
    secret_key: SecretStr = Field(default=SecretStr(""),
                                  description="signs evidence links (unset: random per process)")

    @field_validator("database_url")
    @classmethod
    def _normalise(cls, v: str) -> str:
        v = v.strip()
        for prefix in ("postgres://", "postgresql://"):
            if v.startswith(prefix):
                return "postgresql+psycopg://" + v[len(prefix):]
        return v

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        v = v.strip() or "Asia/Jakarta"
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (an IANA name such as "
                             "Asia/Jakarta)") from None
        return v

    @field_validator("frameworks_dir", mode="before")
    @classmethod
    def _default_frameworks(cls, v: object) -> object:
        return PROJECT_DIR / "indicators" if v is None or str(v).strip() == "" else v

    @field_validator("evidence_dir", mode="before")
    @classmethod
    def _unset_evidence(cls, v: object) -> object:
        return None if v is None or str(v).strip() == "" else v

    @model_validator(mode="after")
    def _default_evidence(self) -> Settings:
        if self.evidence_dir is None:
            self.evidence_dir = self.data_dir / "evidence"
        return self

    @property
    def url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'kla.db'}"

    def ensure_dirs(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.evidence_dir.mkdir(parents=True, exist_ok=True)


@cache
def get_settings() -> Settings:
    return Settings()


def local_today() -> date:
    """Today where the deployment is (``KLA_TIMEZONE``, WIB by default), not in the server's
    own zone: at 06:30 WIB (23:30 UTC) it is already the next day."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(get_settings().timezone)).date()
