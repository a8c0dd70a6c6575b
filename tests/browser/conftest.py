"""Browser tests: the real app served by Streamlit, driven in Debian's Chromium.

Playwright's own browser download does not work here: `executable_path` points at the system
Chromium (KLA_CHROMIUM, default /usr/bin/chromium). Without it the tests are skipped, unless
KLA_REQUIRE_BROWSER=1 (CI), where a missing browser is a failure.
"""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("KLA_CHROMIUM", "/usr/bin/chromium")
SHOTS = ROOT / "test-artifacts" / "screenshots"  # pytest-playwright wipes test-results/
SERVER_LOG: dict[str, Path] = {}  # the running app server's log (see app_url)
SECRET_KEY = "browser-tests-evidence-links"  # the server's KLA_SECRET_KEY (tests sign links)
# Words of English that must not appear in the Indonesian UI (messages, headers, cells).
# Streamlit's own uploader text ("Drag and drop file here", "Upload", "Limit … per file") is
# hard-coded English in its bundle (docs/accessibility.md, stack-notes §1.8): left out.
ENGLISH_LEAKS = re.compile(
    r"\b(the|field|row|required|unknown|cannot|must|None|NaN|nan|is outside|not allowed|"
    r"Choose options|Choose an option|assigned to|locked for|already exists|at least|"
    r"at most|Traceback|Error|Exception|not a number|No results|No options)\b")
VISIBLE_TEXT_JS = """() => {
  const root = document.querySelector("[data-testid='stApp']").cloneNode(true);
  root.querySelectorAll("[data-testid='stFileUploaderDropzoneInstructions'],"
    + "[data-testid='stFileUploaderDropzone'] button, style, script,"
    + "[data-testid='stToolbar'], [data-testid='stDecoration'],"
    + "[data-testid='stCode'], code").forEach(e => e.remove());
  return root.innerText;
}"""


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("KLA_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"Chromium not found at {CHROMIUM} (KLA_REQUIRE_BROWSER=1); "
                                "install it with `apt-get install -y chromium`")
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run"]}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "id-ID",
            "viewport": {"width": 1360, "height": 1000}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def browser_data(seeded_sqlite_copy, tmp_path_factory):
    """The server's database URL (a copy of the seeded SQLite database) and data folder."""
    return seeded_sqlite_copy(), tmp_path_factory.mktemp("data")


@pytest.fixture(scope="session")
def app_url(browser_data, tmp_path_factory):
    """Start the app as `kla run` does (app.py behind the evidence gate, kla.web.server) on
    the seeded database; yield its URL."""
    url, data_dir = browser_data
    port = _free_port()
    log_path = tmp_path_factory.mktemp("server") / "streamlit.log"
    SERVER_LOG["path"] = log_path
    log = open(log_path, "w")  # noqa: SIM115 - open while the server runs
    env = {**os.environ, "KLA_DATABASE_URL": url, "KLA_DATA_DIR": str(data_dir),
           "KLA_SECRET_KEY": SECRET_KEY}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kla.cli", "run", "--server.headless=true",
         f"--server.port={port}", "--server.address=127.0.0.1",
         "--browser.gatherUsageStats=false", "--server.fileWatcherType=none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.terminate()
        raise RuntimeError(f"kla run did not start; see {log.name}")
    yield base
    proc.terminate()
    proc.wait(10)
    log.close()


def wait_for_app(page, timeout: float = 30_000) -> None:
    """Wait until Streamlit is connected and the script run has finished; then fail on an
    exception box, and on English words in the Indonesian UI (``check_page``)."""
    page.wait_for_timeout(250)
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']",
                           timeout=timeout)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']",
                           timeout=timeout)
    check_page(page)


def ui_language(page) -> str:
    """The app's language as the sidebar shows it ("Bahasa" is the Indonesian label)."""
    return "id" if page.get_by_text("Bahasa", exact=True).count() else "en"


def english_leaks(page) -> list[str]:
    """English words (with some context) in the visible text of the app."""
    text = page.evaluate(VISIBLE_TEXT_JS)
    return [text[max(0, m.start() - 40):m.end() + 40].replace("\n", " ")
            for m in ENGLISH_LEAKS.finditer(text)]


