"""Kotak masuk (the in-app inbox) and the daily e-mail digest: what needs one user's attention,
from plain inputs. Pure (the services read the rows, in the user's scope).

Kinds, in the order they are shown:

``overdue``
    an action of the RAD KLA plan past its due date and neither done nor cancelled
    (``kla.domain.action_plan.is_overdue``; "today" is the deployment's day, WIB by default).
``revision``
    the city's self-assessment was sent back: the hours left to correct it.
``rejected``
    a verifier's latest decision on an answer of an open verification stage is "reject" and the
    city has not changed its self-assessment answer since.
``review``
    (verifiers) a submitted self-assessment waiting for its verification stage to be opened,
    or a verification stage open for review.
``due_soon``
    an open action due today or in the next ``SOON_DAYS`` (7) days.
``new``
    an action or an agency assignment given to the user since they last marked the inbox read
    (never marked: in the last ``NEW_DAYS`` days); what the user did themselves is not news.

Every item also says whether it is new (``is_new``) by the same rule, so an overdue action
created yesterday is one overdue item marked new, never two items.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from kla.domain.action_plan import CLOSED, is_overdue
from kla.domain.calendar import aware, local_day  # the one rule for stored times and days
from kla.i18n import Msg, fmt_time
from kla.i18n import t as _t

KINDS = ("overdue", "revision", "rejected", "review", "due_soon", "new")
SOON_DAYS = 7
NEW_DAYS = 7
TITLE_MAX = 160
# the page (url path) that resolves each kind of item
PLAN_PAGE, ENTRY_PAGE, REVIEW_PAGE = "rencana-aksi", "isian", "verifikasi"


@dataclass(frozen=True)
class ActionRow:
    """An action of a city's plan (``kla.store.models.Action``)."""

    id: int
    region_kode: str
    year: int
    title: str
    opd: str
    due_date: date | None
    status: str
    created_at: datetime | None = None
    created_by: str = ""


@dataclass(frozen=True)
class RejectionRow:
    """The latest decision "reject" on one answer of an open verification stage;
    ``answer_updated_at``: when the city's self-assessment answer was last written."""

    region_kode: str
    year: int
    stage: str
    qid: str
    text: str
    reason: str
    reviewer: str
    at: datetime
    answer_updated_at: datetime | None = None
    deadline: datetime | None = None  # the revision window, when the city may edit now


@dataclass(frozen=True)
class AssignmentRow:
    """A city's own choice of agencies for a question (``Assignment``)."""

    region_kode: str
    qid: str
    text: str
    agencies: tuple[str, ...]
    updated_at: datetime
    updated_by: str = ""


@dataclass(frozen=True)
class RevisionRow:
    """A self-assessment sent back for revision until ``deadline``; ``since``: when."""

    region_kode: str
    year: int
    deadline: datetime
    since: datetime | None = None


@dataclass(frozen=True)
class ReviewRow:
    """For a verifier: a submitted self-assessment (``stage`` EM, status ``submitted``) with no
    verification stage yet, or a verification stage open (status ``in_review``)."""

    region_kode: str
    region_nama: str
    year: int
    stage: str
    status: str
    since: datetime | None = None


@dataclass(frozen=True)
class Item:
    kind: str
    title: str | Msg
    detail: Msg
    due: date | datetime | None  # a date (actions) or a moment (revision deadline)
    page: str  # url path of the page that resolves it
    is_new: bool
    region_kode: str
    year: int | None
    ref: str  # what it is about: "action:12", "answer:VA:1.P1", "assessment:36.73:2026:EM"
    hours_left: float | None = None


SCOPES = ("city", "agency", "province", "national", "viewer")


def scope_of(role: str, region_kode: str | None) -> str:
    """Whose items an account's inbox holds: ``city`` (a coordinator, an admin scoped to one
    kab/kota), ``agency`` (an opd), ``province`` (a verifier, an admin scoped to a province);
    or why it holds none: ``national`` (a national admin), ``viewer`` (read only)."""
    region = region_kode or ""
    if role == "opd" and region:
        return "agency"
    if role in ("coordinator", "admin") and region.count(".") == 1:
        return "city"
    if role in ("verifier", "admin") and region:
        return "province"
    return "viewer" if role == "viewer" else "national"


def new_since(seen_at: datetime | None, now: datetime) -> datetime:
    """What counts as new: after the last "mark as read", else the last ``NEW_DAYS`` days."""
    return aware(seen_at) if seen_at is not None else aware(now) - timedelta(days=NEW_DAYS)


