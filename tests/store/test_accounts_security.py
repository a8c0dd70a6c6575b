"""Account security on SQLite and PostgreSQL: an atomic login lockout under parallel wrong
passwords, one message for every refused login, normalised usernames, the password policy,
bounded time-window settings, and an audit log the database keeps append-only (migration
0007)."""

import threading
from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from kla.domain.sample import DEMO_PASSWORD, DEMO_USERS
from kla.services import audit, users
from kla.services.permissions import SYSTEM
from kla.settings import Settings, get_settings
from kla.store import migrate
from kla.store.db import make_engine
from kla.store.models import AuditLog, Region, User, utcnow
from tests.conftest import BACKENDS

pytestmark = pytest.mark.store
PASSWORD = "rahasia-kuat-42"
WRONG = "salah-sekali-99"


@pytest.fixture(scope="module", params=BACKENDS)
def engine(request, empty_db_factory):
    """One migrated (schema only) database per backend for this module."""
    eng = make_engine(empty_db_factory(request.param))
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    """argon2 with the smallest cost (the real one takes about half a second per check): the
    same code paths, a fast suite. Accounts made here are only used within their test."""
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    cheap = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    monkeypatch.setattr(users, "_hasher", cheap)
    monkeypatch.setattr(users, "_DUMMY", cheap.hash("timing-equaliser"))


@pytest.fixture
def verifications(cheap_hashes, monkeypatch):
    """Count the password-hash checks against real account hashes (not the dummy hash every
    refusal also spends) and slow each down, so parallel attempts really overlap."""
    import time

    real = users._hasher.verify, users._hasher.verify_and_update
    lock, counted = threading.Lock(), {"real": 0, "all": 0}

    def counting(check):
        def verify(password, hash_, *a, **kw):
            with lock:
                counted["all"] += 1
                counted["real"] += hash_ != users._DUMMY
            if hash_ != users._DUMMY:
                time.sleep(0.05)
            return check(password, hash_, *a, **kw)
        return verify

    # a refusal checks the dummy (verify), a real account its hash (verify_and_update)
    monkeypatch.setattr(users._hasher, "verify", counting(real[0]))
    monkeypatch.setattr(users._hasher, "verify_and_update", counting(real[1]))
    return counted


def account(engine, username):
    with engine.connect() as conn:
        return conn.execute(select(User.__table__).where(User.username == username)).one()


def audit_rows(engine, action, entity_id):
    with engine.connect() as conn:
        return conn.execute(select(AuditLog.__table__).where(
            AuditLog.action == action, AuditLog.entity_id == entity_id)).all()


# --- 1. atomic lockout -------------------------------------------------------------------

def test_parallel_wrong_passwords_lock_after_the_limit(engine, verifications):
    limit = get_settings().login_max_failures
    users.add_user(engine, SYSTEM, username="par.viewer", password=PASSWORD, role="viewer")
    threads_n, barrier, outcomes, lock = 16, threading.Barrier(16), [], threading.Lock()

    def attempt():
        barrier.wait()
        try:
            users.authenticate(engine, "Par.Viewer", WRONG)
            result = "signed in"
        except users.LoginError as exc:
            result = str(exc)
        except Exception as exc:  # noqa: BLE001 - a database error would be a bug
            result = f"{type(exc).__name__}: {exc}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(threads_n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert outcomes == [users.LOGIN_FAILED] * threads_n
    assert verifications["real"] == limit  # only the reserved tries checked the hash
    assert verifications["all"] == threads_n  # every refusal spent one hash check
    row = account(engine, "par.viewer")
    now = utcnow()
    until = row.locked_until if row.locked_until.tzinfo else row.locked_until.replace(
        tzinfo=now.tzinfo)
    assert now < until <= now + timedelta(minutes=get_settings().login_lock_minutes)
    assert row.failed_logins == 0
    assert len(audit_rows(engine, "user.locked", "par.viewer")) == 1
    # locked: even the right password is refused, without checking the real hash
    with pytest.raises(users.LoginError, match=users.LOGIN_FAILED):
        users.authenticate(engine, "par.viewer", PASSWORD)
    assert verifications["real"] == limit
    later = utcnow() + timedelta(minutes=get_settings().login_lock_minutes + 1)
    assert users.authenticate(engine, "par.viewer", PASSWORD, now=later).role == "viewer"
    row = account(engine, "par.viewer")
    assert row.failed_logins == 0 and row.locked_until is None


