"""The KLA calendar as the app uses it: the stage windows of ``data/calendar.toml``
(``KLA_CALENDAR_FILE``) with the admin's changes (table ``calendar_window``) in place of the
same year and stage, validated as a whole (``kla.domain.calendar.parse``); and the revision
window of the signed-in user's kab/kota, counted down in the stage banner.

- ``effective_calendar(engine)``: what every page's banner and the Kalender page show. The
  calendar is public (the ministry's schedule, no city data): it needs no actor.
- ``save_window`` / ``reset_window``: the admin (``calendar.edit``, national accounts only)
  changes one window of the current evaluation year (the year of ``local_today()`` in
  ``KLA_TIMEZONE``), or gives it back to the file. A window that would overlap another, or
  put the year's stages out of order, is refused with the window in the way named; a refused
  change writes nothing. Both write an audit row (old → new) in the same transaction.
- ``calendar_version(engine)``: a cheap fingerprint for caches (count and maxima of the
  overrides, and the file's modification time).
- ``revision_window(engine, actor)``: for a coordinator or an agency account, the
  self-assessment of its kab/kota sent back for revision (deadline, questions sent back — an
  agency's own only; None when it has none).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from kla.domain import calendar as cal
from kla.domain.calendar import BASES, STAGES, Calendar, CalendarError, Day, Window
from kla.domain.text import line_text, text_problem
from kla.i18n import Msg, Refusal
from kla.services import audit
from kla.services.answers import _agencies_for_session, _framework_of
from kla.services.permissions import Actor, allowed, require, require_visible
from kla.services.workflow import _latest_reviews
from kla.settings import get_settings, local_today
from kla.store.models import Assessment, CalendarWindow, utcnow

SOURCE_MAX = 500  # calendar_window.source


# --- reading ------------------------------------------------------------------------------------

def _file() -> Path:
    return Path(get_settings().calendar_file)


def _file_data(path: Path) -> dict:
    """The calendar file's tables; {} when there is no file (the overrides alone)."""
    return cal.tables(path)


def _overrides(conn) -> dict[tuple[int, str], tuple[Window, str, datetime]]:
    """(year, stage) → (window, updated_by, updated_at) of the admin's changes."""
    t = CalendarWindow.__table__
    rows = conn.execute(select(t.c.year, t.c.stage, t.c.start_date, t.c.end_date, t.c.basis,
                               t.c.source, t.c.updated_by, t.c.updated_at)).all()
    return {(r.year, r.stage): (Window(r.year, r.stage, r.start_date, r.end_date, r.basis,
                                       r.source or ""), r.updated_by, r.updated_at)
            for r in rows}


def _effective(path: Path, overrides) -> Calendar:
    data = _file_data(path)
    name = path.name + (" + calendar_window" if overrides else "")
    return cal.parse(cal.merge(data, [w for w, _, _ in overrides.values()]), name)


def effective_calendar(engine: Engine) -> Calendar:
    """The file's windows with the admin's changes in place of the same year and stage (or
    added), validated as a whole; ``CalendarError`` when the result is inconsistent (a broken
    file is the deployment's to fix)."""
    with engine.connect() as conn:
        overrides = _overrides(conn)
    return _effective(_file(), overrides)


def calendar_version(engine: Engine) -> str:
    """A cheap fingerprint of the effective calendar, for cache keys: how many changes, the
    newest id and time (one small query on a table of a few rows), and the file's
    modification time."""
    t = CalendarWindow.__table__
    with engine.connect() as conn:
        n, newest, at = conn.execute(select(func.count(), func.max(t.c.id),
                                            func.max(t.c.updated_at))).one()
    path = _file()
    stamp = path.stat().st_mtime_ns if path.is_file() else 0
    return f"{n}:{newest}:{at}:{stamp}"


def overrides(engine: Engine, actor: Actor) -> dict[tuple[int, str], dict]:
    """The admin's changes, for the Kalender page: (year, stage) → the window's fields and
    who changed it when (the calendar is public; any signed-in user may read this)."""
    with engine.connect() as conn:
        found = _overrides(conn)
    return {k: {"start": w.start, "end": w.end, "basis": w.basis, "source": w.source,
                "updated_by": by, "updated_at": at} for k, (w, by, at) in found.items()}


def editable_year(engine: Engine, actor: Actor) -> int | None:
    """The evaluation year ``actor`` may change now: the current one (this year in
    ``KLA_TIMEZONE``) for an admin with ``calendar.edit``; None for everyone else (the page
    shows the calendar read-only)."""
    return local_today().year if allowed(actor, "calendar.edit") else None


