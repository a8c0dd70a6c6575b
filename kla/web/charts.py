"""Charts as pure functions returning plotly figures (testable without Streamlit).

Colours come from the one palette (``kla.domain.palette``), shared with the PDF report."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import plotly.graph_objects as go

from kla.domain.framework import Band
from kla.domain.palette import (
    AT_STAKE,
    BACKDROP,
    BAR,
    BAR_BG,
    EFFORT,
    INK,
    LOSS,
    MUTED,
    NO_DATA,
    SEQUENTIAL,
    STAGE_COLOURS,
    UNKNOWN,
    WHITE,
    band_colours,
    band_ranges,
    ink_on,
)
from kla.domain.predicate import predicate_codes
from kla.i18n import fmt_num, plotly_separators, t

# Text drawn over band colours (a mark's label) sits on this, whatever the band.
LABEL_BG = "rgba(255,255,255,0.85)"


def short_label(text: str, width: int = 48) -> str:
    """``text`` cut at a word boundary to at most ``width`` characters ("…" when cut)."""
    return textwrap.shorten(" ".join(str(text).split()), width, placeholder=" …")


def wrap_label(text: str, width: int = 40, lines: int = 2) -> str:
    """``text`` on at most ``lines`` lines of ``width`` characters, broken between words
    (``<br>`` for plotly), the last line cut at a word boundary when it is too long."""
    parts = textwrap.wrap(" ".join(str(text).split()), width)
    if len(parts) > lines:
        parts = [*parts[:lines - 1], short_label(" ".join(parts[lines - 1:]), width)]
    return "<br>".join(parts)


def standing_figure(total: float, predicate: str, bands: Sequence[Band],
                    total_max: float = 1000.0, lang: str = "id",
                    marks: Sequence[tuple[str, float]] = ()) -> go.Figure:
    """The total on a 0–total_max axis, the predicate bands shaded and labelled; ``marks``
    adds labelled vertical lines (e.g. a baseline or a forecast)."""
    colours = band_colours(bands)
    shapes, notes = [], []
    for code, lo, hi in band_ranges(bands, total_max):
        shapes.append(dict(type="rect", x0=lo, x1=hi, y0=0, y1=1, yref="paper", layer="below",
                           line_width=0, fillcolor=colours.get(code, UNKNOWN),
                           opacity=1.0 if code == predicate else BACKDROP))
        notes.append(dict(x=(lo + hi) / 2, y=1.0, yref="paper", yanchor="bottom",
                          text=f"<b>{t('predicate.' + code, lang)}</b>" if code == predicate
                          else t("predicate." + code, lang),
                          showarrow=False, font={"size": 12, "color": INK}))
    # shapes and annotations in one layout: one validated call, not one per band (a rerun
    # spent 0.04 s in add_shape / add_annotation here, docs/deploy.md)
    fig = go.Figure(layout={"shapes": shapes, "annotations": notes})
    # a white outline and the value in white on the bar's own teal: both read on any band
    # behind them, light or dark
    fig.add_trace(go.Bar(
        x=[total], y=[t("chart.total", lang)], orientation="h", width=0.35,
        marker={"color": BAR, "line": {"color": WHITE, "width": 1.5}},
        text=[fmt_num(total, lang)], textposition="auto", cliponaxis=False,
        insidetextanchor="end", insidetextfont={"color": WHITE},
        outsidetextfont={"color": INK},
        hovertemplate=(f"{t('chart.total', lang)}: {fmt_num(total, lang)} · "
                       f"{t('predicate.' + predicate, lang)}<extra></extra>"),
        name=t("chart.total", lang), showlegend=False,
    ))
    for i, (label, value) in enumerate(marks):
        # labels of neighbouring marks never overlap: the first below the bar, the second
        # above it (and so on); each runs towards the middle of the axis, so it stays inside
        row = "bottom" if i % 2 == 0 else "top"
        side = "left" if value > total_max / 2 else "right"
        fig.add_vline(x=value, line_color=WHITE, line_width=4)  # the dashed line on dark bands
        fig.add_vline(x=value, line_dash="dash", line_color=INK, line_width=2,
                      annotation_text=f"{label}: {fmt_num(value, lang)}",
                      annotation_position=f"{row} {side}", annotation_bgcolor=LABEL_BG,
                      annotation_font_color=INK)
    fig.update_xaxes(range=[0, total_max], title_text=t("chart.axis_total", lang),
                     tickvals=[0] + [b.min for b in bands] + [total_max], showgrid=False)
    fig.update_yaxes(showticklabels=False)
    fig.update_layout(height=190, margin={"l": 10, "r": 10, "t": 40, "b": 40},
                      separators=plotly_separators(lang), plot_bgcolor="white", bargap=0.1)
    return fig


def blocks_figure(rows: Sequence[tuple[str, float, float]], lang: str = "id") -> go.Figure:
    """Each block's score against its maximum: ``rows`` = (label, score, max), in order."""
    labels = [r[0] for r in rows][::-1]  # first block on top
    scores = [r[1] for r in rows][::-1]
    maxima = [r[2] for r in rows][::-1]
    fig = go.Figure()
    fig.add_trace(go.Bar(y=labels, x=maxima, orientation="h", marker_color=BAR_BG,
                         name=t("chart.max", lang), hoverinfo="skip"))
    fig.add_trace(go.Bar(
        y=labels, x=scores, orientation="h", marker_color=BAR, name=t("chart.achieved", lang),
        text=[f"{fmt_num(s, lang)} / {fmt_num(m, lang, 0)}" for s, m in zip(scores, maxima)],
        textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: %{x:.2f}<extra></extra>",
    ))
    fig.update_layout(barmode="overlay", height=70 + 46 * len(rows),
                      margin={"l": 10, "r": 90, "t": 10, "b": 40},
                      separators=plotly_separators(lang), plot_bgcolor="white",
                      legend={"orientation": "h", "y": -0.15},
                      xaxis_title=t("chart.points", lang))
    fig.update_yaxes(automargin=True)
    return fig


