"""AppTest of the planning pages on the sample data (Kota Serang)."""

import pytest

from kla.services import planning
from kla.services.permissions import SYSTEM
from kla.store.db import make_engine


def frame(at, *columns):
    """The first table on the page that has all ``columns``."""
    for d in at.dataframe:
        if all(c in d.value.columns for c in columns):
            return d.value
    raise AssertionError(f"no table with columns {columns}")


def metrics(at):
    return {m.label: m.value for m in at.metric}


def open_page(app_factory, url, page, year=2025, stage=None):
    at = app_factory(url).run()
    at.switch_page(page).run()
    prefix = {"app_pages/kesenjangan.py": "gaps", "app_pages/simulasi.py": "sim",
              "app_pages/jalur.py": "path", "app_pages/risiko.py": "risk"}[page]
    at.selectbox(key=f"{prefix}_region").set_value("36.73").run()
    at.selectbox(key=f"{prefix}_year_36.73").set_value(year).run()
    if stage:
        at.selectbox(key=f"{prefix}_stage_36.73_{year}.id").set_value(stage).run()
    assert not at.exception
    return at


def test_gaps_sorted_and_filtered(app_factory, seeded_sqlite_url):
    at = open_page(app_factory, seeded_sqlite_url, "app_pages/kesenjangan.py")
    table = frame(at, "Mengapa poin hilang")
    stake = list(table["Poin belum diraih"])
    assert stake == sorted(stake, reverse=True) and len(table) < 274
    assert (table["Kredit"] < 1).all()
    reasons = table["Mengapa poin hilang"]
    assert reasons.str.startswith("kredit ").all()
    from kla.domain.sample import NOTES

    sample_notes = {n for notes in NOTES.values() for n in notes}
    assert any(r.split(": ", 1)[1] in sample_notes for r in reasons)  # the answer's own note
    assert any(w.value.startswith("Data contoh") for w in at.warning)
    at.selectbox(key="gaps_opd.id").set_value("Disdukcapil").run()
    table = frame(at, "Mengapa poin hilang")
    assert len(table) and table["OPD"].str.contains("Disdukcapil").all()
    at.selectbox(key="gaps_opd.id").set_value("__all__").run()
    at.selectbox(key="gaps_block.id").set_value("KD").run()
    at.toggle(key="gaps_below").set_value(False).run()
    table = frame(at, "Mengapa poin hilang")
    assert set(table["Blok"]) == {"KD"} and len(table) == 35
    assert at.get("download_button")


def test_progress_history(app_factory, seeded_sqlite_url):
    at = app_factory(seeded_sqlite_url).run()
    at.switch_page("app_pages/perkembangan.py").run()
    at.selectbox(key="progress_region").set_value("36.73").run()
    assert not at.exception
    hist = frame(at, "Predikat", "Tahap")
    assert list(hist["Predikat"]) == ["Pratama", "Pratama", "Pratama", "Madya"]
    m = metrics(at)
    assert m["Predikat 2025"] == "Madya" and m["Tahun pada predikat ini"] == "1"
    deltas = frame(at, "Δ total")
    assert len(deltas) == 12 and (deltas["Δ total"] <= 0).all()
    assert len(at.get("plotly_chart")) == 2
    at.selectbox(key="progress_region").set_value("18.72").run()
    assert metrics(at)["Tahun pada predikat ini"] == "3"


def test_simulation_changes_resets_and_saves(app_factory, seeded_sqlite_url):
    at = open_page(app_factory, seeded_sqlite_url, "app_pages/simulasi.py", 2023, "VL")
    assert metrics(at)["Predikat skenario"] == "Pratama"
    qid = next(s for s in at.selectbox if s.key.startswith("sim_question_")).value
    assert qid == "6.P3"  # the question with the most points at stake (21 points)
    credit = next(b for b in at.get("button_group") if b.key.startswith("sim_credit_"))
    credit.set_value(1.0).run()
    at.button(key="sim_apply_question").click().run()
    m = metrics(at)
    assert m["Predikat skenario"] == "Madya"
    assert frame(at, "ID", "Awal")["ID"].tolist() == [qid]
    at.button(key="sim_reset").click().run()
    assert metrics(at)["Predikat skenario"] == "Pratama"

    at.selectbox(key="sim_indicator").set_value("1").run()
    at.button(key="sim_apply_indicator").click().run()
    assert len(frame(at, "ID", "Awal")) == 63
    at.text_input(key="sim_name").input("Perda dan anggaran lengkap")
    at.get("form_submit_button")[0].click().run()
    assert not at.error
    saved = frame(at, "Nama skenario")
    assert saved.iloc[0]["Nama skenario"] == "Perda dan anggaran lengkap"
    assert saved.iloc[0]["Perubahan"] == 63
    assert saved.iloc[0]["Predikat"] in {"Madya", "Nindya"}

    at.button(key="sim_reset").click().run()
    at.text_input(key="sim_name").input("   ")
    at.get("form_submit_button")[0].click().run()
    assert "Nama: skenario memerlukan nama." in at.error[0].value  # in the reader's language
    at.button(key="sim_load").click().run()
    assert len(frame(at, "ID", "Awal")) == 63
    at.button(key="sim_delete").click().run()
    assert not any("Nama skenario" in d.value.columns for d in at.dataframe)
    assert any("Belum ada skenario" in c.value for c in at.caption)