# --- writing ------------------------------------------------------------------------------------

def _field(name: str) -> Msg:
    return Msg(f"common.calendar_field.{name}")


def _day(value: object, name: str, year: int, errors: list) -> date | None:
    if isinstance(value, str) and value.strip():
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            errors.append(Msg("err.calendar.date_missing", field=_field(name)))
            return None
    if isinstance(value, datetime) or not isinstance(value, date):
        errors.append(Msg("err.calendar.date_missing", field=_field(name)))
        return None
    if value.year != year:
        errors.append(Msg("err.calendar.date_year", field=_field(name), day=Day(value),
                          year=year))
    return value


def _checked(year: object, stage: object) -> tuple[int, str]:
    """The year (only the current one may change) and the stage."""
    now = local_today().year
    if isinstance(year, bool) or not isinstance(year, int) or year != now:
        raise Refusal(Msg("err.calendar.year_closed", year=str(year), current=now))
    if stage not in STAGES:
        raise Refusal(Msg("err.calendar.stage_unknown", stage=str(stage),
                          stages=", ".join(STAGES)))
    return year, stage


def _new_window(year: int, stage: str, start: object, end: object, basis: object,
                source: object) -> Window:
    """The window as typed, or ``Refusal`` naming every field that is wrong by its label."""
    errors: list = []
    first = _day(start, "start", year, errors)
    last = _day(end, "end", year, errors)
    if first and last and last < first:
        errors.append(Msg("err.calendar.end_before_start", end=Day(last), start=Day(first)))
    if basis not in BASES:
        errors.append(Msg("err.calendar.basis", basis=str(basis)[:40]))
    text = line_text(source)
    problem = text_problem(text, SOURCE_MAX)
    if problem is not None:
        errors.append(Msg("err.calendar.field_problem", field=_field("source"), problem=problem))
    elif not text:
        errors.append(Msg("err.calendar.source_missing"))
    if errors:
        raise Refusal(*errors)
    return Window(year, stage, first, last, str(basis), text)


def _clash_messages(calendar: Calendar, window: Window) -> list[Msg]:
    out = []
    for c in cal.clashes(calendar, window):
        other = Msg(f"common.calendar_stage.{c.other.stage}")
        if c.overlap:
            out.append(Msg("err.calendar.overlap", start=Day(window.start), end=Day(window.end),
                           other=other, year=c.other.year, other_start=Day(c.other.start),
                           other_end=Day(c.other.end)))
        else:
            before = cal.STAGES.index(c.other.stage) < cal.STAGES.index(window.stage)
            out.append(Msg("err.calendar.order_after" if before else "err.calendar.order_before",
                           stage=Msg(f"common.calendar_stage.{window.stage}"),
                           year=window.year, other=other, other_start=Day(c.other.start)))
    return out


def _base(s: Session) -> tuple[Path, dict, Calendar | None]:
    """The overrides and the effective calendar now, read in the writer's transaction (None
    when it is already inconsistent: then only a change that makes it whole again passes
    ``_whole``)."""
    path = _file()
    found = _overrides(s.connection())
    try:
        return path, found, _effective(path, found)
    except CalendarError:
        return path, found, None


def _whole(path: Path, found: dict, key: tuple[int, str], window: Window | None) -> None:
    """The calendar as a whole with ``window`` in place of ``key`` (None: the override
    removed) must still parse; the clash check before names the usual reasons, this is the
    last word."""
    rest = {k: v for k, v in found.items() if k != key}
    if window is not None:
        rest[key] = (window, "", utcnow())
    try:
        _effective(path, rest)
    except CalendarError as exc:
        raise Refusal(Msg("err.calendar.invalid", error=str(exc))) from None


def _iso(w: Window | None, field: str) -> object:
    if w is None:
        return None
    value = getattr(w, field)
    return value.isoformat() if isinstance(value, date) else value