def _layout(fig: go.Figure, lang: str, height: int, **kw) -> go.Figure:
    margin = kw.setdefault("margin", {"l": 10, "r": 30, "t": 30, "b": 40})
    # the legend sits below the axis title: about 62 px under the plot, whatever its height
    # (a fixed fraction put it over the title of short charts)
    plot = max(height - margin.get("t", 0) - margin.get("b", 0), 1)
    fig.update_layout(height=height, separators=plotly_separators(lang), plot_bgcolor="white",
                      legend={"orientation": "h", "y": -max(0.2, 62 / plot)}, **kw)
    return fig


def _band_backdrop(fig: go.Figure, bands: Sequence[Band], total_max: float, lang: str) -> None:
    """Predicate bands as horizontal stripes behind a chart whose y axis is the total."""
    colours = band_colours(bands)
    shapes, notes = [], []
    for code, lo, hi in band_ranges(bands, total_max):
        shapes.append(dict(type="rect", xref="x domain", x0=0, x1=1, y0=lo, y1=hi,
                           line_width=0, layer="below", opacity=BACKDROP,
                           fillcolor=colours.get(code, UNKNOWN)))
        notes.append(dict(x=1.0, xref="paper", xanchor="left", y=(lo + hi) / 2,
                          text=t("predicate." + code, lang), showarrow=False,
                          font={"size": 11, "color": INK}))
    fig.update_layout(shapes=[*fig.layout.shapes, *shapes],
                      annotations=[*fig.layout.annotations, *notes])


def gaps_figure(rows: Sequence[dict], lang: str = "id", top: int = 15) -> go.Figure:
    """Indicators with the most points at stake: ``rows`` from ``gaps.indicator_gaps``."""
    rows = [r for r in rows if r["at_stake"] > 0][:top][::-1]
    fig = go.Figure(go.Bar(
        y=[wrap_label(f"{r['indicator']} · {r['name']}") for r in rows],
        x=[r["at_stake"] for r in rows], orientation="h", marker_color=AT_STAKE,
        text=[fmt_num(r["at_stake"], lang) for r in rows], textposition="outside",
        customdata=[f"{r['indicator']} · {r['name']}" for r in rows],
        cliponaxis=False, hovertemplate="%{customdata}: %{x:.2f}<extra></extra>"))
    fig.update_yaxes(automargin=True)
    return _layout(fig, lang, 90 + 38 * len(rows), xaxis_title=t("chart.at_stake", lang))