def _is_new(at: datetime | None, since: datetime) -> bool:
    return at is not None and aware(at) > since


def _short(text: str) -> str:
    return textwrap.shorten(" ".join(str(text).split()), TITLE_MAX, placeholder=" …") or "–"


def _question(qid: str, text: str) -> str:
    return _short(f"{qid} · {text}" if text else qid)


def _order(item: Item) -> tuple:
    due = item.due
    if isinstance(due, datetime):
        key = aware(due).isoformat()
    else:
        key = due.isoformat() if due is not None else ""
    return KINDS.index(item.kind), due is None, key, str(item.title)


def build(*, now: datetime, tz: tzinfo, seen_at: datetime | None = None, me: str = "",
          today: date | None = None, actions: Iterable[ActionRow] = (),
          rejections: Iterable[RejectionRow] = (), assignments: Iterable[AssignmentRow] = (),
          revisions: Iterable[RevisionRow] = (), reviews: Iterable[ReviewRow] = ()
          ) -> list[Item]:
    """The inbox of one user, sorted: overdue, revision, rejected, review, due soon, new; within
    a kind by due date (earliest first), then title. ``today``: the deployment's day (default:
    ``now``'s day in ``tz``); ``me``: the user's name (what they did is not news)."""
    now = aware(now)
    today = today or local_day(now, tz)
    since = new_since(seen_at, now)
    items: list[Item] = []
    for a in actions:
        if a.status in CLOSED:
            continue
        new = _is_new(a.created_at, since) and a.created_by != me
        days = (a.due_date - today).days if a.due_date is not None else None
        opd = a.opd or "–"
        if is_overdue(a.status, a.due_date, today):
            kind, detail = "overdue", Msg("inbox.detail.overdue", days=-days, opd=opd)
        elif days is not None and 0 <= days <= SOON_DAYS:
            kind = "due_soon"
            detail = (Msg("inbox.detail.due_today", opd=opd) if days == 0
                      else Msg("inbox.detail.due_soon", days=days, opd=opd))
        elif new:
            kind, detail = "new", Msg("inbox.detail.new_action", year=a.year, opd=opd,
                                      by=a.created_by or "–")
        else:
            continue
        items.append(Item(kind, _short(a.title), detail, a.due_date, PLAN_PAGE, new,
                          a.region_kode, a.year, f"action:{a.id}"))
    for r in revisions:
        left = aware(r.deadline) - now
        if left.total_seconds() <= 0:
            continue
        hours, rest = divmod(int(left.total_seconds()), 3600)
        items.append(Item("revision", Msg("inbox.title.revision", year=r.year),
                          Msg("inbox.detail.revision", hours=hours, minutes=rest // 60),
                          aware(r.deadline), ENTRY_PAGE,
                          r.since is None and seen_at is None or _is_new(r.since, since),
                          r.region_kode, r.year, f"assessment:{r.region_kode}:{r.year}:EM",
                          hours_left=round(left.total_seconds() / 3600, 2)))
    for j in rejections:
        if j.answer_updated_at is not None and aware(j.answer_updated_at) > aware(j.at):
            continue  # the city changed its answer since: fixed, waiting for the verifier
        items.append(Item("rejected", _question(j.qid, j.text),
                          Msg("inbox.detail.rejected", stage=j.stage, by=j.reviewer or "–",
                              reason=" ".join((j.reason or "–").split())),
                          aware(j.deadline), ENTRY_PAGE, _is_new(j.at, since), j.region_kode,
                          j.year, f"answer:{j.region_kode}:{j.year}:{j.stage}:{j.qid}"))
    for v in reviews:
        if v.stage == "EM":
            title = Msg("inbox.title.review_submitted", region=v.region_nama, year=v.year)
            detail = Msg("inbox.detail.review_submitted", region=v.region_nama, year=v.year)
        else:
            title = Msg("inbox.title.review_open", region=v.region_nama, year=v.year,
                        stage=v.stage)
            detail = Msg("inbox.detail.review_open", stage=v.stage, year=v.year)
        items.append(Item("review", title, detail, None, REVIEW_PAGE, _is_new(v.since, since),
                          v.region_kode, v.year,
                          f"assessment:{v.region_kode}:{v.year}:{v.stage}"))
    for g in assignments:
        if not _is_new(g.updated_at, since) or g.updated_by == me:
            continue
        items.append(Item("new", _question(g.qid, g.text),
                          Msg("inbox.detail.new_assignment",
                              agencies=", ".join(g.agencies) or "–", by=g.updated_by or "–"),
                          None, ENTRY_PAGE, True, g.region_kode, None,
                          f"assignment:{g.region_kode}:{g.qid}"))
    return sorted(items, key=_order)


def counts(items: Iterable[Item]) -> dict[str, int]:
    """Kind → number of items (every kind, zeros included)."""
    out = dict.fromkeys(KINDS, 0)
    for i in items:
        out[i.kind] += 1
    return out


def text(value: str | Msg, lang: str) -> str:
    """A title or detail in ``lang`` (user text as it is)."""
    return value.render(lang) if isinstance(value, Msg) else str(value)


def when(due: date | datetime | None, lang: str, tz: tzinfo) -> str:
    """A due date (``30 Nov 2026``) or deadline (``1 Des 2026 14:00 WIB``) as people read it."""
    if due is None:
        return "–"
    return fmt_time(due, lang, tz)


# ---------------------------------------------------------------------------------------
# E-mail addresses (the digest's recipient): checked before they are stored.
# ---------------------------------------------------------------------------------------
EMAIL_MAX = 254
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"({_LOCAL})@({_LABEL}(?:\.{_LABEL})*\.[A-Za-z]{{2,63}})")


