"""Issue 16's journey in Chromium, as the coordinator of Kota Serang clicks it, to the end:
Kesenjangan → Jalur termurah "Tambah ke rencana" (the whole cheapest path) → Rencana aksi:
one action given its OPD and dates (already past: overdue), another marked done with the file
that shows it → "Terapkan kredit" → Posisi: the EM total and the predicted verification score
both move (the applied questions now carry their file) → Kotak masuk shows the overdue
action; the coordinator turns on the daily digest → `kla digest` (the command a daily timer
runs) sends it to a real local SMTP server (aiosmtpd, started here) and the message names the
overdue action. Kota Serang 2029: a year of its own, removed afterwards (the browser tests
share one database)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date, timedelta
from email import message_from_bytes, policy

import pytest
from playwright.sync_api import expect

from kla.services.permissions import SYSTEM
from tests.browser.conftest import (
    ROOT,
    _free_port,
    login,
    remove_city_year,
    screenshot,
    wait_for_app,
)
from tests.browser.test_posisi_browser import choose, metric
from tests.evidence_files import pdf_bytes

pytestmark = pytest.mark.browser
KODE, YEAR = "36.73", 2029
USER, EMAIL = "koordinator.serang", "koordinator@serang.test"
WITH_FILE = "1.P1"  # an answer with a file before the journey: the app has evidence for 2029


@pytest.fixture(scope="module")
def serang_2029(browser_data):
    from kla.domain.framework import get_framework
    from kla.services import answers
    from kla.services.assessments import save_assessment
    from kla.store.db import make_engine

    engine = make_engine(browser_data[0])
    fw = get_framework()
    aid = save_assessment(engine, SYSTEM, region_kode=KODE, year=YEAR, stage="EM", framework=fw,
                          answers=dict.fromkeys(fw.questions, 0.5), status="draft")
    from kla.settings import get_settings

    before = os.environ.get("KLA_DATA_DIR")
    os.environ["KLA_DATA_DIR"] = str(browser_data[1])  # the server's evidence folder
    get_settings.cache_clear()
    try:
        answers.add_evidence(engine, SYSTEM, aid, WITH_FILE, "sk-gugus-tugas.pdf", pdf_bytes())
    finally:  # nothing of this test's settings stays for the tests after it
        if before is None:
            os.environ.pop("KLA_DATA_DIR", None)
        else:
            os.environ["KLA_DATA_DIR"] = before
        get_settings.cache_clear()
    yield engine
    from sqlalchemy import update

    from kla.store.models import User

    remove_city_year(engine, KODE, YEAR)
    with engine.begin() as conn:
        conn.execute(update(User).where(User.username == USER).values(
            email="", digest_daily=False, digest_sent_on=None, inbox_seen_at=None))
    engine.dispose()


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback that keeps every message it receives."""
    from aiosmtpd.controller import Controller

    class Keep:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
            self.messages.append((envelope.rcpt_tos, envelope.content))
            return "250 OK"

    handler = Keep()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller.port, handler
    finally:
        controller.stop()


def number(text: str) -> float:
    """A figure as the Indonesian page writes it ("1.234,50 · Madya" → 1234.5)."""
    return float(text.split("·")[0].strip().replace(".", "").replace(",", "."))


