"""The pages say the same number wherever it appears, in the reader's language: Kesenjangan's
question list adds up to its headline, Usulan's delta follows the sign of the change, the
case registry writes its median with a decimal comma."""

import re

import pytest

from kla.domain.framework import get_framework
from kla.domain.gaps import gap_rows
from kla.domain.sample import SAMPLE_CITIES, generate
from kla.domain.scoring import score


def number(text: str) -> float:
    """An Indonesian number as written on the page: 1.234,56 → 1234.56."""
    return float(text.replace(".", "").replace(",", ".").replace("−", "-"))


def metrics(at) -> dict:
    return {m.label: m for m in at.metric}


def test_gaps_list_adds_up_to_the_headline_key_columns_first(app_factory, seeded_sqlite_url):
    at = app_factory(seeded_sqlite_url).run()
    at.switch_page("app_pages/kesenjangan.py").run()
    at.selectbox(key="gaps_region").set_value("36.73").run()
    at.selectbox(key="gaps_year_36.73").set_value(2025).run()
    at.selectbox(key="gaps_stage_36.73_2025.id").set_value("FINAL").run()
    assert not at.exception
    headline = metrics(at)["Poin belum diraih"].value
    assert headline == "354,60"  # 1.000 − 645,40
    at.toggle(key="gaps_below").set_value(False).run()  # every question
    table = next(d.value for d in at.dataframe if "Mengapa poin hilang" in d.value.columns)
    assert len(table) == 274
    assert round(100 * table["Poin belum diraih"].sum()) == 35460  # was 357,54 (cap 19)
    assert any(c.value == "274 pertanyaan, 354,60 poin belum diraih." for c in at.caption)
    assert any(c.value.startswith("Indikator 19") for c in at.caption)  # the cap, explained
    assert list(table.columns[:4]) == ["ID", "Kredit", "Poin belum diraih",
                                       "Mengapa poin hilang"]
    per_block = next(d.value for d in at.dataframe if list(d.value.columns)[0] == "Blok")
    assert round(100 * per_block["Poin belum diraih"].sum()) == 35460


def test_usulan_delta_follows_the_sign_and_counts_real_changes(app_factory,
                                                               seeded_sqlite_url):
    at = app_factory(seeded_sqlite_url).run()
    at.switch_page("app_pages/usulan.py").run()
    assert not at.exception
    m = metrics(at)
    total = m["Total nilai dengan usulan registri"]
    caption = next(c.value for c in at.caption if c.value.startswith("Perubahan: kredit"))
    n = int(re.search(r"kredit (\d+) pertanyaan", caption).group(1))
    before = number(re.search(r"total (\d{1,3}(?:\.\d{3})*,\d{2})", caption).group(1))
    after = number(total.value)
    if after == before:
        assert not total.proto.delta
    else:
        delta = total.proto.delta
        assert delta.startswith("-") == (after < before)  # a fall is never a green arrow up
        assert abs(number(delta.lstrip("+")) - (after - before)) < 0.006
        assert not any(p in delta for p in ("Pratama", "Madya", "Nindya", "Utama", "KLA"))
    table = next(d.value for d in at.dataframe if "Alasan" in d.value.columns)
    kd = table[table["ID"].str.match(r"2[56]\.")]
    changed = kd[kd["Usulan"].notna() & ((kd["Usulan"] - kd["Kredit sekarang"].fillna(0)).abs()
                                         > 1e-9)]
    assert n == len(changed) < len(kd[kd["Usulan"].notna()])  # unchanged ones not counted


@pytest.mark.parametrize("lang,mark", [("id", ","), ("en", ".")])
def test_case_registry_median_in_the_readers_language(app_factory, seeded_sqlite_url, lang,
                                                      mark):
    at = app_factory(seeded_sqlite_url, locale="en-US" if lang == "en" else "id-ID").run()
    at.switch_page("app_pages/kasus_ppa.py").run()
    assert not at.exception
    label = "Median hari sampai ditangani" if lang == "id" else None
    median = next(m for m in at.metric if label is None or m.label == label
                  if "edian" in m.label)
    other = "." if mark == "," else ","
    assert other not in median.value  # "1", "1,5" — never "1.0"
    assert not median.value.endswith(f"{mark}0")


def test_the_fixture_city_has_a_capped_indicator_at_stake(fw=None):
    """The sample behind these checks: Kota Serang 2025 FINAL loses points in indicator 19."""
    fw = get_framework()
    serang = next(c for c in SAMPLE_CITIES if c.kode == "36.73")
    year = next(y for y in serang.years if y.year == 2025)
    final = generate(fw, f"{serang.kode}:2025", year.totals)["FINAL"]
    rows = gap_rows(fw, final, score(fw, final))
    assert sum(r["at_stake"] for r in rows if r["indicator"] == "19") > 0


def shown(table):
    """A styled table's cells as the reader sees them (``kla.web.tables``: the Styler's
    display values), not the numbers behind them."""
    from streamlit import dataframe_util

    assert table.proto.arrow_data.HasField("styler"), "not written by kla.web.tables"
    return dataframe_util.convert_arrow_bytes_to_pandas_df(
        table.proto.arrow_data.styler.display_values)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_isian_writes_credits_and_the_sample_writer_in_the_readers_language(
        app_factory, seeded_sqlite_url, lang):
    """An unanswered credit is "–" (it read "None"), credits have the language's decimal mark
    in the table as on the buttons (the table wrote "0,5" in English), and the sample data's
    writer is said in words ("system" read as a user name)."""
    at = app_factory(seeded_sqlite_url, user="koordinator.serang").run()
    at.switch_page("app_pages/isian.py").run()
    at.selectbox(key="entry_year_36.73").set_value(2026).run()
    if lang == "en":  # (AppTest runs a format_func in Indonesian: choose there, then switch)
        at.session_state["lang"] = "en"
        at.run()
    assert not at.exception, at.exception
    credit, opd = ("Kredit", "OPD") if lang == "id" else ("Credit", "Agency (OPD)")
    table = next(d for d in at.dataframe if opd in d.value.columns)
    values, cells = table.value[credit], shown(table)[credit]
    assert values.isna().any() and (values == 0.5).any() and (values == 0.75).any()
    assert set(cells[values.isna()]) == {"–"}
    assert "None" not in set(cells) and "nan" not in set(cells)
    mark, other = ("," if lang == "id" else "."), ("." if lang == "id" else ",")
    assert set(cells[values == 0.5]) == {f"0{mark}5"}
    assert set(cells[values == 0.75]) == {f"0{mark}75"}
    assert not cells.str.contains(other, regex=False).any()
    buttons = next(b for b in at.get("button_group") if b.key.startswith("entry_credit_"))
    assert f"0{mark}25" in buttons.options  # the same mark on the buttons
    saved = next(c.value for c in at.caption if c.value.startswith(("Terakhir", "Last saved")))
    assert ("oleh sistem (data contoh)," if lang == "id"
            else "by system (sample data),") in saved
    toggle = at.toggle(key="entry_open")
    assert len(toggle.label) <= 28 and len(toggle.proto.help) > len(toggle.label)