def progress_figure(history: Sequence[dict], em: Sequence[tuple[int, float]],
                    bands: Sequence[Band], total_max: float = 1000.0,
                    lang: str = "id") -> go.Figure:
    """Total per year (most verified stage) and the self-assessment (EM), bands behind."""
    fig = go.Figure()
    _band_backdrop(fig, bands, total_max, lang)
    if em:
        fig.add_trace(go.Scatter(x=[y for y, _ in em], y=[v for _, v in em], mode="lines+markers",
                                 name=t("stage.EM", lang), line={"dash": "dot", "color": MUTED}))
    fig.add_trace(go.Scatter(
        x=[h["year"] for h in history], y=[h["total"] for h in history], mode="lines+markers+text",
        name=t("chart.verified", lang), line={"color": BAR, "width": 3},
        text=[fmt_num(h["total"], lang) for h in history], textposition="top center",
        textfont={"color": INK}))  # ink on the shaded bands (palette.BACKDROP)
    fig.update_xaxes(type="category", title_text=t("common.year", lang))
    fig.update_yaxes(range=[0, total_max], title_text=t("chart.points", lang))
    return _layout(fig, lang, 380, margin={"l": 10, "r": 110, "t": 30, "b": 40})


def stages_figure(rows: Sequence[tuple[int, str, float]], lang: str = "id") -> go.Figure:
    """Total per stage, grouped by year: ``rows`` = (year, stage, total)."""
    stages = [s for s in ("EM", "VA", "VL", "FINAL") if any(r[1] == s for r in rows)]
    colours = STAGE_COLOURS
    fig = go.Figure()
    for stage in stages:
        pts = [(y, v) for y, s, v in rows if s == stage]
        fig.add_trace(go.Bar(x=[str(y) for y, _ in pts], y=[v for _, v in pts],
                             name=t(f"stage.{stage}", lang), marker_color=colours[stage],
                             hovertemplate="%{x}: %{y:.2f}<extra></extra>"))
    fig.update_xaxes(type="category")
    fig.update_yaxes(title_text=t("chart.points", lang))
    return _layout(fig, lang, 340, barmode="group")


def compare_blocks_figure(rows: Sequence[dict], labels: dict[str, str],
                          lang: str = "id") -> go.Figure:
    """Baseline vs scenario per block: ``rows`` from ``WhatIf.block_rows``."""
    fig = go.Figure()
    names = [labels.get(r["block"], r["block"]) for r in rows][::-1]
    fig.add_trace(go.Bar(y=names, x=[r["baseline"] for r in rows][::-1], orientation="h",
                         name=t("chart.baseline", lang), marker_color=BAR_BG))
    fig.add_trace(go.Bar(y=names, x=[r["scenario"] for r in rows][::-1], orientation="h",
                         name=t("chart.scenario", lang), marker_color=BAR,
                         text=[("+" if r["delta"] > 0 else "") + fmt_num(r["delta"], lang)
                               if r["delta"] else "" for r in rows][::-1],
                         textposition="outside", cliponaxis=False))
    fig.update_yaxes(automargin=True)
    return _layout(fig, lang, 90 + 56 * len(rows), barmode="group",
                   xaxis_title=t("chart.points", lang))


def by_agency_figure(rows: Sequence[dict], lang: str = "id") -> go.Figure:
    """Points and effort per agency (OPD): ``rows`` = {"opd", "points", "effort"}."""
    rows = sorted(rows, key=lambda r: r["points"])
    fig = go.Figure()
    fig.add_trace(go.Bar(y=[r["opd"] for r in rows], x=[r["points"] for r in rows],
                         orientation="h", name=t("chart.points", lang), marker_color=BAR,
                         text=[fmt_num(r["points"], lang) for r in rows],
                         textposition="outside", cliponaxis=False))
    fig.add_trace(go.Bar(y=[r["opd"] for r in rows], x=[r["effort"] for r in rows],
                         orientation="h", name=t("chart.effort", lang), marker_color=EFFORT))
    fig.update_yaxes(automargin=True)
    return _layout(fig, lang, 100 + 44 * len(rows), barmode="group")


