"""Jalur termurah: the least-effort set of question upgrades that reaches a predicate."""

import pandas as pd
import streamlit as st

from kla.domain import chart_text
from kla.domain.framework import get_framework
from kla.domain.planner import Unreachable, candidates, plan, rank_open_questions
from kla.domain.predicate import predicate_codes
from kla.domain.rubric import default_effort, question_type
from kla.i18n import fmt_num, fmt_short
from kla.io.export import csv_bytes
from kla.services import action_plan, planning
from kla.web import cache, session, widgets
from kla.web.charts import by_agency_figure

t, lang = session.t, session.lang()
widgets.header("path")

info = widgets.pick_assessment("path")
fw = get_framework(info.framework)
version = cache.region_version(info.region_kode)
result = cache.score(info, version)
credits = cache.answer_details(info.id, version).credits
who = session.actor()
stored = planning.stored_efforts(session.engine(), who, info.region_kode, fw)
may_write = session.can("planning.write", info.region_kode)  # viewers, agencies: read only

order = predicate_codes(fw.bands)
above = order[order.index(result.predicate) + 1:]
if not above:
    st.success(t("path.at_top"), icon=":material/emoji_events:")
    st.stop()
default_target = result.next_predicate if result.next_predicate in above else above[0]
target = st.selectbox(t("path.target"), above, index=above.index(default_target),
                      key=f"path_target_{info.id}", format_func=lambda p: t(f"predicate.{p}"))

try:
    p = plan(fw, credits, target, stored)
except Unreachable as exc:
    st.error(t("path.unreachable", target=t(f"predicate.{target}"), reason=session.say(exc)))
    st.stop()

m1, m2, m3, m4 = st.columns(4)
m1.metric(t("path.points_needed"), fmt_num(p.points_needed, lang), border=True)
m2.metric(t("path.actions"), len(p.actions), border=True)
m3.metric(t("path.total_effort"), fmt_short(p.total_effort, lang), border=True)
m4.metric(t("path.new_total"), fmt_num(p.new_total, lang), border=True,
          delta=t(f"predicate.{p.new_predicate}"))
st.caption(t("path.optimal_note"))


def lead(qid: str) -> str:
    opds = fw.questions[qid].opds
    return opds[0] if opds else "–"


actions = pd.DataFrame({
    t("col.question_id"): [a.question_id for a in p.actions],
    t("col.question"): [fw.questions[a.question_id].text for a in p.actions],
    t("col.opd"): ["; ".join(fw.questions[a.question_id].opds) for a in p.actions],
    t("col.credit"): [a.from_credit for a in p.actions],
    t("path.gain"): [a.points for a in p.actions],
    t("path.effort"): [a.effort for a in p.actions],
})
st.header(t("path.plan_title", target=t(f"predicate.{target}")))
widgets.table(actions, hide_index=True, key="path_actions", column_config={
    t("col.question"): st.column_config.TextColumn(width="large")})
st.download_button(t("common.download_csv"), lambda: csv_bytes(actions),  # built on click
                   file_name=f"jalur-{info.region_kode}-{info.year}-{info.stage}-{target}.csv",
                   mime="text/csv", icon=":material/download:", on_click="ignore")
if p.actions and session.can("action.write", info.region_kode):
    if st.button(t("path.add_to_plan", year=info.year), key="path_to_plan",
                 icon=":material/playlist_add:"):
        try:
            ids = action_plan.add_cheapest_path(session.engine(), who, info, target)
            widgets.flash(t("path.added_to_plan", n=len(ids)))
            st.rerun()
        except (ValueError, PermissionError) as exc:
            widgets.refused(exc)

if p.actions:
    per_opd: dict[str, dict] = {}
    for a in p.actions:
        row = per_opd.setdefault(lead(a.question_id), {"opd": lead(a.question_id), "points": 0.0,
                                                       "effort": 0.0})
        row["points"] += a.points
        row["effort"] += a.effort
    st.markdown(f"**{t('path.by_opd')}**")
    st.plotly_chart(by_agency_figure(list(per_opd.values()), lang),
                    config={"displayModeBar": False})
    st.caption(chart_text.by_agency_text(list(per_opd.values()), lang))
    with st.expander(t("path.by_opd_table")):
        widgets.table(pd.DataFrame({
            t("col.opd"): [r["opd"] for r in per_opd.values()],
            t("path.gain"): [round(r["points"], 2) for r in per_opd.values()],
            t("path.effort"): [float(r["effort"]) for r in per_opd.values()],
        }), key="path_by_opd")

st.header(t("path.rank_title"))
st.caption(t("path.rank_caption"))
rank = rank_open_questions(fw, credits, stored)
widgets.table(pd.DataFrame({
    t("col.question_id"): [r["question_id"] for r in rank],
    t("col.question"): [fw.questions[r["question_id"]].text for r in rank],
    t("col.opd"): [lead(r["question_id"]) for r in rank],
    t("path.gain"): [r["points"] for r in rank],
    t("path.effort"): [r["effort"] for r in rank],
    t("path.ratio"): [round(r["points_per_effort"], 2) for r in rank],
}), hide_index=True, key="path_rank", column_config={
    t("col.question"): st.column_config.TextColumn(width="large")})

with st.expander(t("path.efforts_title"), icon=":material/tune:"):
    st.caption(t("path.efforts_caption"))
    open_q = candidates(fw, credits)
    editor = pd.DataFrame({
        "question_id": open_q,
        "type": [t(f"qtype.{question_type(fw.questions[q]).code}") for q in open_q],
        "text": [fw.questions[q].text[:120] for q in open_q],
        "default": [default_effort(fw.questions[q]) for q in open_q],
        "effort": [stored.get(q, default_effort(fw.questions[q])) for q in open_q],
    })
    if not may_write:
        st.caption(t("planning.read_only"))
        widgets.table(editor.rename(columns={
            "question_id": t("col.question_id"), "type": t("path.type"),
            "text": t("col.question"), "default": t("path.default_effort"),
            "effort": t("path.effort")}), key="path_effort_view")
        st.stop()
    with st.form(f"path_effort_form_{info.region_kode}", border=False):
        edited = st.data_editor(
            editor, hide_index=True, disabled=["question_id", "type", "text", "default"],
            key=f"path_effort_editor_{info.id}", column_config={
                "question_id": st.column_config.TextColumn(t("col.question_id")),
                "type": st.column_config.TextColumn(t("path.type")),
                "text": st.column_config.TextColumn(t("col.question"), width="large"),
                "default": st.column_config.NumberColumn(t("path.default_effort")),
                "effort": st.column_config.NumberColumn(t("path.effort"), min_value=0.1,
                                                        max_value=1000, step=0.5,
                                                        required=True),
            })
        if st.form_submit_button(t("path.save_efforts"), icon=":material/save:"):
            new = {q: float(e) for q, e, d in zip(edited["question_id"], edited["effort"],
                                                   edited["default"])
                   if stored.get(q, d) != e}
            try:
                n = planning.save_efforts(session.engine(), who, info.region_kode, fw, new)
                widgets.flash(t("path.efforts_saved", n=n))
                st.rerun()
            except ValueError as exc:
                widgets.refused(exc)
    if stored and st.button(t("path.reset_efforts"), key="path_reset_efforts",
                            icon=":material/restart_alt:"):
        planning.reset_efforts(session.engine(), who, info.region_kode)
        st.rerun()
