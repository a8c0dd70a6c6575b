"""The KLA evaluation calendar as data: stage windows per evaluation year
(``data/calendar.toml``), and where a moment falls in them.

A window is a range of whole days in the deployment's zone (``KLA_TIMEZONE``, default WIB):
it opens at 00:00 of ``start`` and closes at 23:59:59 of ``end``. Pure: the caller passes the
time and the zone (no clock, no settings, no Streamlit).
"""

from __future__ import annotations

import itertools
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from pathlib import Path
from typing import Self

from kla.i18n import Msg, fmt_time, t

STAGES = ("EM", "VA", "VL", "FINAL", "ANNOUNCEMENT")
BASES = ("sourced", "assumed")
FIELDS = ("start", "end", "basis", "source")


class CalendarError(ValueError):
    """The calendar file is inconsistent; the message names the year, stage and field."""


@dataclass(frozen=True)
class Window:
    year: int
    stage: str
    start: date
    end: date  # inclusive: the window closes at 23:59:59 of this day
    basis: str = "assumed"
    source: str = ""

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def opens(self, tz: tzinfo) -> datetime:
        return datetime.combine(self.start, time(0, 0), tzinfo=tz)

    def closes(self, tz: tzinfo) -> datetime:
        """The last second inside the window (23:59:59 of ``end`` in ``tz``)."""
        return datetime.combine(self.end, time(23, 59, 59), tzinfo=tz)


@dataclass(frozen=True)
class Calendar:
    windows: tuple[Window, ...]  # sorted by start

    def years(self) -> set[int]:
        return {w.year for w in self.windows}


@dataclass(frozen=True)
class Position:
    """Where a moment stands: inside ``window`` (``open``, ``days`` left including today: 1 on
    the last day) or before it (not ``open``, ``days`` until it opens: 1 when it opens
    tomorrow)."""
    window: Window
    open: bool
    days: int


def parse(data: dict, name: str = "calendar.toml") -> Calendar:
    """Validate the TOML tables ``{year: {stage: {start, end, basis, source}}}``."""
    windows: list[Window] = []
    for year_key, stages in data.items():
        where = f"{name}: {year_key}"
        try:
            year = int(year_key)
        except ValueError:
            raise CalendarError(f"{where}: the year must be a number") from None
        if not isinstance(stages, dict):
            raise CalendarError(f"{where}: expected tables [{year_key}.<stage>]")
        for stage, spec in stages.items():
            at = f"{name}: {year}.{stage}"
            if stage not in STAGES:
                raise CalendarError(f"{at}: unknown stage (expected one of {', '.join(STAGES)})")
            if not isinstance(spec, dict):
                raise CalendarError(f"{at}: expected a table with start and end")
            extra = set(spec) - set(FIELDS)
            if extra:
                raise CalendarError(f"{at}: unknown field {', '.join(sorted(extra))}")
            days = {}
            for field in ("start", "end"):
                value = spec.get(field)
                if value is None:
                    raise CalendarError(f"{at}: {field} is missing")
                if isinstance(value, datetime) or not isinstance(value, date):
                    raise CalendarError(f"{at}: {field} must be a date (YYYY-MM-DD), "
                                        f"got {value!r}")
                days[field] = value
            if days["end"] < days["start"]:
                raise CalendarError(f"{at}: end {days['end']} is before start {days['start']}")
            basis = spec.get("basis", "assumed")
            if basis not in BASES:
                raise CalendarError(f"{at}: basis must be one of {', '.join(BASES)}, "
                                    f"got {basis!r}")
            windows.append(Window(year, stage, days["start"], days["end"], basis,
                                  str(spec.get("source", ""))))
    for year in {w.year for w in windows}:  # stages of a year come in the workflow's order
        mine = sorted((w for w in windows if w.year == year), key=lambda w: w.start)
        order = [STAGES.index(w.stage) for w in mine]
        if order != sorted(order):
            raise CalendarError(f"{name}: {year}: stages out of order by date "
                                f"({', '.join(w.stage for w in mine)})")
    windows.sort(key=lambda w: (w.start, w.end))
    for a, b in itertools.pairwise(windows):
        if b.start <= a.end:
            raise CalendarError(f"{name}: {a.year}.{a.stage} ({a.start}–{a.end}) overlaps "
                                f"{b.year}.{b.stage} ({b.start}–{b.end})")
    return Calendar(tuple(windows))


def tables(path: Path) -> dict:
    """The TOML tables of a calendar file, not yet validated ({} when there is no file); a
    TOML syntax error is a ``CalendarError``."""
    if not Path(path).is_file():
        return {}
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CalendarError(f"{Path(path).name}: {exc}") from None


def load(path: Path) -> Calendar:
    """Read and validate a calendar file; a TOML syntax error is a ``CalendarError`` too."""
    return parse(tables(path), Path(path).name)


def aware(dt: datetime | None) -> datetime | None:
    """A stored time as an aware UTC datetime (SQLite returns naive UTC)."""
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def local_day(now: datetime, tz: tzinfo) -> date:
    """The calendar day of ``now`` in ``tz`` (at 23:30 UTC it is already the next day in WIB;
    naive datetimes are UTC, as the store keeps them)."""
    return aware(now).astimezone(tz).date()


