"""Local accounts: argon2 password hashes (pwdlib), throttled login."""

from __future__ import annotations

from datetime import datetime, timedelta

from pwdlib import PasswordHash
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from kla.services import audit
from kla.services.permissions import Actor, PermissionDenied, require
from kla.store.models import ROLES, Region, User, utcnow

MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 8
_hasher = PasswordHash.recommended()
_DUMMY = _hasher.hash("timing-equaliser")


class LoginError(ValueError):
    """Wrong username/password or a locked account; the message is safe to show."""


def actor_of(user: User) -> Actor:
    return Actor(user.username, user.role, user.region_kode, tuple(user.agencies or ()),
                 user.display_name)


def has_users(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(User)).scalar_one() > 0


def add_user(engine: Engine, actor: Actor, *, username: str, password: str, role: str,
             region_kode: str | None = None, agencies: list[str] | None = None,
             display_name: str = "") -> Actor:
    """Create a local account (admin only)."""
    require(actor, "user.manage")
    username = (username or "").strip()
    errors = []
    if not username or len(username) > 80 or any(c.isspace() for c in username):
        errors.append("username: 1–80 characters, no spaces")
    if len(password or "") < MIN_PASSWORD:
        errors.append(f"password: at least {MIN_PASSWORD} characters")
    errors += _role_errors(role, region_kode, agencies)
    with Session(engine) as s:
        errors += _region_errors(s, role, region_kode)
        if s.exec(select(User.id).where(User.username == username)).first():
            errors.append(f"username: '{username}' already exists")
        if errors:
            raise ValueError("\n".join(errors))
        user = User(username=username, display_name=display_name or username,
                    password_hash=_hasher.hash(password), role=role, region_kode=region_kode,
                    agencies=list(agencies or []))
        s.add(user)
        s.flush()
        audit.record(s.connection(), actor, "user.add", "user", username, region_kode=region_kode,
                     role=role, agencies=list(agencies or []))
        s.commit()
        return actor_of(user)


def _role_errors(role: str, region_kode: str | None, agencies: list[str] | None) -> list[str]:
    errors = []
    if role not in ROLES:
        errors.append(f"role: one of {', '.join(ROLES)}")
    if role in ("coordinator", "opd") and not region_kode:
        errors.append(f"region: a {role} belongs to one kab/kota (--region KODE)")
    if role == "opd" and not agencies:
        errors.append("agency: an opd user needs at least one agency (--agency NAME)")
    return errors


def _region_errors(s: Session, role: str, region_kode: str | None) -> list[str]:
    if not region_kode:
        return []
    region = s.get(Region, region_kode)
    if region is None:
        return [f"region: unknown region code '{region_kode}'"]
    if role in ("coordinator", "opd") and region.level != "kabkota":
        return [f"region: {region_kode} is a {region.level}, not a kab/kota"]
    return []


def get_actor(engine: Engine, username: str) -> Actor | None:
    with Session(engine) as s:
        user = s.exec(select(User).where(User.username == username,
                                         User.is_active.is_(True))).scalars().first()
        return actor_of(user) if user else None


def authenticate(engine: Engine, username: str, password: str,
                 now: datetime | None = None) -> Actor:
    """The actor for a correct password. After MAX_FAILURES wrong passwords in a row the
    account is locked for LOCK_MINUTES; the message says until when."""
    now = now or utcnow()
    with Session(engine) as s:
        user = s.exec(select(User).where(User.username == (username or "").strip())
                      ).scalars().first()
        if user is None or not user.is_active:
            _hasher.verify(password or "", _DUMMY)  # same time as a real check
            raise LoginError("wrong username or password")
        locked = user.locked_until
        if locked is not None and locked.tzinfo is None:
            locked = locked.replace(tzinfo=now.tzinfo)
        if locked is not None and locked > now:
            raise LoginError(f"too many failed attempts: try again after "
                             f"{locked:%H:%M} UTC")
        if not _hasher.verify(password or "", user.password_hash):
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILURES:
                user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
                user.failed_logins = 0
                audit.record(s.connection(), actor_of(user), "user.locked", "user",
                             user.username, minutes=LOCK_MINUTES)
            s.add(user)
            s.commit()
            raise LoginError("wrong username or password")
        user.failed_logins, user.locked_until = 0, None
        s.add(user)
        s.commit()
        return actor_of(user)


def list_users(engine: Engine, actor: Actor) -> list[dict]:
    require(actor, "user.manage")
    with Session(engine) as s:
        return [{"username": u.username, "display_name": u.display_name, "role": u.role,
                 "region": u.region_kode or "", "agencies": ", ".join(u.agencies or []),
                 "active": u.is_active}
                for u in s.exec(select(User).order_by(User.username)).scalars()]


def _other_active_admins(s: Session, username: str) -> int:
    return s.exec(select(func.count()).select_from(User).where(
        User.role == "admin", User.is_active.is_(True), User.username != username)).scalar_one()


def set_active(engine: Engine, actor: Actor, username: str, active: bool) -> None:
    """Deactivate or reactivate an account (admin only); the last active admin stays."""
    require(actor, "user.manage")
    with Session(engine) as s:
        user = s.exec(select(User).where(User.username == username)
                      .with_for_update()).scalars().first()
        if user is None:
            raise ValueError(f"unknown user '{username}'")
        if not active and user.role == "admin" and user.is_active \
                and _other_active_admins(s, username) == 0:
            raise PermissionDenied(f"{username} is the last active admin: add another admin "
                                   "first")
        user.is_active = active
        s.add(user)
        audit.record(s.connection(), actor, "user.active" if active else "user.inactive",
                     "user", username)
        s.commit()


def set_role(engine: Engine, actor: Actor, username: str, role: str,
             region_kode: str | None = None, agencies: list[str] | None = None) -> None:
    """Change an account's role and scope (admin only); the last active admin stays admin."""
    require(actor, "user.manage")
    errors = _role_errors(role, region_kode, agencies)
    with Session(engine) as s:
        user = s.exec(select(User).where(User.username == username)
                      .with_for_update()).scalars().first()
        if user is None:
            raise ValueError(f"unknown user '{username}'")
        errors += _region_errors(s, role, region_kode)
        if errors:
            raise ValueError("\n".join(errors))
        if user.role == "admin" and role != "admin" and user.is_active \
                and _other_active_admins(s, username) == 0:
            raise PermissionDenied(f"{username} is the last active admin: add another admin "
                                   "first")
        old = {"role": user.role, "region": user.region_kode, "agencies": list(user.agencies)}
        user.role, user.region_kode, user.agencies = role, region_kode, list(agencies or [])
        s.add(user)
        audit.record(s.connection(), actor, "user.role", "user", username,
                     region_kode=region_kode, role=[old["role"], role],
                     region=[old["region"], region_kode],
                     agencies=[old["agencies"], list(agencies or [])])
        s.commit()
