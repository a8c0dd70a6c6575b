"""Matriks OPD in Chromium (issue 16): the table, the heatmap with its caption and the agency's
question list draw, in Indonesian and in English; screenshots for review."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, screenshot, wait_for_app
from tests.browser.test_posisi_browser import choose

pytestmark = pytest.mark.browser


def shoot_heatmap(page, name: str) -> None:
    """The heatmap and its caption in a tall viewport (the full-page screenshot shows only the
    top of Streamlit's scrolling main area)."""
    page.set_viewport_size({"width": 1360, "height": 1500})
    page.locator("h2").filter(has_text="Peta panas").or_(
        page.locator("h2").filter(has_text="Heatmap")).first.evaluate(
        "e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(400)
    page.screenshot(path=str(screenshot(page, name)))  # the viewport, over the full-page one
    page.set_viewport_size({"width": 1360, "height": 1000})


def test_agency_matrix_in_both_languages(page, app_url):
    login(page, app_url, "koordinator.serang")
    page.get_by_role("link", name="Matriks OPD").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Matriks akuntabilitas OPD")).to_be_visible()
    choose(page, "Tahun evaluasi", "2025")
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    expect(page.get_by_text("poin dipertaruhkan (tiap pertanyaan dihitung sekali)")).to_be_visible()
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    screenshot(page, "matriks-opd-id")
    shoot_heatmap(page, "matriks-opd-heat-id")
    page.get_by_role("radio", name="English").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Agency accountability matrix")).to_be_visible()
    expect(page.get_by_role("heading", name="Heatmap")).to_be_visible()
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
    shoot_heatmap(page, "matriks-opd-heat-en")


def test_agency_account_sees_its_own_row(page, app_url):
    login(page, app_url, "dinkes.serang")
    page.get_by_role("link", name="Matriks OPD").click()
    wait_for_app(page)
    expect(page.get_by_text("Hanya baris OPD Anda: Dinkes")).to_be_visible()
    screenshot(page, "matriks-opd-dinkes")
