"""The KLA calendar (data/calendar.toml): validation names year, stage and field; the current
stage and its days left are counted in whole days of the configured zone (WIB by default)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kla.domain.calendar import CalendarError, current, load, local_day, parse, window_of

ROOT = Path(__file__).resolve().parents[2]
WIB = ZoneInfo("Asia/Jakarta")
CAL = parse({"2026": {
    "EM": {"start": date(2026, 2, 2), "end": date(2026, 3, 31), "basis": "assumed"},
    "VA": {"start": date(2026, 4, 1), "end": date(2026, 4, 30)},
    "VL": {"start": date(2026, 5, 4), "end": date(2026, 6, 12)},
    "ANNOUNCEMENT": {"start": date(2026, 7, 23), "end": date(2026, 7, 23),
                     "basis": "sourced", "source": "x"},
}})


def wib(*args) -> datetime:
    return datetime(*args, tzinfo=WIB)


def test_the_shipped_calendar_is_valid_and_marks_its_assumptions():
    cal = load(ROOT / "data" / "calendar.toml")
    assert {2023, 2025, 2026} <= cal.years()
    assert all(w.source for w in cal.windows)
    em = window_of(cal, 2018, "EM")
    assert (em.start, em.end, em.basis) == (date(2018, 3, 19), date(2018, 4, 2), "sourced")
    assert window_of(cal, 2026, "EM").basis == "assumed"
    assert window_of(cal, 2025, "ANNOUNCEMENT").start == date(2025, 8, 8)


def test_inside_a_window_the_days_left_count_today():
    pos = current(CAL, wib(2026, 3, 20, 9, 0), WIB)
    assert (pos.window.stage, pos.open, pos.days) == ("EM", True, 12)
    assert current(CAL, wib(2026, 2, 2, 0, 0), WIB).window.stage == "EM"  # first second


def test_the_last_day_is_inside_until_235959_wib():
    last = current(CAL, wib(2026, 3, 31, 23, 59, 59), WIB)
    assert (last.window.stage, last.open, last.days) == ("EM", True, 1)
    assert last.window.closes(WIB) == wib(2026, 3, 31, 23, 59, 59)
    after = current(CAL, wib(2026, 3, 31, 23, 59, 59) + timedelta(seconds=1), WIB)
    assert (after.window.stage, after.open, after.days) == ("VA", True, 30)


def test_between_windows_the_next_one_and_the_days_until_it_opens():
    pos = current(CAL, wib(2026, 5, 1, 12, 0), WIB)
    assert (pos.window.stage, pos.open, pos.days) == ("VL", False, 3)
    assert pos.window.opens(WIB) == wib(2026, 5, 4, 0, 0)
    assert current(CAL, wib(2026, 1, 5), WIB).window.stage == "EM"  # before the first


def test_after_the_last_window_and_in_a_year_without_entries_nothing():
    assert current(CAL, wib(2026, 7, 24, 0, 0), WIB) is None
    assert current(CAL, wib(2025, 12, 31, 12, 0), WIB) is None  # no 2025 entry
    assert current(CAL, wib(2027, 3, 1), WIB) is None


def test_utc_1700_is_midnight_wib_of_the_next_day():
    before = datetime(2026, 3, 31, 16, 59, 59, tzinfo=UTC)  # 23:59:59 WIB, 31 Mar
    at = datetime(2026, 3, 31, 17, 0, tzinfo=UTC)  # 00:00 WIB, 1 Apr
    assert local_day(at, WIB) == date(2026, 4, 1)
    assert current(CAL, before, WIB).window.stage == "EM"
    assert current(CAL, at, WIB).window.stage == "VA"
    assert current(CAL, at.replace(tzinfo=None), WIB).window.stage == "VA"  # naive = UTC
    # the same moment in UTC itself is still 31 March: the zone passed in decides
    assert current(CAL, at, UTC).window.stage == "EM"


def test_new_year_edge_in_wib_finds_the_new_years_entry():
    cal = parse({"2027": {"EM": {"start": date(2027, 1, 1), "end": date(2027, 1, 31)}}})
    eve = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)  # 1 Jan 2027 00:00 WIB
    assert current(cal, eve, WIB).days == 31
    assert current(cal, eve - timedelta(seconds=1), WIB) is None  # 2026: no entry


@pytest.mark.parametrize("data, words", [
    ({"2026": {"EM": {"start": date(2026, 3, 1), "end": date(2026, 2, 1)}}},
     ("2026.EM", "end 2026-02-01 is before start 2026-03-01")),
    ({"2026": {"XX": {"start": date(2026, 3, 1), "end": date(2026, 3, 2)}}},
     ("2026.XX", "unknown stage")),
    ({"2026": {"EM": {"start": date(2026, 3, 1)}}}, ("2026.EM", "end is missing")),
    ({"2026": {"EM": {"start": "1 Mar", "end": date(2026, 3, 2)}}},
     ("2026.EM", "start must be a date")),
    ({"2026": {"EM": {"start": date(2026, 3, 1), "end": date(2026, 3, 2), "basis": "x"}}},
     ("2026.EM", "basis")),
    ({"2026": {"EM": {"start": date(2026, 3, 1), "end": date(2026, 3, 2), "stat": 1}}},
     ("2026.EM", "unknown field stat")),
    ({"dua": {}}, ("dua", "year must be a number")),
    ({"2026": {"EM": {"start": date(2026, 3, 1), "end": date(2026, 4, 10)},
               "VA": {"start": date(2026, 4, 10), "end": date(2026, 4, 30)}}},
     ("2026.EM", "overlaps 2026.VA")),
    ({"2026": {"EM": {"start": date(2026, 5, 1), "end": date(2026, 5, 10)},
               "VA": {"start": date(2026, 4, 1), "end": date(2026, 4, 30)}}},
     ("2026", "stages out of order")),
])
def test_errors_name_the_year_stage_and_field(data, words):
    with pytest.raises(CalendarError) as err:
        parse(data)
    for w in words:
        assert w in str(err.value)


def test_a_toml_syntax_error_names_the_file(tmp_path):
    bad = tmp_path / "calendar.toml"
    bad.write_text("[2026.EM\nstart = 2026-01-01\n", encoding="utf-8")
    with pytest.raises(CalendarError, match="calendar.toml"):
        load(bad)


def test_stage_names_match_the_stage_pickers():
    """The calendar and its banner name a stage as the Tahap pickers do (``stage.*``),
    capitalised the same way; the award (no picker) likewise."""
    from kla.domain.calendar import STAGES
    from kla.i18n import t

    for lang in ("id", "en"):
        for stage in STAGES[:-1]:
            assert t(f"common.calendar_stage.{stage}", lang) == t(f"stage.{stage}", lang)
        award = t("common.calendar_stage.ANNOUNCEMENT", lang)
        assert award[0].isupper() and award != "common.calendar_stage.ANNOUNCEMENT"
    assert t("common.calendar_stage.ANNOUNCEMENT") == "Pengumuman dan Penganugerahan"


def test_the_shipped_sources_are_written_in_indonesian():
    """The source notes are shown as is in both languages: Indonesian, not English words."""
    import re

    english = re.compile(r"\b(example|assumed|typical|timeline|award|found|the)\b", re.I)
    for w in load(ROOT / "data" / "calendar.toml").windows:
        note = re.sub(r"https?://\S+", "", w.source)
        assert not english.search(note), (w.year, w.stage, w.source)
