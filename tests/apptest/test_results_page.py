"""AppTest of the national results page: one view at a time, each with what it promises."""

import json

from kla.services.permissions import SYSTEM


def _open(at, view: str, key: str = "nasional_view"):
    at.session_state[key] = view
    return at.run()


def test_national_page_views(app_factory, seeded_sqlite_url):
    at = app_factory(seeded_sqlite_url, user="pengamat").run()
    at.switch_page("app_pages/nasional.py").run()
    assert not at.exception
    assert at.title[0].value == "Hasil KLA nasional"
    assert [tab.label for tab in at.tabs] == [
        "Per tahun penghargaan", "Per provinsi", "Naik dan turun", "Penilaian di aplikasi",
        "Semua baris dan sumbernya"]

    # default view: predicates per award year (chart + its table), beside the national counts
    cov = next(d.value for d in at.dataframe if "Baris dimuat" in d.value.columns)
    row = cov[cov["Tahun penghargaan"] == 2023].iloc[0]
    assert row["Jumlah nasional (resmi)"] == 360 and 0 < row["Baris dimuat"] <= 360
    assert row["Kelengkapan (%)"] == round(100 * row["Baris dimuat"] / 360, 1)
    assert row["KLA"] == 0
    assert any("Belum ada kabupaten/kota yang pernah meraih" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 1
    assert not at.metric  # other views are not drawn
    assert len(at.get("download_button")) == 2  # the table as CSV and Excel

    _open(at, "Per provinsi")
    assert not at.exception and len(at.get("plotly_chart")) == 1  # ranked bar
    bar = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert bar["layout"]["xaxis"]["title"]["text"] == "Kab/kota berpredikat (%)"
    at.button_group(key="nasional_measure.id").set_value("count").run()  # counts, not shares
    bar = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert bar["layout"]["xaxis"]["title"]["text"] == "Kab/kota berpredikat"
    _open(at, "Peta", "nasional_province_view")
    trace = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]
    assert trace["geojson"] == "app/static/geo/provinsi.geojson"  # fetched once, by URL
    assert len(trace["locations"]) == 38
    _open(at, "Tabel", "nasional_province_view")
    prov = next(d.value for d in at.dataframe if "Berpredikat" in d.value.columns)
    lampung = prov[prov["Provinsi"] == "Lampung"].iloc[0]
    assert lampung["Kab/kota"] == 15 and 0 <= lampung["Berpredikat"] <= 15
    at.selectbox(key="nasional_share_year").select(2023).run()  # award years to choose from
    assert any("139 hasil yang dimuat untuk 2023 (jumlah nasional resmi: 360)" in c.value
               for c in at.caption)
    prov = next(d.value for d in at.dataframe if "Berpredikat" in d.value.columns)
    assert prov[prov["Provinsi"] == "Lampung"].iloc[0]["Berpredikat"] == 2  # as the Provinsi page
    assert len(at.get("download_button")) == 2

    _open(at, "Naik dan turun")
    m = {x.label: x.value for x in at.metric}
    assert int(m["Naik predikat"]) > 0
    assert any("Menjadi" in d.value.columns for d in at.dataframe)
    assert len(at.get("download_button")) == 2

    _open(at, "Penilaian di aplikasi")
    app = next(d.value for d in at.dataframe if "Di antaranya data contoh" in d.value.columns)
    assert (app["Di antaranya data contoh"] > 0).all()  # the demo's assessments, labelled
    assert any("bukan hasil resmi" in c.value for c in at.caption)
    assert len(at.get("plotly_chart")) == 1  # the same numbers as stacked bars
    assert len(at.get("download_button")) == 2

    _open(at, "Semua baris dan sumbernya")
    assert len(at.get("download_button")) == 2
    rows = next(d.value for d in at.dataframe if "source" in d.value.columns)
    assert len(rows) == 277


def test_open_view_survives_a_language_switch(app_factory, seeded_sqlite_url):
    at = app_factory(seeded_sqlite_url, user="pengamat").run()
    at.switch_page("app_pages/nasional.py").run()
    _open(at, "Naik dan turun")
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception
    assert at.session_state["nasional_view"] == "Up and down"
    assert {x.label for x in at.metric} == {"Moved up", "Moved down"}


