"""Pelatihan KHA: service providers trained in the Convention on the Rights of the Child."""

import streamlit as st

from kla.domain.registries import PROVIDER_KINDS
from kla.services import registries as reg
from kla.services.permissions import PermissionDenied
from kla.web import registry_forms as rui
from kla.web import session, widgets
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
