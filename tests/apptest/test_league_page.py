"""AppTest of the league tables (Pembanding, Provinsi) and the predicate statement
(Pembanding): peers listed with the chosen kab/kota marked, the group switch, the downloads,
and a statement that claims exactly what the data says."""

import io
import re

import pandas as pd
from PIL import Image

MARK = "▶"


def _league(at, marker="Dipilih"):
    return next(d for d in at.dataframe if marker in d.value.columns)


def _downloads(at):
    return {b.proto.label: b for b in at.get("download_button")}


def test_peer_league_table_groups_highlight_and_downloads(app_factory, seeded_sqlite_url):
    at = app_factory(seeded_sqlite_url, user="pengamat").run()
    at.switch_page("app_pages/pembanding.py").run()
    at.selectbox(key="peers_region").select("18.72").run()  # Kota Metro
    assert not at.exception
    assert any(h.value == "Tabel peringkat" for h in at.header)
    m = {x.label: x.value for x in at.metric}
    assert m["Peringkat di provinsi"] == "1 / 7"  # six Nindya share the first rank

    table = _league(at).value
    assert list(table.columns[:3]) == ["Dipilih", "Peringkat", "Kabupaten/Kota"]
    chosen = table[table["Dipilih"] == MARK]
    assert list(chosen["Kabupaten/Kota"]) == ["Kota Metro (18.72)"]  # marked in text
    assert chosen["Predikat"].iloc[0] == "Nindya"
    shown = list(_league(at).proto.column_order)
    assert "Provinsi" not in shown and "Tahun penghargaan" not in shown  # the same in every row
    assert {"Provinsi", "Tahun penghargaan"} <= set(table.columns)  # kept in the downloads
    assert len(table) == 15  # every kab/kota of Lampung, with or without a result
    ranked = table[table["Peringkat"].notna()]
    assert len(ranked) == 7 and list(ranked["Peringkat"]).count(1) == 6
    unranked = table[table["Peringkat"].isna()]
    assert set(unranked["Predikat"]) == {"Belum ada data"}
    assert table["Nilai publikasi"].isna().all()  # none published for Lampung 2022: no 0
    # the chosen row is highlighted, each predicate on its palette colour
    css = str(_league(at).proto)
    highlighted = {row for rule in re.findall(r"([^{}]*)\{ background-color: #ede9fe", css)
                   for row in re.findall(r"_row(\d+)_col", rule)}
    assert highlighted == {str(chosen.index[0])}  # only the chosen row
    from kla.domain.palette import band_colours

    assert f"background-color: {band_colours()['Nindya']}" in css
    labels = _downloads(at)
    assert {"Unduh CSV", "Unduh Excel"} <= set(labels)
    assert any(c.value.startswith("Provinsi Lampung, tahun penghargaan 2022: 7 dengan hasil "
                                  "yang dimuat; Kota Metro (▶, disorot) di peringkat 1.")
               for c in at.caption)
    assert chosen["Pergerakan"].tolist() == ["baru"]  # no earlier result loaded
    assert chosen["Tahun beruntun"].tolist() == [1]

    at.button_group(key="peers_league_group.id").set_value("type").run()  # every kota
    assert not at.exception
    kota = _league(at).value
    shown = list(_league(at).proto.column_order)
    assert "Provinsi" in shown and "Jenis" not in shown
    assert set(kota["Jenis"]) == {"kota"} and len(kota) > 7
    assert kota["Dipilih"].tolist().count(MARK) == 1
    at.button_group(key="peers_league_group.id").set_value("predicate").run()
    same = _league(at).value
    assert set(same["Predikat"]) == {"Nindya"} and MARK in same["Dipilih"].tolist()

    # downloads: the same rows, as CSV and Excel
    csv = _downloads(at)["Unduh CSV"]
    assert csv.proto.id


def test_a_download_holds_the_table(app_factory, seeded_sqlite_url):
    from kla.io.export import csv_bytes, xlsx_bytes

    at = app_factory(seeded_sqlite_url, user="pengamat").run()
    at.switch_page("app_pages/pembanding.py").run()
    at.selectbox(key="peers_region").select("18.72").run()
    table = _league(at).value
    back = pd.read_csv(io.BytesIO(csv_bytes(table)), encoding="utf-8-sig")
    assert list(back.columns) == list(table.columns) and len(back) == len(table)
    assert pd.read_excel(io.BytesIO(xlsx_bytes(table, "Tabel peringkat"))).shape == table.shape


def test_the_league_table_in_english(app_factory, seeded_sqlite_url):
    at = app_factory(seeded_sqlite_url, locale="en-US", user="pengamat").run()
    at.switch_page("app_pages/pembanding.py").run()
    at.selectbox(key="peers_region").select("18.72").run()
    assert not at.exception
    table = _league(at, "Chosen").value
    assert "Rank" in table.columns and "Years in a row" in table.columns
    assert set(table[table["Rank"].isna()]["Predicate"]) == {"No data yet"}
    assert any(h.value == "League table" for h in at.header)


