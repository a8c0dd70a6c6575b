"""AppTest of the registry pages: each renders its chart and table, adds a row through the form,
imports Excel all-or-nothing with row numbers, and the coordinator accepts a proposal."""

import io

import pytest
from openpyxl import Workbook

from kla.services import registries as reg
from kla.services.permissions import SYSTEM
from kla.store.db import make_engine
from tests.evidence_files import png_bytes

PAGES = {"play_area": ("app_pages/ruang_bermain.py", "play"),
         "kha_training": ("app_pages/pelatihan_kha.py", "kha"),
         "village_body": ("app_pages/lembaga_anak.py", "bodies"),
         "ppa_case": ("app_pages/kasus_ppa.py", "ppa")}


def submit(at, form):
    next(b for b in at.get("form_submit_button") if b.form_id == form).click().run()


def open_registry(app_factory, url, kind, user="koordinator.metro"):
    page, prefix = PAGES[kind]
    at = app_factory(url, user=user).run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at, prefix


@pytest.mark.parametrize("kind", list(PAGES))
def test_registry_page_shows_sample_chart_and_table(app_factory, seeded_sqlite_url, kind):
    at, prefix = open_registry(app_factory, seeded_sqlite_url, kind)
    assert at.selectbox(key=f"{prefix}_region").options == ["Kota Metro (18.72)"]
    assert any(w.value.startswith("Data contoh") for w in at.warning)
    assert at.get("plotly_chart") and at.dataframe


def test_play_area_counts_unstandardized(app_factory, seeded_sqlite_url):
    at, _ = open_registry(app_factory, seeded_sqlite_url, "play_area")
    m = {x.label: x.value for x in at.metric}
    engine = make_engine(seeded_sqlite_url)
    rows = reg.entries(engine, SYSTEM, "18.72", "play_area")
    assert int(m["Belum terstandar SNI"]) == sum(r["standard"] != "certified" for r in rows) > 0


def test_add_village_body_through_the_form_and_refuse_a_duplicate(app_factory,
                                                                  seeded_sqlite_url):
    engine = make_engine(seeded_sqlite_url)
    area = reg.area(engine, "18.72")
    have = {(r["area_kode"], r["body"]) for r in reg.entries(engine, SYSTEM, "18.72", "village_body")}
    target = next(d for d in sorted(area.desa) if (d, "lpks") not in have)
    at, _ = open_registry(app_factory, seeded_sqlite_url, "village_body")
    at.selectbox(key="reg_add_village_body_area_kode").set_value(target)
    at.selectbox(key="reg_add_village_body_body.id").set_value("lpks")
    at.text_input(key="reg_add_village_body_sk_number").input("SK 12/2025")
    submit(at, "reg_add_village_body")
    assert not at.error, [e.value for e in at.error]
    assert (target, "lpks") in {(r["area_kode"], r["body"])
                                for r in reg.entries(engine, SYSTEM, "18.72", "village_body")}
    at.selectbox(key="reg_add_village_body_area_kode").set_value(target)
    at.selectbox(key="reg_add_village_body_body.id").set_value("lpks")
    submit(at, "reg_add_village_body")
    assert "sudah ada di registri" in at.error[0].value


def test_excel_import_is_all_or_nothing(app_factory, seeded_sqlite_url):
    engine = make_engine(seeded_sqlite_url)
    before = len(reg.entries(engine, SYSTEM, "18.72", "ppa_case"))
    wb = Workbook()
    ws = wb.active
    ws.append(["case_ref", "category", "age_band", "sex", "reported_on", "first_handled_on"])
    ws.append(["IMP-1", "penelantaran", "6-12", "P", "2025-10-01", "2025-10-02"])
    ws.append(["IMP-2", "penelantaran", "6-12", "X", "2025-10-05", "2025-10-03"])
    ws.append(["IMP-3", "kekerasan_fisik", "0-5", "L", "2025-10-07", "2025-10-07"])
    buf = io.BytesIO()
    wb.save(buf)
    at, _ = open_registry(app_factory, seeded_sqlite_url, "ppa_case")
    at.file_uploader(key="reg_up_ppa_case").set_value(
        ("kasus.xlsx", buf.getvalue(),
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")).run()
    at.button(key="reg_import_ppa_case").click().run()
    assert "Tidak ada yang diimpor: 2 kesalahan" in at.error[0].value
    problems = " ".join(at.dataframe[-1].value.iloc[:, 0])
    assert "baris 3, kolom Jenis kelamin" in problems
    assert "baris 3, kolom Penanganan pertama" in problems
    assert len(reg.entries(engine, SYSTEM, "18.72", "ppa_case")) == before


def test_coordinator_accepts_a_proposal_and_it_is_audited(app_factory, seeded_sqlite_url):
    from kla.services.answers import answer_states
    from kla.services.audit import audit_frame
    from kla.services.exports import find_assessment

    at = app_factory(seeded_sqlite_url, user="koordinator.serang").run()
    at.switch_page("app_pages/usulan.py").run()
    at.selectbox(key="prop_year_36.73").set_value(2026).run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "Alasan" in d.value.columns)
    row = table[table["ID"] == "26.P4"].iloc[0]
    assert "Forum Anak" in row["Alasan"] and " dari " in row["Alasan"]
    at.selectbox(key="prop_q").set_value("26.P4").run()
    at.button(key="prop_accept").click().run()
    assert not at.error, [e.value for e in at.error]
    engine = make_engine(seeded_sqlite_url)
    info = find_assessment(engine, SYSTEM, "36.73", 2026, "EM")
    state = answer_states(engine, SYSTEM, info.id)["26.P4"]
    assert state.credit == row["Usulan"] and state.note.startswith("Usulan registri:")
    log = audit_frame(engine, SYSTEM, assessment_id=info.id)
    assert "proposal.accept" in set(log["action"])
    assert any("Forum Anak" in c for c in log["change"])
    assert any("+1 " in s.value and "poin" in s.value for s in at.success)


def test_edit_an_entry_and_attach_a_photo(app_factory, seeded_sqlite_url, monkeypatch, tmp_path):
    monkeypatch.setenv("KLA_DATA_DIR", str(tmp_path))
    engine = make_engine(seeded_sqlite_url)
    entry = reg.entries(engine, SYSTEM, "18.72", "play_area")[0]
    at, _ = open_registry(app_factory, seeded_sqlite_url, "play_area")
    at.selectbox(key="reg_edit_pick_play_area").set_value(entry["id"]).run()
    prefix = f"reg_edit_{entry['id']}_play_area"
    at.text_input(key=f"{prefix}_name").input(entry["name"] + " (baru)")
    at.selectbox(key=f"{prefix}_standard.id").set_value("in_process")
    submit(at, f"reg_edit_play_area_{entry['id']}")
    assert not at.error, [e.value for e in at.error]
    after = next(r for r in reg.entries(engine, SYSTEM, "18.72", "play_area") if r["id"] == entry["id"])
    assert after["name"].endswith("(baru)") and after["standard"] == "in_process"
    png = png_bytes("taman")
    at.file_uploader(key=f"reg_file_play_area_{entry['id']}").set_value(
        ("foto taman.png", png, "image/png")).run()
    at.button(key="reg_attach_play_area").click().run()
    assert not at.error, [e.value for e in at.error]
    after = next(r for r in reg.entries(engine, SYSTEM, "18.72", "play_area") if r["id"] == entry["id"])
    assert after["file_name"] == "foto taman.png"
    assert (tmp_path / "evidence").exists()
