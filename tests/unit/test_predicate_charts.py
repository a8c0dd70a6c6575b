"""Maps and rankings: predicates in the one palette's colours (named in the legend and the
hover), "no result loaded" its own grey category and never a 0; labels cut between words."""

import pytest

from kla.domain.palette import band_colours
from kla.domain.published import national_overview
from kla.web.charts import (
    NO_DATA,
    choropleth_figure,
    gaps_figure,
    predicate_bar_figure,
    predicate_map_figure,
    ranked_bar_figure,
    short_label,
    wrap_label,
)

CODES = ["18.01", "18.02", "18.71", "18.72", "18.73"]
NAMES = ["Kabupaten A", "Kabupaten B", "Kota C", "Kota D", "Kota E"]
PREDS = ["Nindya", None, "none", "Madya", "Nindya"]  # None: no result loaded


def colour(trace) -> str:
    lo, hi = trace.colorscale[0][1], trace.colorscale[-1][1]
    assert lo == hi  # one category, one colour
    return lo


def test_predicate_map_uses_the_palette_with_names_and_a_grey_no_data(fw):
    fig = predicate_map_figure("app/static/geo/kabkota.geojson", CODES, NAMES, PREDS)
    palette = band_colours(fw.bands)
    by_name = {tr.name: tr for tr in fig.data}
    assert list(by_name) == ["Nindya", "Madya", "Belum berpredikat", "Belum ada data"]
    assert all(tr.showlegend and tr.showscale is False for tr in fig.data)
    assert colour(by_name["Nindya"]) == palette["Nindya"]
    assert colour(by_name["Madya"]) == palette["Madya"]
    assert colour(by_name["Belum berpredikat"]) == palette["none"]
    assert colour(by_name["Belum ada data"]) == NO_DATA
    assert NO_DATA not in palette.values()  # grey "no data" is not "no predicate"
    assert list(by_name["Nindya"].locations) == ["18.01", "18.73"]
    assert list(by_name["Belum ada data"].locations) == ["18.02"]
    assert sorted(loc for tr in fig.data for loc in tr.locations) == CODES  # each once
    assert "Nindya" in by_name["Nindya"].hovertemplate
    assert "Belum ada data" in by_name["Belum ada data"].hovertemplate
    assert fig.layout.legend.title.text == "Predikat"
    en = predicate_map_figure("x", CODES, NAMES, PREDS, "en")
    assert [tr.name for tr in en.data] == ["Nindya", "Madya", "No predicate", "No result loaded"]


def test_predicate_bar_ranks_by_predicate_and_leaves_out_no_data(fw):
    fig = predicate_bar_figure(NAMES, PREDS)
    palette = band_colours(fw.bands)
    assert [tr.name for tr in fig.data] == ["Nindya", "Madya", "Belum berpredikat"]
    for tr in fig.data:
        code = "none" if tr.name == "Belum berpredikat" else tr.name
        assert tr.marker.color == palette[code]
    shown = [n for tr in fig.data for n in tr.y]
    assert "Kabupaten B" not in shown and len(shown) == 4  # no result: not a bar, not a 0
    # plotly draws the first category at the bottom: the highest predicate ends on top
    assert list(fig.layout.yaxis.categoryarray) == ["Kota C", "Kota D", "Kota E", "Kabupaten A"]
    steps = {n: x for tr in fig.data for n, x in zip(tr.y, tr.x)}
    assert steps["Kota C"] >= 1 and steps["Kabupaten A"] > steps["Kota D"] > steps["Kota C"]
    assert list(fig.layout.xaxis.ticktext)[:3] == ["Belum berpredikat", "Pratama", "Madya"]


def test_province_map_and_ranking_without_results_are_not_zero():
    """11 results loaded in one year: the provinces without any are absent from the bars and
    grey on the map, never drawn as 0 %."""
    regions = {"18": "Lampung", "18.01": "Kab A", "18.71": "Kota B", "31": "DKI",
               "31.71": "Kota D", "32": "Jawa Barat", "32.01": "Kab E"}
    rows = [{"kode": "18.01", "nama": "Kab A", "award_year": 2025, "predicate": "Madya"},
            {"kode": "31.71", "nama": "Kota D", "award_year": 2025, "predicate": "none"}]
    prov = {p["kode"]: p for p in national_overview(rows, {}, regions)["provinces"][2025]}
    assert (prov["18"]["with_predicate"], prov["18"]["share"], prov["18"]["loaded"]) == (1, 50.0, 1)
    assert (prov["31"]["with_predicate"], prov["31"]["share"]) == (0, 0.0)  # loaded: a real 0
    assert prov["32"]["with_predicate"] is None and prov["32"]["share"] is None  # none loaded
    codes = sorted(prov)
    values = [prov[k]["share"] for k in codes]
    names = [prov[k]["nama"] for k in codes]
    bar = ranked_bar_figure(names, values, "Kab/kota berpredikat (%)")
    assert list(bar.data[0].y) == ["DKI", "Lampung"] and list(bar.data[0].x) == [0.0, 50.0]
    fig = choropleth_figure("app/static/geo/provinsi.geojson", codes, values, names, "%",
                            percent=True)
    data, grey = fig.data
    assert list(data.locations) == ["18", "31"] and list(data.z) == [50.0, 0.0]
    assert list(grey.locations) == ["32"] and grey.name == "Belum ada data"
    assert colour(grey) == NO_DATA and grey.showlegend
    full = choropleth_figure("x", ["18"], [50.0], ["Lampung"], "%")
    assert len(full.data) == 1  # nothing missing: no grey category


def test_labels_are_cut_between_words():
    name = ("Lembaga dan Pelayanan Kesejahteraan Sosial Anak yang terstandarisasi dan "
            "terakreditasi")
    short = short_label(name, 48)
    assert len(short) <= 48 and short.endswith("…")
    assert name.startswith(short.removesuffix(" …"))
    assert short.removesuffix(" …").split()[-1] in name.split()  # a whole word
    wrapped = wrap_label(f"21A · {name}", 40)
    lines = wrapped.split("<br>")
    assert len(lines) == 2 and all(len(x) <= 40 for x in lines)
    words = f"21A · {name}".split()
    assert all(w in words for x in lines for w in x.removesuffix(" …").split())
    fig = gaps_figure([{"indicator": "21A", "name": name, "at_stake": 25.51}])
    assert fig.data[0].y[0] == wrapped
    assert fig.data[0].customdata[0] == f"21A · {name}"  # the hover keeps the whole name


@pytest.mark.parametrize("lang", ["id", "en"])
def test_no_data_label_in_both_languages(lang):
    fig = choropleth_figure("x", ["1"], [None], ["A"], "%", lang)
    assert fig.data[-1].name == {"id": "Belum ada data", "en": "No result loaded"}[lang]
