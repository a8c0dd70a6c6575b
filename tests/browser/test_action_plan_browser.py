"""Rencana aksi (RAD KLA) in Chromium, as the coordinator clicks it: Jalur termurah → "Tambah
ke rencana" (the whole cheapest path) → Rencana aksi: one action marked done with its
evidence note → "Terapkan kredit" → Posisi's total moves by that action's points. Kota
Serang 2028 (a year of its own: the other browser tests, which share this server, keep
theirs). Screenshots of the plan page in both languages."""

from datetime import date

import pytest
from playwright.sync_api import expect

from kla.domain.framework import get_framework
from kla.services.permissions import SYSTEM
from tests.browser.conftest import login, remove_city_year, screenshot, wait_for_app
from tests.browser.test_posisi_browser import choose, metric

pytestmark = pytest.mark.browser
KODE, YEAR = "36.73", 2028


@pytest.fixture(scope="module")
def serang_2028(browser_data):
    from kla.domain.framework import get_framework
    from kla.services.assessments import save_assessment
    from kla.store.db import make_engine

    engine = make_engine(browser_data[0])
    fw = get_framework()
    save_assessment(engine, SYSTEM, region_kode=KODE, year=YEAR, stage="EM", framework=fw,
                    answers=dict.fromkeys(fw.questions, 0.5), status="draft")
    yield engine
    remove_city_year(engine, KODE, YEAR)  # the other browser tests share this database
    engine.dispose()


def test_cheapest_path_to_plan_done_apply_moves_posisi(page, app_url, serang_2028):
    from kla.services import action_plan

    login(page, app_url, "koordinator.serang")
    page.get_by_role("link", name="Posisi Predikat").click()
    wait_for_app(page)
    choose(page, "Tahun evaluasi", str(YEAR))
    expect(metric(page, "Total")).to_have_text("502,00")  # every answer at 0,5 (caps)

    page.get_by_role("link", name="Jalur termurah").click()
    wait_for_app(page)
    choose(page, "Tahun evaluasi", str(YEAR))
    page.get_by_role("button", name=f"Tambah ke rencana {YEAR}").click()
    wait_for_app(page)
    actions = action_plan.list_actions(serang_2028, SYSTEM, KODE, YEAR)
    assert actions

    page.get_by_role("link", name="Rencana aksi (RAD KLA)").click()
    wait_for_app(page)
    choose(page, "Tahun evaluasi", str(YEAR))
    expect(page.get_by_text("Belum ada kegiatan bertanggal", exact=False)).to_be_visible()
    expect(metric(page, "Diamankan (selesai)")).to_have_text("0,00")
    first = actions[0]
    expect(page.get_by_role("combobox", name="Pilih kegiatan")).to_have_value(
        f"#{first['id']} · {first['title'][:80]}")  # the first action is chosen
    status_form = page.locator("[data-testid='stForm']").filter(has_text="Simpan status")
    box = status_form.get_by_role("combobox", name="Status")
    box.click()
    if not page.get_by_role("option", name="Selesai", exact=True).count():
        box.press("ArrowDown")  # focused but closed: open the list from the keyboard
    page.get_by_role("option", name="Selesai", exact=True).click()
    status_form.get_by_label("Catatan bukti").fill("Perwal No. 12/2028 terbit")
    status_form.get_by_role("button", name="Simpan status").click()
    wait_for_app(page)
    secured = metric(page, "Diamankan (selesai)")
    expect(secured).not_to_have_text("0,00")
    gain = secured.inner_text()
    # dates on three actions (the planner gives none): the timeline, one of them overdue
    fw = get_framework()
    for a, (start, due) in zip(actions[1:4], [(date(2026, 1, 5), date(2026, 2, 27)),
                                              (date(2028, 2, 1), date(2028, 6, 30)),
                                              (date(2028, 3, 1), date(2028, 9, 30))]):
        action_plan.update_action(serang_2028, SYSTEM, a["id"], fw, {
            "title": a["title"], "opd": a["opd"], "budget_rp": 15_000_000,
            "apbd_ref": "1.06.02", "start_date": start, "due_date": due}, a["credits"], 1)
    page.get_by_role("link", name="Kesenjangan").click()  # away and back: the page reads again
    wait_for_app(page)
    page.get_by_role("link", name="Rencana aksi (RAD KLA)").click()
    wait_for_app(page)
    choose(page, "Tahun evaluasi", str(YEAR))
    expect(page.get_by_role("heading", name="Lini masa")).to_be_visible()
    expect(page.get_by_text("1 terlambat:", exact=False)).to_be_visible()
    page.get_by_role("heading", name="Rencana aksi (RAD KLA)").scroll_into_view_if_needed()
    screenshot(page, "rencana-aksi-id")
    page.get_by_role("heading", name="Lini masa").scroll_into_view_if_needed()
    screenshot(page, "rencana-aksi-id-timeline")
    page.get_by_role("button", name="Terapkan kredit").click()
    wait_for_app(page)

    page.get_by_role("link", name="Posisi Predikat").click()
    wait_for_app(page)
    choose(page, "Tahun evaluasi", str(YEAR))
    total = 502 + float(gain.replace(".", "").replace(",", "."))
    expect(metric(page, "Total")).to_have_text(f"{total:.2f}".replace(".", ","))

    page.get_by_role("link", name="Rencana aksi (RAD KLA)").click()
    wait_for_app(page)
    page.get_by_text("English", exact=True).click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Action plan (RAD KLA)")).to_be_visible()
    expect(page.get_by_text("1 overdue:", exact=False)).to_be_visible()
    page.get_by_role("heading", name="Action plan (RAD KLA)").scroll_into_view_if_needed()
    screenshot(page, "rencana-aksi-en")
    page.get_by_role("heading", name="Timeline").scroll_into_view_if_needed()
    screenshot(page, "rencana-aksi-en-timeline")