def test_serial_lockout_counts_and_a_success_resets(engine, verifications):
    limit = get_settings().login_max_failures
    users.add_user(engine, SYSTEM, username="ser.viewer", password=PASSWORD, role="viewer")
    for _ in range(limit - 1):
        with pytest.raises(users.LoginError):
            users.authenticate(engine, "ser.viewer", WRONG)
    assert account(engine, "ser.viewer").failed_logins == limit - 1
    users.authenticate(engine, "ser.viewer", PASSWORD)  # the last allowed try, and right
    row = account(engine, "ser.viewer")
    assert row.failed_logins == 0 and row.locked_until is None
    for _ in range(limit):
        with pytest.raises(users.LoginError):
            users.authenticate(engine, "ser.viewer", WRONG)
    assert account(engine, "ser.viewer").locked_until is not None
    assert verifications["real"] == 2 * limit


def test_a_lock_left_by_an_interrupted_attempt_expires(engine):
    """The try that reaches the limit sets the lock in the same statement that counts it: if
    that request dies before it finishes, the account is locked until the lock expires, and
    then counting starts afresh."""
    users.add_user(engine, SYSTEM, username="crash.viewer", password=PASSWORD, role="viewer")
    limit = get_settings().login_max_failures
    with engine.begin() as conn:
        conn.execute(update(User.__table__).where(User.username == "crash.viewer").values(
            failed_logins=limit, locked_until=utcnow() - timedelta(minutes=1)))
    assert users.authenticate(engine, "crash.viewer", PASSWORD).username == "crash.viewer"


# --- 2. one message -----------------------------------------------------------------------

def test_one_message_for_every_refused_login(engine, verifications):
    users.add_user(engine, SYSTEM, username="msg.active", password=PASSWORD, role="viewer")
    users.add_user(engine, SYSTEM, username="msg.inactive", password=PASSWORD, role="viewer")
    users.set_active(engine, SYSTEM, "msg.inactive", False)
    users.add_user(engine, SYSTEM, username="msg.locked", password=PASSWORD, role="viewer")
    for _ in range(get_settings().login_max_failures):
        with pytest.raises(users.LoginError):
            users.authenticate(engine, "msg.locked", WRONG)
    cases = {"unknown user": ("msg.nobody", PASSWORD), "wrong password": ("msg.active", WRONG),
             "inactive account": ("msg.inactive", PASSWORD),
             "locked account": ("msg.locked", PASSWORD)}
    messages = {}
    for case, (name, password) in cases.items():
        before = verifications["all"]
        with pytest.raises(users.LoginError) as err:
            users.authenticate(engine, name, password)
        messages[case] = str(err.value)
        assert verifications["all"] == before + 1, case  # one hash check each: same timing
    assert set(messages.values()) == {users.LOGIN_FAILED}, messages
    assert users.LOGIN_FAILED == ("wrong username or password, or the account is temporarily "
                                  "locked")


def test_login_page_text_is_generic():
    from kla.i18n import t

    for lang in ("id", "en"):
        text_ = t("login.denied", lang, n=5, minutes=15)
        assert "5" in text_ and "15" in text_
    assert t("login.denied", "id", n=5, minutes=15) == (
        "Nama pengguna atau kata sandi salah, atau akun dikunci sementara setelah 5 kali gagal "
        "(coba lagi dalam 15 menit).")


# --- 3. usernames -------------------------------------------------------------------------

def test_usernames_are_normalised_and_unique(engine):
    made = users.add_user(engine, SYSTEM, username="  Ana.Budi@Example.go.id ",
                          password=PASSWORD, role="viewer")
    assert made.username == "ana.budi@example.go.id"
    assert account(engine, "ana.budi@example.go.id").display_name == "ana.budi@example.go.id"
    for twin in ("ANA.BUDI@example.go.id", "\uff21na.budi@example.go.id",  # fullwidth A
                 "ana.budi@example.go.id\t"):
        with pytest.raises(ValueError, match="username: 'ana.budi@example.go.id' already exists"):
            users.add_user(engine, SYSTEM, username=twin, password=PASSWORD, role="viewer")
    assert users.authenticate(engine, " ANA.Budi@EXAMPLE.go.id", PASSWORD).username == \
        "ana.budi@example.go.id"
    assert users.get_actor(engine, "Ana.Budi@Example.GO.ID").username == "ana.budi@example.go.id"
    assert users.get_actor(engine, "ana.budi@example.go.id\u200b") is None
    users.set_active(engine, SYSTEM, "ANA.BUDI@EXAMPLE.GO.ID", False)
    assert users.get_actor(engine, "ana.budi@example.go.id") is None


