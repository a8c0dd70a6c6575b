"""The KLA calendar banner under every page header: the open stage and its days left, or the
next stage and when it opens, in WIB, for a frozen "now" (``kla.web.widgets.now``)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kla.web import widgets


def banner(at) -> list[str]:
    return [c.value for c in at.caption if ":material/event:" in c.value]


@pytest.fixture
def frozen(monkeypatch):
    def freeze(moment: datetime) -> None:
        monkeypatch.setattr(widgets, "now", lambda: moment)
    return freeze


def test_the_open_stage_and_its_days_left(app_factory, seeded_sqlite_url, frozen):
    frozen(datetime(2026, 3, 20, 3, 0, tzinfo=UTC))  # 20 Mar 10:00 WIB
    at = app_factory(seeded_sqlite_url).run()
    assert not at.exception
    assert banner(at) == [(":material/event: Tahap Evaluasi Mandiri (EM) 2026: 12 hari lagi "
                          "(berakhir 31 Mar 2026 23:59 WIB) — tanggal contoh, bukan jadwal resmi")]
    at.switch_page("app_pages/kesenjangan.py").run()  # every page, not only the first
    assert not at.exception and len(banner(at)) == 1


def test_english_and_the_last_day_at_the_utc_edge(app_factory, seeded_sqlite_url, frozen):
    frozen(datetime(2026, 3, 30, 17, 0, tzinfo=UTC))  # 31 Mar 00:00 WIB: the last day
    at = app_factory(seeded_sqlite_url, locale="en-US").run()
    assert banner(at) == [(":material/event: Self-assessment (EM) stage 2026: last day "
                          "(ends 31 Mar 2026 23:59 WIB) — example dates, not the official "
                          "schedule")]


def test_between_windows_the_next_stage(app_factory, seeded_sqlite_url, frozen):
    frozen(datetime(2026, 5, 1, 5, 0, tzinfo=UTC))
    at = app_factory(seeded_sqlite_url).run()
    assert banner(at) == [(":material/event: Tahap berikutnya: Verifikasi Lapangan (VL) 2026, "
                          "mulai 4 Mei 2026 00:00 WIB (3 hari lagi) — tanggal contoh, bukan "
                          "jadwal resmi")]


def test_no_banner_without_an_entry_for_the_year(app_factory, seeded_sqlite_url, frozen):
    frozen(datetime(2030, 3, 20, 3, 0, tzinfo=UTC))
    at = app_factory(seeded_sqlite_url).run()
    assert not at.exception and banner(at) == []
