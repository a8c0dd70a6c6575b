"""The whole submission loop in Chromium, clicked to the end as the people do it, one browser
context per person (issue 13):

1. the coordinator (koordinator.serang) sees completeness on Kelengkapan and reassigns a
   question to Dinkes;
2. the agency (dinkes.serang) answers a question and uploads its file on Isian, then uploads
   four more through "Unggah bukti massal" (one ZIP: preview, one file refused, "Lampirkan 4
   berkas");
3. the coordinator sees 273 / 273 and submits, with the confirmation;
4. the verifier (verifikator.banten) opens VA, opens the evidence in the app (PDF inline, an
   image, a download), adjusts one answer with "0,4", rejects one with a reason, selects the
   rest and accepts them at once, and sends the self-assessment back;
5. the agency lands on Isian on EM with the revision countdown, reads the reason, fixes the
   answer (credit 1 and a new file); the coordinator resubmits;
6. the verifier accepts the fix (the city's new credit goes into VA: the VA total shows it),
   completes VA, opens and completes VL and FINAL;
7. the coordinator prepares and downloads the PDF report and the evidence ZIP of FINAL on
   Ekspor; the test opens both files.

Kota Serang 2024 (a year the sample does not have, between its 2023 and 2025): the other
browser tests, which share this server, keep their years."""

import csv
import io
import re
import time
import zipfile

import pytest
from playwright.sync_api import expect

from kla.services.permissions import SYSTEM
from tests.browser.conftest import download_link, login, screenshot, wait_for_app

pytestmark = pytest.mark.browser
YEAR = "2024"
KODE = "36.73"
SINGLE = "12.P1"  # Dinkes: unanswered; answered on Isian with one file
SINGLE_FILE = "Laporan persalinan 2023.pdf"
ZIPPED = ("12.P2", "12.P4", "3.P1d")  # Dinkes: answered, no file yet; files come in the ZIP
REASSIGNED = "1.P2i"  # not Dinkes's (JDIH; Bagian Hukum; Disdikbud) until the coordinator says so
NOT_DINKES = "1.P2e"  # stays JDIH; Bagian Hukum; DPPPAPPKB: its file in the ZIP is refused
REJECTED, ADJUSTED = "12.P2", "3.P1d"
REASON = "Laporan Buku KIA belum ditandatangani Kepala Dinkes"
ADJUST_REASON = "Foto hanya satu kegiatan, bukan semua posyandu"
STEPS: list[tuple[str, float]] = []  # (step, seconds since the start) for the report


def real_pdf(title: str, pages: int = 1) -> bytes:
    """A small PDF a viewer can show: a title and a line of text on each page."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=16)
    for k in range(pages):
        pdf.add_page()
        pdf.cell(0, 12, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font_size(11)
        pdf.cell(0, 8, f"Dinas Kesehatan Kota Serang - halaman {k + 1}")
    return bytes(pdf.output())


def photo_png() -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (480, 300), (232, 244, 236))
    draw = ImageDraw.Draw(img)
    draw.rectangle((30, 40, 450, 260), outline=(20, 110, 70), width=6)
    draw.ellipse((180, 90, 300, 210), fill=(240, 170, 40))
    draw.text((40, 270), "Posyandu Kelurahan Cipocok Jaya", fill=(20, 60, 40))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def serang_2024(browser_data):
    """Kota Serang 2024, EM draft: every question answered with its evidence, except
    12.P1 (unanswered) and 12.P2, 12.P4, 3.P1d, 1.P2i (answered 0,75, no file yet).
    Returns the credits the self-assessment holds before the agency's work."""
    from kla.domain.completeness import required_evidence
    from kla.domain.framework import get_framework
    from kla.services import answers as ans
    from kla.services.assessments import save_assessment
    from kla.store.db import make_engine
    from kla.store.evidence import LocalStore

    url, data_dir = browser_data
    engine = make_engine(url)
    fw = get_framework()
    credits = {q: 0.5 for q, x in fw.questions.items() if x.max > 0 and q != SINGLE}
    credits.update(dict.fromkeys((*ZIPPED, REASSIGNED), 0.75))
    aid = save_assessment(engine, SYSTEM, region_kode=KODE, year=int(YEAR), stage="EM",
                          answers=credits, framework=fw, status="draft", is_sample=True)
    store = LocalStore(data_dir / "evidence")
    pdf = real_pdf("Bukti dukung")
    for q in credits:
        if required_evidence(fw.questions[q]) and q not in (*ZIPPED, REASSIGNED):
            ans.add_evidence(engine, SYSTEM, aid, q, "bukti.pdf", pdf, store)
    engine.dispose()
    return credits


