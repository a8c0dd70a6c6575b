"""The planning pages in Chromium: each opens from the navigation and draws; in Simulasi one
credit change moves the predicate."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, screenshot, wait_for_app
from tests.browser.test_posisi_browser import choose, metric

pytestmark = pytest.mark.browser

PAGES = [("Kesenjangan", "kesenjangan"), ("Perkembangan", "perkembangan"),
         ("Simulasi", "simulasi"), ("Jalur termurah", "jalur"),
         ("Risiko verifikasi", "risiko")]


@pytest.mark.parametrize("title,slug", PAGES)
def test_planning_page_opens_from_navigation(page, app_url, title, slug):
    login(page, app_url, "admin")
    page.get_by_role("link", name=title).click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
    expect(page).to_have_url(f"{app_url}/{slug}")
    choose(page, "Kabupaten/Kota", "Kota Serang (36.73)")
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    screenshot(page, f"planning-{slug}")


def test_a_deep_link_still_goes_through_the_app(page, app_url):
    page.goto(f"{app_url}/jalur")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Masuk", exact=True)).to_be_visible()  # app.py ran
    expect(page.get_by_role("heading", name="Jalur termurah")).to_have_count(0)


def test_one_credit_change_moves_the_predicate(page, app_url):
    login(page, app_url, "admin")
    page.get_by_role("link", name="Simulasi").click()
    wait_for_app(page)
    choose(page, "Kabupaten/Kota", "Kota Serang (36.73)")
    choose(page, "Tahun evaluasi", "2023")
    choose(page, "Tahap", "Verifikasi Lapangan (VL)")
    expect(metric(page, "Predikat skenario")).to_have_text("Pratama")
    # the question panel comes first: its credit control is the first with a "1" option
    page.get_by_role("radio", name="1", exact=True).first.click()
    wait_for_app(page)
    page.get_by_role("button", name="Terapkan", exact=True).click()
    wait_for_app(page)
    expect(metric(page, "Predikat skenario")).to_contain_text("Madya")
    expect(page.get_by_text("Perubahan (1)")).to_be_visible()
    screenshot(page, "simulasi-change")
    page.get_by_role("button", name="Kembalikan ke awal").click()
    wait_for_app(page)
    expect(metric(page, "Predikat skenario")).to_contain_text("Pratama")
