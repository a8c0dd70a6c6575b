"""Accessibility audit (issue 17): axe-core in Chromium on every page of every role, in both
languages, and a keyboard check (docs/accessibility.md, "Audit axe" and "Keyboard").

- Every serious or critical axe violation fails the test, with page, rule, target selector
  and axe's help text, unless the rule *and* the element are on ALLOWED below: a short list of
  findings inside Streamlit's own markup that the project cannot change (the document says
  why, with the upstream issue).
- Every finding (minor and moderate ones too, allowed or not) is written to
  test-artifacts/accessibility/axe-<lang>-<user>.json for people to read.
- Every role in both languages, in one pass with the screenshot tour: each page is opened
  once, checked (exception box, server traceback, English in the Indonesian UI), photographed
  (test-artifacts/screenshots/tour-<lang>-<user>-<page>.png, for people to look at before a
  release) and audited. The tour and the audit were two passes over the same pages (≈ 11
  minutes of the suite); one pass takes about 7.
- The keyboard test tabs through the coordinator's Posisi page: focus reaches the sidebar
  links and the page's own controls, each with a visible focus indicator.

axe-core comes bundled with axe-playwright-python (no network at test time)."""

from __future__ import annotations

import json
import time

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, login, screenshot, wait_for_app
from tests.browser.tour import ROLES, nav_links, slug

pytestmark = pytest.mark.browser

REPORTS = ROOT / "test-artifacts" / "accessibility"
FAILING_IMPACTS = {"serious", "critical"}
AXE_SCRIPT = Axe().axe_script  # axe.min.js as the package bundles it
# axe's default rule set (WCAG 2.0/2.1/2.2 A and AA, and best practices); violations only;
# elementRef: the allow-list is checked on the element itself, in the page
AXE_OPTIONS = {"resultTypes": ["violations"], "elementRef": True}

# (rule id, CSS selector the failing element itself must match, why). Only elements of
# Streamlit's own components, never a whole rule: the same rule anywhere else still fails.
ALLOWED: list[tuple[str, str, str]] = [
    ("list", "ul[data-testid='stSidebarNavItems']",
     "Streamlit's sidebar navigation (st.navigation with sections) puts each section's "
     "header and items in a <div> directly inside its <ul>"),
    ("listitem", "ul[data-testid='stSidebarNavItems'] > div > li",
     "the same markup seen from its <li> items, whose parent is that <div>"),
]

RUN_AXE_JS = """async ([script, options, allowed]) => {
  if (typeof window.axe === "undefined") { (0, eval)(script); }
  const r = await window.axe.run(document, options);
  return r.violations.flatMap(v => v.nodes.map(n => ({
    rule: v.id, impact: n.impact || v.impact, help: v.help, url: v.helpUrl,
    target: n.target.flat().join(" >> "), html: n.html.slice(0, 300),
    summary: (n.failureSummary || "").slice(0, 400),
    allowed: allowed.some(([rule, sel]) => rule === v.id && !!n.element && n.element.matches(sel)),
  })));
}"""


def audit(page) -> list[dict]:
    """axe on the page as it is now: one dict per failing element."""
    allowed = [[rule, selector] for rule, selector, _ in ALLOWED]
    return page.evaluate(RUN_AXE_JS, [AXE_SCRIPT, AXE_OPTIONS, allowed])


def audit_all_pages(page, shots: str | None = None) -> tuple[dict[str, list[dict]], list[str]]:
    """Visit every page in the sidebar: checked by ``wait_for_app`` (exception box, English in
    the Indonesian UI), photographed as ``<shots>-<page>`` when ``shots`` is given, and
    audited by axe. Returns ({page slug: findings}, the navigation's labels in order)."""
    results, labels = {}, []
    for label, href in nav_links(page):
        page.get_by_test_id("stSidebarNav").locator(f"a[href='{href}']").first.click()
        wait_for_app(page)
        page.wait_for_timeout(300)  # charts finish drawing
        name = slug(href.rsplit("/", 1)[-1] or label)
        if shots:
            screenshot(page, f"{shots}-{name}")
        results[name] = audit(page)
        labels.append(label)
    return results, labels


def failures(results: dict[str, list[dict]]) -> list[str]:
    """The failing findings, one readable entry each: page, rule, element, why."""
    out = []
    for name, found in results.items():
        for f in found:
            if f["impact"] in FAILING_IMPACTS and not f["allowed"]:
                why = f["summary"].splitlines()[-1].strip() if f["summary"] else ""
                out.append(f"{name}: [{f['rule']} / {f['impact']}] {f['target']}\n"
                           f"    {f['help']} — {why}\n    {f['html'][:160]}")
    return out