def check_page(page) -> None:
    boxes = page.locator("[data-testid='stException']")
    if boxes.count():
        raise AssertionError(f"exception shown on {page.url}: {boxes.first.inner_text()[:800]}")
    if ui_language(page) == "id":
        leaks = english_leaks(page)
        for _ in range(10):  # right after a switch of language, the data grid's text may
            if not leaks:    # still be the old one for a moment (a loaded machine): only
                break        # English that stays is a leak
            page.wait_for_timeout(500)
            leaks = english_leaks(page)
        assert not leaks, f"English in the Indonesian UI on {page.url}: {leaks[:5]}"


def server_log_problems(text: str) -> list[str]:
    """Tracebacks and error lines the app server logged."""
    lines = text.splitlines()
    return [ln for ln in lines if ln.startswith("Traceback") or " ERROR " in ln
            or re.match(r"^\w+(Error|Exception)\b", ln)]


@pytest.fixture(autouse=True)
def _no_server_errors(request):
    """Every test that uses the app server fails when the server logged a traceback while
    it ran (an error the page may have hidden)."""
    if "app_url" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("app_url")
    log = SERVER_LOG["path"]
    start = log.stat().st_size
    yield
    with open(log, encoding="utf-8", errors="replace") as f:
        f.seek(start)
        new = f.read()
    problems = server_log_problems(new)
    assert not problems, "the app server logged:\n" + new[-4000:]


def login(page, app_url: str, username: str, password: str | None = None) -> None:
    """Open the app and sign in with a sample account."""
    from kla.domain.sample import DEMO_PASSWORD

    page.goto(app_url)
    wait_for_app(page)
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password or DEMO_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    wait_for_app(page)


def screenshot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def remove_city_year(engine, kode: str, year: int) -> None:
    """Delete a kab/kota's year made by a test (its assessments with their answers, files,
    scores, reviews and scenarios, and its action plan): the browser tests share one
    database, and the latest year is every page's default choice."""
    from sqlalchemy import delete, select

    from kla.store.models import (
        Action,
        ActionQuestion,
        Answer,
        Assessment,
        AssessmentScore,
        Evidence,
        Review,
        Scenario,
    )

    with engine.begin() as conn:
        ids = select(Assessment.id).where(Assessment.region_kode == kode,
                                          Assessment.year == year)
        acts = select(Action.id).where(Action.region_kode == kode, Action.year == year)
        conn.execute(delete(ActionQuestion).where(ActionQuestion.action_id.in_(acts)))
        conn.execute(delete(Action).where(Action.region_kode == kode, Action.year == year))
        conn.execute(delete(Evidence).where(Evidence.answer_id.in_(
            select(Answer.id).where(Answer.assessment_id.in_(ids)))))
        for table in (Answer, AssessmentScore, Review, Scenario):
            conn.execute(delete(table).where(table.assessment_id.in_(ids)))
        conn.execute(delete(Assessment).where(Assessment.region_kode == kode,
                                              Assessment.year == year))


def download_link(page, link, timeout: float = 30_000):
    """Click a link that downloads a file (``st.link_button`` to our /evidence route) and
    return the Download.

    The link opens a new tab (target=_blank, noopener) whose response is an attachment:
    Chromium may report that download on the page that was clicked or on the new tab,
    depending on how far the tab got before the response came. Both are watched. When no
    download comes, the failure says what the new tab received (URL and status), so a
    refused link (403/404) is told apart from a slow one."""
    from playwright.sync_api import expect

    expect(link).to_be_visible()
    target = link.get_attribute("href") or ""
    assert target not in ("", "#"), f"download link has no target: {target!r}"
    got: list = []
    seen: list[str] = []

    def on_download(download) -> None:
        got.append(download)

    def on_response(response) -> None:
        seen.append(f"{response.status} {response.url}")

    def on_page(tab) -> None:
        tab.on("download", on_download)
        tab.on("response", on_response)

    page.on("download", on_download)
    page.context.on("page", on_page)
    try:
        link.click()
        deadline = time.monotonic() + timeout / 1000
        while not got and time.monotonic() < deadline:
            page.wait_for_timeout(100)
    finally:
        page.remove_listener("download", on_download)
        page.context.remove_listener("page", on_page)
    assert got, (f"no download within {timeout / 1000:.0f} s after clicking {target}; "
                 f"new tab responses: {seen or 'none'}")
    download = got[0]
    download.path()  # wait until the file is complete
    for tab in page.context.pages:  # the helper tab, if Chromium left it open
        if tab is not page and not tab.is_closed() and "/evidence/" in tab.url:
            tab.close()
    return download
