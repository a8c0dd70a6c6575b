"""The audit log: append-only, one row per change (who, when, what, old → new)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, Engine, select

from kla.services.permissions import Actor, require, visible
from kla.store.models import AuditLog, utcnow


def record(conn: Connection, actor: Actor, action: str, entity: str, entity_id: object = "",
           *, region_kode: str | None = None, assessment_id: int | None = None,
           **detail: object) -> None:
    """Write one audit row inside the caller's transaction (so it commits or rolls back with
    the change it describes)."""
    conn.execute(AuditLog.__table__.insert().values(
        at=utcnow(), actor=actor.username, action=action, entity=entity,
        entity_id=str(entity_id), region_kode=region_kode, assessment_id=assessment_id,
        detail={k: v for k, v in detail.items()}))


def audit_frame(engine: Engine, actor: Actor, *, region_prefix: str | None = None,
                assessment_id: int | None = None, limit: int = 5000) -> pd.DataFrame:
    """Audit rows ``actor`` may read (its scope; rows without a region, such as account
    changes, only for national accounts), newest first, as a table: ``change`` is the detail
    flattened to text (for the command line and tests), ``detail`` the detail itself (the page
    words it in the reader's language). ``region_prefix`` narrows further."""
    require(actor, "audit.read", actor.region_kode)
    seen = visible(actor)
    stmt = select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)
    if seen.prefix is not None:
        stmt = stmt.where(seen.clause(AuditLog.region_kode))
    if region_prefix:
        stmt = stmt.where((AuditLog.region_kode == region_prefix)
                          | AuditLog.region_kode.like(region_prefix + ".%"))
    if assessment_id is not None:
        stmt = stmt.where(AuditLog.assessment_id == assessment_id)
    with engine.connect() as conn:
        rows = conn.execute(stmt).mappings().all()
    return pd.DataFrame([{
        "at": r["at"], "actor": r["actor"], "action": r["action"], "entity": r["entity"],
        "entity_id": r["entity_id"], "region": r["region_kode"] or "",
        "assessment": r["assessment_id"],
        "change": "; ".join(f"{k}: {v}" for k, v in (r["detail"] or {}).items()),
        "detail": dict(r["detail"] or {}),
    } for r in rows], columns=["at", "actor", "action", "entity", "entity_id", "region",
                               "assessment", "change", "detail"])
