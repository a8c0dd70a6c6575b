"""Every page of every role, in both languages, opened in Chromium and photographed
(test-artifacts/screenshots/tour-<lang>-<user>-<page>.png): the suite fails on an exception
box, a server traceback, or English words in the Indonesian UI on any of them (issue 13).

The pictures are for people: look at them before a release (README, "Screenshots")."""

import re

import pytest

from tests.browser.conftest import check_page, login, screenshot, wait_for_app

pytestmark = pytest.mark.browser

# one account per role (sample accounts, kla/domain/sample.py)
ROLES = {"admin": "admin", "coordinator": "koordinator.metro", "opd": "dinkes.serang",
         "verifier": "verifikator.banten", "viewer": "pengamat"}


def nav_links(page) -> list[tuple[str, str]]:
    """(label, href) of every page in the sidebar navigation, in order."""
    page.get_by_test_id("stSidebarNav").wait_for()
    links = page.get_by_test_id("stSidebarNav").get_by_role("link")
    # the link's text starts with its icon's ligature name ("leaderboard")
    return [(a.inner_text().strip().split("\n")[-1], a.get_attribute("href"))
            for a in links.all()]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def visit_all(page, user: str, lang: str) -> list[str]:
    seen = []
    for label, href in nav_links(page):
        page.get_by_test_id("stSidebarNav").locator(f"a[href='{href}']").first.click()
        wait_for_app(page)  # exception box, English leaks in the Indonesian UI
        check_page(page)
        screenshot(page, f"tour-{lang}-{user}-{slug(href.rsplit('/', 1)[-1] or label)}")
        seen.append(label)
    return seen


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_of_every_role_in_both_languages(browser, app_url, role):
    user = ROLES[role]
    context = browser.new_context(locale="id-ID", viewport={"width": 1360, "height": 2200})
    page = context.new_page()
    try:
        login(page, app_url, user)
        pages_id = visit_all(page, user, "id")
        assert len(pages_id) >= 3, pages_id
        page.get_by_text("English", exact=True).first.click()
        wait_for_app(page)
        pages_en = visit_all(page, user, "en")
        assert len(pages_en) == len(pages_id)
        assert pages_en != pages_id  # the navigation itself is translated
    finally:
        context.close()
