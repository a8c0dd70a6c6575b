"""Kotak masuk (the in-app inbox per user) and the daily e-mail digest.

- ``items_for(engine, actor)``: what needs the signed-in user's attention, read only in their
  own scope with a handful of queries (``kla.domain.inbox`` decides the kinds):

  - a coordinator (and an admin scoped to one kab/kota): the city's open actions that are
    overdue, due within 7 days or new; rejected answers of its open verification stages not
    corrected since; the revision window (hours left);
  - an agency (``opd``): the same, but only actions of its own OPD and rejections of questions
    assigned to its agencies (the city's assignment, else the instrument's column), and the
    questions newly assigned to its agencies;
  - a verifier (and an admin scoped to a province): submitted self-assessments of its province
    waiting for a verification stage, and the verification stages open for review;
  - a national admin and a viewer: nothing city-specific (``scope`` says why).

- ``mark_seen``: the user's own "mark as read" (what was shown is no longer new).
- ``set_contact``: the user's own e-mail address and daily-digest choice (audited); an admin
  sets another account's address in Pengguna (``kla.services.users.set_email``).
- ``send_digests`` (``digest.send``: a national admin, the system actor of ``kla digest``):
  one message per active user who asked for it, has an address and a non-empty inbox, and has
  not had one today; through the SMTP server of the settings (``KLA_SMTP_*``). A failing
  recipient is reported and does not stop the others; ``digest_sent_on`` is set only after
  a message was accepted by the server.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, and_, exists, or_, select, update
from sqlalchemy.orm import aliased
from sqlmodel import Session

from kla.domain import inbox as dom
from kla.domain.action_plan import CLOSED
from kla.domain.framework import FrameworkError, get_framework
from kla.domain.workflow import STAGES
from kla.i18n import Msg, Refusal
from kla.services import audit
from kla.services.answers import _agencies_for_session
from kla.services.permissions import Actor, require, visible
from kla.settings import get_settings
from kla.store.models import (
    Action,
    Answer,
    Assessment,
    Assignment,
    AuditLog,
    Question,
    Region,
    Review,
    User,
    utcnow,
)
from kla.store.models import Framework as FrameworkRow


@dataclass(frozen=True)
class Inbox:
    """One user's inbox. ``scope``: whose items it holds (``city``, ``agency``, ``province``),
    or why it holds none (``national``: a national account; ``viewer``: read only).
    ``read_at``: when it was read (``mark_seen`` marks what was shown up to then)."""

    items: list[dom.Item]
    scope: str
    region_kode: str | None
    read_at: datetime
    today: date
    seen_at: datetime | None = None
    email: str = ""
    digest_daily: bool = False
    digest_sent_on: date | None = None

    @property
    def counts(self) -> dict[str, int]:
        return dom.counts(self.items)

    @property
    def new(self) -> int:
        return sum(i.is_new for i in self.items)


def _zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def _account(s: Session, actor: Actor) -> User | None:
    return s.exec(select(User).where(User.username == actor.username)).scalars().first()


def items_for(engine: Engine, actor: Actor, today: date | None = None,
              now: datetime | None = None) -> Inbox:
    """The inbox of ``actor`` (its own scope only). ``today``: the deployment's day (default:
    today in ``KLA_TIMEZONE``); ``now``: the moment (default: now)."""
    now = dom.aware(now or utcnow())
    tz = _zone()
    today = today or dom.local_day(now, tz)
    scope = dom.scope_of(actor.role, actor.region_kode)
    with Session(engine) as s:
        user = _account(s, actor)
        seen = dom.aware(user.inbox_seen_at) if user else None
        rows: dict = {}
        if scope in ("city", "agency"):
            rows = _city_rows(s, actor, scope, today, dom.new_since(seen, now), now)
        elif scope == "province":
            rows = {"reviews": _review_rows(s, actor)}
    items = dom.build(now=now, tz=tz, seen_at=seen, me=actor.username, today=today, **rows)
    return Inbox(items, scope, actor.region_kode, now, today, seen,
                 user.email if user else "", bool(user.digest_daily) if user else False,
                 user.digest_sent_on if user else None)


def _framework(code: str):
    try:
        return get_framework(code)
    except (FrameworkError, KeyError, OSError):
        return None


def _city_rows(s: Session, actor: Actor, scope: str, today: date, since: datetime,
               now: datetime) -> dict:
    """Actions, revision windows, rejections and new assignments of the actor's kab/kota (for
    an agency: only its own)."""
    region = actor.region_kode
    mine = tuple(a for a in actor.agencies if a) if scope == "agency" else None
    # 1. open actions due within the week (or overdue) or created since `since`
    stmt = (select(Action.id, Action.region_kode, Action.year, Action.title, Action.opd,
                   Action.due_date, Action.status, Action.created_at, Action.created_by)
            .where(Action.region_kode == region, Action.status.not_in(CLOSED),
                   or_(Action.due_date <= today + timedelta(days=dom.SOON_DAYS),
                       Action.created_at > since)))
    if mine is not None:
        stmt = stmt.where(Action.opd.in_(mine))
    actions = [dom.ActionRow(*r) for r in s.exec(stmt).all()]
    # 2. the city's assessments (a handful of rows: stages × years)
    stages = s.exec(select(Assessment.id, Assessment.year, Assessment.stage, Assessment.status,
                           Assessment.revision_deadline, Assessment.framework_id)
                    .where(Assessment.region_kode == region)).all()
    em = {year: (aid, status, deadline) for aid, year, stage, status, deadline, _ in stages
          if stage == "EM"}
    revisions = []
    for year, (aid, status, deadline) in em.items():
        if status == "revision" and deadline is not None and dom.aware(deadline) > now:
            started = s.exec(select(AuditLog.at).where(
                AuditLog.action == "assessment.revision", AuditLog.entity == "assessment",
                AuditLog.entity_id == str(aid)).order_by(AuditLog.id.desc()).limit(1)).first()
            revisions.append(dom.RevisionRow(region, year, deadline,
                                             started[0] if started else None))
    window = {r.year: r.deadline for r in revisions}
    # 3. rejections: the latest decision per answer of the open verification stages
    open_stages = {aid: (year, stage, fid) for aid, year, stage, status, _, fid in stages
                   if stage != "EM" and status == "in_review"}
    rejections = []
    frameworks: dict[int, object] = {}
    if open_stages:
        codes = dict(s.exec(select(FrameworkRow.id, FrameworkRow.code).where(
            FrameworkRow.id.in_({fid for _, _, fid in open_stages.values()}))).all())
        frameworks = {fid: _framework(code) for fid, code in codes.items()}
        latest: dict[tuple[int, int], tuple] = {}
        for aid, qdb, qid, decision, reason, reviewer, at in s.exec(
                select(Review.assessment_id, Review.question_id, Question.qid,
                       Review.decision, Review.reason, Review.reviewer, Review.at)
                .join(Question, Question.id == Review.question_id)
                .where(Review.assessment_id.in_(list(open_stages))).order_by(Review.id)).all():
            latest[aid, qdb] = (qid, decision, reason, reviewer, at)
        rejected = {k: v for k, v in latest.items() if v[1] == "reject"}
        fixed: dict[tuple[int, int], datetime] = {}
        em_ids = {em[open_stages[aid][0]][0]: open_stages[aid][0] for aid, _ in rejected
                  if open_stages[aid][0] in em}
        if rejected and em_ids:
            for em_id, qdb, at in s.exec(select(Answer.assessment_id, Answer.question_id,
                                                Answer.updated_at)
                                         .where(Answer.assessment_id.in_(list(em_ids)),
                                                Answer.question_id.in_(
                                                    {q for _, q in rejected}))).all():
                fixed[em_ids[em_id], qdb] = at
        agencies: dict[int, dict[str, list[str]]] = {}
        for (aid, qdb), (qid, _, reason, reviewer, at) in rejected.items():
            year, stage, fid = open_stages[aid]
            fw = frameworks.get(fid)
            if mine is not None:
                if fw is None:
                    continue
                if fid not in agencies:
                    agencies[fid] = _agencies_for_session(s, region, fw)
                if not set(agencies[fid].get(qid, ())) & set(mine):
                    continue
            text = fw.questions[qid].text if fw is not None and qid in fw.questions else ""
            rejections.append(dom.RejectionRow(region, year, stage, qid, text, reason,
                                               reviewer, at, fixed.get((year, qdb)),
                                               window.get(year)))
    # 4. an agency: questions newly assigned to it
    assignments = []
    if mine is not None:
        for qid, code, chosen, at, by in s.exec(
                select(Question.qid, FrameworkRow.code, Assignment.agencies,
                       Assignment.updated_at, Assignment.updated_by)
                .join(Question, Question.id == Assignment.question_id)
                .join(FrameworkRow, FrameworkRow.id == Question.framework_id)
                .where(Assignment.region_kode == region, Assignment.updated_at > since)).all():
            if not set(chosen or ()) & set(mine):
                continue
            fw = _framework(code)
            text = fw.questions[qid].text if fw is not None and qid in fw.questions else ""
            assignments.append(dom.AssignmentRow(region, qid, text, tuple(chosen), at, by))
    return {"actions": actions, "revisions": revisions, "rejections": rejections,
            "assignments": assignments}


def _review_rows(s: Session, actor: Actor) -> list[dom.ReviewRow]:
    """A verifier's province: self-assessments submitted with no verification stage yet, and
    the verification stages open for review (one query)."""
    va = aliased(Assessment)
    has_va = exists().where(va.region_kode == Assessment.region_kode,
                            va.year == Assessment.year, va.stage == STAGES[1])
    stmt = (select(Assessment.region_kode, Region.nama, Assessment.year, Assessment.stage,
                   Assessment.status, Assessment.submitted_at, Assessment.created_at)
            .join(Region, Region.kode == Assessment.region_kode)
            .where(visible(actor).clause(Assessment.region_kode),
                   or_(and_(Assessment.stage == "EM", Assessment.status == "submitted",
                            ~has_va),
                       Assessment.status == "in_review")))
    return [dom.ReviewRow(kode, nama, year, stage, status,
                          submitted if stage == "EM" else created)
            for kode, nama, year, stage, status, submitted, created in s.exec(stmt).all()]


# ---------------------------------------------------------------------------------------
# The user's own account: mark as read, contact.
# ---------------------------------------------------------------------------------------
def _own(s: Session, actor: Actor) -> User:
    """The signed-in user's own account row (no other: these writes take no user name)."""
    user = s.exec(select(User).where(User.username == actor.username,
                                     User.is_active.is_(True))
                  .with_for_update()).scalars().first()
    if user is None:
        raise Refusal(Msg("err.inbox.no_account", user=actor.username))
    return user