def falls_figure(falls: Sequence[tuple[int, float]], average: float | None,
                 lang: str = "id") -> go.Figure:
    """Points lost between self-assessment and verification, per past year, and their
    average as a dashed line. Nothing is written where the line runs: each bar's value sits
    inside it at its base, the average is named in the legend (a dashed line beside it)."""
    fig = go.Figure(go.Bar(x=[str(y) for y, _ in falls], y=[f for _, f in falls],
                           marker_color=LOSS, text=[fmt_num(f, lang) for _, f in falls],
                           textposition="inside", insidetextanchor="start", textangle=0,
                           insidetextfont={"color": ink_on(LOSS)},
                           name=t("chart.fall", lang)))
    if average is not None:
        fig.add_hline(y=average, line_dash="dash", line_color=INK)
        fig.add_trace(go.Scatter(  # the line's name in the legend, drawn as a dashed line
            x=[None], y=[None], mode="lines", line={"dash": "dash", "color": INK},
            name=f"{t('common.avg_fall', lang)}: {fmt_num(average, lang)}",
            hoverinfo="skip"))
    fig.update_xaxes(type="category")
    fig.update_yaxes(title_text=t("chart.points", lang))
    return _layout(fig, lang, 300)


STANDARD_COLOURS = {"certified": BAR, "in_process": EFFORT, "not_standardized": LOSS}


def play_areas_figure(rows: Sequence[dict], names: dict[str, str], labels: dict[str, str],
                      lang: str = "id") -> go.Figure:
    """Play areas per kecamatan, stacked by standard status (unstandardised in red)."""
    kec = sorted({r["kecamatan_kode"] for r in rows})
    fig = go.Figure()
    for status, colour in STANDARD_COLOURS.items():
        counts = [sum(1 for r in rows if r["kecamatan_kode"] == k and r["standard"] == status)
                  for k in kec]
        fig.add_trace(go.Bar(y=[names.get(k, k) for k in kec], x=counts, orientation="h",
                             name=labels[status], marker_color=colour))
    fig.update_yaxes(automargin=True)
    return _layout(fig, lang, 120 + 36 * len(kec), barmode="stack",
                   xaxis_title=t("reg.count", lang))


def kha_figure(rows: Sequence[dict], lang: str = "id") -> go.Figure:
    """Per provider kind: trained with certificate, trained without, and the target."""
    rows = sorted(rows, key=lambda r: r["kind"])
    fig = go.Figure()
    y = [r["kind"] for r in rows]
    fig.add_trace(go.Bar(y=y, x=[r["certified"] for r in rows], orientation="h",
                         name=t("reg.kha_certified", lang), marker_color=BAR))
    fig.add_trace(go.Bar(y=y, x=[r["uncertified"] for r in rows], orientation="h",
                         name=t("reg.kha_outstanding", lang), marker_color=EFFORT))
    fig.add_trace(go.Scatter(y=y, x=[r["target"] or None for r in rows], mode="markers",
                             name=t("reg.target", lang),
                             marker={"symbol": "line-ns", "size": 22, "color": INK,
                                     "line": {"width": 3, "color": INK}}))
    fig.update_yaxes(automargin=True)
    return _layout(fig, lang, 120 + 36 * len(rows), barmode="stack",
                   xaxis_title=t("reg.providers", lang))


def coverage_figure(rows: Sequence[dict], body_labels: dict[str, str],
                    lang: str = "id") -> go.Figure:
    """Share of desa/kelurahan with each body, per kecamatan: ``rows`` = {body, name, share}."""
    fig = go.Figure()
    for body, label in body_labels.items():
        pts = [r for r in rows if r["body"] == body]
        fig.add_trace(go.Bar(x=[r["name"] for r in pts], y=[100 * r["share"] for r in pts],
                             name=label, hovertemplate="%{x}: %{y:.0f} %<extra></extra>"))
    fig.update_yaxes(range=[0, 100], title_text="%")
    return _layout(fig, lang, 360, barmode="group")