def test_what_if_choices_change_nothing_until_applied(app_factory, seeded_sqlite_url):
    """The what-if panels are a fragment: in the browser, choosing a question or a credit
    reruns only them (AppTest always runs the whole page). Either way the choice changes
    nothing until *Terapkan*, which applies it to the page's totals and list."""
    at = open_page(app_factory, seeded_sqlite_url, "app_pages/simulasi.py", 2023, "VL")
    picker = next(s for s in at.selectbox if s.key.startswith("sim_question_"))
    second = picker.options[1].split(" · ")[0]
    picker.set_value(second).run()
    credit = next(b for b in at.get("button_group") if b.key.startswith("sim_credit_"))
    credit.set_value(1.0).run()
    assert not at.exception and metrics(at)["Predikat skenario"] == "Pratama"
    assert any("Belum ada perubahan" in c.value for c in at.caption)
    at.button(key="sim_apply_question").click().run()
    assert not at.exception
    assert frame(at, "ID", "Awal")["ID"].tolist() == [second]


def test_cheapest_path_and_efforts(app_factory, seeded_sqlite_url):
    at = open_page(app_factory, seeded_sqlite_url, "app_pages/jalur.py")
    m = metrics(at)
    assert m["Poin dibutuhkan"] == "54,61"
    actions = frame(at, "Tambahan poin", "Kredit")
    assert len(actions) == int(m["Perbaikan"]) and actions["Tambahan poin"].sum() >= 54.6
    first = actions["ID"].iloc[0]
    effort_before = m["Total usaha"]
    key = at.data_editor[0].key
    editor = at.data_editor[0].value
    row = list(editor["question_id"]).index(first)
    at.session_state[key] = {"edited_rows": {row: {"effort": 500.0}}, "added_rows": [],
                             "deleted_rows": []}
    at.get("form_submit_button")[0].click().run()
    assert not at.exception
    actions = frame(at, "Tambahan poin", "Kredit")
    assert first not in set(actions["ID"])  # too expensive now: the optimum avoids it
    assert metrics(at)["Total usaha"] != effort_before
    engine = make_engine(seeded_sqlite_url)
    from kla.domain.framework import get_framework

    assert planning.stored_efforts(engine, SYSTEM, "36.73", get_framework()) == {first: 500.0}
    planning.reset_efforts(engine, SYSTEM, "36.73")
    next(s for s in at.selectbox if s.key.startswith("path_target_")).set_value("Utama").run()
    assert float(metrics(at)["Poin dibutuhkan"].replace(",", ".")) > 100


def test_verification_risk_forecast(app_factory, seeded_sqlite_url):
    at = open_page(app_factory, seeded_sqlite_url, "app_pages/risiko.py", stage="EM")
    m = {x.label: x for x in at.metric}  # the predicate is each total's delta (never cut)
    assert (m["Total nilai"].value, m["Total nilai"].delta) == ("828,80", "Utama")
    assert "Rata-rata turun saat verifikasi" in m
    falls = frame(at, "Turun saat verifikasi")
    assert list(falls["Tahun evaluasi"]) == [2021, 2022, 2023]
    assert m["Perkiraan dari rata-rata penurunan (nilai akhir)"].delta == "Madya"
    assert any("diperkirakan Madya" in w.value for w in at.warning)
    at.selectbox(key="risk_stage_36.73_2025.id").set_value("FINAL").run()
    assert any("Pilih tahap EM" in i.value for i in at.info)


@pytest.mark.parametrize("page", ["app_pages/kesenjangan.py", "app_pages/perkembangan.py",
                                  "app_pages/simulasi.py", "app_pages/jalur.py",
                                  "app_pages/risiko.py"])
def test_planning_pages_in_english(app_factory, seeded_sqlite_url, page):
    at = app_factory(seeded_sqlite_url, locale="en-US").run()
    at.switch_page(page).run()
    assert not at.exception
    assert any(w.value.startswith("Sample data") for w in at.warning)
