"""In Chromium: the text alternative of every chart is visible right under it (issue 17), on
Posisi, Kesenjangan, Nasional and Provinsi, in Indonesian and English; screenshots in
test-artifacts/screenshots/chart-text-<lang>-<page>.png."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, screenshot, wait_for_app

pytestmark = pytest.mark.browser

PAGES = ("posisi", "kesenjangan", "nasional", "provinsi")
PROVINCE_TAB = {"id": "Per provinsi", "en": "By province"}  # Nasional's second view
YEARS_TAB = {"id": "Per tahun penghargaan", "en": "By award year"}
STANDING = {"id": "Kota Serang 645,40 — Madya; 54,61 poin menuju Nindya.",
            "en": "Kota Serang 645.40 — Madya; 54.61 points to Nindya."}
# for every chart: the caption in the element drawn right after it, its place and size
UNDER_EACH_CHART = """() => [...document.querySelectorAll("[data-testid='stPlotlyChart']")]
  .map(chart => {
    const box = chart.closest("[data-testid='stElementContainer']");
    const next = box && box.nextElementSibling;
    const cap = next && next.querySelector("[data-testid='stCaptionContainer']");
    const c = chart.getBoundingClientRect(), n = cap && cap.getBoundingClientRect();
    return {text: cap ? cap.innerText.trim() : null,
            below: !!n && n.top >= c.bottom - 1, shown: !!n && n.height > 0};
  })"""


def open_page(page, slug: str) -> None:
    nav = page.get_by_test_id("stSidebarNav")
    # the default page (Posisi) is linked as the app's root: the first link
    (nav.get_by_role("link").first if slug == "posisi"
     else nav.locator(f"a[href$='/{slug}']").first).click()
    wait_for_app(page)
    page.locator(".js-plotly-plot").first.wait_for()
    page.wait_for_timeout(400)  # the last charts of the page drawn


def check_charts(page, lang: str, name: str) -> None:
    charts = page.evaluate(UNDER_EACH_CHART)
    assert charts, (lang, name)
    for chart in charts:
        assert chart["text"] and chart["below"] and chart["shown"], (lang, name, chart)
    screenshot(page, f"chart-text-{lang}-{name}")


def test_every_chart_has_its_caption_under_it(browser, app_url):
    context = browser.new_context(locale="id-ID", viewport={"width": 1360, "height": 3200})
    page = context.new_page()
    try:
        login(page, app_url, "koordinator.serang")
        for label, option in (("Tahun evaluasi", "2025"), ("Tahap", "Final")):
            page.get_by_label(label).click()
            page.get_by_role("option", name=option, exact=True).click()
            wait_for_app(page)
        for lang in ("id", "en"):
            if lang == "en":
                page.get_by_role("radio", name="English").click()
                wait_for_app(page)
            for slug in PAGES:
                open_page(page, slug)
                if slug == "posisi":
                    expect(page.get_by_text(STANDING[lang], exact=True)).to_be_visible()
                check_charts(page, lang, slug)
                if slug == "nasional":  # the per-province bar, drawn when its tab is opened
                    page.get_by_role("tab", name=PROVINCE_TAB[lang]).click()
                    wait_for_app(page)
                    page.locator(".js-plotly-plot").first.wait_for()
                    page.wait_for_timeout(400)
                    check_charts(page, lang, "nasional-provinsi")
                    page.get_by_role("tab", name=YEARS_TAB[lang]).click()  # as it was
                    wait_for_app(page)
    finally:
        context.close()
