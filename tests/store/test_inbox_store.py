"""Kotak masuk and the daily e-mail digest on SQLite and PostgreSQL (``kla.services.inbox``):
each account sees only its own scope (an agency only its own OPD's actions and questions,
another city nothing of Kota Serang); "mark as read" makes items no longer new; the contact
form is checked and only ever changes the user's own account; the digest goes through a real
SMTP server the test starts on 127.0.0.1 (aiosmtpd) and is read back from it — never twice a
day, an unreachable server reported with nothing recorded, one refused recipient not stopping
the others; ``kla digest`` exits non-zero when a message could not be sent."""

from __future__ import annotations

import socket
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select
from sqlmodel import Session

from kla.domain.framework import get_framework
from kla.i18n import Refusal, describe
from kla.services import action_plan, answers, inbox, users, workflow
from kla.services.assessments import save_assessment
from kla.services.permissions import SYSTEM, Actor, PermissionDenied
from kla.settings import get_settings, local_today
from kla.store.db import engine_for
from kla.store.models import AuditLog, User
from tests.cli_runner import run_kla
from tests.conftest import BACKENDS

pytestmark = pytest.mark.store

SERANG, METRO, YEAR = "36.73", "18.72", 2041
DINKES_Q, OTHER_Q, ASSIGN_Q = "12.P1", "1.P1", "1.P2a"  # Dinkes's; not Dinkes's; reassigned


@dataclass
class World:
    url: str
    engine: object
    today: date
    ids: dict


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, seeded_copy):
    url = seeded_copy(request.param)
    engine = engine_for(url)
    fw = get_framework()
    today = local_today()
    ids = {}
    for key, region, opd, due, status in (
            ("late", SERANG, "Dinkes", today - timedelta(days=3), "berjalan"),
            ("soon", SERANG, "DPPPAPPKB", today + timedelta(days=7), "rencana"),
            ("done", SERANG, "Dinkes", today - timedelta(days=10), "selesai"),
            ("later", SERANG, "Dinkes", today + timedelta(days=40), "rencana"),
            ("metro", METRO, "Dinkes", today - timedelta(days=2), "rencana")):
        ids[key] = action_plan.create_action(engine, SYSTEM, region, 2026, fw, {
            "title": f"Kegiatan {key} uji kotak masuk", "opd": opd, "due_date": due}, {})
        if status != "rencana":
            action_plan.set_status(engine, SYSTEM, ids[key], status, 1)
    # a year sent back: EM submitted, VA open, two answers rejected, revision requested
    base = {DINKES_Q: 0.5, OTHER_Q: 0.5, ASSIGN_Q: 0.5}
    ids["em"] = save_assessment(engine, SYSTEM, region_kode=SERANG, year=YEAR, stage="EM",
                                answers=base, framework=fw, status="submitted")
    ids["va"] = save_assessment(engine, SYSTEM, region_kode=SERANG, year=YEAR, stage="VA",
                                answers=base, framework=fw, status="in_review")
    verifier = users.get_actor(engine, "verifikator.banten")
    for qid in (DINKES_Q, OTHER_Q):
        workflow.review_answer(engine, verifier, ids["va"], qid, "reject",
                               reason=f"Bukti {qid} tidak ada")
    workflow.request_revision(engine, verifier, ids["va"], hours=24)
    # the coordinator gives a question to Dinkes
    answers.set_agencies(engine, users.get_actor(engine, "koordinator.serang"), SERANG, fw,
                         ASSIGN_Q, ["Dinkes", "Bappeda"])
    yield World(url, engine, today, ids)


def actor(w: World, name: str) -> Actor:
    found = users.get_actor(w.engine, name)
    assert found is not None, name
    return found


def refs(box) -> dict[str, str]:
    return {i.ref: i.kind for i in box.items}


def audit_rows(w: World, action: str | None = None) -> int:
    stmt = select(func.count()).select_from(AuditLog)
    if action:
        stmt = stmt.where(AuditLog.action == action)
    with w.engine.connect() as conn:
        return conn.execute(stmt).scalar_one()


def account(w: World, name: str) -> User:
    with Session(w.engine) as s:
        return s.exec(select(User).where(User.username == name)).scalars().one()


