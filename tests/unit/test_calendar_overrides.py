"""The admin's changes to the KLA calendar, merged into the file's windows and validated as a
whole; the clashes a change would make, named one by one; the banner's words (one day is
"1 day", not "1 days") and the revision countdown's, in both languages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kla.domain import chart_text
from kla.domain.calendar import (
    CalendarError,
    Day,
    Position,
    Window,
    banner_text,
    clashes,
    current,
    merge,
    parse,
    revision_text,
    window_of,
)
from kla.i18n import Msg

WIB = ZoneInfo("Asia/Jakarta")
FILE = {"2026": {
    "EM": {"start": date(2026, 2, 2), "end": date(2026, 3, 31), "basis": "assumed",
           "source": "contoh"},
    "VA": {"start": date(2026, 4, 1), "end": date(2026, 4, 30), "basis": "assumed",
           "source": "contoh"},
    "VL": {"start": date(2026, 5, 4), "end": date(2026, 6, 12), "basis": "sourced",
           "source": "https://example.org/vl"},
}}


def test_an_override_replaces_the_same_year_and_stage_and_the_file_is_untouched():
    va = Window(2026, "VA", date(2026, 4, 6), date(2026, 4, 30), "sourced", "SE 2026")
    cal = parse(merge(FILE, [va]))
    assert window_of(cal, 2026, "VA") == va
    assert window_of(cal, 2026, "EM").start == date(2026, 2, 2)
    assert FILE["2026"]["VA"]["start"] == date(2026, 4, 1)  # the file's tables as they were
    # a stage or a year the file does not have is added
    extra = [Window(2026, "FINAL", date(2026, 6, 15), date(2026, 7, 10)),
             Window(2027, "EM", date(2027, 2, 1), date(2027, 3, 31))]
    cal = parse(merge(FILE, extra))
    assert {(w.year, w.stage) for w in cal.windows} >= {(2026, "FINAL"), (2027, "EM")}
    assert parse(merge({}, extra)).years() == {2026, 2027}  # no file: the overrides alone


def test_the_merged_calendar_is_validated_as_a_whole():
    overlapping = Window(2026, "VA", date(2026, 3, 20), date(2026, 4, 30))
    with pytest.raises(CalendarError, match="overlaps"):
        parse(merge(FILE, [overlapping]))
    backwards = Window(2026, "VL", date(2026, 1, 5), date(2026, 1, 20))
    with pytest.raises(CalendarError, match="out of order"):
        parse(merge(FILE, [backwards]))


def test_clashes_name_the_windows_in_the_way():
    cal = parse(FILE)
    overlapping = Window(2026, "VA", date(2026, 3, 20), date(2026, 5, 10))
    found = clashes(cal, overlapping)
    assert [(c.other.stage, c.overlap) for c in found] == [("EM", True), ("VL", True)]
    backwards = Window(2026, "VL", date(2026, 1, 5), date(2026, 1, 20))
    assert [(c.other.stage, c.overlap) for c in clashes(cal, backwards)] == [
        ("EM", False), ("VA", False)]
    # its own window (the one it replaces) is no clash; a fitting change has none
    assert clashes(cal, Window(2026, "VA", date(2026, 4, 6), date(2026, 4, 30))) == []
    # another year's window overlaps too (windows never share a day)
    other = parse(merge(FILE, [Window(2025, "FINAL", date(2025, 6, 16), date(2025, 7, 25))]))
    late = Window(2026, "EM", date(2026, 1, 1), date(2026, 3, 31))
    assert clashes(other, late) == []
    [clash] = clashes(other, Window(2025, "ANNOUNCEMENT", date(2026, 2, 10), date(2026, 2, 10)))
    assert (clash.other.year, clash.other.stage, clash.overlap) == (2026, "EM", True)


def test_a_date_in_a_message_reads_as_people_write_it():
    msg = Msg("err.calendar.end_before_start", end=Day(date(2026, 5, 4)),
              start=Day(date(2026, 8, 17)))
    assert msg.render("id") == "Selesai: 4 Mei 2026 sebelum Mulai 17 Agu 2026."
    assert msg.render("en") == str(msg) == "End: 4 May 2026 is before Start 17 Aug 2026."
    import pickle

    assert pickle.loads(pickle.dumps(msg)).render("id") == msg.render("id")


def test_one_day_is_singular_in_english_and_fine_in_indonesian():
    cal = parse(FILE)
    pos = current(cal, datetime(2026, 5, 3, 9, 0, tzinfo=WIB), WIB)  # VL opens tomorrow
    assert (pos.window.stage, pos.open, pos.days) == ("VL", False, 1)
    assert banner_text(pos, WIB, "en") == (
        "Next stage: Field verification (VL) 2026, opens 4 May 2026 00:00 WIB (in 1 day)")
    assert banner_text(pos, WIB, "id") == (
        "Tahap berikutnya: Verifikasi Lapangan (VL) 2026, mulai 4 Mei 2026 00:00 WIB (besok)")
    two = Position(pos.window, False, 2)
    assert banner_text(two, WIB, "en").endswith("(in 2 days)")
    assert banner_text(two, WIB, "id").endswith("(2 hari lagi)")
    last = current(cal, datetime(2026, 3, 31, 8, 0, tzinfo=WIB), WIB)
    assert banner_text(last, WIB, "en") == (
        "Self-assessment (EM) stage 2026: last day (ends 31 Mar 2026 23:59 WIB) — example "
        "dates, not the official schedule")


def test_the_revision_countdown_in_hours_and_minutes_then_over():
    deadline = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)  # 10:00 WIB
    now = deadline - timedelta(hours=25, minutes=7, seconds=30)
    text, still_open = revision_text(2026, deadline, now, 3, WIB, "id")
    assert still_open and text == (
        "Perbaikan penilaian mandiri 2026: 3 pertanyaan dikembalikan verifikator — sisa 25 jam "
        "7 menit (batas 3 Des 2026 10:00 WIB).")
    text, _ = revision_text(2026, deadline.replace(tzinfo=None), now, 1, WIB, "en",
                            ["Dinkes"])  # naive: UTC, as SQLite returns it
    assert text == ("Revision of the 2026 self-assessment: 1 question of your agency (Dinkes) "
                    "sent back by the verifier — 25 h 7 min left (deadline 3 Dec 2026 10:00 "
                    "WIB).")
    assert "2 questions sent back" in revision_text(2026, deadline, now, 2, WIB, "en")[0]
    text, still_open = revision_text(2026, deadline, deadline, 3, WIB, "id")
    assert not still_open and text.startswith("Batas perbaikan telah lewat (3 Des 2026 10:00")
    assert revision_text(2026, deadline, deadline, 3, WIB, "en")[0].startswith(
        "The revision deadline has passed")


def test_the_timeline_text_says_where_today_stands():
    rows = [{"stage": "EM", "start": date(2026, 2, 2), "end": date(2026, 3, 31),
             "basis": "assumed"},
            {"stage": "VA", "start": date(2026, 4, 1), "end": date(2026, 4, 30),
             "basis": "sourced"}]
    assert chart_text.calendar_text(rows, 2026, "id", date(2026, 3, 5)) == (
        "2 tahap 2026 dari 2 Feb 2026 sampai 30 Apr 2026: 1 bersumber, 1 tanggal contoh. "
        "Hari ini (5 Mar 2026) tahap EM terbuka.")
    assert chart_text.calendar_text(rows, 2026, "en", date(2026, 1, 5)).endswith(
        "Today (5 Jan 2026) is before the EM stage.")
    assert chart_text.calendar_text(rows, 2026, "en", date(2026, 12, 1)).endswith(
        "Every stage of 2026 is over.")
    assert chart_text.calendar_text([], 2030, "id") == "Tidak ada jadwal untuk 2030."


def test_the_timeline_figure_marks_assumed_dates_and_today():
    from kla.web.charts import calendar_figure

    rows = [{"stage": "EM", "start": date(2026, 2, 2), "end": date(2026, 3, 31),
             "basis": "assumed"},
            {"stage": "VA", "start": date(2026, 4, 1), "end": date(2026, 4, 30),
             "basis": "sourced"}]
    fig = calendar_figure(rows, "en", date(2026, 3, 5))
    names = [tr.name for tr in fig.data]
    assert names == ["sourced (schedule cited)", "example dates, not the official schedule"]
    assert fig.data[1].marker.pattern.shape == "/"  # not by colour alone
    assert fig.data[1].x == (58 * 86_400_000,)  # 2 Feb – 31 Mar inclusive
    assert [a.text for a in fig.layout.annotations] == ["today"]
    assert not calendar_figure(rows, "en", date(2027, 6, 1)).layout.annotations
