"""Usulan nilai: credits the registries propose, accepted or overridden by the coordinator;
the Kelana/Dekela block rolled up from kecamatan and desa/kelurahan data, with a what-if."""

import textwrap

import pandas as pd
import streamlit as st

from kla.domain.deltas import changed_credits, signed_delta
from kla.domain.framework import get_framework
from kla.domain.numbers import NumberError, parse_decimal
from kla.domain.registries import what_if_more
from kla.domain.whatif import what_if
from kla.i18n import fmt_num, fmt_short
from kla.services import registries as reg
from kla.services.answers import Conflict
from kla.services.permissions import PermissionDenied
from kla.web import cache, session, tables, widgets

t, lang = session.t, session.lang()
who = session.actor()
widgets.header("reg.proposals")
info = widgets.pick_assessment("prop", prefer_stage="EM")
fw = get_framework(info.framework)
engine = session.engine()
version = cache.region_version(info.region_kode)
credits = cache.answer_details(info.id, version).credits
props = reg.proposals(engine, who, info.region_kode, framework=fw)
area = reg.area(engine, info.region_kode)
st.caption(t("reg.denominators", name=area.nama, kec=len(area.kecamatan), desa=len(area.desa)))

tables.table(pd.DataFrame({
    t("col.question_id"): [p.question_id for p in props],
    t("col.question"): [fw.questions[p.question_id].text for p in props],
    t("reg.now"): [credits.get(p.question_id, float("nan")) for p in props],
    t("reg.proposed"): [float("nan") if p.credit is None else p.credit for p in props],
    t("reg.reasoning"): [p.reasoning(lang) for p in props],
}), lang, short=[t("reg.now"), t("reg.proposed")], key="prop_table", column_config={
    t("col.question"): st.column_config.TextColumn(width="medium"),
    t("reg.reasoning"): st.column_config.TextColumn(width="large")})

usable = [p for p in props if p.credit is not None]
if usable and session.can("proposal.apply", info.region_kode):
    st.header(t("reg.decide"))
    qid = st.selectbox(t("col.question"), [p.question_id for p in usable], key="prop_q",
                       format_func=lambda q: textwrap.shorten(f"{q} · {fw.questions[q].text}",
                                                              90, placeholder=" …"))
    p = next(x for x in usable if x.question_id == qid)
    st.info(p.reasoning(lang), icon=":material/lightbulb:")
    c1, c2, c3 = st.columns([1, 1, 1], vertical_alignment="bottom")
    typed = c2.text_input(t("reg.override_value"), value=fmt_short(p.credit, lang),
                          key=f"prop_override_{qid}", help=t("common.credit_help"))

    def apply(credit: float) -> None:
        try:
            reg.apply_proposal(engine, who, info.id, p, credit, lang)
            widgets.flash(t("reg.applied", qid=qid, credit=fmt_short(credit, lang)))
            st.rerun()
        except (PermissionDenied, Conflict, ValueError) as exc:
            widgets.refused(exc)

    if c1.button(t("reg.accept", credit=fmt_short(p.credit, lang)), key="prop_accept",
                 type="primary", icon=":material/check:"):
        apply(float(p.credit))
    if c3.button(t("reg.override"), key="prop_override", icon=":material/edit:"):
        try:
            apply(parse_decimal(typed, 0, 1))
        except NumberError as exc:
            st.error(t(f"verify.credit_{exc.reason}", value=exc.text), icon=":material/block:")

st.header(t("reg.rollup"))
kd = [p for p in usable if fw.questions[p.question_id].block == "KD"]
changes = changed_credits(credits, {p.question_id: p.credit for p in kd})  # only real changes
w = what_if(fw, credits, changes)
now, new = w.baseline.blocks["KD"][0], w.scenario.blocks["KD"][0]
before, after = (t(f"predicate.{r.predicate}") for r in (w.baseline, w.scenario))
m1, m2, m3 = st.columns(3)
m1.metric(t("reg.kd_now"), fmt_num(now, lang), border=True)
m2.metric(t("reg.kd_registry"), fmt_num(new, lang), border=True,
          delta=signed_delta(now, new, lang))
# the arrow and its colour follow the sign of the change; the predicate is said in words
m3.metric(t("reg.total_registry"), fmt_num(w.scenario.total, lang), border=True,
          delta=signed_delta(w.baseline.total, w.scenario.total, lang),
          delta_description=f"{before} → {after}" if w.predicate_changed else after)
st.caption(t("reg.changes", n=len(changes), total=fmt_num(w.baseline.total, lang),
             predicate=before))
coverage = sorted((p for p in kd if p.basis.get("d")), key=lambda p: p.credit)  # most room first
if coverage:
    c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
    qid = c1.selectbox(t("reg.whatif_q"), [p.question_id for p in coverage], key="prop_wi_q",
                       format_func=lambda q: textwrap.shorten(f"{q} · {fw.questions[q].text}",
                                                              80, placeholder=" …"))
    extra = c2.number_input(t("reg.whatif_n"), 0, 10000, value=1, key="prop_wi_n")
    p = next(x for x in coverage if x.question_id == qid)
    credit, gain = what_if_more(p, int(extra), fw.questions[qid].max)
    unit = t("reg.unit_kec") if p.basis.get("level") == "kecamatan" else t("reg.unit_desa")
    st.success(t("reg.whatif", n=int(extra), unit=unit, credit=fmt_short(credit, lang),
                 points=fmt_num(gain, lang)), icon=":material/trending_up:")
