"""Perkembangan: one kab/kota across years and stages."""

import pandas as pd
import streamlit as st

from kla.domain import chart_text
from kla.domain.framework import get_framework
from kla.domain.progress import predicate_history, stage_deltas, years_at_current
from kla.domain.risk import average, verification_falls
from kla.i18n import fmt_num
from kla.web import cache, session, tables, widgets
from kla.web.charts import progress_figure, stages_figure

t, lang = session.t, session.lang()
widgets.header("progress")

kode = widgets.pick_region("progress")
history = cache.city_history(kode, cache.region_version(kode))  # stored scores
if any(info.is_sample for info, _ in history):
    widgets.sample_badge()
rows = [row for info, row in history if info.status != "draft"]  # drafts are still in progress
drafts = [info for info, _ in history if info.status == "draft"]
if drafts:
    st.caption(t("progress.drafts", years=", ".join(str(i.year) for i in drafts)))
if not rows:
    st.info(t("progress.none"), icon=":material/info:")
    st.stop()
fw = get_framework(history[-1][0].framework)
hist = predicate_history(rows)
current = hist[-1]
avg_fall = average([f for _, f in verification_falls([(y, s, r.total) for y, s, r in rows])])

m1, m2, m3 = st.columns(3)
m1.metric(t("progress.current", year=current["year"]), t(f"predicate.{current['predicate']}"),
          border=True)
m2.metric(t("common.years_at_current"), years_at_current(rows), border=True)
m3.metric(t("common.avg_fall"), fmt_num(avg_fall, lang) if avg_fall is not None else "–",
          border=True)

st.header(t("progress.totals"))
em = [(y, r.total) for y, s, r in rows if s == "EM"]
st.plotly_chart(progress_figure(hist, em, fw.bands, fw.total_max, lang),
                config={"displayModeBar": False})
st.caption(chart_text.progress_text(hist, lang))
st.header(t("progress.history"))
widgets.table(pd.DataFrame({
    t("common.year"): [h["year"] for h in hist],
    t("common.stage"): [t(f"stage.{h['stage']}") for h in hist],
    t("common.total"): [fmt_num(h["total"], lang) for h in hist],
    t("common.predicate"): [t(f"predicate.{h['predicate']}") for h in hist],
}), hide_index=True, key="progress_history")

st.header(t("progress.stages"))
st.plotly_chart(stages_figure([(y, s, r.total) for y, s, r in rows], lang),
                config={"displayModeBar": False})
st.caption(chart_text.stages_text([(y, s, r.total) for y, s, r in rows], lang))
with st.expander(t("progress.stages_table")):
    tables.table(pd.DataFrame({
        t("common.year"): [y for y, _, _ in rows],
        t("common.stage"): [t(f"stage.{s}") for _, s, _ in rows],
        t("common.total"): [r.total for _, _, r in rows],
        t("common.predicate"): [t(f"predicate.{r.predicate}") for _, _, r in rows],
    }), lang, key="progress_stage_totals")
deltas = stage_deltas(rows)
if deltas:
    st.caption(t("progress.deltas_caption"))
    table = pd.DataFrame({
        t("common.year"): [d["year"] for d in deltas],
        t("progress.step"): [f"{d['from']} → {d['to']}" for d in deltas],
        t("progress.delta_total"): [d["total"] for d in deltas],
        **{code: [d["blocks"][code] for d in deltas] for code in fw.blocks},
    })
    tables.table(table, lang, decimals={c: 2 for c in [t("progress.delta_total"), *fw.blocks]},
                 key="progress_deltas")
    st.caption(" · ".join(f"{c} = {b.name(lang)}" for c, b in fw.blocks.items()))
