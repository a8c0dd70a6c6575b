"""The league tables (Pembanding, Provinsi) and the predicate statement in Chromium, in both
languages: photographed for review (test-artifacts/screenshots/league-*.png), the badge PNG
downloaded and saved beside them. Fails on an exception box, a server traceback, or English
in the Indonesian UI (``wait_for_app``)."""

import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SHOTS, login, screenshot, wait_for_app

pytestmark = pytest.mark.browser


def _pick(page, label: str, typed: str, option: str) -> None:
    box = page.get_by_role("combobox", name=label, exact=True)
    box.click()
    box.fill(typed)
    page.get_by_role("option").filter(has_text=option).first.click()
    wait_for_app(page)


def _shot(locator, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    locator.scroll_into_view_if_needed()
    locator.screenshot(path=str(SHOTS / f"{name}.png"))


def _section(page, heading: str):
    """The block of the page from ``heading`` on (its heading, caption, widgets, table)."""
    return page.locator("[data-testid='stVerticalBlock']").filter(
        has=page.get_by_role("heading", name=heading, exact=True)).last


def test_league_tables_and_badge_in_both_languages(browser, app_url):
    context = browser.new_context(locale="id-ID", viewport={"width": 1360, "height": 1400},
                                  accept_downloads=True)
    page = context.new_page()
    try:
        login(page, app_url, "pengamat")
        page.get_by_role("link", name="Pembanding", exact=True).click()
        wait_for_app(page)
        _pick(page, "Kabupaten/Kota", "Metro", "Kota Metro (18.72)")
        expect(page.get_by_role("heading", name="Tabel peringkat")).to_be_visible()
        table = page.locator("[data-testid='stDataFrame']").first
        expect(table).to_be_visible()
        screenshot(page, "league-id-pembanding")
        page.get_by_role("radio", name="Jenis yang sama", exact=True).click()
        wait_for_app(page)
        expect(page.get_by_text("Semua kota di Indonesia", exact=False)).to_be_visible()
        screenshot(page, "league-id-pembanding-type")

        # the statement: the published 2022 award
        expect(page.get_by_role("heading", name="Pernyataan predikat")).to_be_visible()
        _pick(page, "Dasar pernyataan", "dipublikasikan",
              "2022 · Nindya · hasil evaluasi yang dipublikasikan")
        code = page.locator("[data-testid='stCode']").first
        expect(code).to_contain_text("Kota Metro meraih predikat Nindya pada evaluasi "
                                     "Kabupaten/Kota Layak Anak tahun 2022.")
        badge = page.locator("[data-testid='stImage'] img").first
        expect(badge).to_be_visible()
        screenshot(page, "league-id-statement")
        with page.expect_download() as dl:
            page.get_by_role("button", name="Unduh lencana (PNG)").click()
        assert dl.value.suggested_filename == "pernyataan-predikat-18.72-2022-published.png"
        data = Path(dl.value.path()).read_bytes()
        (SHOTS / "badge-kota-metro-2022-nindya.png").write_bytes(data)
        from PIL import Image

        with Image.open(io.BytesIO(data)) as im:
            assert im.format == "PNG" and im.size == (1200, 630)
        with page.expect_download() as dl:
            page.get_by_role("button", name="Unduh teks (.txt)").click()
        text = Path(dl.value.path()).read_text(encoding="utf-8")
        assert "predikat Nindya" in text and "Nindya predicate" in text
        with page.expect_download() as dl:
            page.get_by_role("button", name="Unduh CSV").first.click()
        assert dl.value.suggested_filename.startswith("peringkat-18.72-")
        wait_for_app(page)

        page.get_by_text("English", exact=True).first.click()
        wait_for_app(page)
        expect(page.get_by_role("heading", name="League table")).to_be_visible()
        expect(page.get_by_role("heading", name="Predicate statement")).to_be_visible()
        screenshot(page, "league-en-pembanding")

        page.get_by_role("link", name="Province", exact=True).click()
        wait_for_app(page)
        _pick(page, "Province", "Lampung", "Lampung (18)")
        expect(page.get_by_role("heading", name="League table")).to_be_visible()
        screenshot(page, "league-en-province")
        page.get_by_text("Indonesia", exact=True).first.click()
        wait_for_app(page)
        expect(page.get_by_role("heading", name="Tabel peringkat")).to_be_visible()
        screenshot(page, "league-id-province")
    finally:
        context.close()