def handling_figure(rows: Sequence[dict], lang: str = "id") -> go.Figure:
    """Median and 90th-percentile days to first handling, per month reported."""
    fig = go.Figure()
    fig.add_trace(go.Bar(x=[r["month"] for r in rows], y=[r["cases"] for r in rows],
                         name=t("reg.cases", lang), marker_color=BAR_BG, yaxis="y2"))
    for key, colour in (("median_days", BAR), ("p90_days", LOSS)):
        fig.add_trace(go.Scatter(x=[r["month"] for r in rows], y=[r[key] for r in rows],
                                 mode="lines+markers", name=t(f"reg.{key}", lang),
                                 line={"color": colour}))
    most = max((r["cases"] for r in rows), default=0)
    fig.update_layout(yaxis={"title": t("reg.days", lang), "rangemode": "tozero"},
                      yaxis2={"overlaying": "y", "side": "right", "showgrid": False,
                              "title": t("reg.cases", lang), "rangemode": "tozero",
                              # its own whole-number ticks, not the day axis's synced to it
                              "tickmode": "auto", "tickformat": ",d",
                              **({"dtick": 1} if most <= 10 else {})})
    fig.update_xaxes(type="category")
    return _layout(fig, lang, 340)


def results_figure(counts: Sequence[dict], national: dict[int, dict],
                   lang: str = "id", year_label: str = "common.award_year") -> go.Figure:
    """Kab/kota per year stacked by predicate, the national total beside them when given:
    ``counts`` = {"award_year", "predicate", "n"}."""
    years = sorted({c["award_year"] for c in counts} | set(national))
    fig = go.Figure()
    colours = band_colours()
    for pred in predicate_codes():  # the default framework's ladder, "none" first
        ys = [sum(c["n"] for c in counts if c["award_year"] == y and c["predicate"] == pred)
              for y in years]
        if any(ys) and (pred != "none" or not national):  # published: predicates only
            label = t(f"predicate.{pred}", lang)
            # the predicate's name on its segment where it fits (always in legend and hover)
            fig.add_trace(go.Bar(x=[str(y) for y in years], y=ys, name=label,
                                 marker_color=colours[pred],
                                 marker_line={"color": INK, "width": 0.5},
                                 text=[f"{label}: {n}" if n else "" for n in ys],
                                 textposition="inside", insidetextanchor="middle",
                                 textfont={"color": ink_on(colours[pred])},
                                 hovertemplate=f"%{{x}} · {label}: %{{y}}<extra></extra>"))
    if national:
        fig.add_trace(go.Scatter(x=[str(y) for y in years],
                                 y=[national.get(y, {}).get("total") for y in years],
                                 mode="markers+text", name=t("results.national", lang),
                                 text=[fmt_num(national[y]["total"], lang, 0) if y in national
                                       else "" for y in years], textposition="top center",
                                 marker={"symbol": "diamond", "size": 11, "color": INK}))
    fig.update_xaxes(type="category", title_text=t(year_label, lang))
    fig.update_yaxes(title_text=t("results.cities", lang))
    top = max((max(sum(c["n"] for c in counts if c["award_year"] == y),
                    (national.get(y) or {}).get("total") or 0) for y in years), default=0)
    if top <= 10:
        fig.update_yaxes(dtick=1)  # counts of kab/kota: no "1,5" ticks
    return _layout(fig, lang, 380, barmode="stack", showlegend=True,  # also for one predicate
                   uniformtext={"minsize": 9, "mode": "hide"})


TOPOJSON_URL = "app/static/topojson/"  # served by Streamlit (static/), so maps draw offline
MAP_CONFIG = {"displayModeBar": False, "topojsonURL": TOPOJSON_URL}


def _geo_layout(fig: go.Figure, lang: str, legend: bool = False) -> go.Figure:
    fig.update_geos(fitbounds="locations", visible=False)
    fig.update_layout(height=430, margin={"l": 0, "r": 0, "t": 10, "b": 0},
                      separators=plotly_separators(lang))
    if legend:
        fig.update_layout(legend={"orientation": "h", "y": -0.02, "yanchor": "top",
                                  "x": 0, "xanchor": "left"})
    return fig


