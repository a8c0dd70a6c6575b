"""Times are shown in the configured zone (KLA_TIMEZONE, default Asia/Jakarta) with the zone's
abbreviation; the database's naive datetimes are UTC."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from kla.i18n import fmt_time
from kla.settings import get_settings


def test_utc_is_shown_in_wib_by_default(monkeypatch):
    monkeypatch.delenv("KLA_TIMEZONE", raising=False)
    get_settings.cache_clear()
    assert get_settings().timezone == "Asia/Jakarta"
    naive = datetime(2026, 11, 30, 7, 5)  # as SQLite returns it: UTC
    assert fmt_time(naive) == "30 Nov 2026 14:05 WIB"  # +7 h
    assert fmt_time(naive.replace(tzinfo=UTC), "en") == "30 Nov 2026 14:05 WIB"
    # an aware time in another zone is converted, and the day may change
    plus2 = timezone(timedelta(hours=2))
    assert fmt_time(datetime(2026, 8, 30, 20, 30, tzinfo=plus2)) == "31 Agu 2026 01:30 WIB"
    assert fmt_time(datetime(2026, 8, 30, 20, 30, tzinfo=plus2), "en") == "31 Aug 2026 01:30 WIB"


def test_kla_timezone_chooses_the_zone(monkeypatch):
    monkeypatch.setenv("KLA_TIMEZONE", "Asia/Makassar")
    get_settings.cache_clear()
    assert fmt_time(datetime(2026, 11, 30, 7, 5)) == "30 Nov 2026 15:05 WITA"
    assert fmt_time(datetime(2026, 11, 30, 7, 5), tz="Asia/Jayapura") == "30 Nov 2026 16:05 WIT"


def test_dates_and_missing_times():
    assert fmt_time(None) == "–"
    assert fmt_time(date(2026, 5, 1)) == "1 Mei 2026"
    assert fmt_time(date(2026, 5, 1), "en") == "1 May 2026"


def test_an_unknown_zone_stops_with_the_field_named(monkeypatch):
    monkeypatch.setenv("KLA_TIMEZONE", "Asia/Atlantis")
    get_settings.cache_clear()
    with pytest.raises(ValidationError, match="timezone"):
        get_settings()
