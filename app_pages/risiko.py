"""Risiko verifikasi: how safe is the score when the province and the ministry verify it."""

import pandas as pd
import streamlit as st

from kla.domain import chart_text
from kla.domain.framework import get_framework
from kla.domain.risk import buffer, critical_questions, forecast
from kla.i18n import fmt_num
from kla.web import cache, session, validity_view, widgets
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
# the predicate under each total (a delta without colour or arrow): never cut at 1360 px;
# the boxes of a row as high as each other
BOX = {"border": True, "height": "stretch"}
OFF = {**BOX, "delta_color": "off", "delta_arrow": "off"}
m1, m2, m3 = st.columns(3)
m1.metric(t("common.total"), fmt_num(result.total, lang),
          delta=t(f"predicate.{result.predicate}"), **OFF)
m2.metric(t("risiko.buffer"), fmt_num(buf, lang) if buf is not None else "–",
          help=t("risiko.buffer_help"), **BOX)
m3.metric(t("risiko.critical_count"), len(crit), **BOX)

pred = cache.prediction(info.id, version) if info.stage == "EM" else None
marks = []
if info.stage == "EM" and fc.forecast_total is not None:
    marks.append((t("risiko.forecast"), fc.forecast_total))
if pred is not None:
    marks.append((t("risiko.predicted_total"), pred.predicted.total))
st.plotly_chart(standing_figure(result.total, result.predicate, fw.bands, fw.total_max, lang,
                                marks), config={"displayModeBar": False})
st.caption(chart_text.standing_text(result.total, result.predicate, result.next_predicate,
                                    result.points_to_next, lang, info.region_nama, marks))
if len(marks) > 1:  # two forecasts, two methods: why their numbers differ
    st.caption(t("risiko.forecasts_differ"))

st.header(t("risiko.forecast_title"))
if info.stage != "EM":
    st.info(t("risiko.not_em"), icon=":material/info:")
elif fc.average_fall is None:
    st.info(t("risiko.no_history"), icon=":material/info:")
else:
    f1, f2 = st.columns(2)
    f1.metric(t("common.avg_fall"), fmt_num(fc.average_fall, lang), **BOX)
    f2.metric(t("risiko.forecast"), fmt_num(fc.forecast_total, lang),
              delta=t(f"predicate.{fc.forecast_predicate}"), **OFF)
    if fc.forecast_predicate != result.predicate:
        st.warning(t("risiko.forecast_drop", predicate=t("predicate." + fc.forecast_predicate)))
    st.plotly_chart(falls_figure(fc.falls, fc.average_fall, lang),
                    config={"displayModeBar": False})
    st.caption(chart_text.falls_text(fc.falls, fc.average_fall, lang))
    widgets.table(pd.DataFrame({t("common.year"): [y for y, _ in fc.falls],
                               t("chart.fall"): [fmt_num(f, lang) for _, f in fc.falls]}),
                 hide_index=True, key="risk_falls")

