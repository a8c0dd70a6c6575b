"""Ruang bermain: the play-area registry (SNI 9169:2023 standard status)."""

import pandas as pd
import streamlit as st

from kla.domain import chart_text
from kla.domain.registries import PLAY_STANDARDS
from kla.web import registry_forms as rui
from kla.web import session, widgets
from kla.web.charts import play_areas_figure

t, lang = session.t, session.lang()
widgets.header("reg.play")
kode, area = rui.city("play")
rows = rui.rows_of(kode, "play_area")
m1, m2, m3 = st.columns(3)
m1.metric(t("reg.play_total"), len(rows), border=True)
m2.metric(t("reg.o.certified"), sum(r["standard"] == "certified" for r in rows), border=True)
m3.metric(t("reg.play_unstandardized"), sum(r["standard"] != "certified" for r in rows),
          border=True)
if rows:
    labels = {s: t(f"reg.o.{s}") for s in PLAY_STANDARDS}
    st.plotly_chart(play_areas_figure(rows, area.kecamatan, labels, lang),
                    config={"displayModeBar": False})
    st.caption(chart_text.play_areas_text(rows, area.kecamatan, labels, lang))
    data = st.expander(t("chart.table"), key=session.lang_key("play_chart_table"),
                       on_change="rerun")
    if data.open:  # the chart's numbers: play areas per kecamatan and standard status
        with data:
            kec = sorted({r["kecamatan_kode"] for r in rows})
            widgets.table(pd.DataFrame({
                t("reg.f.kecamatan_kode"): [area.kecamatan.get(k, k) for k in kec],
                **{label: [sum(r["kecamatan_kode"] == k and r["standard"] == s for r in rows)
                           for k in kec] for s, label in labels.items()},
            }), key="play_chart_data")
rui.table("play_area", rows, area)
rui.add_form("play_area", kode, area, rows)
