"""accounts and audit log: normalised usernames; audit_log also refuses REPLACE and TRUNCATE

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 09:00:00

- Usernames are stored normalised from now on (NFKC, stripped, lower-case; see
  ``kla/services/users.py``). Existing names are normalised here where that causes no
  collision; a name that would collide with another account is kept as it is and reported
  (an admin deactivates or recreates that account). Not reverted by the downgrade.
- SQLite: ``INSERT OR REPLACE`` / ``REPLACE INTO`` delete the old row without firing the
  DELETE trigger of 0003 (recursive triggers are off), so a BEFORE INSERT trigger refuses an
  insert whose id already exists. ``INSERT … ON CONFLICT DO UPDATE`` already fires the UPDATE
  trigger of 0003 and is refused by the new trigger before that.
- PostgreSQL: TRUNCATE fires no row trigger, so a statement-level BEFORE TRUNCATE trigger
  refuses it (UPDATE, DELETE and ``ON CONFLICT DO UPDATE`` are refused by 0003's row trigger).
"""
import logging
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = "audit log is append-only"
log = logging.getLogger("alembic.runtime.migration")


def _normalise(name: str) -> str:
    """The same rule as ``kla.services.users.normalise_username`` (copied: a migration must
    not change when the service does)."""
    return unicodedata.normalize("NFKC", name or "").strip().lower()


def upgrade() -> None:
    _normalise_usernames()
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log "
                   "WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id) "
                   f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END")
    else:
        op.execute("CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()")


def _normalise_usernames() -> None:
    conn = op.get_bind()
    users = sa.table("app_user", sa.column("id", sa.Integer), sa.column("username", sa.String))
    rows = conn.execute(sa.select(users.c.id, users.c.username)).all()
    wanted: dict[str, list[tuple[int, str]]] = {}
    for id_, name in rows:
        wanted.setdefault(_normalise(name), []).append((id_, name))
    taken = {name for _, name in rows}
    for norm, holders in wanted.items():
        id_, name = holders[0]
        if len(holders) == 1 and name == norm:
            continue
        if len(holders) > 1 or norm in taken or not 0 < len(norm) <= 80:
            log.warning("username(s) %s kept unchanged: the normalised name %r collides with "
                        "another account or is not 1–80 characters; deactivate or recreate it",
                        ", ".join(repr(n) for _, n in holders), norm)
            continue
        conn.execute(users.update().where(users.c.id == id_).values(username=norm))
        taken.add(norm)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_replace")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