def current(calendar: Calendar, now: datetime, tz: tzinfo) -> Position | None:
    """The window open at ``now`` (days left), else the next one (days until it opens); None
    when the calendar has nothing for the year of ``now``'s day in ``tz``, or nothing after."""
    today = local_day(now, tz)
    if today.year not in calendar.years():
        return None
    for w in calendar.windows:
        if w.contains(today):
            return Position(w, True, (w.end - today).days + 1)
        if w.start > today:
            return Position(w, False, (w.start - today).days)
    return None


def window_of(calendar: Calendar, year: int, stage: str) -> Window | None:
    return next((w for w in calendar.windows if w.year == year and w.stage == stage), None)


# --- the admin's changes (``calendar_window`` rows, ``kla.services.calendar``) ---------------

def table_of(window: Window) -> dict:
    """A window as its TOML table (``parse`` reads it back)."""
    return {"start": window.start, "end": window.end, "basis": window.basis,
            "source": window.source}


def merge(data: dict, overrides: Iterable[Window]) -> dict:
    """The file's tables (``{year: {stage: {...}}}``, as ``tomllib`` reads them) with each
    override in place of the same year and stage, or added when the file has none; the
    result is for ``parse``, which validates the calendar as a whole. ``data`` is not
    changed."""
    out: dict = {key: dict(value) if isinstance(value, dict) else value
                 for key, value in data.items()}
    for w in overrides:
        year = out.setdefault(str(w.year), {})
        if isinstance(year, dict):  # else a broken year table: parse says so
            year[w.stage] = table_of(w)
    return out


@dataclass(frozen=True)
class Clash:
    """Why ``window`` cannot stand beside ``other``: their days ``overlap``, or (not
    ``overlap``) the two stages of one year come in the wrong order by date."""
    window: Window
    other: Window
    overlap: bool


def clashes(calendar: Calendar, window: Window) -> list[Clash]:
    """What ``window`` would clash with if it took the place of its year and stage in
    ``calendar``: every other window whose days it shares (any year), and every other
    stage of its year that would come in the wrong order by date (``parse``'s rules, named
    one by one, so the caller can say which window is in the way)."""
    out = []
    mine = STAGES.index(window.stage)
    for w in calendar.windows:
        if (w.year, w.stage) == (window.year, window.stage):
            continue
        if w.start <= window.end and window.start <= w.end:
            out.append(Clash(window, w, True))
        elif w.year == window.year and (STAGES.index(w.stage) < mine) != (w.start < window.start):
            out.append(Clash(window, w, False))
    return out


# --- words: the banner under every page header ------------------------------------------------

class Day(Msg):
    """A date as a parameter of a ``Msg``: written as people read it in the reader's
    language (``4 Mei 2026`` / ``4 May 2026``), not ISO."""

    def __new__(cls, day: date) -> Self:
        obj = str.__new__(cls, fmt_time(day, "en"))
        obj.key, obj.params, obj.day = "", {}, day
        return obj

    def render(self, lang: str = "id") -> str:
        return fmt_time(self.day, lang)

    def __reduce__(self):
        return (Day, (self.day,))


def _days_key(key: str, days: int) -> str:
    """``key`` or its ``_one`` form for exactly one day ("in 1 day", not "in 1 days")."""
    return f"{key}_one" if days == 1 else key


def banner_text(pos: Position, tz: tzinfo, lang: str) -> str:
    """The stage banner's line: the open stage and its days left (the last day said so), or
    the next stage and when it opens; times in ``tz`` with its abbreviation; assumed dates
    marked as such."""
    w = pos.window
    stage = t(f"common.calendar_stage.{w.stage}", lang)
    if pos.open and pos.days == 1:
        text = t("common.calendar_last_day", lang, stage=stage, year=w.year,
                 end=fmt_time(w.closes(tz), lang, tz))
    elif pos.open:
        text = t("common.calendar_open", lang, stage=stage, year=w.year, days=pos.days,
                 end=fmt_time(w.closes(tz), lang, tz))
    else:
        text = t(_days_key("common.calendar_next", pos.days), lang, stage=stage, year=w.year,
                 days=pos.days, start=fmt_time(w.opens(tz), lang, tz))
    if w.basis != "sourced":
        text += " " + t("common.calendar_assumed", lang)
    return text


def revision_text(year: int, deadline: datetime, now: datetime, questions: int, tz: tzinfo,
                  lang: str, agencies: Sequence[str] = ()) -> tuple[str, bool]:
    """The revision countdown line of the self-assessment of ``year``: hours and minutes left
    until ``deadline`` and the deadline in ``tz``, with the number of questions sent back (of
    ``agencies`` when given: an agency account's own); after the deadline, that it has
    passed. Returns (text, still open). Naive datetimes are UTC."""
    deadline, now = aware(deadline), aware(now)
    when = fmt_time(deadline, lang, tz)
    left = int((deadline - now).total_seconds())
    if left <= 0:
        return t("common.revision_line_over", lang, year=year, deadline=when), False
    hours, rest = divmod(left, 3600)
    key = "common.revision_line_questions" + ("_one" if questions == 1 else "") \
        + ("_opd" if agencies else "")
    what = t(key, lang, n=questions, agencies=", ".join(agencies))
    return t("common.revision_line", lang, year=year, what=what, hours=hours,
             minutes=rest // 60, deadline=when), True


__all__ = ["STAGES", "aware", "Calendar", "CalendarError", "Clash", "Day", "Position", "Window",
           "banner_text", "clashes", "current", "load", "local_day", "merge", "parse",
           "revision_text", "table_of", "tables", "window_of"]
