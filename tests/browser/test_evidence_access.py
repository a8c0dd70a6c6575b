"""Evidence files are served only to a signed-in browser allowed to see them (issue 14).

The server is the one `kla run` starts (conftest ``app_url``). The evidence URLs come from
the pages in Chromium (Isian for the city, Verifikasi for the province verifier), then are
requested over plain HTTP: signed out (no cookie, or another browser that is not signed in)
they are refused, from another city refused, by the owner and the verifier they give the file.
Kota Serang 2020 (a year the sample does not have, older than the others: no other browser
test sees it)."""

import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SECRET_KEY, download_link, login, screenshot, wait_for_app
from tests.evidence_files import pdf_bytes, png_bytes

pytestmark = pytest.mark.browser
YEAR = "2020"
PDF = pdf_bytes("akses bukti")
PNG = png_bytes("akses bukti", (64, 40))


@pytest.fixture(scope="module")
def serang_2020(browser_data):
    """Kota Serang 2020: EM submitted with a PDF and a PNG on its first question; VA open.
    Returns (question id, pdf evidence id, png evidence id)."""
    from kla.domain.completeness import required_evidence
    from kla.domain.framework import get_framework
    from kla.services import answers as ans
    from kla.services import workflow
    from kla.services.assessments import save_assessment
    from kla.services.permissions import SYSTEM, Actor
    from kla.store.db import make_engine
    from kla.store.evidence import LocalStore

    url, data_dir = browser_data
    engine = make_engine(url)
    fw = get_framework()
    answers = {q: 0.5 for q, x in fw.questions.items() if x.max > 0}
    qid = next(iter(answers))
    aid = save_assessment(engine, SYSTEM, region_kode="36.73", year=int(YEAR), stage="EM",
                          answers=answers, framework=fw, status="draft", is_sample=True)
    store = LocalStore(data_dir / "evidence")
    pdf_id = ans.add_evidence(engine, SYSTEM, aid, qid, "SK Gugus Tugas 2020.pdf", PDF,
                              store)["id"]
    png_id = ans.add_evidence(engine, SYSTEM, aid, qid, "foto rapat.png", PNG, store)["id"]
    for q in answers:  # evidence wherever it is asked for: the assessment can be submitted
        if q != qid and required_evidence(fw.questions[q]):
            ans.add_evidence(engine, SYSTEM, aid, q, "bukti.pdf", pdf_bytes(), store)
    workflow.submit(engine, Actor("k", "coordinator", "36.73"), aid)
    workflow.open_stage(engine, Actor("v", "verifier", "36"), "36.73", int(YEAR), "VA")
    engine.dispose()
    return qid, pdf_id, png_id


def sign_in(browser, app_url, user):
    context = browser.new_context(locale="id-ID", viewport={"width": 1360, "height": 1000})
    page = context.new_page()
    login(page, app_url, user)
    return page


def go(page, link):
    page.get_by_role("link", name=link, exact=True).click()
    wait_for_app(page)


def pick(page, label, text):
    box = page.get_by_role("combobox", name=label, exact=True)
    box.click()
    box.fill(text.split(" ")[0])
    page.get_by_role("option").filter(has_text=text).first.click()
    wait_for_app(page)


def href(page, key):
    link = page.locator(f".st-key-{key} a").first
    try:
        expect(link).to_be_visible()
    except AssertionError:
        screenshot(page, f"evidence-no-link-{key}")
        raise
    return link.get_attribute("href")


