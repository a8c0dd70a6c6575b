"""AppTest of the national results page: one view at a time, each with what it promises."""

import json

import pandas as pd

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
    # 2025: results loaded for a few provinces only; the others are "no result loaded",
    # not 0: left out of the bars, said in a caption, grey on the map, "–" in the table
    with_results = len(bar["data"][0]["y"])
    assert 0 < with_results < 38
    assert any(f"{38 - with_results} provinsi tanpa hasil yang dimuat untuk 2025" in c.value
               for c in at.caption)
    at.button_group(key="nasional_measure.id").set_value("count").run()  # counts, not shares
    bar = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert bar["layout"]["xaxis"]["title"]["text"] == "Kab/kota berpredikat"
    _open(at, "Peta", "nasional_province_view")
    data = json.loads(at.get("plotly_chart")[0].proto.spec)["data"]
    assert data[0]["geojson"] == "app/static/geo/provinsi.geojson"  # fetched once, by URL
    assert len(data[0]["locations"]) == with_results
    grey = data[-1]
    assert grey["name"] == "Belum ada data" and len(grey["locations"]) == 38 - with_results
    assert grey["geojson"] == data[0]["geojson"] and grey["showlegend"]
    _open(at, "Tabel", "nasional_province_view")
    prov = next(d.value for d in at.dataframe if "Berpredikat" in d.value.columns)
    assert prov["Berpredikat"].isna().sum() == 38 - with_results  # shown as "–"
    lampung = prov[prov["Provinsi"] == "Lampung"].iloc[0]  # no result loaded for 2025
    assert lampung["Kab/kota"] == 15 and pd.isna(lampung["Berpredikat"])
    assert pd.isna(lampung["Kab/kota berpredikat (%)"])
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
    # the map: one category per predicate in the palette's colours, the predicate named in
    # the legend; the kab/kota with no result loaded in their own grey category
    from kla.domain.palette import band_colours
    from kla.web.charts import NO_DATA

    data = json.loads(at.get("plotly_chart")[0].proto.spec)["data"]
    assert all(tr["geojson"] == "app/static/geo/kabkota.geojson" for tr in data)
    assert sum(len(tr["locations"]) for tr in data) == 15
    colours = {tr["name"]: tr["colorscale"][0][1] for tr in data}
    names = {"Belum berpredikat": "none", "Belum ada data": None}
    for name, c in colours.items():
        code = names.get(name, name)
        assert c == (NO_DATA if code is None else band_colours()[code]), name
    assert "Belum ada data" in colours and "Nindya" in colours
    no_result = len(next(tr for tr in data if tr["name"] == "Belum ada data")["locations"])
    assert any(c.value.startswith("Belum ada hasil yang dimuat untuk 20") for c in at.caption)
    assert not any("Tingkat predikat: 0" in c.value for c in at.caption)  # no 0–4 scale
    _open(at, "Peringkat (tanpa peta)", "province_view")
    data = json.loads(at.get("plotly_chart")[0].proto.spec)["data"]
    assert {tr["type"] for tr in data} == {"bar"}
    assert sum(len(tr["y"]) for tr in data) == 15 - no_result  # no result: not a bar at 0
    assert all(tr["marker"]["color"] == band_colours()[names.get(tr["name"], tr["name"])]
               for tr in data)


def test_peer_page(app_factory, seeded_sqlite_url):
    at = app_factory(seeded_sqlite_url, user="pengamat").run()
    at.switch_page("app_pages/pembanding.py").run()
    at.selectbox(key="peers_region").select("18.72").run()
    assert not at.exception
    m = {x.label: x.value for x in at.metric}
    assert m["Peringkat di provinsi"] == "1 / 7"  # Lampung 2022: 7 results, 6 Nindya tie
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


def test_province_history_follows_a_save_without_redoing_the_published_part(
        app_factory, seeded_sqlite_url, monkeypatch):
    """Provinsi's published part (history of awards, Provila) is made once per version of the
    published results and shared; a save in the user's city only redoes the app's columns,
    and the next run shows the new stored score."""
    from kla.domain import published
    from kla.services import answers as ans
    from kla.services import assessments as svc
    from kla.store.db import make_engine

    calls = []
    real = published.provila
    monkeypatch.setattr(published, "provila",
                        lambda *a, **kw: calls.append(a[2]) or real(*a, **kw))
    at = app_factory(seeded_sqlite_url, user="koordinator.metro").run()
    at.switch_page("app_pages/provinsi.py").run()
    assert not at.exception and at.selectbox(key="province_pick").value == "18"

    def metro_cells() -> dict:
        history = next(d.value for d in at.dataframe if "Kabupaten/Kota" in d.value.columns)
        row = history[history["Kabupaten/Kota"] == "Kota Metro (18.72)"].iloc[0]
        return {c: row[c] for c in history.columns if c.endswith("(penilaian di aplikasi)")}

    before = metro_cells()
    assert before and len(calls) == len(set(calls))  # each award year's Provila once
    made = len(calls)
    engine = make_engine(seeded_sqlite_url)
    infos = svc.list_assessments(engine, SYSTEM, "18.72")
    shown = max((i for i in infos if f"{i.year} (penilaian di aplikasi)" in before
                 and i.stage in before[f"{i.year} (penilaian di aplikasi)"]),
                key=lambda i: i.year)
    states = ans.answer_states(engine, SYSTEM, shown.id)
    qid, state = next((q, s) for q, s in states.items() if s.credit)  # a credited answer …
    ans.save_answer(engine, SYSTEM, shown.id, qid, 0.0, "", state.version)  # … taken back
    new_total = svc.stored_score(engine, SYSTEM, shown).total
    engine.dispose()
    at.run()
    assert not at.exception, at.exception
    after = metro_cells()
    col = f"{shown.year} (penilaian di aplikasi)"
    assert after[col] != before[col]
    from kla.i18n import fmt_num

    assert fmt_num(new_total, "id") in after[col]
    assert len(calls) == made  # the published part was not made again
