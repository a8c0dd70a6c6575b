"""The submission workflow in Chromium, four people in four browser sessions:
an agency user answers and uploads a PDF; the coordinator sees completeness rise and submits;
the province verifier rejects the answer with a reason; the agency user sees the reason."""

import pytest
from playwright.sync_api import expect

from kla.services.permissions import SYSTEM
from tests.browser.conftest import login, screenshot, wait_for_app
from tests.evidence_files import pdf_bytes

pytestmark = pytest.mark.browser
PDF = pdf_bytes()
REASON = "SK Dinkes belum ditandatangani"


@pytest.fixture(scope="module")
def almost_complete(browser_data):
    """Kota Serang 2026: every question answered with evidence except one Dinkes question."""
    from kla.domain.completeness import required_evidence
    from kla.domain.framework import get_framework
    from kla.services import answers as ans
    from kla.services.assessments import save_assessment
    from kla.services.permissions import SYSTEM as CLI
    from kla.store.db import make_engine
    from kla.store.evidence import LocalStore

    url, data_dir = browser_data
    engine = make_engine(url)
    fw = get_framework()
    qid = next(q for q, x in fw.questions.items()
               if "Dinkes" in x.opds and required_evidence(x) and x.max > 0)
    answers = {q: 0.5 for q, x in fw.questions.items() if x.max > 0 and q != qid}
    aid = save_assessment(engine, SYSTEM, region_kode="36.73", year=2026, stage="EM", answers=answers,
                          framework=fw, status="draft", is_sample=True)
    store = LocalStore(data_dir / "evidence")
    for q in answers:
        if required_evidence(fw.questions[q]):
            ans.add_evidence(engine, CLI, aid, q, "bukti.pdf", PDF, store)
    engine.dispose()
    return qid


def sign_in(browser, app_url, user):
    context = browser.new_context(locale="id-ID", viewport={"width": 1360, "height": 1000})
    page = context.new_page()
    login(page, app_url, user)
    return page


def go(page, link):
    page.get_by_role("link", name=link, exact=True).click()
    wait_for_app(page)


def metric(page, label):
    return page.locator("[data-testid='stMetric']").filter(has_text=label) \
        .locator("[data-testid='stMetricValue']")


def pick(page, label, text):
    box = page.get_by_role("combobox", name=label, exact=True)
    box.click()
    box.fill(text.split(" ")[0])  # long option lists are virtual: filter by typing
    page.get_by_role("option").filter(has_text=text).first.click()
    wait_for_app(page)


def test_answer_upload_submit_reject_and_see_reason(browser, app_url, almost_complete,
                                                     tmp_path):
    qid = almost_complete
    coordinator = sign_in(browser, app_url, "koordinator.serang")
    go(coordinator, "Kelengkapan")
    done = metric(coordinator, "Pertanyaan lengkap")
    expect(done).to_contain_text(" / ")
    before, total = (int(x) for x in done.inner_text().split(" / "))
    assert before == total - 1

    agency = sign_in(browser, app_url, "dinkes.serang")
    go(agency, "Isian")
    pick(agency, "Pertanyaan", f"{qid} ·")
    agency.get_by_role("radio", name="1", exact=True).first.click()
    agency.get_by_role("button", name="Simpan jawaban").click()
    wait_for_app(agency)
    pdf = tmp_path / "SK Tim Gizi.pdf"
    pdf.write_bytes(PDF)
    agency.locator("input[type=file]").set_input_files(str(pdf))
    wait_for_app(agency)
    agency.get_by_role("button", name="Lampirkan").click()
    wait_for_app(agency)
    expect(agency.get_by_text("SK Tim Gizi.pdf", exact=False).first).to_be_visible()
    screenshot(agency, "workflow-agency-upload")

    go(coordinator, "Kelengkapan")
    expect(metric(coordinator, "Pertanyaan lengkap")).to_have_text(f"{total} / {total}")
    coordinator.get_by_role("button", name="Ajukan penilaian").click()
    wait_for_app(coordinator)
    # a confirmation first, saying what gets locked; nothing is submitted yet
    expect(coordinator.get_by_text("akan terkunci", exact=False).first).to_be_visible()
    coordinator.get_by_role("button", name="Ya, ajukan sekarang").click()
    wait_for_app(coordinator)
    expect(coordinator.get_by_text("sudah diajukan", exact=False).first).to_be_visible()

    verifier = sign_in(browser, app_url, "verifikator.banten")
    go(verifier, "Verifikasi")
    verifier.get_by_role("button", name="Buka tahap Verifikasi Administrasi (VA)").click()
    wait_for_app(verifier)
    pick(verifier, "Pertanyaan yang ditinjau", f"{qid} ·")
    verifier.get_by_text("ditolak", exact=True).click()
    verifier.get_by_label("Alasan (wajib untuk sesuaikan/tolak)").fill(REASON)
    verifier.get_by_role("button", name="Simpan keputusan").click()
    wait_for_app(verifier)
    expect(verifier.get_by_text(REASON).first).to_be_visible()
    screenshot(verifier, "workflow-verifier-reject")

    go(agency, "Isian")
    pick(agency, "Pertanyaan", f"{qid} ·")
    expect(agency.get_by_text(f"ditolak — {REASON}", exact=False)).to_be_visible()
    screenshot(agency, "workflow-agency-sees-reason")