def _flat(colour: str) -> list[list]:
    """A colourscale of one colour: a choropleth trace painted as one category."""
    return [[0, colour], [1, colour]]


def _no_data_trace(geojson: dict | str, codes: Sequence[str], names: Sequence[str],
                   lang: str) -> go.Choropleth:
    label = t("chart.no_data", lang)
    return go.Choropleth(
        geojson=geojson, locations=list(codes), z=[0] * len(codes),
        featureidkey="properties.kode", text=list(names), colorscale=_flat(NO_DATA),
        showscale=False, marker_line_width=0.5, marker_line_color=MUTED, name=label,
        showlegend=True, hovertemplate=f"%{{text}}: {label}<extra></extra>")


def choropleth_figure(geojson: dict | str, codes: Sequence[str],
                      values: Sequence[float | None], names: Sequence[str], title: str,
                      lang: str = "id", percent: bool = False) -> go.Figure:
    """Regions coloured by ``values`` (joined on the feature property ``kode``). A value None
    means "no result loaded": such regions are drawn in the grey "no data" category (legend
    and hover say so), never as 0. ``geojson`` is the boundaries or, better, their URL
    (``kla.web.geo.geojson_url``): the browser then fetches them once instead of receiving
    them inside the chart."""
    have = [i for i, v in enumerate(values) if v is not None]
    missing = [i for i, v in enumerate(values) if v is None]
    fig = go.Figure(go.Choropleth(
        geojson=geojson, locations=[codes[i] for i in have], z=[values[i] for i in have],
        featureidkey="properties.kode", text=[names[i] for i in have],
        colorscale=[list(stop) for stop in SEQUENTIAL], zmin=0,
        zmax=max([values[i] for i in have] + [1]), marker_line_width=0.5,
        marker_line_color=MUTED, showlegend=False,
        colorbar={"title": title, "ticksuffix": " %" if percent else ""},
        hovertemplate="%{text}: %{z:.0f}" + (" %" if percent else "") + "<extra></extra>"))
    if missing:
        fig.add_trace(_no_data_trace(geojson, [codes[i] for i in missing],
                                     [names[i] for i in missing], lang))
    return _geo_layout(fig, lang, legend=bool(missing))


def _ladder(bands: Sequence[Band] | None = None) -> list[str]:
    """Predicate codes from the highest band down to ``none`` (the legend's order)."""
    return predicate_codes(bands)[::-1]


def predicate_map_figure(geojson: dict | str, codes: Sequence[str], names: Sequence[str],
                         predicates: Sequence[str | None], lang: str = "id",
                         bands: Sequence[Band] | None = None) -> go.Figure:
    """Regions coloured by their predicate, one category per predicate in the palette's
    colours (``palette.band_colours``), the predicate named in the legend and the hover; a
    predicate None ("no result loaded") is its own grey category. Joined on ``kode``."""
    colours = band_colours(bands)
    fig = go.Figure()
    for code in _ladder(bands):
        idx = [i for i, p in enumerate(predicates) if p == code]
        if not idx:
            continue
        label = t(f"predicate.{code}", lang)
        fig.add_trace(go.Choropleth(
            geojson=geojson, locations=[codes[i] for i in idx], z=[0] * len(idx),
            featureidkey="properties.kode", text=[names[i] for i in idx],
            colorscale=_flat(colours.get(code, UNKNOWN)), showscale=False,
            marker_line_width=0.5, marker_line_color=MUTED, name=label, showlegend=True,
            hovertemplate=f"%{{text}}: {label}<extra></extra>"))
    missing = [i for i, p in enumerate(predicates) if p is None]
    if missing:
        fig.add_trace(_no_data_trace(geojson, [codes[i] for i in missing],
                                     [names[i] for i in missing], lang))
    fig.update_layout(legend_title_text=t("chart.predicate", lang))
    return _geo_layout(fig, lang, legend=True)


