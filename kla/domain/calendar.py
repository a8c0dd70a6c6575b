"""The KLA evaluation calendar as data: stage windows per evaluation year
(``data/calendar.toml``), and where a moment falls in them.

A window is a range of whole days in the deployment's zone (``KLA_TIMEZONE``, default WIB):
it opens at 00:00 of ``start`` and closes at 23:59:59 of ``end``. Pure: the caller passes the
time and the zone (no clock, no settings, no Streamlit).
"""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from pathlib import Path

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


def load(path: Path) -> Calendar:
    """Read and validate a calendar file; a TOML syntax error is a ``CalendarError`` too."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CalendarError(f"{Path(path).name}: {exc}") from None
    return parse(data, Path(path).name)


def local_day(now: datetime, tz: tzinfo) -> date:
    """The calendar day of ``now`` in ``tz`` (naive datetimes are UTC, as the store keeps)."""
    return (now if now.tzinfo else now.replace(tzinfo=UTC)).astimezone(tz).date()


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


__all__ = ["STAGES", "Calendar", "CalendarError", "Position", "Window", "current", "load",
           "local_day", "parse", "window_of"]