def test_the_actor_of_every_run_carries_role_region_and_agencies(engine):
    """``get_actor`` (asked on every script run) gives the account's role, region, agencies
    (a tuple) and name as stored; a change of role counts at the next run."""
    with engine.begin() as conn:
        conn.execute(Region.__table__.insert(), [
            {"kode": "36", "nama": "Banten", "level": "provinsi"},
            {"kode": "36.73", "nama": "Kota Serang", "level": "kabkota", "parent_kode": "36"}])
    users.add_user(engine, SYSTEM, username="dinas.uji", password=PASSWORD, role="opd",
                   region_kode="36.73", agencies=["Dinkes", "Disdik"], display_name="Dinas Uji")
    who = users.get_actor(engine, "dinas.uji")
    assert (who.username, who.role, who.region_kode, who.agencies, who.label) == \
        ("dinas.uji", "opd", "36.73", ("Dinkes", "Disdik"), "Dinas Uji")
    with engine.begin() as conn:
        conn.execute(update(User).where(User.username == "dinas.uji").values(role="viewer",
                                                                            agencies=[]))
    assert users.get_actor(engine, "dinas.uji").role == "viewer"
    assert users.get_actor(engine, "dinas.uji").agencies == ()


@pytest.mark.parametrize("name,named", [
    ("\u0430dmin", "U+0430 CYRILLIC SMALL LETTER A"),  # Cyrillic 'а' looking like 'a'
    ("ad\u200bmin", "U+200B ZERO WIDTH SPACE"),
    ("p\u0430ypal.id", "CYRILLIC"),  # mixed scripts
    ("adm\u00adin", "U+00AD SOFT HYPHEN"),
    ("ad\u2060min", "U+2060 WORD JOINER"),
    ("ana budi", "U+0020 SPACE"),
    ("ana/budi", "U+002F SOLIDUS"),
    ("-ana", ""),  # must start with a letter or digit
    (".ana", ""),
    ("a" * 81, "at most 80"),
    ("   ", "required"),
])
def test_usernames_outside_the_pattern_are_refused(engine, name, named):
    with pytest.raises(ValueError) as err:
        users.add_user(engine, SYSTEM, username=name, password=PASSWORD, role="viewer")
    msg = str(err.value)
    assert msg.startswith("username:") and named in msg
    assert users.username_errors(users.normalise_username("Koordinator.Serang")) == []
    assert users.username_errors("nama+opd_1@example.go.id") == []


# --- 4. passwords -------------------------------------------------------------------------

@pytest.mark.parametrize("password,why", [
    ("aaaaaaaa", "at least 10 characters"),
    ("        x", "at least 10 characters"),
    ("aaaaaaaaaaaa", "at least 5 different characters"),
    ("          ", "not only spaces"),
    ("Pol.Tester-2026", "must not contain the username"),
    ("xxPOL.TESTERxx", "must not contain the username"),
    ("abcdefghij" * 13, "at most 128 characters"),
    ("", "at least 10 characters"),
])
def test_weak_passwords_are_refused(engine, password, why):
    with pytest.raises(ValueError) as err:
        users.add_user(engine, SYSTEM, username="pol.tester", password=password, role="viewer")
    lines = str(err.value).splitlines()
    assert all(line.startswith("password:") for line in lines) and f"password: {why}" in lines


def test_the_sample_password_passes_the_policy(engine):
    assert users.password_errors("        x") and users.password_errors("aaaaaaaa")
    for username, *_ in DEMO_USERS:
        assert users.password_errors(DEMO_PASSWORD, username) == [], username