def test_province_league_table(app_factory, seeded_sqlite_url):
    at = app_factory(seeded_sqlite_url, user="pengamat").run()
    at.selectbox(key="posisi_region").set_value("18.72").run()  # Kota Metro chosen on Posisi
    at.switch_page("app_pages/provinsi.py").run()
    at.selectbox(key="province_pick").select("18").run()
    assert not at.exception
    table = _league(at).value  # the latest award year, 2023: Kota Metro has no result
    assert len(table) == 15 and "Provinsi" not in _league(at).proto.column_order
    metro = table[table["Dipilih"] == MARK]
    assert metro["Kabupaten/Kota"].tolist() == ["Kota Metro (18.72)"]
    assert metro["Predikat"].tolist() == ["Belum ada data"] and metro["Peringkat"].isna().all()
    assert any(c.value.startswith("Tahun penghargaan 2023: 2 dari 15 kabupaten/kota")
               for c in at.caption)
    at.selectbox(key="province_year_18").set_value(2022).run()
    table = _league(at).value
    metro = table[table["Dipilih"] == MARK].iloc[0]
    assert (metro["Predikat"], metro["Peringkat"]) == ("Nindya", 1)
    assert any(c.value.startswith("Tahun penghargaan 2022: 7 dari 15 kabupaten/kota")
               for c in at.caption)
    assert {"province_league_csv", "province_league_xlsx"} <= {
        b.key for b in at.get("download_button")}


def test_the_statement_of_a_published_result(app_factory, seeded_sqlite_url):
    at = app_factory(seeded_sqlite_url, user="pengamat").run()
    at.switch_page("app_pages/pembanding.py").run()
    at.selectbox(key="peers_region").select("18.72").run()
    assert any(h.value == "Pernyataan predikat" for h in at.header)
    pick = at.selectbox(key="peers_claim_18.72.id")
    # newest first, the award before the app's FINAL of the same year (sample data, marked)
    published = "2022 · Nindya · hasil evaluasi yang dipublikasikan"
    final = "2022 · Nindya · penilaian FINAL di aplikasi · Data contoh"
    assert pick.options[-2:] == [published, final]
    assert [o for o in pick.options if "Data contoh" not in o] == [published]
    pick.set_value(pick.options.index(published)).run()
    assert not at.exception
    codes = [c.value for c in at.code]
    assert codes[0].startswith("Kota Metro meraih predikat Nindya pada evaluasi Kabupaten/Kota "
                               "Layak Anak tahun 2022.")
    assert "Sumber: hasil evaluasi KLA 2022 (dimuat " in codes[0]
    assert "dinaspppa.lampungprov.go.id" in codes[0]  # the row's own source
    assert codes[1].startswith("Kota Metro received the Nindya predicate in the 2022")
    assert not any("Data contoh" in c for c in codes)
    buttons = _downloads(at)
    png = buttons["Unduh lencana (PNG)"]
    assert png.proto.id and "Unduh teks (.txt)" in buttons
    assert at.get("image")  # the badge is shown
    assert not at.warning  # not sample data

    pick.set_value(0).run()  # the app's FINAL 2025, sample data: marked
    assert any("Data contoh" in w.value for w in at.warning)
    assert "Data contoh" in at.code[0].value and "penilaian FINAL 2025" in at.code[0].value


def test_no_badge_for_a_draft_or_without_a_predicate(app_factory, seeded_sqlite_url):
    """Kota Serang's coordinator: a published 2023 Pratama, FINAL sample assessments and a 2026
    draft. The draft is never offered. Kabupaten Rokan Hulu (2019: no predicate) gets no
    badge, and is told why."""
    at = app_factory(seeded_sqlite_url, user="koordinator.serang").run()
    at.switch_page("app_pages/pembanding.py").run()
    at.selectbox(key="peers_region").set_value("36.73").run()
    assert not at.exception
    options = at.selectbox(key="peers_claim_36.73.id").options
    assert not any(o.startswith("2026") for o in options)  # the draft: no claim
    assert "2023 · Pratama · hasil evaluasi yang dipublikasikan" in options

    at.selectbox(key="peers_region").set_value("14.06").run()
    assert not at.exception
    assert not [s for s in at.selectbox if s.key and s.key.startswith("peers_claim_14.06")]
    assert any("Kabupaten Rokan Hulu yang dimuat tidak berpredikat" in i.value
               and "tidak dibuat lencana" in i.value for i in at.info)
    assert not at.get("image")
    assert "Unduh lencana (PNG)" not in _downloads(at)


def test_claims_from_the_store(seeded_sqlite_url):
    """The service: published results (public) and closed FINAL assessments within the
    actor's scope; never a draft, never another city's app data."""
    from kla.io.badge import SIZE, badge_png
    from kla.services import league, users
    from kla.services.permissions import SYSTEM
    from kla.store.db import make_engine

    engine = make_engine(seeded_sqlite_url)
    try:
        claims, why = league.predicate_claims(engine, SYSTEM, "18.72")
        assert why is None
        assert [(c.year, c.basis, c.predicate, c.sample) for c in claims][-2:] == [
            (2022, "published", "Nindya", False), (2022, "final", "Nindya", True)]
        assert {c.basis for c in claims} == {"published", "final"}
        published = claims[-2]
        assert published.loaded is not None and "lampungprov" in published.source
        assert published.province == "Lampung" and published.region == "Kota Metro"
        with Image.open(io.BytesIO(badge_png(published))) as im:
            assert im.size == SIZE
        serang, _ = league.predicate_claims(engine, SYSTEM, "36.73")
        assert 2026 not in {c.year for c in serang}  # the 2026 self-assessment is a draft
        assert ("published", 2023, "Pratama") in {(c.basis, c.year, c.predicate)
                                                  for c in serang}
        none, why = league.predicate_claims(engine, SYSTEM, "36.01")  # nothing at all
        assert none == [] and why.key == "claim.none"
        none, why = league.predicate_claims(engine, SYSTEM, "14.06")  # 2019: no predicate
        assert none == [] and why.key == "claim.none_with_predicate"
        other = users.get_actor(engine, "koordinator.serang")
        seen, _ = league.predicate_claims(engine, other, "18.72")  # Metro's app data: hidden
        assert {c.basis for c in seen} == {"published"}
    finally:
        engine.dispose()
