"""Local accounts: argon2 password hashes (pwdlib), throttled login."""

from __future__ import annotations

from datetime import datetime, timedelta

from pwdlib import PasswordHash
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from kla.models import ROLES, Region, User, utcnow
from kla.services import audit
from kla.services.permissions import SYSTEM, Actor

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


def add_user(engine: Engine, *, username: str, password: str, role: str,
             region_kode: str | None = None, agencies: list[str] | None = None,
             display_name: str = "", by: Actor = SYSTEM) -> Actor:
    username = (username or "").strip()
    errors = []
    if not username or len(username) > 80 or any(c.isspace() for c in username):
        errors.append("username: 1–80 characters, no spaces")
    if role not in ROLES:
        errors.append(f"role: one of {', '.join(ROLES)}")
    if len(password or "") < MIN_PASSWORD:
        errors.append(f"password: at least {MIN_PASSWORD} characters")
    if role in ("coordinator", "opd") and not region_kode:
        errors.append(f"region: a {role} belongs to one kab/kota (--region KODE)")
    if role == "opd" and not agencies:
        errors.append("agency: an opd user needs at least one agency (--agency NAME)")
    with Session(engine) as s:
        if region_kode:
            region = s.get(Region, region_kode)
            if region is None:
                errors.append(f"region: unknown region code '{region_kode}'")
            elif role in ("coordinator", "opd") and region.level != "kabkota":
                errors.append(f"region: {region_kode} is a {region.level}, not a kab/kota")
        if s.exec(select(User.id).where(User.username == username)).first():
            errors.append(f"username: '{username}' already exists")
        if errors:
            raise ValueError("\n".join(errors))
        user = User(username=username, display_name=display_name or username,
                    password_hash=_hasher.hash(password), role=role, region_kode=region_kode,
                    agencies=list(agencies or []))
        s.add(user)
        s.flush()
        audit.record(s.connection(), by, "user.add", "user", username, region_kode=region_kode,
                     role=role, agencies=list(agencies or []))
        s.commit()
        return actor_of(user)


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


def list_users(engine: Engine) -> list[dict]:
    with Session(engine) as s:
        return [{"username": u.username, "display_name": u.display_name, "role": u.role,
                 "region": u.region_kode or "", "agencies": ", ".join(u.agencies or []),
                 "active": u.is_active}
                for u in s.exec(select(User).order_by(User.username)).scalars()]


def set_active(engine: Engine, username: str, active: bool, by: Actor) -> None:
    with Session(engine) as s:
        user = s.exec(select(User).where(User.username == username)).scalars().first()
        if user is None:
            raise ValueError(f"unknown user '{username}'")
        user.is_active = active
        s.add(user)
        audit.record(s.connection(), by, "user.active" if active else "user.inactive", "user",
                     username)
        s.commit()