def test_set_password_keeps_the_policy_and_lifts_a_lock(engine):
    users.add_user(engine, SYSTEM, username="pw.viewer", password=PASSWORD, role="viewer")
    for _ in range(get_settings().login_max_failures):
        with pytest.raises(users.LoginError):
            users.authenticate(engine, "pw.viewer", WRONG)
    with pytest.raises(ValueError, match="password: must not contain the username"):
        users.set_password(engine, SYSTEM, "pw.viewer", "ini-PW.VIEWER-baru")
    with pytest.raises(users.PermissionDenied):
        users.set_password(engine, users.Actor("x", "viewer"), "pw.viewer", "sandi-baru-2026")
    users.set_password(engine, SYSTEM, "PW.Viewer", "sandi-baru-2026")
    assert users.authenticate(engine, "pw.viewer", "sandi-baru-2026").username == "pw.viewer"
    assert len(audit_rows(engine, "user.password", "pw.viewer")) == 1


def test_an_old_hash_is_stored_again_with_todays_parameters_at_sign_in(engine, monkeypatch):
    """Accounts hashed with other argon2 parameters (pwdlib's default before) still sign in,
    and their hash is rewritten with the current parameters at that correct sign-in only."""
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    users.add_user(engine, SYSTEM, username="pw.old", password=PASSWORD, role="viewer")
    older = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=2048, parallelism=2),))
    with engine.begin() as conn:
        conn.execute(update(User).where(User.username == "pw.old")
                     .values(password_hash=older.hash(PASSWORD)))
    with pytest.raises(users.LoginError):  # a wrong password rewrites nothing
        users.authenticate(engine, "pw.old", WRONG)
    assert "m=2048,t=1,p=2" in account(engine, "pw.old").password_hash
    assert users.authenticate(engine, "pw.old", PASSWORD).username == "pw.old"
    stored = account(engine, "pw.old").password_hash
    assert "m=1024,t=1,p=1" in stored  # this module's (cheap) current parameters
    assert users.authenticate(engine, "pw.old", PASSWORD).username == "pw.old"
    assert account(engine, "pw.old").password_hash == stored  # nothing to redo


def test_the_real_parameters_are_owasps_minimum():
    import inspect

    source = inspect.getsource(users)
    assert "Argon2Hasher(time_cost=2, memory_cost=19456, parallelism=1)" in source


# --- 5. bounded time windows --------------------------------------------------------------

@pytest.mark.parametrize("var,value", [
    ("KLA_REVISION_HOURS", "0"), ("KLA_REVISION_HOURS", "-5"), ("KLA_REVISION_HOURS", "721"),
    ("KLA_REVISION_HOURS", "abc"), ("KLA_LOGIN_MAX_FAILURES", "2"),
    ("KLA_LOGIN_MAX_FAILURES", "21"), ("KLA_LOGIN_LOCK_MINUTES", "0"),
    ("KLA_LOGIN_LOCK_MINUTES", "1441"),
])
def test_time_window_settings_are_bounded(monkeypatch, var, value):
    monkeypatch.setenv(var, value)
    with pytest.raises(ValidationError) as err:
        Settings()
    assert var.removeprefix("KLA_").lower() in str(err.value)


def test_time_window_settings_defaults_and_limits(monkeypatch):
    s = Settings()
    assert (s.revision_hours, s.login_max_failures, s.login_lock_minutes) == (48, 5, 15)
    for var, value in [("KLA_REVISION_HOURS", "720"), ("KLA_LOGIN_MAX_FAILURES", "3"),
                       ("KLA_LOGIN_LOCK_MINUTES", "1440")]:
        monkeypatch.setenv(var, value)
    s = Settings()
    assert (s.revision_hours, s.login_max_failures, s.login_lock_minutes) == (720, 3, 1440)


def test_lockout_follows_the_settings(engine, monkeypatch):
    monkeypatch.setenv("KLA_LOGIN_MAX_FAILURES", "3")
    get_settings.cache_clear()
    users.add_user(engine, SYSTEM, username="set.viewer", password=PASSWORD, role="viewer")
    for _ in range(3):
        with pytest.raises(users.LoginError):
            users.authenticate(engine, "set.viewer", WRONG)
    with pytest.raises(users.LoginError):
        users.authenticate(engine, "set.viewer", PASSWORD)
    assert account(engine, "set.viewer").locked_until is not None