def fetch_signed_out(url):
    """A plain HTTP request without any cookie: (status, body)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def browser_cookie(page):
    from kla.web.evidence_access import COOKIE

    return next(c["value"] for c in page.context.cookies() if c["name"] == COOKIE)


def test_evidence_only_for_signed_in_users_who_may_see_it(browser, app_url, serang_2020,
                                                           monkeypatch):
    qid, pdf_id, png_id = serang_2020

    # the owner (Kota Serang's coordinator) gets the download link on Isian
    owner = sign_in(browser, app_url, "koordinator.serang")
    go(owner, "Isian")
    pick(owner, "Tahun evaluasi", YEAR)
    stage = owner.get_by_test_id("stSelectbox").filter(has_text="Tahap")
    if "(EM)" not in stage.inner_text():  # the stage chosen before on another page may stay
        pick(owner, "Tahap", "Evaluasi Mandiri (EM)")
    pick(owner, "Pertanyaan", f"{qid} ·")
    url = href(owner, f"entry_dl_{pdf_id}")
    assert url.startswith(f"{app_url}/evidence/{pdf_id}?") and "/media/" not in url
    got = owner.context.request.get(url)
    assert got.status == 200 and got.body() == PDF
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"].startswith("attachment;")
    assert "no-store" in got.headers["cache-control"]
    # a click downloads it, under its own name
    got = download_link(owner, owner.locator(f".st-key-entry_dl_{pdf_id} a").first)
    assert got.suggested_filename == "SK Gugus Tugas 2020.pdf"
    assert open(got.path(), "rb").read() == PDF

    # signed out: the copied URL without cookies, and from a browser on the login page
    status, body = fetch_signed_out(url)
    assert status == 403 and PDF not in body
    stranger = browser.new_context(locale="id-ID").new_page()
    stranger.goto(app_url)
    wait_for_app(stranger)
    got = stranger.context.request.get(url)
    assert got.status == 403
    # Streamlit's own media store answers only signed-in browsers
    assert stranger.context.request.get(f"{app_url}/media/0123abcd.pdf").status == 404

    # another city (Kota Metro's coordinator), signed in: the copied URL is refused, and a
    # link signed for Kota Metro itself is refused by the service (no existence oracle)
    metro = sign_in(browser, app_url, "koordinator.metro")
    assert metro.context.request.get(url).status == 403
    monkeypatch.setenv("KLA_SECRET_KEY", SECRET_KEY)
    from kla.settings import get_settings
    from kla.web.evidence_access import link

    get_settings.cache_clear()
    own = link(pdf_id, "koordinator.metro", browser_cookie(metro), download=True)
    got = metro.context.request.get(f"{app_url}/{own}")
    assert got.status == 404 and PDF not in got.body()
    unknown = link(10**9, "koordinator.metro", browser_cookie(metro))
    assert metro.context.request.get(f"{app_url}/{unknown}").status == 404

    # the province verifier: the PDF viewer and the image load in the page from the route,
    # and its download link gives the same bytes
    verifier = sign_in(browser, app_url, "verifikator.banten")
    go(verifier, "Verifikasi")
    pick(verifier, "Tahun evaluasi", YEAR)
    pick(verifier, "Pertanyaan yang ditinjau", f"{qid} ·")
    verifier.get_by_text("Bukti: foto rapat.png").click()
    image = verifier.get_by_test_id("stExpander").filter(has_text="foto rapat.png") \
        .get_by_role("img").first
    expect(image).to_be_visible()
    assert image.evaluate("i => i.naturalWidth") == 64
    assert f"/evidence/{png_id}?" in image.get_attribute("src")
    verifier.get_by_text("Bukti: SK Gugus Tugas 2020.pdf").click()
    viewer = verifier.get_by_test_id("stExpander").filter(has_text="SK Gugus Tugas 2020.pdf")
    expect(viewer.locator("canvas, iframe, embed, object").first).to_be_visible(timeout=15_000)
    screenshot(verifier, "evidence-verifier-preview")
    v_url = href(verifier, f"verify_dl_{pdf_id}")
    got = verifier.context.request.get(v_url)
    assert got.status == 200 and got.body() == PDF
    assert fetch_signed_out(v_url)[0] == 403
    assert owner.context.request.get(v_url).status == 403  # bound to the verifier's browser

    # the owner signs out: the link stops working in that browser too
    owner.get_by_role("button", name="Keluar").click()
    wait_for_app(owner)
    assert owner.context.request.get(url).status == 403
    for page in (owner, stranger, metro, verifier):
        page.context.close()