# --- helpers: one person, one browser context ------------------------------------------------

def sign_in(browser, app_url, user):
    context = browser.new_context(locale="id-ID", viewport={"width": 1360, "height": 1000},
                                  accept_downloads=True)
    page = context.new_page()
    login(page, app_url, user)
    return page


def go(page, link):
    page.get_by_role("link", name=link, exact=True).first.click()
    wait_for_app(page)


def click(page, name, exact=True):
    button = page.get_by_role("button", name=name, exact=exact)
    try:
        button.wait_for(timeout=15_000)
    except Exception:
        screenshot(page, f"journey-missing-{name}")
        raise
    button.click()
    wait_for_app(page)


def pick(page, label, text):
    """Choose the option holding ``text`` in the selectbox ``label`` (typing filters the
    long, virtual option lists first)."""
    box = page.get_by_role("combobox", name=label, exact=True)
    box.scroll_into_view_if_needed()
    box.click()
    box.fill(text.split(" ")[0])
    option = page.get_by_role("option").filter(has_text=text).first
    for attempt in range(4):  # the list redraws while it filters: an option may detach
        try:
            if not option.is_visible():
                box.press("ArrowDown")  # the menu closed (a rerun redrew the box)
            option.click(timeout=4000)
            break
        except Exception:
            if attempt == 3:
                screenshot(page, f"journey-pick-{label}")
                raise
    wait_for_app(page)


def choose_year(page):
    """Kota Serang 2024 (each person chooses it once; the pages remember it)."""
    shown = page.get_by_test_id("stSelectbox").filter(has_text="Tahun evaluasi")
    if YEAR not in shown.inner_text():
        pick(page, "Tahun evaluasi", YEAR)


def queue_caption(page, n):
    return page.get_by_text(re.compile(rf"^{n} jawaban sesuai filter"))


def metric(page, label):
    return page.locator("[data-testid='stMetric']").filter(has_text=label) \
        .locator("[data-testid='stMetricValue']")


def toast(page, text):
    expect(page.get_by_test_id("stToast").filter(has_text=text).first).to_be_visible()


def step(name, page=None):
    STEPS.append((name, time.monotonic()))
    if page is not None:
        screenshot(page, f"journey-{len(STEPS):02d}-{name}")


def expected_total(credits: dict[str, float]):
    from kla.domain.framework import get_framework
    from kla.domain.scoring import score

    return score(get_framework(), credits)


# --- the journey -----------------------------------------------------------------------------

