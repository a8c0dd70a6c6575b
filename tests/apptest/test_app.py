"""Streamlit AppTest: every page renders without an exception; the first screen shows the
standing of a kab/kota, labelled as sample data, in Indonesian or English."""

from pathlib import Path

import pytest

PAGES = sorted(p.relative_to(Path(__file__).resolve().parents[2]).as_posix()
               for p in (Path(__file__).resolve().parents[2] / "app_pages").glob("*.py")
               if p.name != "login.py")


def metrics(at):
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(app_factory, seeded_sqlite_url, page):
    at = app_factory(seeded_sqlite_url).run()
    at.switch_page(page).run()
    assert not at.exception
    assert at.title


def test_posisi_shows_serang_2025(app_factory, seeded_sqlite_url):
    at = app_factory(seeded_sqlite_url).run()
    assert not at.exception
    assert at.title[0].value == "Posisi Predikat"
    at.selectbox(key="posisi_region").set_value("36.73").run()
    at.selectbox(key="posisi_year_36.73").set_value(2025).run()
    assert at.selectbox(key="posisi_stage_36.73_2025.id").value == "FINAL"
    m = metrics(at)
    assert m["Predikat"] == "Madya"
    assert m["Total nilai"].count(",") == 1  # decimal comma
    assert m["Menuju Nindya"].startswith("+") and m["Menuju Nindya"].endswith(" poin")
    assert any(w.value.startswith("Data contoh") for w in at.warning)
    assert len(at.get("plotly_chart")) == 2
    table = at.dataframe[0].value
    assert list(table["Blok"])[0] == "Kelembagaan" and len(table) == 7
    indicators = at.dataframe[1].value
    assert len(indicators) == 31 and indicators["Indikator"][0].startswith("1 · Peraturan")


def test_stage_changes_the_standing(app_factory, seeded_sqlite_url):
    at = app_factory(seeded_sqlite_url).run()
    at.selectbox(key="posisi_region").set_value("36.73").run()
    at.selectbox(key="posisi_year_36.73").set_value(2025).run()
    at.selectbox(key="posisi_stage_36.73_2025.id").set_value("EM").run()
    assert metrics(at)["Predikat"] == "Utama"
    at.selectbox(key="posisi_year_36.73").set_value(2023).run()
    assert at.selectbox(key="posisi_stage_36.73_2023.id").value == "EM"  # the stage is kept
    assert metrics(at)["Predikat"] == "Nindya"
    at.selectbox(key="posisi_stage_36.73_2023.id").set_value("FINAL").run()
    assert metrics(at)["Predikat"] == "Pratama"


def test_english_switch(app_factory, seeded_sqlite_url):
    at = app_factory(seeded_sqlite_url, locale="en-US").run()
    assert at.title[0].value == "Predicate standing"
    assert any(w.value.startswith("Sample data") for w in at.warning)
    at.session_state["lang"] = "id"
    at.run()
    assert at.title[0].value == "Posisi Predikat"


def test_empty_database_explains_what_to_do(app_factory, empty_db_factory):
    from kla.services.reference import init_db
    from kla.services.users import add_user
    from kla.store.db import make_engine

    url = empty_db_factory("sqlite")
    engine = make_engine(url)
    init_db(engine)
    at = app_factory(url, user=None).run()
    assert not at.exception
    assert "Belum ada akun" in at.info[0].value and "kla user add" in at.code[0].value
    from kla.services.permissions import SYSTEM

    add_user(engine, SYSTEM, username="admin", password="rahasia-123", role="admin")
    at = app_factory(url, user="admin").run()
    assert "kla demo" in at.info[0].value  # signed in, no assessment yet


def test_a_language_switch_keeps_choices_and_translates_them(app_factory, seeded_sqlite_url):
    at = app_factory(seeded_sqlite_url).run()
    at.selectbox(key="posisi_region").set_value("36.73").run()
    at.selectbox(key="posisi_year_36.73").set_value(2025).run()
    at.selectbox(key="posisi_stage_36.73_2025.id").set_value("EM").run()
    at.session_state["lang"] = "en"
    at.run()
    stage = at.selectbox(key="posisi_stage_36.73_2025.en")  # drawn anew, in English
    assert stage.value == "EM" and "Self-assessment (EM)" in stage.options
    assert metrics(at)["Predicate"] == "Utama"

    # (AppTest evaluates a format_func outside the session, i.e. in Indonesian: choose there)
    at = app_factory(seeded_sqlite_url).run()
    at.switch_page("app_pages/kesenjangan.py").run()
    at.selectbox(key="gaps_block.id").set_value("KD").run()
    at.session_state["lang"] = "en"
    at.run()
    assert at.selectbox(key="gaps_block.en").value == "KD"  # the filter carried over
    assert not at.exception
    assert all("Session State API" not in w.value for w in at.warning)


def test_a_deactivated_account_is_signed_out_on_the_next_run(app_factory, seeded_sqlite_url):
    """The actor is read once per run (pages reuse it), still on every run."""
    from kla.services import users
    from kla.services.permissions import SYSTEM
    from kla.store.db import make_engine

    engine = make_engine(seeded_sqlite_url)
    if users.get_actor(engine, "uji.nonaktif") is None:
        users.add_user(engine, SYSTEM, username="uji.nonaktif", password="rahasia-123", role="viewer")
    at = app_factory(seeded_sqlite_url, user="uji.nonaktif").run()
    at.switch_page("app_pages/nasional.py").run()
    assert at.title[0].value == "Hasil KLA nasional"
    users.set_active(engine, SYSTEM, "uji.nonaktif", False)
    at.run()
    assert at.title[0].value != "Hasil KLA nasional"  # the login page instead
    assert at.text_input  # username and password fields
    engine.dispose()
