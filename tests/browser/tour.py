"""The pages of every role, as the sidebar lists them: the accounts (one per role) and the
navigation helpers of the screenshot tour and the accessibility audit, which visit every
page of every role in both languages in one pass (test_accessibility.py)."""

import re

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