# ----------------------------------------------------------------------------------------
# Scope per role
# ----------------------------------------------------------------------------------------
def test_the_coordinator_sees_the_city(world):
    w = world
    box = inbox.items_for(w.engine, actor(w, "koordinator.serang"))
    got = refs(box)
    assert box.scope == "city"
    assert got[f"action:{w.ids['late']}"] == "overdue"
    assert got[f"action:{w.ids['soon']}"] == "due_soon"  # due in exactly 7 days
    assert got[f"action:{w.ids['later']}"] == "new"  # created by the system today
    assert f"action:{w.ids['done']}" not in got and f"action:{w.ids['metro']}" not in got
    assert got[f"answer:{SERANG}:{YEAR}:VA:{DINKES_Q}"] == "rejected"
    assert got[f"answer:{SERANG}:{YEAR}:VA:{OTHER_Q}"] == "rejected"
    assert got[f"assessment:{SERANG}:{YEAR}:EM"] == "revision"
    assert not any(r.startswith("assignment:") for r in got)  # the coordinator's own act
    kinds = [i.kind for i in box.items]
    assert kinds == sorted(kinds, key=["overdue", "revision", "rejected", "review", "due_soon",
                                       "new"].index)
    revision = next(i for i in box.items if i.kind == "revision")
    assert 23 < revision.hours_left <= 24


def test_an_agency_sees_only_its_own(world):
    w = world
    box = inbox.items_for(w.engine, actor(w, "dinkes.serang"))
    got = refs(box)
    assert box.scope == "agency"
    assert got[f"action:{w.ids['late']}"] == "overdue"
    assert f"action:{w.ids['soon']}" not in got  # DPPPAPPKB's action
    assert got[f"answer:{SERANG}:{YEAR}:VA:{DINKES_Q}"] == "rejected"
    assert f"answer:{SERANG}:{YEAR}:VA:{OTHER_Q}" not in got  # not assigned to Dinkes
    assert got[f"assignment:{SERANG}:{ASSIGN_Q}"] == "new"
    assert got[f"assessment:{SERANG}:{YEAR}:EM"] == "revision"
    other = refs(inbox.items_for(w.engine, actor(w, "dp3a.serang")))
    assert f"action:{w.ids['soon']}" in other and f"action:{w.ids['late']}" not in other
    assert f"assignment:{SERANG}:{ASSIGN_Q}" not in other


def test_another_city_sees_nothing_of_serang(world):
    w = world
    got = refs(inbox.items_for(w.engine, actor(w, "koordinator.metro")))
    assert got == {f"action:{w.ids['metro']}": "overdue"}
    foreign = Actor("t.dinkes.metro", "opd", METRO, ("Dinkes",))
    assert refs(inbox.items_for(w.engine, foreign)) == {f"action:{w.ids['metro']}": "overdue"}


def test_the_verifier_sees_its_province_to_review(world):
    w = world
    box = inbox.items_for(w.engine, actor(w, "verifikator.banten"))
    assert box.scope == "province"
    assert refs(box) == {f"assessment:{SERANG}:{YEAR}:VA": "review"}  # the sample: all done
    lampung = Actor("t.verif.lampung", "verifier", "18")
    assert inbox.items_for(w.engine, lampung).items == []


@pytest.mark.parametrize("name,scope", [("admin", "national"), ("pengamat", "viewer")])
def test_national_accounts_have_no_city_items(world, name, scope):
    box = inbox.items_for(world.engine, actor(world, name))
    assert (box.scope, box.items) == (scope, [])


def test_mark_seen_makes_items_not_new(world):
    w = world
    dinkes = actor(w, "dinkes.serang")
    before = inbox.items_for(w.engine, dinkes)
    assert before.new >= 2 and before.seen_at is None
    inbox.mark_seen(w.engine, dinkes, before.read_at)
    after = inbox.items_for(w.engine, dinkes)
    assert after.new == 0 and after.seen_at is not None
    got = refs(after)
    assert got[f"action:{w.ids['late']}"] == "overdue"  # still overdue, no longer new
    assert f"action:{w.ids['later']}" not in got  # only new: gone
    assert f"assignment:{SERANG}:{ASSIGN_Q}" not in got
    # the mark never moves back; the coordinator's own inbox is untouched
    inbox.mark_seen(w.engine, dinkes, before.read_at - timedelta(days=30))
    assert inbox.items_for(w.engine, dinkes).seen_at == after.seen_at
    assert inbox.items_for(w.engine, actor(w, "koordinator.serang")).new > 0
    with pytest.raises(Refusal):
        inbox.mark_seen(w.engine, SYSTEM)  # no account of its own


def test_a_corrected_answer_leaves_the_inbox(world):
    w = world
    dinkes = actor(w, "dinkes.serang")
    state = answers.answer_states(w.engine, SYSTEM, w.ids["em"])[DINKES_Q]
    answers.save_answer(w.engine, dinkes, w.ids["em"], DINKES_Q, 1.0, "SK terlampir",
                        state.version)
    assert f"answer:{SERANG}:{YEAR}:VA:{DINKES_Q}" not in refs(inbox.items_for(w.engine, dinkes))
    coord = refs(inbox.items_for(w.engine, actor(w, "koordinator.serang")))
    assert f"answer:{SERANG}:{YEAR}:VA:{DINKES_Q}" not in coord
    assert coord[f"answer:{SERANG}:{YEAR}:VA:{OTHER_Q}"] == "rejected"