def predicate_bar_figure(names: Sequence[str], predicates: Sequence[str | None],
                         lang: str = "id", bands: Sequence[Band] | None = None) -> go.Figure:
    """The same data as a predicate map, as a ranked bar (no shape needed): one bar per
    region up to its step on the predicate ladder (``none`` the first step), in the
    predicate's colour, highest first. Regions with no result loaded have no step: they are
    left out (the page names them)."""
    colours = band_colours(bands)
    ladder = predicate_codes(bands)  # lowest first: the x axis
    step = {code: i + 1 for i, code in enumerate(ladder)}
    # bottom to top (plotly's order of categories): lowest step first, names Z → A, so the
    # chart reads from the highest predicate down, names A → Z within one
    ranked = sorted(sorted(((p, n) for p, n in zip(predicates, names) if p is not None),
                           key=lambda pn: pn[1], reverse=True),
                    key=lambda pn: step.get(pn[0], 0))
    fig = go.Figure()
    for code in _ladder(bands):
        pts = [n for p, n in ranked if p == code]
        if not pts:
            continue
        label, colour = t(f"predicate.{code}", lang), colours.get(code, UNKNOWN)
        fig.add_trace(go.Bar(
            x=[step[code]] * len(pts), y=pts, orientation="h", name=label,
            marker={"color": colour, "line": {"color": INK, "width": 0.5}},
            text=[label] * len(pts), textposition="inside", insidetextanchor="start",
            insidetextfont={"color": ink_on(colour)},
            hovertemplate=f"%{{y}}: {label}<extra></extra>"))
    fig.update_xaxes(tickvals=list(step.values()),
                     ticktext=[t(f"predicate.{c}", lang) for c in ladder],
                     range=[0, len(ladder) + 0.2], title_text=t("chart.predicate", lang))
    fig.update_yaxes(automargin=True, categoryorder="array",
                     categoryarray=[n for _, n in ranked])
    return _layout(fig, lang, 110 + 24 * len(ranked), barmode="overlay", showlegend=True)


def ranked_bar_figure(names: Sequence[str], values: Sequence[float | None], title: str,
                      lang: str = "id") -> go.Figure:
    """The same data as a map, as a ranked bar (always available; no shape needed). A value
    None ("no result loaded") is left out, never drawn as 0."""
    pairs = sorted((v, n) for v, n in zip(values, names) if v is not None)
    fig = go.Figure(go.Bar(x=[v for v, _ in pairs], y=[n for _, n in pairs], orientation="h",
                           marker_color=BAR, text=[fmt_num(v, lang, 0) for v, _ in pairs],
                           textposition="outside", cliponaxis=False))
    fig.update_yaxes(automargin=True)
    return _layout(fig, lang, 80 + 22 * len(pairs), xaxis_title=title)


