"""Posisi's "Cara menghitung nilai" in Chromium, as Kota Serang's coordinator: open the panel,
pick the capped indicator 19, read its steps; the same in English. Screenshots of the panel:
test-artifacts/screenshots/formula-id.png and formula-en.png."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SHOTS, login, wait_for_app

pytestmark = pytest.mark.browser


def choose(page, label: str, option, typed: str = "") -> None:
    page.get_by_label(label).click()
    if typed:  # a long list renders only the options in view: filter it first
        page.keyboard.type(typed)
    page.get_by_role("option", name=option).first.click()
    wait_for_app(page)


def panel(page, title: str):
    return page.locator("[data-testid='stExpander']").filter(has_text=title)


def shot(page, locator, name: str) -> None:
    """The panel whole: Streamlit scrolls inside its main block, so the window is made tall
    enough for the panel first."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": 4000})
    page.wait_for_timeout(500)
    locator.scroll_into_view_if_needed()
    locator.screenshot(path=str(SHOTS / f"{name}.png"))
    page.set_viewport_size(size)


def test_formula_panel_in_both_languages(page, app_url):
    login(page, app_url, "koordinator.serang")
    expect(page.get_by_role("heading", name="Posisi Predikat")).to_be_visible()
    choose(page, "Tahun evaluasi", re.compile(r"^2025$"))
    choose(page, "Tahap", re.compile(r"^Final$"))

    box = panel(page, "Cara menghitung nilai")
    expect(box).to_have_count(1)
    expect(page.get_by_label("Indikator yang dijelaskan")).to_have_count(0)  # closed
    box.get_by_text("Cara menghitung nilai").first.click()
    wait_for_app(page)
    pick = page.get_by_label("Indikator yang dijelaskan")
    expect(pick).to_have_value(re.compile(r"^1 · "))  # the most points missing
    expect(box).to_contain_text("Nilai indikator 1: 55,00 dari 96 (57,3 %)")

    choose(page, "Indikator yang dijelaskan", re.compile(r"^19 · "), typed="19 ·")
    expect(box).to_contain_text("Batas indikator 19: min(31,65; 51) = 31,65")
    expect(box).to_contain_text("645,40 berada pada rentang Madya: 600,01–700,00.")
    expect(box).to_contain_text("docs/scoring.md#rule-3-indicator-cap")
    expect(box.locator("[data-testid='stDataFrame']")).to_have_count(3)
    shot(page, box, "formula-id")

    page.get_by_role("radio", name="English").click()
    wait_for_app(page)
    box = panel(page, "How the score is computed")
    expect(box).to_have_count(1)
    # the panel stays open and keeps the indicator across the switch
    expect(page.get_by_label("Indicator to explain")).to_have_value(re.compile(r"^19 · "))
    expect(box).to_contain_text("Cap of indicator 19: min(31.65, 51) = 31.65")
    expect(box).to_contain_text("645.40 lies in the Madya band: 600.01–700.00.")
    shot(page, box, "formula-en")