def save_window(engine: Engine, actor: Actor, year: int, stage: str, start: date, end: date,
                basis: str, source: str) -> bool:
    """Change one stage window of the current evaluation year (the admin only). Refused,
    nothing written: another year, a field missing or wrong (named by its label), a window
    that would overlap another or put the year's stages out of order (the other window
    named). Returns False when nothing changes (the same window again: no write, no audit)."""
    require(actor, "calendar.edit")  # national admins only (the calendar has no region)
    year, stage = _checked(year, stage)
    new = _new_window(year, stage, start, end, basis, source)
    with Session(engine) as s:
        path, found, base = _base(s)
        problems = _clash_messages(base, new) if base is not None else []
        if problems:
            raise Refusal(*problems)
        _whole(path, found, (year, stage), new)
        old = cal.window_of(base, year, stage) if base is not None \
            else found.get((year, stage), (None,))[0]
        if old == new and (year, stage) in found:
            return False
        row = s.exec(select(CalendarWindow).where(CalendarWindow.year == year,
                                                  CalendarWindow.stage == stage)
                     ).scalars().first() or CalendarWindow(year=year, stage=stage)
        row.start_date, row.end_date, row.basis, row.source = new.start, new.end, new.basis, \
            new.source
        row.updated_by, row.updated_at = actor.username, utcnow()
        s.add(row)
        audit.record(s.connection(), actor, "calendar.edit", "calendar_window",
                     f"{year}.{stage}", year=year, stage=stage,
                     **{f: [_iso(old, f), _iso(new, f)] for f in ("start", "end", "basis",
                                                                  "source")})
        try:
            s.commit()
        except IntegrityError:  # another admin added the same year and stage meanwhile
            s.rollback()
            raise Refusal(Msg("err.calendar.conflict", year=year,
                              stage=Msg(f"common.calendar_stage.{stage}"))) from None
    return True


def reset_window(engine: Engine, actor: Actor, year: int, stage: str) -> None:
    """Give one window of the current evaluation year back to the file (the admin only): the
    change is removed; refused, nothing written, when there is none or when the file's
    window would clash with another change."""
    require(actor, "calendar.edit")  # national admins only (the calendar has no region)
    year, stage = _checked(year, stage)
    with Session(engine) as s:
        path, found, base = _base(s)
        if (year, stage) not in found:
            raise Refusal(Msg("err.calendar.no_override", year=year,
                              stage=Msg(f"common.calendar_stage.{stage}")))
        try:
            from_file = cal.window_of(cal.parse(_file_data(path), path.name), year, stage)
        except CalendarError as exc:
            raise Refusal(Msg("err.calendar.invalid", error=str(exc))) from None
        if from_file is not None and base is not None:
            problems = _clash_messages(base, from_file)
            if problems:
                raise Refusal(Msg("err.calendar.reset_clash", year=year,
                                  stage=Msg(f"common.calendar_stage.{stage}")), *problems)
        _whole(path, found, (year, stage), None)
        old = found[(year, stage)][0]
        s.exec(delete(CalendarWindow).where(CalendarWindow.year == year,
                                            CalendarWindow.stage == stage))
        audit.record(s.connection(), actor, "calendar.reset", "calendar_window",
                     f"{year}.{stage}", year=year, stage=stage,
                     **{f: [_iso(old, f), _iso(from_file, f)] for f in ("start", "end", "basis",
                                                                        "source")})
        s.commit()


# --- the revision window of the signed-in user's kab/kota ----------------------------------------

@dataclass(frozen=True)
class RevisionWindow:
    """The self-assessment of ``year`` sent back to ``region_kode`` until ``deadline`` (UTC);
    ``questions``: how many the verifier rejected (for an agency account: of ``agencies``,
    its own)."""
    region_kode: str
    year: int
    deadline: datetime
    questions: int
    agencies: tuple[str, ...] = ()


def revision_window(engine: Engine, actor: Actor) -> RevisionWindow | None:
    """For a coordinator or an agency account: its kab/kota's self-assessment in revision
    with a deadline (the latest year), with the questions sent back (the latest verifier
    decision per question over that year's stages is a rejection); for an agency account
    only when some of them are its agencies' (else None). Other roles: None."""
    if actor.role not in ("coordinator", "opd") or not actor.region_kode:
        return None
    region = actor.region_kode
    require_visible(actor, region)
    with Session(engine) as s:
        em = s.exec(select(Assessment).where(
            Assessment.region_kode == region, Assessment.stage == "EM",
            Assessment.status == "revision", Assessment.revision_deadline.is_not(None))
            .order_by(Assessment.year.desc())).scalars().first()
        if em is None:
            return None
        rejected = [q for q, (r, _) in _latest_reviews(s, region, em.year).items()
                    if r.decision == "reject"]
        mine: tuple[str, ...] = ()
        if actor.role == "opd":
            assigned = _agencies_for_session(s, region, _framework_of(s, em))
            rejected = [q for q in rejected if set(actor.agencies) & set(assigned.get(q, ()))]
            if not rejected:
                return None
            mine = tuple(actor.agencies)
        return RevisionWindow(region, em.year, cal.aware(em.revision_deadline), len(rejected),
                              mine)
