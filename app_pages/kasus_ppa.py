"""Kasus UPTD PPA: case handling times, without personal data of the child."""

import statistics

import pandas as pd
import streamlit as st

from kla.domain import chart_text
from kla.domain.registries import time_to_handling
from kla.i18n import fmt_short
from kla.web import registry_forms as rui
from kla.web import session, tables, widgets
from kla.web.charts import handling_figure

t, lang = session.t, session.lang()
widgets.header("reg.ppa")
st.info(t("reg.ppa_privacy"), icon=":material/shield_person:")
kode, area = rui.city("ppa")
rows = rui.rows_of(kode, "ppa_case")
months = time_to_handling(rows)
handled = [r for r in rows if r.get("first_handled_on")]
days = sorted((r["first_handled_on"] - r["reported_on"]).days for r in handled)
m1, m2, m3 = st.columns(3)
m1.metric(t("reg.cases"), len(rows), border=True)
m2.metric(t("reg.median_days"), fmt_short(statistics.median(days), lang) if days else "–",
          border=True)
m3.metric(t("reg.not_handled"), len(rows) - len(handled), border=True)
if months:
    st.plotly_chart(handling_figure(months, lang), config={"displayModeBar": False})
    st.caption(chart_text.handling_text(months, lang))
    with st.expander(t("reg.per_month")):
        tables.table(pd.DataFrame({
            t("reg.month"): [m["month"] for m in months],
            t("reg.cases"): [m["cases"] for m in months],
            t("reg.handled"): [m["handled"] for m in months],
            t("reg.median_days"): [m["median_days"] for m in months],
            t("reg.p90_days"): [m["p90_days"] for m in months],
        }), lang, short=[t("reg.median_days"), t("reg.p90_days")], key="ppa_months")
rui.table("ppa_case", rows, area)
rui.add_form("ppa_case", kode, area, rows)
