"""Two replicas on one PostgreSQL database (deploy/local.py, no proxy): an answer saved
through replica A shows on replica B at B's next rerun, without a reload.

Needs a PostgreSQL server (KLA_TEST_DATABASE_URL, as the store tests); the database is the
test's own, created by deploy/local.py and dropped afterwards."""

import json
import re
import secrets
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, login, server_log_problems, wait_for_app
from tests.conftest import PG_URL

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not PG_URL, reason="needs KLA_TEST_DATABASE_URL (PostgreSQL)")]

QID = "1.P1"  # the first question of Kota Serang's 2026 draft: Isian opens on it


def _deploy(runtime, *args, timeout=180):
    return subprocess.run([sys.executable, str(ROOT / "deploy" / "local.py"), "--runtime",
                           str(runtime), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def two_replicas(tmp_path_factory):
    runtime = tmp_path_factory.mktemp("deploy")
    name = f"kla_coherence_{secrets.token_hex(4)}"
    started = _deploy(runtime, "start", "--replicas", "2", "--no-nginx", "--app-port", "0",
                      "--database", name, "--server-url", PG_URL, "--fresh", "--json")
    try:
        assert started.returncode == 0, started.stderr
        yield json.loads(started.stdout)
    finally:
        stopped = _deploy(runtime, "stop", "--drop-database", timeout=60)
        assert stopped.returncode == 0, stopped.stderr
    problems = [p for log in (runtime / "logs").glob("replica-*.log")
                for p in server_log_problems(log.read_text(errors="replace"))]
    assert not problems, f"a replica logged: {problems[:5]}"


def _open_isian(browser, url):
    ctx = browser.new_context(locale="id-ID", viewport={"width": 1360, "height": 1000})
    page = ctx.new_page()
    login(page, url, "koordinator.serang")
    page.get_by_role("link", name="Isian", exact=True).click()
    wait_for_app(page)
    expect(page.locator("strong").filter(has_text=re.compile(f"^{re.escape(QID)}$"))) \
        .to_be_visible()
    return page


def _version(page) -> int:
    caption = page.get_by_text(re.compile(r"Terakhir disimpan oleh .*\(versi \d+\)"))
    expect(caption).to_be_visible()
    return int(re.search(r"\(versi (\d+)\)", caption.inner_text()).group(1))


def test_a_write_on_one_replica_shows_on_the_other(browser, two_replicas):
    a_url, b_url = (r["url"] for r in two_replicas["replicas"])
    assert a_url != b_url
    b = _open_isian(browser, b_url)  # B has the question open before A writes
    before = _version(b)
    a = _open_isian(browser, a_url)
    assert _version(a) == before

    note = f"koherensi {secrets.token_hex(3)}"
    form = a.locator("[data-testid='stForm']")
    radios = form.get_by_role("radio")
    checked = radios.evaluate_all("els => els.map(e => e.getAttribute('aria-checked'))")
    radios.nth(checked.index("false")).click()
    form.get_by_label("Catatan").fill(note)
    form.get_by_role("button", name="Simpan jawaban").click()
    wait_for_app(a)
    expect(a.get_by_text(f"Jawaban {QID} disimpan (versi {before + 1})")).to_be_visible()

    # B's next rerun (away and back, no reload) reads the database: A's answer is there
    b.get_by_role("link", name="Posisi Predikat", exact=True).click()
    wait_for_app(b)
    b.get_by_role("link", name="Isian", exact=True).click()
    wait_for_app(b)
    assert _version(b) == before + 1
    expect(b.locator("[data-testid='stForm']").get_by_label("Catatan")).to_have_value(note)
    for page in (a, b):
        page.context.close()