def mark_seen(engine: Engine, actor: Actor, at: datetime | None = None) -> datetime:
    """Mark the user's own inbox read up to ``at`` (the moment it was shown: what arrived
    after stays new; default now). Never moves back. Returns the mark."""
    at = dom.aware(at or utcnow())
    with Session(engine) as s:
        user = _own(s, actor)
        if user.inbox_seen_at is None or dom.aware(user.inbox_seen_at) < at:
            user.inbox_seen_at = at
            s.add(user)
            s.commit()
        return at


def set_contact(engine: Engine, actor: Actor, email: str, digest_daily: bool) -> str:
    """The user's own e-mail address and whether they want the daily digest (audited as
    ``user.contact``). Refused, naming the field (Email), for an invalid address or a digest
    without an address; nothing written then. Returns the stored address."""
    email, errors = dom.clean_email(email)
    digest_daily = bool(digest_daily)
    if digest_daily and not email and not errors:
        errors.append(Msg("err.email_needed", field=Msg("common.email")))
    if errors:
        raise Refusal(*errors)
    with Session(engine) as s:
        user = _own(s, actor)
        old = (user.email, user.digest_daily)
        if old == (email, digest_daily):
            return email
        user.email, user.digest_daily = email, digest_daily
        s.add(user)
        audit.record(s.connection(), actor, "user.contact", "user", user.username,
                     region_kode=user.region_kode, email=[old[0], email],
                     digest_daily=[old[1], digest_daily])
        s.commit()
        return email


