"""Ruang bermain: the play-area registry (SNI 9169:2023 standard status)."""

import streamlit as st

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
    st.plotly_chart(play_areas_figure(rows, area.kecamatan,
                                      {s: t(f"reg.o.{s}") for s in PLAY_STANDARDS}, lang),
                    config={"displayModeBar": False})
rui.table("play_area", rows, area)
rui.add_form("play_area", kode, area, rows)