# --- 6. audit log append-only -------------------------------------------------------------

COLUMNS = "(id, at, actor, action, entity, entity_id, detail)"
VALUES = "(:id, CURRENT_TIMESTAMP, 'mallory', 'forged', 'user', 'x', '{}')"
CHANGES = {
    "common": [
        "UPDATE audit_log SET actor = 'mallory'",
        "UPDATE audit_log SET detail = '{}' WHERE id = :id",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE id = :id",
        (f"INSERT INTO audit_log {COLUMNS} VALUES {VALUES} "
         "ON CONFLICT (id) DO UPDATE SET actor = 'mallory'"),
    ],
    "sqlite": [
        f"INSERT OR REPLACE INTO audit_log {COLUMNS} VALUES {VALUES}",
        f"REPLACE INTO audit_log {COLUMNS} VALUES {VALUES}",
        "UPDATE OR REPLACE audit_log SET actor = 'mallory' WHERE id = :id",
        "INSERT OR REPLACE INTO audit_log SELECT * FROM audit_log",
    ],
    "postgresql": [
        "TRUNCATE audit_log",
        "TRUNCATE TABLE audit_log RESTART IDENTITY CASCADE",
    ],
}


def audit_snapshot(engine):
    with engine.connect() as conn:
        return conn.execute(select(AuditLog.__table__).order_by(AuditLog.id)).all()


def test_the_audit_log_refuses_every_change(engine):
    with engine.begin() as conn:
        for n in range(3):
            audit.record(conn, SYSTEM, "test.append", "user", f"row{n}", n=n)
    before = audit_snapshot(engine)
    first = before[0].id
    statements = CHANGES["common"] + CHANGES[engine.dialect.name]
    for sql in statements:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(sql), {"id": first} if ":id" in sql else {})
        assert audit_snapshot(engine) == before, sql
    with engine.begin() as conn:  # appending still works
        audit.record(conn, SYSTEM, "test.append", "user", "row3", n=3)
    after = audit_snapshot(engine)
    assert after[:len(before)] == before and len(after) == len(before) + 1


def test_migration_0007_normalises_usernames_and_is_reversible(empty_url):
    from sqlalchemy import inspect

    eng = make_engine(empty_url)
    migrate.upgrade(eng, "0006")
    t = User.__table__
    names = ["Ana", "Budi", "budi", "  Cici ", "dedi", "\uff25ko", "Fitri", "fitri ", "Gita",
             "\u0430dmin"]
    from sqlalchemy import JSON, column, table

    # the account table as 0006 left it (the model has later columns, e.g. 0010's e-mail)
    old = table("app_user", column("agencies", JSON), *(column(c) for c in (
        "username", "display_name", "password_hash", "role", "is_active", "failed_logins",
        "created_at")))
    with eng.begin() as conn:
        for name in names:
            conn.execute(old.insert().values(username=name, display_name=name, password_hash="x",
                                           role="viewer", agencies=[], is_active=True,
                                           failed_logins=0, created_at=utcnow()))
    migrate.upgrade(eng)
    with eng.connect() as conn:
        stored = set(conn.execute(select(t.c.username)).scalars())
    # normalised where no other account claims the same name; collisions kept as they were
    assert stored == {"ana", "Budi", "budi", "cici", "dedi", "eko", "Fitri", "fitri ", "gita",
                      "\u0430dmin"}

    def triggers():
        with eng.connect() as conn:
            if eng.dialect.name == "sqlite":
                return set(conn.execute(text("SELECT name FROM sqlite_master WHERE "
                                             "type = 'trigger'")).scalars())
            return set(conn.execute(text("SELECT tgname FROM pg_trigger WHERE "
                                         "tgrelid = 'audit_log'::regclass AND NOT tgisinternal"
                                         )).scalars())

    new = {"sqlite": "audit_log_no_replace", "postgresql": "audit_log_no_truncate"}
    assert new[eng.dialect.name] in triggers()
    migrate.downgrade(eng, "0006")
    assert new[eng.dialect.name] not in triggers() and triggers()  # 0003's triggers stay
    migrate.upgrade(eng)
    assert new[eng.dialect.name] in triggers()
    assert "app_user" in inspect(eng).get_table_names()
    eng.dispose()