def test_gaps_to_plan_to_done_moves_em_and_predicted_and_the_digest_names_overdue(
        page, app_url, browser_data, serang_2029, smtp_server):
    from kla.services import action_plan, answers

    engine = serang_2029
    login(page, app_url, USER)
    choose(page, "Tahun evaluasi", str(YEAR))
    em_before = number(metric(page, "Total").inner_text())
    predicted_before = number(metric(page, "Perkiraan skor verifikasi").inner_text())

    # gaps → the cheapest path into the plan
    page.get_by_role("link", name="Kesenjangan").click()
    wait_for_app(page)
    choose(page, "Tahun evaluasi", str(YEAR))
    expect(page.get_by_role("heading", name="Pertanyaan", exact=False).first).to_be_visible()
    page.get_by_role("link", name="Jalur termurah").click()
    wait_for_app(page)
    choose(page, "Tahun evaluasi", str(YEAR))
    page.get_by_role("button", name=f"Tambah ke rencana {YEAR}").click()
    wait_for_app(page)
    actions = action_plan.list_actions(engine, SYSTEM, KODE, YEAR)
    assert len(actions) >= 2, actions
    late, done = actions[0], actions[1]

    # the plan: the first action gets its OPD and dates, through the edit form
    page.get_by_role("link", name="Rencana aksi (RAD KLA)").click()
    wait_for_app(page)
    choose(page, "Tahun evaluasi", str(YEAR))
    today = date.today()
    start, due = today - timedelta(days=40), today - timedelta(days=10)
    page.get_by_text("Ubah isian kegiatan", exact=True).click()
    form = page.get_by_test_id("stExpander").filter(has_text="Ubah isian kegiatan") \
        .get_by_test_id("stForm")
    opd = form.get_by_label("OPD penanggung jawab")
    opd.click()
    opd.fill("Dinkes")  # the list is long: typing filters it
    page.get_by_role("option", name="Dinkes", exact=True).first.click()
    for label, day in (("Tanggal mulai", start), ("Tenggat", due)):
        # a date field of segments (dd / mm / yyyy): type them, each moves on to the next
        form.get_by_role("spinbutton", name=f"day, {label}").click()
        page.keyboard.type(day.strftime("%d%m%Y"))
        page.keyboard.press("Tab")
    form.get_by_label("Anggaran (Rp)").fill("15000000")
    form.get_by_role("button", name="Simpan").click()
    wait_for_app(page)
    got = action_plan.get_action(engine, SYSTEM, late["id"])
    assert (got["opd"], got["start_date"], got["due_date"], got["budget_rp"]) == \
        ("Dinkes", start, due, 15_000_000)
    expect(page.get_by_text("1 terlambat:", exact=False)).to_be_visible()

    # the second action: done, with the file that shows it
    pick = page.get_by_role("combobox", name="Pilih kegiatan")
    pick.click()
    pick.fill(f"#{done['id']} ·")  # typing filters the list to this action
    page.get_by_role("option", name=f"#{done['id']} · ", exact=False).first.click()
    wait_for_app(page)
    expect(pick).to_have_value(f"#{done['id']} · {done['title'][:80]}")
    status_form = page.locator("[data-testid='stForm']").filter(has_text="Simpan status")
    box = status_form.get_by_role("combobox", name="Status")
    box.click()
    if not page.get_by_role("option", name="Selesai", exact=True).count():
        box.press("ArrowDown")
    page.get_by_role("option", name="Selesai", exact=True).click()
    status_form.get_by_label("Catatan bukti").fill("Perwal terbit, salinan terlampir")
    proof = browser_data[1] / "perwal-kla-2029.pdf"
    proof.write_bytes(pdf_bytes())
    status_form.locator("input[type=file]").set_input_files(str(proof))
    expect(status_form.get_by_text("perwal-kla-2029.pdf")).to_be_visible()
    status_form.get_by_role("button", name="Simpan status").click()
    wait_for_app(page)
    got = action_plan.get_action(engine, SYSTEM, done["id"])
    assert got["status"] == "selesai" and got["evidence"]["name"] == "perwal-kla-2029.pdf"
    expect(page.get_by_role("button", name="Unduh bukti: perwal-kla-2029.pdf")).to_be_visible()
    screenshot(page, "journey-plan-done")

    # apply its credits: the answers move and carry the file
    page.get_by_role("button", name="Terapkan kredit").click()
    wait_for_app(page)
    info = action_plan.self_assessment(engine, SYSTEM, KODE, YEAR)
    states = answers.answer_states(engine, SYSTEM, info.id)
    files = {e["question_id"] for e in answers.list_evidence(engine, SYSTEM, info.id)}
    for qid, credit in done["credits"].items():
        assert states[qid].credit == credit and qid in files

    page.get_by_role("link", name="Posisi Predikat").click()
    wait_for_app(page)
    choose(page, "Tahun evaluasi", str(YEAR))
    expect(metric(page, "Total")).not_to_have_text(f"{em_before:.2f}".replace(".", ","))
    em_after = number(metric(page, "Total").inner_text())
    predicted_after = number(metric(page, "Perkiraan skor verifikasi").inner_text())
    assert em_after > em_before
    assert predicted_after > predicted_before
    screenshot(page, "journey-posisi-after")

    # the inbox shows the overdue action; the coordinator asks for the daily digest
    page.get_by_role("link", name="Kotak masuk").click()
    wait_for_app(page)
    title = late["title"][:40]
    expect(page.get_by_text(title, exact=False).first).to_be_visible()
    page.get_by_role("textbox", name="Email", exact=True).fill(EMAIL)
    page.get_by_text("Kirim ringkasan harian ke email saya", exact=True).click()  # its label
    page.get_by_role("button", name="Simpan").click()
    wait_for_app(page)
    expect(page.get_by_text("Email dan pilihan ringkasan harian disimpan.")).to_be_visible()
    screenshot(page, "journey-inbox")

    # the daily timer's command, against the local SMTP server
    port, kept = smtp_server
    url, data_dir = browser_data
    env = {**os.environ, "KLA_DATABASE_URL": url, "KLA_DATA_DIR": str(data_dir),
           "KLA_SMTP_HOST": "127.0.0.1", "KLA_SMTP_PORT": str(port),
           "KLA_SMTP_FROM": "kla@localhost"}
    run = subprocess.run([sys.executable, "-m", "kla.cli", "digest"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    deadline = time.time() + 10
    while time.time() < deadline and not any(EMAIL in to for to, _ in kept.messages):
        time.sleep(0.2)
    mine = [message_from_bytes(c, policy=policy.default) for to, c in kept.messages
            if EMAIL in to]
    assert len(mine) == 1, run.stdout
    body = mine[0].get_body(preferencelist=("plain",)).get_content()
    assert " ".join(title.split()) in " ".join(body.split())
    assert "terlambat" in body.lower()