def test_province_page_shows_published_and_app_side_by_side(app_factory, seeded_sqlite_url):
    at = app_factory(seeded_sqlite_url, user="pengamat").run()
    at.switch_page("app_pages/provinsi.py").run()
    at.selectbox(key="province_pick").select("18").run()  # Lampung: Kota Metro is in the demo
    assert not at.exception
    assert any("Provila" in w.value and "2 dari 15" in w.value for w in at.warning)
    history = next(d.value for d in at.dataframe if "Kabupaten/Kota" in d.value.columns)
    assert len(history) == 15
    metro = history[history["Kabupaten/Kota"] == "Kota Metro (18.72)"].iloc[0]
    assert metro["2022 (dipublikasikan)"] == "Nindya"
    app_cols = [c for c in history.columns if c.endswith("(penilaian di aplikasi)")]
    assert app_cols and all("Data contoh" in metro[c] for c in app_cols)
    assert all(history[c].iloc[0] == "–" for c in app_cols)  # no assessment stored: a dash
    assert any("bukan hasil resmi" in c.value for c in at.caption)  # the source of each column
    trace = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]
    assert trace["geojson"] == "app/static/geo/kabkota.geojson" and len(trace["locations"]) == 15
    _open(at, "Peringkat (tanpa peta)", "province_view")
    trace = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]
    assert trace["type"] == "bar" and len(trace["y"]) == 15


def test_peer_page(app_factory, seeded_sqlite_url):
    at = app_factory(seeded_sqlite_url, user="pengamat").run()
    at.switch_page("app_pages/pembanding.py").run()
    at.selectbox(key="peers_region").select("18.72").run()
    assert not at.exception
    m = {x.label: x.value for x in at.metric}
    assert m["Peringkat di provinsi"] == "6 / 7"  # Lampung 2022: 7 results published
    sources = next(d.value for d in at.dataframe if "Sumber" in d.value.columns)
    assert set(sources["Sumber"]) == {"hasil publikasi (data/published)",
                                      "penilaian di aplikasi (FINAL) · Data contoh"}


def test_peer_page_opens_on_the_city_chosen_elsewhere(app_factory, seeded_sqlite_url):
    at = app_factory(seeded_sqlite_url, user="pengamat").run()
    at.selectbox(key="posisi_region").set_value("18.72").run()  # Posisi: Kota Metro
    at.switch_page("app_pages/pembanding.py").run()
    assert at.selectbox(key="peers_region").value == "18.72"


def test_the_apps_own_assessments_stay_within_the_users_scope(app_factory, seeded_sqlite_url):
    """Published results are public; the assessments stored in the app are not: a city's
    coordinator sees only their own city's on the analytics pages."""
    at = app_factory(seeded_sqlite_url, user="pengamat").run()  # national analyst: both cities
    at.switch_page("app_pages/nasional.py").run()
    _open(at, "Penilaian di aplikasi")
    app = next(d.value for d in at.dataframe if "Di antaranya data contoh" in d.value.columns)
    assert app["Di antaranya data contoh"].max() == 2

    at = app_factory(seeded_sqlite_url, user="koordinator.metro").run()
    at.switch_page("app_pages/nasional.py").run()
    _open(at, "Penilaian di aplikasi")
    app = next(d.value for d in at.dataframe if "Di antaranya data contoh" in d.value.columns)
    assert app["Di antaranya data contoh"].max() == 1  # Kota Metro only
    assert any("Hanya penilaian dalam cakupan Anda: Kota Metro" in c.value for c in at.caption)

    # a city without published results may compare itself with any city: published only
    from kla.services import users
    from kla.store.db import make_engine

    engine = make_engine(seeded_sqlite_url)
    if users.get_actor(engine, "uji.pandeglang") is None:
        users.add_user(engine, SYSTEM, username="uji.pandeglang", password="rahasia-123",
                       role="coordinator", region_kode="36.01")
    engine.dispose()
    at = app_factory(seeded_sqlite_url, user="uji.pandeglang").run()
    at.switch_page("app_pages/pembanding.py").run()
    at.selectbox(key="peers_region").set_value("18.72").run()
    sources = next(d.value for d in at.dataframe if "Sumber" in d.value.columns)
    assert set(sources["Sumber"]) == {"hasil publikasi (data/published)"}
    at.switch_page("app_pages/provinsi.py").run()  # Banten: no column of the app's own
    history = next(d.value for d in at.dataframe if "Kabupaten/Kota" in d.value.columns)
    assert not [c for c in history.columns if "aplikasi" in c]