def agency_matrix_figure(agencies: Sequence[str], columns: Sequence[str],
                         values: Sequence[Sequence[float | None]], points: Sequence[bool],
                         lang: str = "id") -> go.Figure:
    """The agency matrix as a heatmap: one row per agency (first on top), one column per
    measure (``columns``: its label; ``points``: written with two decimals, else a count).
    Each column is coloured against its own largest value (counts and points do not share a
    scale); every cell has its number written in it; a missing value (None) stays blank."""
    peaks = [max([abs(r[j]) for r in values if r[j] is not None] + [0]) for j in
             range(len(columns))]
    z = [[None if v is None else (v / peaks[j] if peaks[j] else 0.0) for j, v in enumerate(r)]
         for r in values]
    text = [["–" if v is None else fmt_num(v, lang) if points[j] else str(int(v))
             for j, v in enumerate(r)] for r in values]
    fig = go.Figure(go.Heatmap(
        z=z, x=[wrap_label(c, 16, 3) for c in columns], y=list(agencies), text=text,
        texttemplate="%{text}", colorscale=[list(stop) for stop in SEQUENTIAL], zmin=0, zmax=1,
        showscale=False, xgap=2, ygap=2, hovertemplate="%{y} · %{x}: %{text}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(side="top", automargin=True)
    return _layout(fig, lang, 120 + 28 * len(agencies),
                   margin={"l": 10, "r": 10, "t": 60, "b": 10})


ACTION_COLOURS = {"rencana": "#9ca3af", "berjalan": EFFORT, "selesai": BAR, "batal": BAR_BG}


def action_timeline_figure(rows: Sequence[dict], lang: str = "id") -> go.Figure:
    """The action plan as a timeline (Gantt-like): one bar per dated action from its start to
    its due date, coloured by status; an overdue action is red AND labelled "terlambat".
    ``rows`` = {"title", "start", "due", "status", "overdue"} (dates; undated rows skipped)."""
    from datetime import timedelta

    dated = [r for r in rows if r.get("start") or r.get("due")]
    dated.sort(key=lambda r: (r.get("start") or r["due"], r.get("due") or r["start"]),
               reverse=True)  # the earliest at the top
    fig = go.Figure()
    groups = [(s, False) for s in ACTION_COLOURS] + [(None, True)]
    for status, late in groups:
        part = [r for r in dated if bool(r["overdue"]) == late
                and (late or r["status"] == status)]
        if not part:
            continue
        starts = [r.get("start") or r["due"] for r in part]
        ends = [(r.get("due") or r["start"]) + timedelta(days=1) for r in part]
        fig.add_trace(go.Bar(
            y=[short_label(r["title"], 40) for r in part],
            base=[s.isoformat() for s in starts],
            x=[(e - s).days * 86_400_000 for s, e in zip(starts, ends)],
            orientation="h", marker_color=LOSS if late else ACTION_COLOURS[status],
            name=t("plan.overdue", lang) if late else t(f"plan.status.{status}", lang),
            text=[t("plan.overdue_mark", lang) if late else "" for _ in part],
            textposition="outside", cliponaxis=False,  # legible even on a short bar
            textfont={"color": LOSS}, hovertext=[r["title"] for r in part]))
    fig.update_xaxes(type="date")
    fig.update_yaxes(automargin=True, categoryorder="array",
                     categoryarray=[short_label(r["title"], 40) for r in dated])
    return _layout(fig, lang, 120 + 30 * len(dated), barmode="overlay")


def calendar_figure(rows: Sequence[dict], lang: str = "id", today=None) -> go.Figure:
    """The KLA calendar of one year as a timeline: one bar per stage from its first to its
    last day (inclusive), the earliest at the top; sourced dates solid, assumed (example)
    dates hatched AND named in the legend; ``today`` (a date) as a dashed line when it falls
    near the year's windows. ``rows`` = {"stage" (label), "start", "end" (dates), "basis"}."""
    from datetime import timedelta

    ordered = sorted(rows, key=lambda r: r["start"])
    fig = go.Figure()
    for basis, colour, pattern in (("sourced", BAR, ""), ("assumed", EFFORT, "/")):
        part = [r for r in ordered if (r["basis"] == "sourced") == (basis == "sourced")]
        if not part:
            continue
        fig.add_trace(go.Bar(
            y=[r["stage"] for r in part], base=[r["start"].isoformat() for r in part],
            x=[((r["end"] + timedelta(days=1)) - r["start"]).days * 86_400_000 for r in part],
            orientation="h", marker={"color": colour, "pattern": {"shape": pattern}},
            name=t(f"calendar.basis.{basis}", lang),
            hovertext=[f"{r['stage']}: {r['start'].isoformat()} – {r['end'].isoformat()}"
                       for r in part], hoverinfo="text"))
    if today is not None and ordered:
        first = ordered[0]["start"] - timedelta(days=31)
        last = max(r["end"] for r in ordered) + timedelta(days=31)
        if first <= today <= last:
            fig.add_vline(x=today.isoformat(), line_dash="dash", line_color=INK)
            fig.add_annotation(x=today.isoformat(), y=1, yref="paper", showarrow=False,
                               text=t("chart.calendar_today", lang), yanchor="bottom",
                               font={"color": INK})
    fig.update_xaxes(type="date")
    fig.update_yaxes(automargin=True, categoryorder="array",
                     categoryarray=[r["stage"] for r in ordered][::-1])
    return _layout(fig, lang, 140 + 40 * len(ordered), barmode="overlay")
