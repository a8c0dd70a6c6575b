"""Analytics pages in Chromium: national results and their province map, a province with its
kab/kota map (shapes and base map served by the app, drawn offline), peers."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, screenshot, wait_for_app

pytestmark = pytest.mark.browser


def test_national_province_and_peers(page, app_url):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if "topojson" in m.text.lower() else None)
    login(page, app_url, "pengamat")
    page.get_by_role("link", name="Nasional", exact=True).click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Hasil KLA nasional")).to_be_visible()
    expect(page.get_by_text("Belum ada kabupaten/kota yang pernah meraih")).to_be_visible()
    screenshot(page, "analytics-national")
    page.get_by_role("tab", name="Per provinsi").click()
    wait_for_app(page)
    page.get_by_role("tab", name="Peta", exact=True).click()
    wait_for_app(page)
    # the province shapes come by URL from the app (static/geo), the base map too
    expect(page.locator(".js-plotly-plot .choroplethlayer path").first).to_be_attached(
        timeout=15_000)
    assert page.locator(".js-plotly-plot .choroplethlayer path").count() >= 38
    screenshot(page, "analytics-national-map")

    page.get_by_role("link", name="Provinsi", exact=True).click()
    wait_for_app(page)
    page.get_by_role("combobox", name="Provinsi", exact=True).click()
    page.get_by_role("combobox", name="Provinsi", exact=True).fill("Lampung")
    page.get_by_role("option").filter(has_text="Lampung (18)").click()
    wait_for_app(page)
    expect(page.get_by_text("Provila", exact=False).first).to_be_visible()
    expect(page.locator(".js-plotly-plot .choroplethlayer path").first).to_be_attached(
        timeout=15_000)  # shapes drawn: the base map came from the app, not a CDN
    assert errors == []
    screenshot(page, "analytics-province")

    page.get_by_role("link", name="Pembanding", exact=True).click()
    wait_for_app(page)
    expect(page.get_by_text("Peringkat di provinsi")).to_be_visible()