# --- predicted verification score per question (kla.domain.prediction) ---------------------
if pred is not None:
    st.header(t("risiko.predicted_title"))
    st.caption(t("risiko.predicted_caption"))
    if not pred.evidence_counted:
        st.info(t("risiko.predicted_nofiles"), icon=":material/info:")
    if not pred.retention.has_history:
        st.info(t("risiko.predicted_no_history"), icon=":material/info:")
    p1, p2, p3 = st.columns([1.6, 1, 1])
    p1.metric(t("risiko.predicted_total"), fmt_num(pred.predicted.total, lang),
              delta=t(f"predicate.{pred.predicted.predicate}"), **OFF)
    p2.metric(t("risiko.predicted_lost"), fmt_num(pred.points_lost, lang), **BOX)
    overall = pred.retention.overall
    p3.metric(t("risiko.predicted_retention"),
              f"{fmt_num(100 * overall, lang, 1)}%" if overall is not None else "–",
              help=t("risiko.predicted_retention_help"), **BOX)
    if pred.predicted.predicate != result.predicate:
        st.warning(t("risiko.predicted_drop", predicate=t("predicate." + pred.predicted.predicate),
                     em=t("predicate." + result.predicate)))
    costly = pred.costliest()
    st.subheader(t("risiko.predicted_costliest"))
    if not costly:
        st.success(t("risiko.predicted_none"), icon=":material/verified:")
    else:
        # the numbers, the evidence state and the reason first (visible at 1360 px); the
        # question's text, type and agencies after them
        lost = pd.DataFrame({
            t("col.question_id"): [r.qid for r in costly],
            t("risiko.col_em_credit"): [r.em_credit for r in costly],
            t("risiko.col_predicted_credit"): [round(r.predicted_credit, 2) for r in costly],
            t("risiko.loss"): [r.points_lost for r in costly],
            t("risiko.col_state"): [t(f"planning.predict_state.{r.state}") for r in costly],
            t("risiko.col_reason"): [t(f"planning.predict_reason.{r.reason}",
                                       type=t(f"qtype.{r.qtype}"),
                                       rate=fmt_num(r.retention, lang)) for r in costly],
            t("col.question"): [fw.questions[r.qid].text for r in costly],
            t("risiko.col_type"): [t(f"qtype.{r.qtype}") for r in costly],
            t("col.opd"): ["; ".join(fw.questions[r.qid].opds) for r in costly],
        })
        widgets.table(lost, hide_index=True, key="risk_predicted", column_config={
            t("col.question_id"): st.column_config.TextColumn(width=70),
            t("risiko.col_state"): st.column_config.TextColumn(width=150),
            t("risiko.col_reason"): st.column_config.TextColumn(width=380),
            t("col.question"): st.column_config.TextColumn(width="large")})
        widgets.downloads(lost, f"perkiraan_va_{info.region_kode}_{info.year}",
                          "risk_predicted_dl")

st.header(t("risiko.critical_title"))
if not crit:
    st.success(t("risiko.no_critical"), icon=":material/verified:")
else:
    st.caption(t("risiko.critical_caption"))
    widgets.table(pd.DataFrame({
        t("col.question_id"): [c["question_id"] for c in crit],
        t("col.credit"): [c["credit"] for c in crit],
        t("risiko.loss"): [c["loss"] for c in crit],
        t("risiko.new_predicate"): [t(f"predicate.{c['new_predicate']}") for c in crit],
        t("col.question"): [fw.questions[c["question_id"]].text for c in crit],
        t("col.opd"): ["; ".join(fw.questions[c["question_id"]].opds) for c in crit],
    }), hide_index=True, key="risk_critical", column_config={
        t("col.question_id"): st.column_config.TextColumn(width=70),
        t("col.question"): st.column_config.TextColumn(width="large")})

# --- evidence validity per question and agency (kla.services.evidence_meta) ------------------
st.header(t("risiko.validity_title"))
st.caption(t("risiko.validity_caption"))
validity = cache.validity_report(info.id, version)
v1, v2, v3 = st.columns(3)
v1.metric(t("risiko.validity_flagged"), validity["totals"]["flagged"], border=True)
v2.metric(t("risiko.validity_missing"), validity["totals"]["missing"], border=True)
v3.metric(t("risiko.validity_no_meta"), validity["totals"]["no_metadata"], border=True)
v_rows = validity_view.question_frame(validity["rows"], lang)
if v_rows.empty:
    st.success(t("risiko.validity_none"), icon=":material/verified:")
else:
    st.subheader(t("risiko.validity_by_question"))
    widgets.table(v_rows, key="risk_validity", height=320,
                  column_config=validity_view.question_widths(lang))
    widgets.downloads(v_rows, f"validitas_bukti_{info.region_kode}_{info.year}_{info.stage}",
                      "risk_validity_dl")
st.subheader(t("risiko.validity_by_agency"))
v_agencies = validity_view.agency_frame(validity["agencies"], lang)
widgets.table(v_agencies, key="risk_validity_agency", height=280)
widgets.downloads(v_agencies, f"validitas_bukti_opd_{info.region_kode}_{info.year}_{info.stage}",
                  "risk_validity_agency_dl")
