"""Predicate colours in Chromium (issue 17): the Provinsi map and ranking draw each kab/kota in
its predicate's palette colour (categories, not a numeric scale), "no result loaded" in its own
grey, every colour named in the legend; Nasional's stacked bars carry the predicate names. Both
languages, photographed (test-artifacts/screenshots/colours-<lang>-*.png)."""

import re

import pytest
from playwright.sync_api import expect

from kla.domain.colour_vision import parse_hex
from kla.domain.palette import NO_DATA, band_colours
from kla.i18n import t
from tests.browser.conftest import login, screenshot, wait_for_app

pytestmark = pytest.mark.browser

PATHS = ".js-plotly-plot .choroplethlayer path"


def _rgb(colour: str) -> str:
    return "rgb({}, {}, {})".format(*parse_hex(colour))


def _fills(page) -> set[str]:
    return set(page.locator(PATHS).evaluate_all(
        "ps => ps.map(p => getComputedStyle(p).fill)"))


def _texts(page, selector: str) -> list[str]:
    """The text of SVG elements (plotly's legend and bar labels)."""
    return page.locator(selector).evaluate_all("es => es.map(e => e.textContent)")


def _legend(page) -> list[str]:
    return _texts(page, ".js-plotly-plot .legend .legendtext")


def _tab(page, key: str, lang: str) -> None:
    page.get_by_role("tab", name=t(key, lang), exact=True).click()
    wait_for_app(page)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_province_map_ranking_and_national_bars_in_predicate_colours(browser, app_url, lang):
    context = browser.new_context(locale="id-ID", viewport={"width": 1360, "height": 1600})
    page = context.new_page()
    try:
        login(page, app_url, "admin")
        if lang == "en":
            page.get_by_text("English", exact=True).first.click()
            wait_for_app(page)
        palette = {code: _rgb(c) for code, c in band_colours().items()}
        names = {t(f"predicate.{code}", lang) for code in palette}

        page.get_by_role("link", name=t("page.province", lang), exact=True).click()
        wait_for_app(page)
        box = page.get_by_role("combobox", name=t("province.pick", lang), exact=True)
        box.click()
        box.fill("Lampung")
        page.get_by_role("option").filter(has_text="Lampung (18)").click()
        wait_for_app(page)
        expect(page.locator(PATHS).first).to_be_attached(timeout=15_000)
        fills = _fills(page)
        # categories of the palette only: no numeric (teal) scale, no 0 for a missing result
        assert fills <= {*palette.values(), _rgb(NO_DATA)}, fills
        assert _rgb(NO_DATA) in fills and len(fills) >= 2
        legend = _legend(page)
        assert t("chart.no_data", lang) in legend
        assert set(legend) - {t("chart.no_data", lang)} <= names
        page.locator(PATHS).first.scroll_into_view_if_needed()
        screenshot(page, f"colours-{lang}-provinsi-map")

        _tab(page, "province.tab_bar", lang)
        bars = page.locator(".js-plotly-plot .barlayer .bartext")
        expect(bars.first).to_be_attached(timeout=15_000)
        assert set(_texts(page, ".js-plotly-plot .barlayer .bartext")) <= names  # each bar names it
        screenshot(page, f"colours-{lang}-provinsi-bar")

        page.get_by_role("link", name=t("page.national", lang), exact=True).click()
        wait_for_app(page)
        expect(page.locator(".js-plotly-plot .barlayer").first).to_be_attached(timeout=15_000)
        seg = _texts(page, ".js-plotly-plot .barlayer .bartext")
        named = [s for s in seg if s.strip()]
        assert named and all(re.match(r"^(.+): \d+$", s).group(1) in names for s in named), seg
        screenshot(page, f"colours-{lang}-nasional-years")

        _tab(page, "results.tab_provinces", lang)
        _tab(page, "province.tab_map", lang)
        expect(page.locator(PATHS).first).to_be_attached(timeout=15_000)
        screenshot(page, f"colours-{lang}-nasional-map")
    finally:
        context.close()