def write_report(name: str, results: dict) -> None:
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"axe-{name}.json").write_text(
        json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")


def switch_language(page, label: str) -> None:
    page.get_by_test_id("stSidebar").get_by_text(label, exact=True).first.click()
    wait_for_app(page)


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_of_every_role_in_both_languages(browser, app_url, role):
    """The screenshot tour and the axe audit in one pass (module docstring)."""
    user = ROLES[role]
    context = browser.new_context(locale="id-ID", viewport={"width": 1360, "height": 2200})
    page = context.new_page()
    start = time.monotonic()
    results: dict[str, list[dict]] = {}
    navigation: dict[str, list[str]] = {}
    try:
        login(page, app_url, user)
        for lang in ("id", "en"):
            if lang == "en":
                switch_language(page, "English")
            found, navigation[lang] = audit_all_pages(page, shots=f"tour-{lang}-{user}")
            write_report(f"{lang}-{user}", found)
            results |= {f"{lang}/{name}": f for name, f in found.items()}
    finally:
        context.close()
    print(f"\n{role}: {len(results)} pages seen and audited in {time.monotonic() - start:.0f} s")
    assert len(navigation["id"]) >= 3, navigation["id"]
    assert len(navigation["en"]) == len(navigation["id"])
    assert navigation["en"] != navigation["id"]  # the navigation itself is translated
    problems = failures(results)
    assert not problems, (f"{len(problems)} serious/critical axe violations for {user} "
                          "(docs/accessibility.md):\n" + "\n".join(problems[:40]))


def test_axe_login_page_in_both_languages(browser, app_url):
    context = browser.new_context(locale="id-ID", viewport={"width": 1360, "height": 1000})
    page = context.new_page()
    try:
        page.goto(app_url)
        wait_for_app(page)
        results = {"id/masuk": audit(page)}
        switch_language(page, "English")
        results["en/masuk"] = audit(page)
    finally:
        context.close()
    write_report("login", results)
    problems = failures(results)
    assert not problems, "\n".join(problems)


FOCUSED_JS = """async () => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const label = e.getAttribute("aria-label") || (e.labels && e.labels[0] && e.labels[0].innerText)
    || e.innerText || e.value || "";
  // a visible focus indicator: the outline, shadow, border or background of the element or
  // of the widget frame around it (five levels up) changes when it loses focus
  const look = () => {
    const out = [];
    for (let el = e, depth = 0; el && depth < 6; el = el.parentElement, depth++) {
      const s = getComputedStyle(el);
      out.push([s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.borderTopColor,
                s.backgroundColor].join("|"));
    }
    return out.join(";");
  };
  // React draws some focus styles from state: let it render after each change
  const settle = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  await settle();
  const focused = look();
  e.blur();
  await settle();
  const blurred = look();
  e.focus();  // back where Tab left it (the next Tab goes on from here)
  await settle();
  return {tag: e.tagName.toLowerCase(), role: e.getAttribute("role") || "",
          label: label.trim().split("\\n").pop().trim().slice(0, 80),
          nav: !!e.closest("[data-testid='stSidebarNav']"),
          sidebar: !!e.closest("[data-testid='stSidebar']"), ring: focused !== blurred};
}"""


def tab_through(page, presses: int) -> list[dict]:
    """Press Tab from the top of the document; where focus lands after each press."""
    # focus the document itself: the next Tab starts at the top, as after opening the page
    # no transitions (a focus ring fading in would still look unfocused when it is read)
    page.add_style_tag(content="*, *::before, *::after { transition: none !important; }")
    page.evaluate("""() => {
      document.activeElement && document.activeElement.blur();
      document.body.tabIndex = -1; document.body.focus(); document.body.removeAttribute("tabindex");
    }""")
    stops = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUSED_JS)
        if stop:
            stops.append(stop)
    return stops


def test_keyboard_tab_reaches_sidebar_and_controls(browser, app_url):
    """On the coordinator's Posisi page, Tab alone reaches the skip link, the sidebar page
    links, the language switch, the sign-out button, then the page's pickers and expanders,
    in reading order, each with a visible focus indicator; the skip link jumps over the
    sidebar, and Enter on a sidebar link opens its page."""
    context = browser.new_context(locale="id-ID", viewport={"width": 1360, "height": 1000})
    page = context.new_page()
    try:
        login(page, app_url, ROLES["coordinator"])
        page.get_by_test_id("stSelectbox").first.wait_for()  # the Posisi page, not the login
        wait_for_app(page)
        stops = tab_through(page, 45)
        # the skip link (first stop) jumps over the sidebar: the next Tab is in the page
        first_stop = tab_through(page, 1)
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        after_skip = page.evaluate(FOCUSED_JS)
        # Enter on a focused sidebar link opens that page
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Kesenjangan").focus()
        page.keyboard.press("Enter")
        wait_for_app(page)
        expect(page.get_by_role("heading", name="Kesenjangan", exact=True)).to_be_visible()
    finally:
        context.close()
    assert first_stop and first_stop[0]["label"] == "Skip to main content", first_stop
    assert after_skip and not after_skip["sidebar"], after_skip
    labels = [s["label"] for s in stops]
    text = "\n".join(f"{s['tag']}[{s['role']}] {s['label']!r} nav={s['nav']} ring={s['ring']}"
                     for s in stops)
    print("\nTab stops:\n" + text)

    def first(pred) -> int:
        for i, s in enumerate(stops):
            if pred(s):
                return i
        raise AssertionError(f"not reached by Tab:\n{text}")

    skip = first(lambda s: s["tag"] == "a" and s["label"] == "Skip to main content")
    gaps_link = first(lambda s: s["nav"] and s["tag"] == "a" and s["label"] == "Kesenjangan")
    registry_link = first(lambda s: s["nav"] and s["tag"] == "a" and s["label"] == "Kasus UPTD PPA")
    lang_switch = first(lambda s: s["sidebar"] and s["label"] in ("Indonesia", "English"))
    logout = first(lambda s: s["sidebar"] and s["label"] == "Keluar")
    region = first(lambda s: not s["sidebar"] and s["label"].startswith("Kabupaten/Kota"))
    year = first(lambda s: not s["sidebar"] and s["label"].startswith("Tahun evaluasi"))
    stage = first(lambda s: not s["sidebar"] and s["label"].startswith("Tahap"))
    expander = first(lambda s: not s["sidebar"] and s["label"] == "Tabel nilai per blok")
    order = [skip, gaps_link, registry_link, lang_switch, logout, region, year, stage, expander]
    assert order == sorted(order), text
    no_ring = [labels[i] for i in order if not stops[i]["ring"]]
    assert not no_ring, f"no visible focus indicator on {no_ring}:\n{text}"
