"""Open the app in Chromium, choose Kota Serang 2025, see its predicate."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, screenshot, wait_for_app

pytestmark = pytest.mark.browser


def choose(page, label: str, option: str) -> None:
    page.get_by_label(label).click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_app(page)


def metric(page, label: str):
    return page.locator("[data-testid='stMetric']").filter(has_text=label) \
        .locator("[data-testid='stMetricValue']")


def test_serang_2025_predicate(page, app_url):
    login(page, app_url, "admin")
    expect(page.get_by_role("heading", name="Posisi Predikat")).to_be_visible()
    choose(page, "Kabupaten/Kota", "Kota Serang (36.73)")
    choose(page, "Tahun evaluasi", "2025")
    expect(metric(page, "Predikat")).to_have_text("Madya")
    expect(metric(page, "Total nilai")).to_contain_text(",")
    expect(page.get_by_text("Data contoh", exact=False).first).to_be_visible()
    expect(page.locator(".js-plotly-plot")).to_have_count(2)
    screenshot(page, "posisi-serang-2025")

    choose(page, "Tahap", "Evaluasi Mandiri (EM)")
    expect(metric(page, "Predikat")).to_have_text("Utama")

    # a language switch keeps the chosen stage and shows it in the new language
    page.get_by_role("radio", name="English").click()
    wait_for_app(page)
    expect(page.get_by_label("Stage")).to_have_value("Self-assessment (EM)")
    expect(metric(page, "Predicate")).to_have_text("Utama")


def test_language_switch_to_english(page, app_url):
    login(page, app_url, "admin")
    page.get_by_role("radio", name="English").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Predicate standing")).to_be_visible()
    screenshot(page, "posisi-english")
