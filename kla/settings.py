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
  project's ``data/calendar.toml``; ``kla.domain.calendar``), with the admin's changes to the
  current year's windows (``kla.services.calendar``); a missing file: only those changes.
- ``KLA_TIMEZONE``: the IANA time zone every time and deadline is shown in (default
  ``Asia/Jakarta``, WIB; ``Asia/Makassar`` WITA, ``Asia/Jayapura`` WIT). The store keeps UTC.
- ``KLA_SECRET_KEY``: the key that signs evidence links (``kla.web.evidence_access``); unset,
  a random key per process (links end with the process, as the sessions do). Several
  replicas behind one address need the same value.
- ``KLA_SMTP_HOST``, ``KLA_SMTP_PORT``, ``KLA_SMTP_USER``, ``KLA_SMTP_PASSWORD``,
  ``KLA_SMTP_FROM``, ``KLA_SMTP_STARTTLS``, ``KLA_SMTP_SSL``, ``KLA_SMTP_TIMEOUT``: the mail
  server of the daily digest (``kla digest``, ``kla.services.inbox``). No host or no sender
  (``KLA_SMTP_FROM``): no digest is sent (``kla digest`` refuses and says so). Port 0 (the
  default) means 465 with ``KLA_SMTP_SSL``, 587 with ``KLA_SMTP_STARTTLS``, else 25; STARTTLS
  and SSL together are refused; the timeout is in seconds (1–120, default 20).
- ``KLA_MALLOC_ARENAS``: how many glibc malloc arenas a web process (``kla run``) may use
  (default 2; 0 keeps glibc's default of 8 per core). Every Streamlit session runs its
  script in a thread of its own, and with glibc's default each busy thread may get an arena
  that keeps its freed memory: the load test's replica kept +130 MB after 10 sessions
  closed with the default, +23 MB with 2 (docs/deploy.md).
- ``KLA_GC_FREEZE``: a web process imports what the pages need when it starts and moves the
  objects alive then (≈ 215,000: modules, classes, the catalogue) out of Python's garbage
  collection (``gc.freeze``; default on). A full collection otherwise walks them all (0.27 s
  with no script running, measured under the load test); ``0`` turns it off.
- ``KLA_WATCH_CONFIG``: whether a web process (``kla run``) looks for changes of
  ``.streamlit/config.toml`` while it runs (default off: Streamlit polls each config file
  five times a second, ≈ 0.3 % of a core per idle replica; a changed config then takes a
  restart, as on a server). ``1`` puts Streamlit's watching back.
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
    # the daily e-mail digest (kla.services.inbox.send_digests)
    smtp_host: str = Field(default="", description="mail server (empty: no digest is sent)")
    smtp_port: int = Field(default=0, ge=0, le=65535,
                           description="0: 465 with SSL, 587 with STARTTLS, else 25")
    smtp_user: str = ""
    smtp_password: SecretStr = Field(default=SecretStr(""))
    smtp_from: str = Field(default="", description="sender address of the digest")
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_timeout: float = Field(default=20.0, ge=1, le=120,
                                description="seconds to wait for the mail server (1–120)")
    malloc_arenas: int = Field(default=2, ge=0, le=64,
                               description="glibc malloc arenas of a web process (0: glibc's "
                                           "default, 8 per core)")
    gc_freeze: bool = Field(default=True,
                            description="a web process imports what the pages need at start "
                                        "and keeps those objects out of garbage collection")
    watch_config: bool = Field(default=False,
                               description="a web process polls .streamlit/config.toml for "
                                           "changes (Streamlit's default; off: restart)")

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

    @model_validator(mode="after")
    def _one_tls_mode(self) -> Settings:
        if self.smtp_starttls and self.smtp_ssl:
            raise ValueError("smtp_starttls and smtp_ssl: choose one (STARTTLS on port 587, "
                             "or SSL from the start on port 465)")
        self.smtp_host, self.smtp_from = self.smtp_host.strip(), self.smtp_from.strip()
        return self

    @property
    def smtp_configured(self) -> bool:
        """A mail server and a sender are set: the digest can be sent."""
        return bool(self.smtp_host and self.smtp_from)

    @property
    def smtp_port_used(self) -> int:
        if self.smtp_port:
            return self.smtp_port
        return 465 if self.smtp_ssl else 587 if self.smtp_starttls else 25

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
