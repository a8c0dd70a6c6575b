"""Lembaga anak: Puspaga, Forum Anak, PATBM, RIRA, LPKS per kecamatan and desa/kelurahan."""

import pandas as pd
import streamlit as st

from kla.domain import chart_text
from kla.domain.registries import BODIES, coverage_by_kecamatan
from kla.web import registry_forms as rui
from kla.web import session, widgets
from kla.web.charts import coverage_figure

t, lang = session.t, session.lang()
widgets.header("reg.bodies")
kode, area = rui.city("bodies")
rows = rui.rows_of(kode, "village_body")
cols = st.columns(len(BODIES))
coverage = []
for col, body in zip(cols, BODIES):
    per = coverage_by_kecamatan(rows, area, body)
    n, d = sum(c["with"] for c in per), sum(c["total"] for c in per)
    col.metric(t(f"reg.o.{body}"), f"{round(100 * n / d) if d else 0} %", border=True,
               help=t("reg.city_coverage", n=n, d=d))
    coverage += [{**c, "body": body} for c in per]
st.plotly_chart(coverage_figure(coverage, {b: t(f"reg.o.{b}") for b in BODIES}, lang),
                config={"displayModeBar": False})
st.caption(chart_text.coverage_text(coverage, {b: t(f"reg.o.{b}") for b in BODIES}, lang))
with st.expander(t("reg.coverage_table")):
    widgets.table(pd.DataFrame({
        t("reg.f.kecamatan_kode"): [f"{c['kecamatan']} {c['name']}" for c in coverage],
        t("reg.f.body"): [t(f"reg.o.{c['body']}") for c in coverage],
        t("reg.with"): [c["with"] for c in coverage],
        t("reg.of"): [c["total"] for c in coverage],
        "%": [round(100 * c["share"], 1) for c in coverage],
    }), key="bodies_coverage")
rui.table("village_body", rows, area)
rui.add_form("village_body", kode, area, rows)
