"""Pure chart builders and the label catalogue."""

import plotly.graph_objects as go
import pytest

from kla.domain.palette import band_colours, band_ranges
from kla.i18n import catalogue, fmt_num, lang_from_locale, t
from kla.web.charts import blocks_figure, standing_figure


def test_catalogues_have_the_same_keys():
    assert set(catalogue("id")) == set(catalogue("en"))
    assert t("page.posisi") == "Posisi Predikat" and t("page.posisi", "en") == "Predicate standing"
    assert t("no.such.key") == "no.such.key"


def test_indonesian_number_format():
    assert fmt_num(723.67) == "723,67"
    assert fmt_num(1234.5) == "1.234,50"
    assert fmt_num(1234.5, "en") == "1,234.50"
    assert lang_from_locale("en-US") == "en" and lang_from_locale("id-ID") == "id"
    assert lang_from_locale(None) == "id"


def test_standing_figure_shades_and_labels_every_band(fw):
    fig = standing_figure(645.4, "Madya", fw.bands, fw.total_max)
    assert isinstance(fig, go.Figure)
    assert [(s.x0, s.x1) for s in fig.layout.shapes] == [
        (0, 500), (500, 600), (600, 700), (700, 800), (800, 900), (900, 1000)]
    labels = [a.text for a in fig.layout.annotations]
    assert labels == ["Belum berpredikat", "Pratama", "<b>Madya</b>", "Nindya", "Utama", "KLA"]
    assert list(fig.data[0].x) == [645.4] and fig.data[0].text == ("645,40",)
    assert fig.layout.xaxis.range == (0, 1000)
    assert fig.layout.separators == ",."
    current = [s for s in fig.layout.shapes if s.opacity == 1.0]
    assert [(s.x0, s.x1) for s in current] == [(600, 700)]


def test_band_ranges(fw):
    assert band_ranges(fw.bands, 1000)[0] == ("none", 0.0, 500.0)


def test_one_palette_follows_the_bands(fw, monkeypatch):
    """The predicate colours come from kla.domain.palette, keyed by the framework's bands: the
    web chart shades each band with them (the PDF report uses the same function)."""
    from kla.domain import palette, predicate
    from kla.domain.framework import Band
    from kla.web.charts import results_figure

    colours = band_colours(fw.bands)
    assert list(colours) == ["none", *(b.code for b in fw.bands)]
    assert colours == band_colours()  # the default framework
    assert len(set(colours.values())) == len(colours)  # one colour per predicate
    fig = standing_figure(645.4, "Madya", fw.bands, fw.total_max)
    assert [s.fillcolor for s in fig.layout.shapes] == list(colours.values())
    other = (Band("Bronze", 50), Band("Silver", 70), Band("Gold", 90))
    assert list(band_colours(other)) == ["none", "Bronze", "Silver", "Gold"]
    assert band_colours(other)["Bronze"] == colours["Pratama"]  # the lowest band, same step
    monkeypatch.setattr(predicate, "default_bands", lambda: other)
    monkeypatch.setattr(palette, "default_bands", lambda: other)
    counts = [{"award_year": 2023, "predicate": p, "n": 1} for p in ("Gold", "none", "Bronze")]
    fig = results_figure(counts, {}, "en")  # the ladder of the default framework's bands
    assert [tr.marker.color for tr in fig.data] == [
        colours["none"], band_colours(other)["Bronze"], band_colours(other)["Gold"]]


def test_blocks_figure_in_official_order(fw):
    rows = [(b.name("en"), b.max / 2, b.max) for b in fw.blocks.values()]
    fig = blocks_figure(rows, "en")
    maxima, scores = fig.data
    assert list(scores.y)[-1] == "Institutional strengthening"  # first block drawn on top
    assert list(maxima.x)[::-1] == [b.max for b in fw.blocks.values()]
    assert scores.text[-1] == "82.00 / 164"


def test_excel_export_neutralises_formulas_and_drops_time_zones():
    import io

    import pandas as pd
    from openpyxl import load_workbook

    from kla.io.export import xlsx_bytes

    df = pd.DataFrame({"when": pd.to_datetime(["2026-01-02 03:04"], utc=True),
                       "note": ["=1+1"]})
    ws = load_workbook(io.BytesIO(xlsx_bytes(df, "Audit")))["Audit"]
    assert ws["B2"].value == "'=1+1" and ws["A2"].value.tzinfo is None


def test_upload_display_name_is_never_a_path():
    from kla.store.evidence import display_name

    assert display_name("../../etc/SK Dinkes.pdf") == "SK Dinkes.pdf"
    assert display_name("C:\\\\berkas\\\\foto.png") == "foto.png"
    assert display_name(None) == display_name("a/") == "berkas"


def test_results_figure_published_and_app():
    from kla.web.charts import results_figure

    counts = [{"award_year": 2023, "predicate": "Madya", "n": 3},
              {"award_year": 2023, "predicate": "none", "n": 2},
              {"award_year": 2025, "predicate": "Utama", "n": 1}]
    published = results_figure(counts, {2023: {"total": 360}, 2025: {"total": 355}}, "id")
    names = [tr.name for tr in published.data]
    assert names == ["Madya", "Utama", "Jumlah nasional (resmi)"]  # no bar for "none"
    assert list(published.data[-1].y) == [360, 355]
    app = results_figure(counts, {}, "en", year_label="common.year")
    assert [tr.name for tr in app.data] == ["No predicate", "Madya", "Utama"]
    assert app.layout.xaxis.title.text == "Evaluation year"
    assert app.layout.yaxis.dtick == 1  # small counts: whole ticks only
    assert published.layout.yaxis.dtick is None
    assert app.layout.showlegend  # which colour is which, even for a single predicate


def test_legend_clears_the_axis_title_of_short_charts():
    from kla.web.charts import kha_figure

    rows = [{"kind": k, "certified": 3, "uncertified": 1, "target": 5} for k in "abcd"]
    short = kha_figure(rows)  # 264 px high: a fixed -0.2 put the legend over the axis title
    assert short.layout.legend.y * (short.layout.height - 70) == pytest.approx(-62)