# ---------------------------------------------------------------------------------------
# The daily digest.
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DigestLine:
    username: str
    email: str
    status: str  # sent, failed, empty (nothing to send), already (sent today), would_send
    counts: dict[str, int] = field(default_factory=dict)
    subject: str = ""
    error: str = ""

    def line(self) -> str:
        what = ", ".join(f"{n} {k}" for k, n in self.counts.items() if n)
        extra = f": {self.error}" if self.error else (f" ({what})" if what else "")
        return f"{self.status:<10} {self.username:<24} {self.email}{extra}"


@dataclass
class DigestReport:
    today: date
    dry_run: bool
    lines: list[DigestLine] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(x.status == status for x in self.lines)

    @property
    def failed(self) -> list[DigestLine]:
        return [x for x in self.lines if x.status == "failed"]

    def summary(self) -> str:
        if self.dry_run:
            return (f"digest {self.today.isoformat()} (dry run, nothing sent): "
                    f"{self.count('would_send')} would be sent, {self.count('empty')} with "
                    f"nothing to send, {self.count('already')} already sent today")
        return (f"digest {self.today.isoformat()}: {self.count('sent')} sent, "
                f"{self.count('failed')} failed, {self.count('empty')} with nothing to send, "
                f"{self.count('already')} already sent today")


