"""Charts as pure functions returning plotly figures (testable without Streamlit)."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from kla.framework import Band
from kla.i18n import fmt_num, plotly_separators, t
from kla.predicate import NONE

# One colour per predicate, from "not yet" (grey) to the top tier.
BAND_COLOURS = {
    NONE: "#e5e7eb",
    "Pratama": "#fde68a",
    "Madya": "#fdba74",
    "Nindya": "#86efac",
    "Utama": "#5eead4",
    "KLA": "#93c5fd",
}
INK = "#1f2937"
BAR = "#0f766e"
BAR_BG = "#d1d5db"


def band_ranges(bands: Sequence[Band], total_max: float) -> list[tuple[str, float, float]]:
    """(predicate, from, to) for every band including ``none``, covering 0 → total_max."""
    edges = [(NONE, 0.0)] + [(b.code, b.min) for b in bands]
    out = []
    for i, (code, lo) in enumerate(edges):
        hi = edges[i + 1][1] if i + 1 < len(edges) else total_max
        out.append((code, lo, hi))
    return out


def standing_figure(total: float, predicate: str, bands: Sequence[Band],
                    total_max: float = 1000.0, lang: str = "id") -> go.Figure:
    """The total on a 0–total_max axis, the predicate bands shaded and labelled."""
    fig = go.Figure()
    for code, lo, hi in band_ranges(bands, total_max):
        fig.add_shape(type="rect", x0=lo, x1=hi, y0=0, y1=1, yref="paper", layer="below",
                      line_width=0, fillcolor=BAND_COLOURS.get(code, "#f3f4f6"),
                      opacity=1.0 if code == predicate else 0.45)
        fig.add_annotation(x=(lo + hi) / 2, y=1.0, yref="paper", yanchor="bottom",
                           text=f"<b>{t('predicate.' + code, lang)}</b>" if code == predicate
                           else t("predicate." + code, lang),
                           showarrow=False, font={"size": 12, "color": INK})
    fig.add_trace(go.Bar(
        x=[total], y=[t("chart.total", lang)], orientation="h", marker_color=BAR, width=0.35,
        text=[fmt_num(total, lang)], textposition="outside", cliponaxis=False,
        hovertemplate=f"{t('chart.total', lang)}: {fmt_num(total, lang)}<extra></extra>",
        name=t("chart.total", lang), showlegend=False,
    ))
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