def test_submission_journey(browser, app_url, serang_2024, tmp_path):
    from kla.i18n import fmt_num, fmt_short

    t0 = time.monotonic()
    em = dict(serang_2024)

    # 1. coordinator: completeness, then a question reassigned to Dinkes --------------------
    coordinator = sign_in(browser, app_url, "koordinator.serang")
    go(coordinator, "Kelengkapan")
    choose_year(coordinator)
    expect(metric(coordinator, "Pertanyaan lengkap")).to_have_text("268 / 273")
    expect(metric(coordinator, "Belum dijawab")).to_have_text("1")
    expect(metric(coordinator, "Bukti belum ada")).to_have_text("4")
    expect(coordinator.get_by_text("Kelengkapan 98 %")).to_be_visible()
    step("coordinator-completeness", coordinator)
    coordinator.get_by_text("Penugasan pertanyaan ke OPD").click()
    pick(coordinator, "Pertanyaan", f"{REASSIGNED} ·")
    agencies = coordinator.get_by_role("textbox", name="OPD penanggung jawab", exact=True)
    expect(agencies).to_have_value("JDIH; Bagian Hukum; Disdikbud")
    agencies.fill("Dinkes")
    click(coordinator, "Simpan penugasan")
    toast(coordinator, f"Penugasan {REASSIGNED} disimpan.")
    expect(coordinator.get_by_role("textbox", name="OPD penanggung jawab", exact=True)).to_have_value("Dinkes")
    step("coordinator-reassigned", coordinator)

    # 2. agency: one answer and its file on Isian, four files in one ZIP ---------------------
    agency = sign_in(browser, app_url, "dinkes.serang")
    go(agency, "Isian")
    choose_year(agency)
    expect(agency.get_by_text("Status: draf (sedang diisi).")).to_be_visible()
    pick(agency, "Pertanyaan", f"{SINGLE} ·")
    agency.get_by_role("radio", name="1", exact=True).first.click()
    agency.get_by_role("textbox", name="Catatan", exact=True).fill("Persalinan di fasilitas kesehatan 2023: 96,1 %")
    click(agency, "Simpan jawaban")
    toast(agency, f"Jawaban {SINGLE} disimpan")
    single = tmp_path / SINGLE_FILE
    single.write_bytes(real_pdf("Laporan pertolongan persalinan 2023", pages=2))
    agency.locator("input[type=file]").set_input_files(str(single))
    wait_for_app(agency)
    click(agency, "Lampirkan")
    toast(agency, f"Berkas {SINGLE_FILE} dilampirkan.")
    expect(agency.get_by_text(SINGLE_FILE).first).to_be_visible()
    em[SINGLE] = 1.0
    step("agency-single-upload", agency)

    archive = tmp_path / "bukti dinkes.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("12.P2 Buku KIA 2023.pdf", real_pdf("Cakupan Buku KIA 2023"))
        zf.writestr("bukti/12.P4/data kematian bayi.pdf", real_pdf("Kematian bayi 2023"))
        zf.writestr("3.P1d foto posyandu.png", photo_png())
        zf.writestr(f"{REASSIGNED}_perwal gizi.pdf", real_pdf("Perwal gizi anak"))
        zf.writestr(f"{NOT_DINKES} Perda KLA.pdf", real_pdf("Perda KLA"))
        zf.writestr("__MACOSX/._12.P2 Buku KIA 2023.pdf", b"junk")
    agency.get_by_role("link", name="Unggah bukti massal").last.click()  # below the form
    wait_for_app(agency)
    expect(agency.get_by_role("heading", name="Unggah bukti massal")).to_be_visible()
    agency.locator("input[type=file]").set_input_files(str(archive))
    wait_for_app(agency)
    expect(agency.get_by_text("4 berkas akan dilampirkan, 1 ditolak.")).to_be_visible()
    grid = agency.get_by_test_id("stDataFrame")
    expect(grid).to_contain_text(f"{NOT_DINKES} Perda KLA.pdf")
    expect(grid).to_contain_text("ditolak")
    step("agency-zip-preview", agency)
    click(agency, "Lampirkan 4 berkas")
    toast(agency, "4 berkas dilampirkan.")
    step("agency-zip-attached", agency)

    # 3. coordinator: complete, submitted with the confirmation ------------------------------
    go(coordinator, "Kelengkapan")
    expect(metric(coordinator, "Pertanyaan lengkap")).to_have_text("273 / 273")
    expect(coordinator.get_by_text("Kelengkapan 100 %")).to_be_visible()
    click(coordinator, "Ajukan penilaian")
    expect(coordinator.get_by_text("akan terkunci", exact=False).first).to_be_visible()
    step("coordinator-confirm", coordinator)
    click(coordinator, "Ya, ajukan sekarang")
    toast(coordinator, "Penilaian diajukan")
    expect(coordinator.get_by_text("sudah diajukan", exact=False).first).to_be_visible()
    expect(coordinator.get_by_role("button", name="Ajukan penilaian")).to_have_count(0)
    step("coordinator-submitted", coordinator)

    # 4. verifier: VA opened, evidence opened, adjust 0,4, reject, bulk accept, send back ----
    verifier = sign_in(browser, app_url, "verifikator.banten")
    go(verifier, "Verifikasi")
    choose_year(verifier)
    click(verifier, "Buka tahap Verifikasi Administrasi (VA)")
    toast(verifier, "Tahap VA dibuka")
    expect(queue_caption(verifier, 273)).to_be_visible()

    pick(verifier, "Pertanyaan yang ditinjau", f"{SINGLE} ·")
    verifier.get_by_text(f"Bukti: {SINGLE_FILE}").click()
    viewer = verifier.get_by_test_id("stExpander").filter(has_text=SINGLE_FILE)
    expect(viewer.locator("iframe, canvas, embed, object, [data-testid*='Pdf' i]").first) \
        .to_be_visible(timeout=15_000)
    # the run that opened the viewer has ended before the link is clicked: a link redrawn
    # under the click opened nothing once in a full CI run (no tab, no response in 30 s)
    wait_for_app(verifier)
    got = download_link(verifier, viewer.get_by_role("link", name="Unduh berkas"))
    assert got.suggested_filename == SINGLE_FILE
    assert open(got.path(), "rb").read() == single.read_bytes()
    wait_for_app(verifier)
    step("verifier-pdf-inline", verifier)

    pick(verifier, "Pertanyaan yang ditinjau", f"{ADJUSTED} ·")
    verifier.get_by_text("Bukti: 3.P1d foto posyandu.png").click()
    image = verifier.get_by_test_id("stExpander").filter(has_text="foto posyandu") \
        .get_by_role("img").first
    expect(image).to_be_visible()
    assert image.evaluate("i => i.naturalWidth") == 480
    verifier.get_by_test_id("stRadioGroup").get_by_text("disesuaikan", exact=True).click()
    verifier.get_by_role("textbox", name="Kredit (0–1, untuk disesuaikan)", exact=True).fill("0,4")
    verifier.get_by_role("textbox", name="Alasan (wajib untuk sesuaikan/tolak)", exact=True).fill(ADJUST_REASON)
    click(verifier, "Simpan keputusan")
    toast(verifier, f"Keputusan untuk {ADJUSTED} disimpan.")
    expect(verifier.get_by_text("kredit tahap ini 0,4", exact=False)).to_be_visible()
    step("verifier-adjusted", verifier)

    pick(verifier, "Pertanyaan yang ditinjau", f"{REJECTED} ·")
    verifier.get_by_test_id("stRadioGroup").get_by_text("ditolak", exact=True).click()
    verifier.get_by_role("textbox", name="Alasan (wajib untuk sesuaikan/tolak)", exact=True).fill(REASON)
    click(verifier, "Simpan keputusan")
    toast(verifier, f"Keputusan untuk {REJECTED} disimpan.")
    expect(verifier.get_by_text(REASON).first).to_be_visible()

    expect(queue_caption(verifier, 271)).to_be_visible()
    queue = verifier.get_by_test_id("stDataFrame").first
    queue.evaluate("e => e.scrollIntoView({block: 'center'})")  # not under the app's header
    verifier.wait_for_timeout(300)
    box = queue.bounding_box()
    verifier.mouse.click(box["x"] + 16, box["y"] + 17)  # the header's "select all" box
    wait_for_app(verifier)
    click(verifier, "Terima yang dipilih (271)")
    toast(verifier, "271 jawaban diterima.")
    expect(queue_caption(verifier, 0)).to_be_visible()
    expect(verifier.get_by_text("diterima: 271", exact=False)).to_be_visible()
    step("verifier-bulk-accepted", verifier)
    click(verifier, "Kirim ke kota untuk revisi")
    toast(verifier, "Dikirim untuk revisi selama 48 jam.")
    step("verifier-sent-back", verifier)

    # 5. agency: lands on EM in revision, reads the reason, fixes; coordinator resubmits ------
    go(agency, "Isian")
    expect(agency.get_by_text("Revisi dibuka sampai", exact=False)).to_be_visible()
    expect(agency.get_by_text("Revisi dibuka sampai", exact=False)).to_contain_text("sisa 47 jam")
    # and the countdown under every page's header, for this agency's sent-back questions
    expect(agency.get_by_text("Perbaikan penilaian", exact=False).first).to_be_visible()
    expect(agency.get_by_role("combobox", name="Tahap", exact=True)).to_have_value(
        re.compile(r"Evaluasi Mandiri \(EM\)"))
    pick(agency, "Pertanyaan", f"{REJECTED} ·")
    expect(agency.get_by_text(f"ditolak — {REASON}", exact=False)).to_be_visible()
    step("agency-sees-reason", agency)
    agency.get_by_role("radio", name="1", exact=True).first.click()
    agency.get_by_role("textbox", name="Catatan", exact=True).fill("Laporan sudah ditandatangani Kepala Dinkes")
    click(agency, "Simpan jawaban")
    toast(agency, f"Jawaban {REJECTED} disimpan")
    fixed = tmp_path / "12.P2 Buku KIA bertanda tangan.pdf"
    fixed.write_bytes(real_pdf("Cakupan Buku KIA 2023 - ditandatangani"))
    agency.locator("input[type=file]").set_input_files(str(fixed))
    wait_for_app(agency)
    click(agency, "Lampirkan")
    toast(agency, f"Berkas {fixed.name} dilampirkan.")
    expect(agency.get_by_text(fixed.name).first).to_be_visible()
    em[REJECTED] = 1.0
    step("agency-fixed", agency)

    go(coordinator, "Kelengkapan")
    expect(coordinator.get_by_text("Revisi dibuka sampai", exact=False)).to_be_visible()
    expect(metric(coordinator, "Pertanyaan lengkap")).to_have_text("273 / 273")
    click(coordinator, "Ajukan penilaian")
    click(coordinator, "Ya, ajukan sekarang")
    toast(coordinator, "Penilaian diajukan")
    step("coordinator-resubmitted", coordinator)

    # 6. verifier: the fix accepted into VA, VA total, VL and FINAL --------------------------
    go(verifier, "Verifikasi")
    choose_year(verifier)
    expect(verifier.get_by_text("direvisi kota: 1", exact=False)).to_be_visible()
    expect(queue_caption(verifier, 1)).to_be_visible()
    pick(verifier, "Pertanyaan yang ditinjau", f"{REJECTED} ·")
    expect(verifier.get_by_text("kredit kota 1 · kredit tahap ini 0", exact=False)) \
        .to_be_visible()
    verifier.get_by_test_id("stRadioGroup").get_by_text("diterima", exact=True).click()
    click(verifier, "Simpan keputusan")
    toast(verifier, f"Keputusan untuk {REJECTED} disimpan.")
    expect(verifier.get_by_text("kredit kota 1 · kredit tahap ini 1", exact=False)) \
        .to_be_visible()
    va = {**em, ADJUSTED: 0.4}
    result = expected_total(va)
    total = fmt_num(result.total, "id")
    # the fix counts: without it (12.P2 at 0) VA would be lower
    assert result.total > expected_total({**va, REJECTED: 0.0}).total
    expect(metric(verifier, "Verifikasi Administrasi (VA)")).to_have_text(total)
    step("verifier-fix-accepted", verifier)

    click(verifier, "Selesaikan Verifikasi Administrasi (VA)")
    toast(verifier, "Tahap selesai.")
    click(verifier, "Buka tahap Verifikasi Lapangan (VL)")
    expect(verifier.get_by_role("heading", name="Tinjauan Verifikasi Lapangan (VL)")) \
        .to_be_visible()
    click(verifier, "Selesaikan Verifikasi Lapangan (VL)")
    click(verifier, "Buka tahap Final")
    expect(verifier.get_by_role("heading", name="Tinjauan Final")).to_be_visible()
    click(verifier, "Selesaikan Final")
    expect(verifier.get_by_text("Tidak ada tahap verifikasi yang sedang berjalan",
                                exact=False)).to_be_visible()
    for label in ("Verifikasi Administrasi (VA)", "Verifikasi Lapangan (VL)", "Final"):
        expect(metric(verifier, label)).to_have_text(total)
    step("verifier-final", verifier)

    # 7. coordinator: the PDF report and the evidence ZIP of FINAL, opened --------------------
    go(coordinator, "Ekspor & impor")
    pick(coordinator, "Tahap", "Final")
    coordinator.locator(".st-key-export_pdf_make").get_by_role("button").click()
    wait_for_app(coordinator, timeout=90_000)
    with coordinator.expect_download() as dl:
        coordinator.locator(".st-key-export_pdf").get_by_role("button").click()
    wait_for_app(coordinator)
    assert dl.value.suggested_filename == f"kla-{KODE}-{YEAR}-FINAL.pdf"
    report = dl.value.path().read_bytes()
    coordinator.locator(".st-key-export_zip_make").get_by_role("button").click()
    wait_for_app(coordinator, timeout=90_000)
    with coordinator.expect_download() as dl:
        coordinator.locator(".st-key-export_zip").get_by_role("button").click()
    wait_for_app(coordinator)
    assert dl.value.suggested_filename == f"kla-{KODE}-{YEAR}-FINAL-dossier.zip"
    dossier = dl.value.path().read_bytes()
    step("coordinator-export", coordinator)

    from pypdf import PdfReader

    pdf = PdfReader(io.BytesIO(report))
    assert len(pdf.pages) > 1
    text = " ".join(" ".join(p.extract_text() for p in pdf.pages).split())
    assert total in text, f"{total} not in the report"
    assert f"predicate.{result.predicate}" not in text
    from kla.i18n import t

    assert t(f"predicate.{result.predicate}", "id") in text
    assert "Kota Serang" in text and YEAR in text

    zf = zipfile.ZipFile(io.BytesIO(dossier))
    names = zf.namelist()
    single_dir = [n for n in names if f"/{SINGLE}/" in n]
    assert [n.rsplit("/", 1)[1] for n in single_dir] == [SINGLE_FILE], names[:20]
    assert zf.read(single_dir[0]) == single.read_bytes()
    assert len([n for n in names if f"/{REJECTED}/" in n]) == 2  # the old file and the fix
    rows = list(csv.DictReader(io.StringIO(zf.read("index.csv").decode("utf-8-sig"))))
    adjusted = [r for r in rows if r["ID pertanyaan"] == ADJUSTED]
    assert adjusted and fmt_short(float(adjusted[0]["Kredit"]), "id") == "0,4"
    assert [r["Kredit"] for r in rows if r["ID pertanyaan"] == SINGLE] == ["1.0"]

    elapsed = time.monotonic() - t0
    print("\njourney steps (s since start):")
    for name, at in STEPS:
        print(f"  {at - t0:6.1f}  {name}")
    print(f"  total {elapsed:.1f} s")
    assert elapsed < 180, f"the journey took {elapsed:.0f} s"