# ----------------------------------------------------------------------------------------
# Contact: own account only, checked, audited
# ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("email,digest", [("bukan-email", True), ("a@b", False),
                                          ("", True), ("x@y.id\r\nBcc: z@q.id", True)])
def test_a_bad_contact_is_refused_naming_the_field(world, email, digest):
    w = world
    before = (audit_rows(w), account(w, "dp3a.serang").email)
    with pytest.raises(Refusal) as err:
        inbox.set_contact(w.engine, actor(w, "dp3a.serang"), email, digest)
    for lang in ("id", "en"):
        assert describe(err.value, lang).startswith("Email: ")
    assert (audit_rows(w), account(w, "dp3a.serang").email) == before


def test_contact_changes_only_the_own_account(world):
    w = world
    me = actor(w, "dp3a.serang")
    others = {u: account(w, u).email for u in ("koordinator.serang", "admin")}
    n = audit_rows(w, "user.contact")
    assert inbox.set_contact(w.engine, me, "  dp3a@serangkota.go.id ", True) == \
        "dp3a@serangkota.go.id"
    row = account(w, "dp3a.serang")
    assert (row.email, row.digest_daily) == ("dp3a@serangkota.go.id", True)
    assert {u: account(w, u).email for u in others} == others
    assert audit_rows(w, "user.contact") == n + 1
    inbox.set_contact(w.engine, me, "dp3a@serangkota.go.id", True)  # no change: no row
    assert audit_rows(w, "user.contact") == n + 1
    with pytest.raises(Refusal):
        inbox.set_contact(w.engine, SYSTEM, "sys@kla.go.id", False)
    # an admin sets another account's address; nobody else can
    users.set_email(w.engine, actor(w, "admin"), "dp3a.serang", "dp3a2@serangkota.go.id")
    assert account(w, "dp3a.serang").email == "dp3a2@serangkota.go.id"
    for who in ("koordinator.serang", "dinkes.serang", "verifikator.banten", "pengamat"):
        with pytest.raises(PermissionDenied):
            users.set_email(w.engine, actor(w, who), "dp3a.serang", "x@serangkota.go.id")
    with pytest.raises(Refusal):
        users.set_email(w.engine, actor(w, "admin"), "dp3a.serang", "bukan email")
    assert account(w, "dp3a.serang").email == "dp3a2@serangkota.go.id"
    inbox.set_contact(w.engine, me, "", False)


# ----------------------------------------------------------------------------------------
# The digest, through a real SMTP server on 127.0.0.1
# ----------------------------------------------------------------------------------------
class Mailbox:
    """aiosmtpd handler: keeps every message; refuses the addresses in ``refuse``."""

    def __init__(self, refuse: tuple[str, ...] = ()):
        self.messages: list = []
        self.refuse = set(refuse)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos),
                              message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for rcpt, m in self.messages if address in rcpt]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def smtp_server(refuse: tuple[str, ...] = ()):
    box = Mailbox(refuse)
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield box, controller.port
    finally:
        controller.stop()


