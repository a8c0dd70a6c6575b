"""Posisi Predikat: where one kab/kota stands for a year and stage."""

import pandas as pd
import streamlit as st

from kla.domain.framework import get_framework
from kla.i18n import fmt_num
from kla.web import cache, session, widgets
from kla.web.charts import blocks_figure, standing_figure

t, lang = session.t, session.lang()
widgets.header("posisi")

info = widgets.pick_assessment("posisi")
fw = get_framework(info.framework)
result = cache.stored_score(info, cache.region_version(info.region_kode))  # the stored score

m1, m2, m3 = st.columns([1, 1.4, 1])  # room for "Belum berpredikat"
m1.metric(t("common.total"), fmt_num(result.total, lang), border=True)
m2.metric(t("common.predicate"), t(f"predicate.{result.predicate}"), border=True)
if result.next_predicate:
    m3.metric(t("common.to_next", next=t(f"predicate.{result.next_predicate}")),
              t("common.to_next_value", points=fmt_num(result.points_to_next, lang)), border=True)
else:
    m3.metric(t("common.top"), t(f"predicate.{result.predicate}"), border=True)

st.plotly_chart(cache.chart(standing_figure, result.total, result.predicate, fw.bands,
                             fw.total_max, lang),
                config={"displayModeBar": False})
if result.unimplemented:
    codes = ", ".join(result.unimplemented)
    if result.next_predicate and result.points_to_next == 0:
        st.warning(t("posisi.gate", threshold=fmt_num(fw.bands[-1].min, lang, 0), codes=codes))
    else:
        st.caption(t("posisi.unimplemented", codes=codes))

st.subheader(t("posisi.blocks"))
rows = [(fw.blocks[c].name(lang), s, m) for c, (s, m) in result.blocks.items()]
st.plotly_chart(cache.chart(blocks_figure, rows, lang), config={"displayModeBar": False})
with st.expander(t("posisi.blocks_table")):
    table = pd.DataFrame({
        t("col.block"): [r[0] for r in rows],
        t("col.score"): [fmt_num(r[1], lang) for r in rows],
        t("col.max"): [fmt_num(r[2], lang, 0) for r in rows],
        t("col.share"): [fmt_num(100 * r[1] / r[2], lang, 1) if r[2] else "–" for r in rows],
        t("col.missing"): [fmt_num(r[2] - r[1], lang) for r in rows],
    })
    widgets.table(table, hide_index=True)
with st.expander(t("posisi.indicators_table")):
    ind = pd.DataFrame({
        t("col.block"): [fw.blocks[fw.indicators[c].block].code for c in result.indicators],
        t("col.indicator"): [f"{c} · {fw.indicators[c].name}" for c in result.indicators],
        t("col.score"): [fmt_num(s, lang) for s, _ in result.indicators.values()],
        t("col.max"): [fmt_num(m, lang, 0) for _, m in result.indicators.values()],
        t("col.missing"): [fmt_num(m - s, lang) for s, m in result.indicators.values()],
    })
    widgets.table(ind, hide_index=True)
st.caption(t("posisi.source", stage=t(f"stage.{info.stage}"), year=info.year,
             framework=fw.name(lang)))
