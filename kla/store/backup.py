"""Database copies for `kla backup` / `kla restore`, while the app runs.

- SQLite: ``sqlite3.Connection.backup`` copies the live database (WAL mode: writers go on)
  in one step, from one read transaction: a consistent snapshot. The copy is switched to
  journal mode DELETE, so it is one self-contained file. A restore writes the archived file
  into the configured database through the same API (in one write transaction: the old
  database stays whole if it fails); the app must be stopped for it (its caches would
  otherwise keep showing the old data).
- PostgreSQL: one REPEATABLE READ transaction exports its snapshot (``pg_export_snapshot``);
  ``pg_dump --snapshot`` dumps exactly that state, and ``snapshot_engine`` gives an engine
  whose every connection reads the same snapshot (for the manifest). A restore runs
  ``pg_restore --clean --if-exists --single-transaction`` into the configured database.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from kla.i18n import Msg, Refusal

SNAPSHOT_ID = re.compile(r"^[0-9A-Fa-f]+-[0-9A-Fa-f]+(?:-[0-9A-Fa-f]+)?$")
# tables whose rows are the users' own data: a database holding any is "not empty"
USER_TABLES = ("assessment", "answer", "evidence", "app_user", "registry_entry", "audit_log")


class BackupFailed(Refusal):
    """A database tool or copy failed; the message says which and why."""


def kind_of(engine_or_url: Engine | str) -> str:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    return "sqlite" if url.get_backend_name() == "sqlite" else "postgresql"


def sqlite_path(url) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupFailed(Msg("err.backup.sqlite_memory"))
    return Path(database)


# --- SQLite -----------------------------------------------------------------------------------

def sqlite_snapshot(url, dest: Path, busy_timeout_s: float = 30.0) -> None:
    """A consistent copy of the live SQLite database at ``url`` in ``dest`` (a new file)."""
    src_path = sqlite_path(url)
    if not src_path.is_file():
        raise BackupFailed(Msg("err.backup.sqlite_missing", path=str(src_path)))
    src = sqlite3.connect(src_path, timeout=busy_timeout_s)
    try:
        dst = sqlite3.connect(dest)
        try:
            src.backup(dst)  # pages=-1: one step, one read transaction
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise BackupFailed(Msg("err.backup.sqlite_failed", reason=str(exc))) from None
    finally:
        src.close()


def _read_only(path: Path) -> str:
    return Path(path).resolve().as_uri() + "?mode=ro"


def sqlite_engine(path: Path) -> Engine:
    """A plain engine on a database copy (no pragmas: the copy keeps journal mode DELETE)."""
    return create_engine(f"sqlite:///{path}", poolclass=NullPool)


def sqlite_check(path: Path) -> bool:
    """The file is an SQLite database that passes ``PRAGMA quick_check``."""
    try:
        conn = sqlite3.connect(_read_only(path), uri=True)
        try:
            return conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def sqlite_restore(src: Path, url, busy_timeout_s: float = 5.0) -> None:
    """Write the database file ``src`` into the SQLite database at ``url`` (created if
    absent), in one write transaction. A database in use (locked) is left as it was."""
    target = sqlite_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(_read_only(src), uri=True)
    try:
        dst = sqlite3.connect(target, timeout=busy_timeout_s)
        try:
            source.backup(dst)
        finally:
            dst.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise BackupFailed(Msg("err.backup.sqlite_in_use", path=str(target))) from None
        raise BackupFailed(Msg("err.backup.sqlite_failed", reason=str(exc))) from None
    except sqlite3.Error as exc:
        raise BackupFailed(Msg("err.backup.sqlite_failed", reason=str(exc))) from None
    finally:
        source.close()


# --- PostgreSQL -------------------------------------------------------------------------------

def _conninfo(url) -> tuple[str, dict[str, str]]:
    """A libpq connection string for the PostgreSQL tools (the password goes into the
    environment, never onto the command line) and that environment."""
    u = make_url(url)
    parts = {"host": u.host, "port": u.port, "user": u.username, "dbname": u.database}
    parts.update({k: v for k, v in u.query.items() if isinstance(v, str)})

    def quote(v: object) -> str:
        return "'" + str(v).replace("\\", "\\\\").replace("'", "\\'") + "'"

    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    return " ".join(f"{k}={quote(v)}" for k, v in parts.items() if v not in (None, "")), env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupFailed(Msg("err.backup.tool_missing", tool=name))
    return path


def _run(name: str, args: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run([_tool(name), *args], env=env, capture_output=True, text=True,
                              check=False)
    except OSError as exc:
        raise BackupFailed(Msg("err.backup.tool_failed", tool=name, reason=str(exc))) from None
    if done.returncode != 0:
        reason = " ".join(done.stderr.strip().splitlines()[-5:]) or f"exit {done.returncode}"
        raise BackupFailed(Msg("err.backup.tool_failed", tool=name, reason=reason))


@contextmanager
def pg_snapshot(url) -> Iterator[str]:
    """Hold one REPEATABLE READ transaction open and yield its exported snapshot id: what
    ``pg_dump --snapshot`` and ``snapshot_engine`` read while the app goes on writing."""
    engine = create_engine(make_url(url),
                           poolclass=NullPool)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
            try:
                yield snapshot
            finally:
                conn.rollback()
    finally:
        engine.dispose()


def snapshot_engine(url, snapshot: str) -> Engine:
    """An engine whose every connection reads the exported ``snapshot`` (read only)."""
    if not SNAPSHOT_ID.match(snapshot):
        raise ValueError(f"not a snapshot id: {snapshot!r}")
    engine = create_engine(make_url(url),
                           pool_size=1, max_overflow=4)

    @event.listens_for(engine, "checkout")
    def _pin(dbapi_conn, _record, _proxy):
        dbapi_conn.rollback()  # a fresh transaction, started here with the snapshot
        cur = dbapi_conn.cursor()
        cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cur.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
        cur.close()

    return engine


def pg_dump(url, dest: Path, snapshot: str | None = None) -> None:
    conninfo, env = _conninfo(url)
    args = ["--format=custom", "--file", str(dest)]
    if snapshot:
        args += ["--snapshot", snapshot]
    _run("pg_dump", [*args, "--dbname", conninfo], env)


def pg_restore(dump: Path, url) -> None:
    """Replace the objects of the dump in the database at ``url``, in one transaction."""
    conninfo, env = _conninfo(url)
    _run("pg_restore", ["--clean", "--if-exists", "--no-owner", "--no-privileges",
                        "--single-transaction", "--exit-on-error", "--dbname", conninfo,
                        str(dump)], env)


def pg_check(dump: Path) -> bool:
    """``pg_restore --list`` reads the dump's table of contents."""
    try:
        _run("pg_restore", ["--list", str(dump)], dict(os.environ))
    except BackupFailed:
        return False
    return True


# --- both -------------------------------------------------------------------------------------

def alembic_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def known_revisions() -> tuple[str, set[str]]:
    """The schema revision this code migrates to, and every revision it knows."""
    from alembic.script import ScriptDirectory

    from kla.store.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    return script.get_current_head(), {r.revision for r in script.walk_revisions()}


def user_rows(engine: Engine) -> dict[str, int]:
    """Rows of the users' own data per table (only tables that exist and hold rows): empty
    means a new or only initialised (`kla init`) database."""
    from sqlalchemy import table

    out = {}
    with engine.connect() as conn:
        names = set(inspect(conn).get_table_names())
        for name in USER_TABLES:
            if name in names:
                n = conn.execute(select(func.count()).select_from(table(name))).scalar_one()
                if n:
                    out[name] = n
    return out
