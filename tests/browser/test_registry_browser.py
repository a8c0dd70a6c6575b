"""Registry pages in Chromium: each opens, draws its chart; a play area added through the form
appears in the table; the unstandardised count is visible at a glance."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, screenshot, wait_for_app

pytestmark = pytest.mark.browser

PAGES = [("Ruang bermain", "Ruang bermain ramah anak"),
         ("Pelatihan KHA", "Pelatihan Konvensi Hak Anak (KHA)"),
         ("Lembaga anak", "Lembaga anak per kecamatan dan desa/kelurahan"),
         ("Kasus UPTD PPA", "Kasus UPTD PPA"),
         ("Usulan nilai", "Usulan nilai dari registri")]


@pytest.mark.parametrize("link,heading", PAGES)
def test_registry_page_opens(page, app_url, link, heading):
    login(page, app_url, "koordinator.metro")
    page.get_by_role("link", name=link, exact=True).click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    if link == "Usulan nilai":  # proposals and the roll-up are tables and metrics
        expect(page.get_by_text("Kelana/Dekela dari data kecamatan")).to_be_visible()
    else:
        expect(page.locator(".js-plotly-plot").first).to_be_visible()
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    screenshot(page, f"registry-{link.split()[0].lower()}")


def test_add_a_play_area(page, app_url):
    login(page, app_url, "koordinator.metro")
    page.get_by_role("link", name="Ruang bermain", exact=True).click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Ruang bermain").first).to_be_visible()
    wait_for_app(page)
    unstandardized = page.locator("[data-testid='stMetric']").filter(
        has_text="Belum terstandar SNI").locator("[data-testid='stMetricValue']")
    before = int(unstandardized.inner_text())
    page.get_by_text("Tambah entri").click()
    form = page.get_by_test_id("stForm").filter(has=page.get_by_role("textbox", name="Nama",
                                                                      exact=True)).last
    name = form.get_by_label("Nama", exact=True)
    name.fill("Taman Uji Coba")
    name.press("Tab")  # commit the text before submitting
    form.get_by_role("button", name="Simpan", exact=True).click()
    # the confirmation first (the save and its rerun), then the count it moved
    expect(page.get_by_text("Tersimpan.")).to_be_visible(timeout=30_000)
    wait_for_app(page)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
    expect(unstandardized).to_have_text(str(before + 1), timeout=15_000)