def _connect(cfg) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if cfg.smtp_ssl:
        conn = smtplib.SMTP_SSL(cfg.smtp_host, cfg.smtp_port_used, timeout=cfg.smtp_timeout,
                                context=context)
    else:
        conn = smtplib.SMTP(cfg.smtp_host, cfg.smtp_port_used, timeout=cfg.smtp_timeout)
    try:
        if cfg.smtp_starttls:
            conn.starttls(context=context)
        if cfg.smtp_user:
            conn.login(cfg.smtp_user, cfg.smtp_password.get_secret_value())
    except BaseException:
        conn.close()
        raise
    return conn


def _message(cfg, to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = cfg.smtp_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    domain = cfg.smtp_from.rpartition("@")[2].strip("> ") or "kla.local"
    msg["Message-ID"] = make_msgid("kla-digest", domain=domain)  # no DNS look-up
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(body, cte="quoted-printable")
    return msg


def _send(cfg, msg: EmailMessage) -> None:
    conn = _connect(cfg)
    try:
        conn.send_message(msg)
    finally:
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()


def _recipients(engine: Engine) -> list[User]:
    with Session(engine) as s:
        return list(s.exec(select(User).where(User.is_active.is_(True),
                                              User.digest_daily.is_(True))
                           .order_by(User.username)).scalars().all())


def send_digests(engine: Engine, actor: Actor, today: date | None = None,
                 dry_run: bool = False, now: datetime | None = None) -> DigestReport:
    """The daily digest (``digest.send``, national): see the module docstring. ``dry_run``:
    compose and report, send and write nothing (no mail server needed). Refused when no mail
    server is configured (``KLA_SMTP_HOST``, ``KLA_SMTP_FROM``)."""
    from kla.services.users import actor_of

    require(actor, "digest.send")
    cfg = get_settings()
    if not dry_run and not cfg.smtp_configured:
        raise Refusal(Msg("err.digest.smtp_unset"))
    now = dom.aware(now or utcnow())
    tz = _zone()
    today = today or dom.local_day(now, tz)
    report = DigestReport(today, dry_run)
    for user in _recipients(engine):
        if not user.email:
            continue  # asked for it, but no address (an admin cleared it): nothing to send to
        if user.digest_sent_on is not None and user.digest_sent_on >= today:
            report.lines.append(DigestLine(user.username, user.email, "already"))
            continue
        box = items_for(engine, actor_of(user), today=today, now=now)
        n = {k: v for k, v in box.counts.items() if v}
        if not box.items:
            report.lines.append(DigestLine(user.username, user.email, "empty"))
            continue
        subject = dom.digest_subject(box.items, today)
        if dry_run:
            report.lines.append(DigestLine(user.username, user.email, "would_send", n, subject))
            continue
        body = dom.digest_body(box.items, today, user.display_name or user.username, tz)
        try:
            _send(cfg, _message(cfg, user.email, subject, body))
        except (smtplib.SMTPException, OSError, ValueError) as exc:
            report.lines.append(DigestLine(user.username, user.email, "failed", n, subject,
                                           f"{type(exc).__name__}: {exc}"))
            continue
        with engine.begin() as conn:  # at once: a later failure never sends this one again
            conn.execute(update(User.__table__).where(User.__table__.c.id == user.id)
                         .values(digest_sent_on=today))
        report.lines.append(DigestLine(user.username, user.email, "sent", n, subject))
    if not dry_run:
        with engine.begin() as conn:
            audit.record(conn, actor, "digest.send", "digest", today.isoformat(),
                         sent=report.count("sent"), failed=report.count("failed"),
                         empty=report.count("empty"), already=report.count("already"),
                         failed_users=", ".join(x.username for x in report.failed))
    return report
