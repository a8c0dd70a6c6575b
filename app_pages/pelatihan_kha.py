"""Pelatihan KHA: service providers trained in the Convention on the Rights of the Child."""

import pandas as pd
import streamlit as st

from kla.domain import chart_text
from kla.domain.registries import PROVIDER_KINDS
from kla.services import registries as reg
from kla.services.permissions import PermissionDenied
from kla.web import registry_forms as rui
from kla.web import session, tables, widgets
from kla.web.charts import kha_figure

t, lang = session.t, session.lang()
widgets.header("reg.kha")
kode, area = rui.city("kha")
rows = rui.rows_of(kode, "kha_training")
targets = reg.targets(session.engine(), session.actor(), kode)
certified = {r["provider_name"].lower() for r in rows if r["certificate"]}
outstanding = {r["provider_name"].lower() for r in rows if not r["certificate"]} - certified
m1, m2, m3 = st.columns(3)
m1.metric(t("reg.kha_providers"), len({r["provider_name"].lower() for r in rows}), border=True)
m2.metric(t("reg.kha_people"), sum(r["people_trained"] for r in rows), border=True)
m3.metric(t("reg.kha_outstanding"), len(outstanding), border=True)
summary = []
for kind in PROVIDER_KINDS:
    names_c = {r["provider_name"].lower() for r in rows
               if r["provider_kind"] == kind and r["certificate"]}
    names_u = {r["provider_name"].lower() for r in rows
               if r["provider_kind"] == kind and not r["certificate"]} - names_c
    if names_c or names_u or targets.get(kind):
        summary.append({"kind": t(f"reg.o.{kind}"), "certified": len(names_c),
                        "uncertified": len(names_u), "target": targets.get(kind, 0)})
if summary:
    st.plotly_chart(kha_figure(summary, lang), config={"displayModeBar": False})
    st.caption(chart_text.kha_text(summary, lang))
    data = st.expander(t("chart.table"), key=session.lang_key("kha_chart_table"),
                       on_change="rerun")
    if data.open:  # the chart's numbers per provider kind
        with data:
            tables.table(pd.DataFrame({  # no target: "–", not 0
                t("reg.f.provider_kind"): [r["kind"] for r in summary],
                t("reg.kha_certified"): [r["certified"] for r in summary],
                t("reg.kha_outstanding"): [r["uncertified"] for r in summary],
                t("reg.target"): [float(r["target"]) if r["target"] else None for r in summary],
            }), lang, decimals={t("reg.target"): 0}, key="kha_chart_data")
rui.table("kha_training", rows, area)
rui.add_form("kha_training", kode, area, rows)
who = session.actor()
if session.can("registry.target", kode):
    with st.expander(t("reg.targets"), icon=":material/flag:"), st.form("kha_targets"):
        kind = st.selectbox(t("reg.f.provider_kind"), PROVIDER_KINDS,
                            key=session.lang_key("kha_target_kind"),
                            format_func=lambda k: t(f"reg.o.{k}"))
        value = st.number_input(t("reg.target"), 0, 100000, key="kha_target_value")
        if st.form_submit_button(t("reg.save"), icon=":material/save:"):
            try:
                reg.set_target(session.engine(), who, kode, kind, int(value))
                widgets.flash(t("reg.saved"))
                st.rerun()
            except (PermissionDenied, ValueError) as exc:
                widgets.refused(exc)