def clean_email(raw: object) -> tuple[str, list[Msg]]:
    """An address as stored (surrounding spaces removed) and why it cannot be stored."""
    email = str(raw or "").strip()
    return email, email_errors(email)


def email_errors(email: str, label: Msg | None = None) -> list[Msg]:
    """Why ``email`` (already stripped) cannot be stored; empty when it can (an empty address
    too: no address). ASCII addresses only (what every mail server takes), the local part at
    most 64 characters, a domain with a top-level name (``nama@dinkes.serangkota.go.id``)."""
    field = label or Msg("common.email")
    if not email:
        return []
    shown = " ".join(email.split())[:80]
    if len(email) > EMAIL_MAX:
        return [Msg("err.email_too_long", field=field, n=EMAIL_MAX)]
    m = _EMAIL.fullmatch(email)
    if m is None or len(m.group(1)) > 64:
        return [Msg("err.email_invalid", field=field, value=shown)]
    return []


# ---------------------------------------------------------------------------------------
# The daily digest: one plain-text message, Indonesian first, English below.
# ---------------------------------------------------------------------------------------
def digest_subject(items: Sequence[Item], today: date) -> str:
    """``KLA: 2 terlambat, 1 ditolak — ringkasan 1 Des 2026`` (Indonesian: the subject line
    is what a phone shows)."""
    n = counts(items)
    parts = [_t(f"inbox.mail.count.{k}", "id", n=n[k]) for k in KINDS if n[k]]
    return _t("inbox.mail.subject", "id", counts=", ".join(parts),
              day=fmt_time(today, "id"))


def digest_body(items: Sequence[Item], today: date, name: str, tz: tzinfo) -> str:
    """The message: for each language a greeting, the counts, then one line per item
    (kind, title, what, due) grouped by kind, and how to stop the digest."""
    n = counts(items)
    sections = []
    for lang in ("id", "en"):
        lines = [_t("inbox.mail.greeting", lang, name=name),
                 _t("inbox.mail.intro", lang, day=fmt_time(today, lang),
                    counts=", ".join(_t(f"inbox.mail.count.{k}", lang, n=n[k])
                                     for k in KINDS if n[k])), ""]
        for kind in KINDS:
            mine = [i for i in items if i.kind == kind]
            if not mine:
                continue
            lines.append(f"{_t(f'inbox.kind.{kind}', lang)} ({len(mine)})")
            for i in mine:
                due = (" — " + _t("inbox.mail.due", lang, due=when(i.due, lang, tz))
                       if i.due is not None else "")
                new = " [" + _t("inbox.mail.new", lang) + "]" if i.is_new else ""
                lines.append(f"  • {text(i.title, lang)}{new}")
                lines.append(f"    {text(i.detail, lang)}{due}")
            lines.append("")
        lines.append(_t("inbox.mail.footer", lang))
        sections.append("\n".join(lines))
    return f"\n\n{'—' * 24}\n\n".join(sections) + "\n"
