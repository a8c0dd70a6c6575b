"""Local accounts: argon2 password hashes (pwdlib), normalised usernames, a password policy
and a login lockout that holds under parallel attempts.

- Usernames are normalised (NFKC, stripped, lower-case) wherever one comes in (creating,
  signing in, looking up), and new ones must be ``[a-z0-9][a-z0-9._@+-]{0,79}`` afterwards:
  look-alike letters of other scripts and invisible characters are refused, and "Admin" is the
  same account as "admin".
- Login: each attempt first reserves one try with a single atomic ``UPDATE … RETURNING`` on the
  account row; only reserved tries (at most ``login_max_failures`` in a row) check the password
  hash. The try that reaches the limit locks the account (``locked_until``) in that same
  statement, so parallel wrong passwords can never check more hashes than the limit. Every
  refusal (unknown user, wrong password, inactive or locked account) gives the same
  ``LoginError`` message and costs one hash check, so neither text nor timing tells them apart.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import Engine, and_, case, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from kla.i18n import Msg, Refusal
from kla.services import audit
from kla.services.permissions import Actor, PermissionDenied, require
from kla.settings import get_settings
from kla.store.models import ROLES, Region, User, utcnow

MIN_PASSWORD = 10
MAX_PASSWORD = 128
MIN_DISTINCT = 5
MAX_USERNAME = 80
USERNAME_PATTERN = r"[a-z0-9][a-z0-9._@+-]{0,79}"
_USERNAME_RE = re.compile(USERNAME_PATTERN)
_USERNAME_CHARS = re.compile(r"[a-z0-9._@+-]")
_MAX_LOGIN_INPUT = 1024  # longer input is refused at once (after one capped dummy check)
LOGIN_FAILED = Msg("err.login_failed")  # one message for every cause (no user enumeration)
# argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane; Password Storage Cheat
# Sheet), not pwdlib's heavier default (64 MiB, 3 passes, 4 lanes): 0.03 s instead of 0.18–0.25 s
# of server CPU per sign-in (issue 15's budget), with online guessing limited by the account
# lock. A hash made with other parameters still verifies and is rewritten with these at the
# next correct sign-in (docs/security.md, "Passwords").
_hasher = PasswordHash((Argon2Hasher(time_cost=2, memory_cost=19456, parallelism=1),))
_DUMMY = _hasher.hash("timing-equaliser")
_users = User.__table__


class LoginError(ValueError):
    """Any refused login. One message for every cause (unknown user, wrong password,
    inactive or locked account), safe to show."""


def actor_of(user) -> Actor:
    """The actor of a ``User`` (or a row with its columns)."""
    return Actor(user.username, user.role, user.region_kode, tuple(user.agencies or ()),
                 user.display_name)


def normalise_username(raw: str | None) -> str:
    """The one form of a username: Unicode NFKC, surrounding whitespace removed, lower-case."""
    return unicodedata.normalize("NFKC", raw or "").strip().lower()


def username_errors(username: str) -> list[str]:
    """Why a (normalised) username cannot be used for a new account; empty when it can."""
    if not username:
        return [Msg("err.username_required")]
    if len(username) > MAX_USERNAME:
        return [Msg("err.username_too_long", n=MAX_USERNAME)]
    if _USERNAME_RE.fullmatch(username):
        return []
    bad = sorted({c for c in username if not _USERNAME_CHARS.fullmatch(c)})
    named = ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, 'unnamed character')}"
                      for c in bad[:5])
    return [Msg("err.username_chars_bad", bad=named) if named else Msg("err.username_chars")]


def password_errors(password: str, username: str = "") -> list[str]:
    """Why ``password`` is too weak for the account ``username``; empty when it is fine."""
    password = password or ""
    errors = []
    if len(password) < MIN_PASSWORD:
        errors.append(Msg("err.password_short", n=MIN_PASSWORD))
    if len(password) > MAX_PASSWORD:
        errors.append(Msg("err.password_long", n=MAX_PASSWORD))
    if len(set(password)) < MIN_DISTINCT:
        errors.append(Msg("err.password_distinct", n=MIN_DISTINCT))
    if password and not password.strip():
        errors.append(Msg("err.password_spaces"))
    name = normalise_username(username)
    if name and name in unicodedata.normalize("NFKC", password).lower():
        errors.append(Msg("err.password_username"))
    return errors


def has_users(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(User)).scalar_one() > 0


def add_user(engine: Engine, actor: Actor, *, username: str, password: str, role: str,
             region_kode: str | None = None, agencies: list[str] | None = None,
             display_name: str = "") -> Actor:
    """Create a local account (admin only). The username is stored normalised."""
    require(actor, "user.manage")
    username = normalise_username(username)
    errors = username_errors(username) + password_errors(password, username)
    errors += _role_errors(role, region_kode, agencies)
    with Session(engine) as s:
        errors += _region_errors(s, role, region_kode)
        if username and s.exec(select(User.id).where(
                func.lower(User.username) == username)).first():
            errors.append(Msg("err.username_taken", name=username))
        if errors:
            raise Refusal(*errors)
        user = User(username=username, display_name=display_name or username,
                    password_hash=_hasher.hash(password), role=role, region_kode=region_kode,
                    agencies=list(agencies or []))
        s.add(user)
        try:
            s.flush()
        except IntegrityError:  # the same name created at the same moment
            raise Refusal(Msg("err.username_taken", name=username)) from None
        audit.record(s.connection(), actor, "user.add", "user", username, region_kode=region_kode,
                     role=role, agencies=list(agencies or []))
        s.commit()
        return actor_of(user)


def set_password(engine: Engine, actor: Actor, username: str, password: str) -> None:
    """Give an account a new password (admin only, same policy as ``add_user``); it also
    lifts a lock."""
    require(actor, "user.manage")
    with Session(engine) as s:
        user = _account(s, username)
        username = user.username
        errors = password_errors(password, username)
        if errors:
            raise Refusal(*errors)
        user.password_hash = _hasher.hash(password)
        user.failed_logins, user.locked_until = 0, None
        s.add(user)
        audit.record(s.connection(), actor, "user.password", "user", username)
        s.commit()


def _account(s: Session, username: str) -> User:
    """The account an admin names, locked for the change: the stored name as given (so an
    old account whose name could not be normalised stays reachable), else the normalised
    name."""
    for name in dict.fromkeys(((username or "").strip(), normalise_username(username))):
        user = s.exec(select(User).where(User.username == name)
                      .with_for_update()).scalars().first()
        if user is not None:
            return user
    raise Refusal(Msg("err.user_unknown", name=normalise_username(username)))


def _role_errors(role: str, region_kode: str | None, agencies: list[str] | None) -> list[str]:
    errors = []
    if role not in ROLES:
        errors.append(Msg("err.role_unknown", roles=", ".join(ROLES)))
    if role in ("coordinator", "opd") and not region_kode:
        errors.append(Msg("err.role_needs_region", role=Msg(f"role.{role}")))
    if role == "opd" and not agencies:
        errors.append(Msg("err.role_needs_agency"))
    return errors


def _region_errors(s: Session, role: str, region_kode: str | None) -> list[str]:
    if not region_kode:
        return []
    region = s.get(Region, region_kode)
    if region is None:
        return [Msg("err.region_unknown", code=region_kode)]
    if role in ("coordinator", "opd") and region.level != "kabkota":
        return [Msg("err.region_not_kabkota", code=region_kode, level=region.level)]
    return []


_ACTOR_COLUMNS = select(User.username, User.role, User.region_kode, User.agencies,
                        User.display_name)


def get_actor(engine: Engine, username: str) -> Actor | None:
    """The active account ``username`` (normalised first), or None."""
    name = normalise_username(username)
    if not name or len(name) > _MAX_LOGIN_INPUT:
        return None
    # the columns of an Actor in one plain statement (no ORM session): every script run of
    # every signed-in browser asks this, so a deactivated account or a new role counts at once
    with engine.connect() as conn:
        row = conn.execute(_ACTOR_COLUMNS.where(User.username == name,
                                                User.is_active.is_(True))).first()
    return actor_of(row) if row else None  # a Row has the columns as attributes


def _refuse(password: str) -> LoginError:
    """Spend one hash check (as a real attempt would) and return the one login error."""
    _hasher.verify(password[:_MAX_LOGIN_INPUT], _DUMMY)
    return LoginError(LOGIN_FAILED)


def authenticate(engine: Engine, username: str, password: str,
                 now: datetime | None = None) -> Actor:
    """The actor for a correct password, else ``LoginError`` (one message for every cause).

    After ``login_max_failures`` wrong passwords in a row the account is locked for
    ``login_lock_minutes``. The try is reserved before the hash is checked: one atomic
    ``UPDATE … RETURNING`` counts it and, when it is the last allowed one, sets the lock at
    once; a locked, inactive or unknown account matches no row and checks no real hash."""
    now = now or utcnow()
    cfg = get_settings()
    limit, minutes = cfg.login_max_failures, cfg.login_lock_minutes
    name, password = normalise_username(username), password or ""
    if not name or len(name) > _MAX_LOGIN_INPUT or len(password) > _MAX_LOGIN_INPUT:
        raise _refuse(password)
    c = _users.c
    expired = and_(c.locked_until.is_not(None), c.locked_until <= now)
    tries = case((expired, 1), else_=c.failed_logins + 1)  # an expired lock starts afresh
    until = literal(now + timedelta(minutes=minutes), c.locked_until.type)
    reserve = (update(_users)
               .where(c.username == name, c.is_active.is_(True),
                      or_(c.locked_until.is_(None), c.locked_until <= now))
               .values(failed_logins=tries,
                       locked_until=case((tries >= limit, until), else_=None))
               .returning(c.id, c.failed_logins, c.password_hash, c.username, c.role,
                          c.region_kode, c.agencies, c.display_name))
    with engine.begin() as conn:
        row = conn.execute(reserve).first()
    if row is None or row.failed_logins > limit:
        raise _refuse(password)
    ok, rehashed = _hasher.verify_and_update(password, row.password_hash)
    who = Actor(row.username, row.role, row.region_kode, tuple(row.agencies or ()),
                row.display_name)
    if ok:
        values = {"failed_logins": 0, "locked_until": None}
        if rehashed is not None:  # made with older parameters: stored again with today's
            values["password_hash"] = rehashed
        with engine.begin() as conn:
            conn.execute(update(_users).where(c.id == row.id).values(**values))
        return who
    if row.failed_logins >= limit:  # this try set the lock: start counting afresh after it
        with engine.begin() as conn:
            conn.execute(update(_users).where(c.id == row.id).values(failed_logins=0))
            audit.record(conn, who, "user.locked", "user", row.username, minutes=minutes,
                         failures=limit)
    raise LoginError(LOGIN_FAILED)


def list_users(engine: Engine, actor: Actor) -> list[dict]:
    require(actor, "user.manage")
    with Session(engine) as s:
        return [{"username": u.username, "display_name": u.display_name, "role": u.role,
                 "region": u.region_kode or "", "agencies": ", ".join(u.agencies or []),
                 "active": u.is_active, "email": u.email or "",
                 "digest_daily": bool(u.digest_daily)}
                for u in s.exec(select(User).order_by(User.username)).scalars()]


def _lock_admins(s: Session) -> None:
    """Serialise changes that may remove an admin: on PostgreSQL lock every admin row, on
    SQLite take the write lock before reading (BEGIN IMMEDIATE). Two admins removing each
    other at the same moment then run one after the other, and the second sees the first."""
    conn = s.connection()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        s.exec(select(User.id).where(User.role == "admin").order_by(User.id)
               .with_for_update()).all()


def _other_active_admins(s: Session, username: str) -> int:
    return s.exec(select(func.count()).select_from(User).where(
        User.role == "admin", User.is_active.is_(True), User.username != username)).scalar_one()


def set_active(engine: Engine, actor: Actor, username: str, active: bool) -> None:
    """Deactivate or reactivate an account (admin only); the last active admin stays."""
    require(actor, "user.manage")
    with Session(engine) as s:
        _lock_admins(s)
        user = _account(s, username)
        username = user.username
        if not active and user.role == "admin" and user.is_active \
                and _other_active_admins(s, username) == 0:
            raise PermissionDenied(Msg("err.last_admin", name=username))
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
        _lock_admins(s)
        user = _account(s, username)
        username = user.username
        errors += _region_errors(s, role, region_kode)
        if errors:
            raise Refusal(*errors)
        if user.role == "admin" and role != "admin" and user.is_active \
                and _other_active_admins(s, username) == 0:
            raise PermissionDenied(Msg("err.last_admin", name=username))
        old = {"role": user.role, "region": user.region_kode, "agencies": list(user.agencies)}
        user.role, user.region_kode, user.agencies = role, region_kode, list(agencies or [])
        s.add(user)
        audit.record(s.connection(), actor, "user.role", "user", username,
                     region_kode=region_kode, role=[old["role"], role],
                     region=[old["region"], region_kode],
                     agencies=[old["agencies"], list(agencies or [])])
        s.commit()


def set_email(engine: Engine, actor: Actor, username: str, email: str) -> str:
    """Set another account's e-mail address (admin only; the daily digest goes there, when
    its owner asked for it). Checked as the owner's own form checks it (the field named:
    Email); an empty address removes it. Audited as ``user.contact``. Returns the address."""
    from kla.domain.inbox import clean_email

    require(actor, "user.manage")
    email, errors = clean_email(email)
    if errors:
        raise Refusal(*errors)
    with Session(engine) as s:
        user = _account(s, username)
        old = user.email
        if old != email:
            user.email = email
            s.add(user)
            audit.record(s.connection(), actor, "user.contact", "user", user.username,
                         region_kode=user.region_kode, email=[old, email])
            s.commit()
        return email
