"""Engine factory: one code path for SQLite (WAL) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Engine, create_engine, event

from kla.settings import get_settings


def make_engine(url: str, busy_timeout_ms: int = 30_000) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False,
                                                  "timeout": busy_timeout_ms / 1000})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


@cache
def engine_for(url: str) -> Engine:
    """One engine per URL per process."""
    return make_engine(url, get_settings().sqlite_busy_timeout_ms)


def get_engine() -> Engine:
    s = get_settings()
    if s.url.startswith("sqlite"):
        s.ensure_dirs()
    return engine_for(s.url)
