"""Risiko verifikasi: how safe is the score when the province and the ministry verify it."""

import pandas as pd
import streamlit as st

from kla.domain import chart_text
from kla.domain.framework import get_framework
from kla.domain.risk import buffer, critical_questions, forecast
from kla.i18n import fmt_num
from kla.web import cache, session, widgets
from kla.web.charts import falls_figure, standing_figure

t, lang = session.t, session.lang()
widgets.header("risiko")

info = widgets.pick_assessment("risk", prefer_stage="EM")
fw = get_framework(info.framework)
version = cache.region_version(info.region_kode)
result = cache.score(info, version)
details = cache.answer_details(info.id, version)
history = cache.city_history(info.region_kode, version)
fc = forecast(fw, [(y, s, r.total) for _, (y, s, r) in history], info.year, result.total)

buf = buffer(fw, result)
crit = critical_questions(fw, details.credits, result)
m1, m2, m3, m4 = st.columns([1, 1.4, 1, 1])
m1.metric(t("common.total"), fmt_num(result.total, lang), border=True)
m2.metric(t("common.predicate"), t(f"predicate.{result.predicate}"), border=True)
m3.metric(t("risiko.buffer"), fmt_num(buf, lang) if buf is not None else "–", border=True,
          help=t("risiko.buffer_help"))
m4.metric(t("risiko.critical_count"), len(crit), border=True)

marks = []
if info.stage == "EM" and fc.forecast_total is not None:
    marks.append((t("risiko.forecast"), fc.forecast_total))
st.plotly_chart(standing_figure(result.total, result.predicate, fw.bands, fw.total_max, lang,
                                marks), config={"displayModeBar": False})
st.caption(chart_text.standing_text(result.total, result.predicate, result.next_predicate,
                                    result.points_to_next, lang, info.region_nama, marks))

st.header(t("risiko.forecast_title"))
if info.stage != "EM":
    st.info(t("risiko.not_em"), icon=":material/info:")
elif fc.average_fall is None:
    st.info(t("risiko.no_history"), icon=":material/info:")
else:
    f1, f2 = st.columns(2)
    f1.metric(t("common.avg_fall"), fmt_num(fc.average_fall, lang), border=True)
    f2.metric(t("risiko.forecast"), f"{fmt_num(fc.forecast_total, lang)} · "
              f"{t('predicate.' + fc.forecast_predicate)}", border=True)
    if fc.forecast_predicate != result.predicate:
        st.warning(t("risiko.forecast_drop", predicate=t("predicate." + fc.forecast_predicate)))
    st.plotly_chart(falls_figure(fc.falls, fc.average_fall, lang),
                    config={"displayModeBar": False})
    st.caption(chart_text.falls_text(fc.falls, fc.average_fall, lang))
    widgets.table(pd.DataFrame({t("common.year"): [y for y, _ in fc.falls],
                               t("chart.fall"): [fmt_num(f, lang) for _, f in fc.falls]}),
                 hide_index=True, key="risk_falls")

st.header(t("risiko.critical_title"))
if not crit:
    st.success(t("risiko.no_critical"), icon=":material/verified:")
else:
    st.caption(t("risiko.critical_caption"))
    widgets.table(pd.DataFrame({
        t("col.question_id"): [c["question_id"] for c in crit],
        t("col.question"): [fw.questions[c["question_id"]].text for c in crit],
        t("col.opd"): ["; ".join(fw.questions[c["question_id"]].opds) for c in crit],
        t("col.credit"): [c["credit"] for c in crit],
        t("risiko.loss"): [c["loss"] for c in crit],
        t("risiko.new_predicate"): [t(f"predicate.{c['new_predicate']}") for c in crit],
    }), hide_index=True, key="risk_critical", column_config={
        t("col.question"): st.column_config.TextColumn(width="large")})