@pytest.fixture
def smtp_env(monkeypatch):
    def use(port: int) -> None:
        monkeypatch.setenv("KLA_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("KLA_SMTP_PORT", str(port))
        monkeypatch.setenv("KLA_SMTP_FROM", "KLA <kla@localhost>")
        monkeypatch.setenv("KLA_SMTP_TIMEOUT", "5")
        get_settings.cache_clear()
    return use


def subscribe(w: World) -> None:
    for name, email in (("koordinator.serang", "koord@serangkota.go.id"),
                        ("dinkes.serang", "dinkes@serangkota.go.id"),
                        ("koordinator.metro", "koord@metrokota.go.id"),
                        ("pengamat", "pengamat@kla.go.id")):
        inbox.set_contact(w.engine, actor(w, name), email, True)


def sent_on(w: World, name: str) -> date | None:
    return account(w, name).digest_sent_on


def test_digest_refused_without_a_mail_server(world, monkeypatch):
    monkeypatch.delenv("KLA_SMTP_HOST", raising=False)
    get_settings.cache_clear()
    with pytest.raises(Refusal) as err:
        inbox.send_digests(world.engine, SYSTEM)
    assert "KLA_SMTP_HOST" in describe(err.value, "id")
    for who in ("koordinator.serang", "verifikator.banten", "pengamat"):
        with pytest.raises(PermissionDenied):
            inbox.send_digests(world.engine, actor(world, who), dry_run=True)
    with pytest.raises(PermissionDenied):  # a province admin: the digest is national
        inbox.send_digests(world.engine, Actor("t.admin.banten", "admin", "36"), dry_run=True)


def test_digest_through_a_local_smtp_server(world, smtp_env):
    w = world
    subscribe(w)
    day = w.today
    with smtp_server(refuse=("koord@metrokota.go.id",)) as (box, port):
        smtp_env(port)
        dry = inbox.send_digests(w.engine, SYSTEM, dry_run=True)
        assert box.messages == [] and sent_on(w, "koordinator.serang") is None
        assert {x.username: x.status for x in dry.lines}["koordinator.serang"] == "would_send"
        n = audit_rows(w, "digest.send")
        report = inbox.send_digests(w.engine, SYSTEM)
        status = {x.username: x.status for x in report.lines}
        assert status == {"koordinator.serang": "sent", "dinkes.serang": "sent",
                          "koordinator.metro": "failed", "pengamat": "empty"}
        assert "mailbox unavailable" in report.failed[0].error
        (mail,) = box.to("koord@serangkota.go.id")
        body = mail.get_body(("plain",)).get_content()
        assert "Kegiatan late uji kotak masuk" in body  # the overdue action
        assert body.index("Yth.") < body.index("Dear")  # Indonesian first, English below
        assert mail["Subject"].startswith("KLA: ") and "terlambat" in mail["Subject"]
        assert mail["From"] == "KLA <kla@localhost>"
        (dinkes,) = box.to("dinkes@serangkota.go.id")
        text = dinkes.get_body(("plain",)).get_content()
        assert "Kegiatan late uji kotak masuk" in text
        assert "Kegiatan soon uji kotak masuk" not in text  # another agency's action
        assert sent_on(w, "koordinator.serang") == day and sent_on(w, "dinkes.serang") == day
        assert sent_on(w, "koordinator.metro") is None and sent_on(w, "pengamat") is None
        assert audit_rows(w, "digest.send") == n + 1
        with w.engine.connect() as conn:
            detail = conn.execute(select(AuditLog.detail).where(
                AuditLog.action == "digest.send").order_by(AuditLog.id.desc())).first()[0]
        assert (detail["sent"], detail["failed"], detail["empty"]) == (2, 1, 1)
        # the same day again: nothing sent twice; the refused one is tried again
        again = inbox.send_digests(w.engine, SYSTEM)
        assert {x.username: x.status for x in again.lines} == {
            "koordinator.serang": "already", "dinkes.serang": "already",
            "koordinator.metro": "failed", "pengamat": "empty"}
        assert len(box.to("koord@serangkota.go.id")) == 1


def test_an_unreachable_server_is_reported_and_nothing_recorded(world, smtp_env):
    w = world
    subscribe(w)
    before = {u: sent_on(w, u) for u in ("koordinator.serang", "dinkes.serang")}
    smtp_env(free_port())  # nothing listens there
    tomorrow = w.today + timedelta(days=1)
    report = inbox.send_digests(w.engine, SYSTEM, today=tomorrow)
    assert {x.username for x in report.failed} >= {"koordinator.serang", "dinkes.serang"}
    assert all("Connection" in x.error or "refused" in x.error.lower() for x in report.failed)
    assert {u: sent_on(w, u) for u in before} == before


def test_the_digest_command(world, smtp_env, tmp_path):
    w = world
    subscribe(w)
    env = {"KLA_DATABASE_URL": w.url, "KLA_DATA_DIR": str(tmp_path)}
    later = (w.today + timedelta(days=2)).isoformat()
    with smtp_server() as (box, port):
        smtp_env(port)
        r = run_kla("digest", "--dry-run", "--today", later, env=env)
        assert r.returncode == 0, r.stderr
        assert "would_send" in r.stdout and "dry run, nothing sent" in r.stdout
        assert box.messages == []
        r = run_kla("digest", "--today", later, env=env)
        assert r.returncode == 0, r.stderr
        assert "sent" in r.stdout and "koord@serangkota.go.id" in r.stdout
        assert box.to("koord@metrokota.go.id")
    smtp_env(free_port())
    r = run_kla("digest", "--today", (w.today + timedelta(days=3)).isoformat(), env=env)
    assert r.returncode == 5 and "failed" in r.stdout and "could not be sent" in r.stderr
    r = run_kla("digest", "--as", "koordinator.serang", env=env)
    assert r.returncode == 2 and "not allowed" in r.stderr
