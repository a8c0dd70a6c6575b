"""Kelengkapan: completeness per agency and indicator, the gate, submission, assignments."""

import pandas as pd
import streamlit as st

from kla.domain.completeness import progress
from kla.domain.framework import get_framework
from kla.services import answers as ans
from kla.services import workflow
from kla.services.permissions import PermissionDenied
from kla.web import cache, session, widgets

t, lang = session.t, session.lang()
who = session.actor()
widgets.header("complete")

info = widgets.pick_assessment("complete", prefer_stage="EM")
fw = get_framework(info.framework)
version = cache.data_version()
widgets.status_banner(info)
agencies = cache.agencies_of(info.region_kode, info.framework, version)
items = cache.checklist_of(info, version)
done = sum(i.complete for i in items)

m1, m2, m3 = st.columns(3)
m1.metric(t("complete.done"), f"{done} / {len(items)}", border=True)
m2.metric(t("complete.unanswered"), sum(i.problem == "unanswered" for i in items), border=True)
m3.metric(t("complete.no_evidence"), sum(i.problem == "no_evidence" for i in items), border=True)
# rounded down: "100 %" only when every item is complete (272/273 once showed 100 %)
st.progress(done / len(items) if items else 1.0,
            text=t("complete.overall", pct=100 * done // len(items) if items else 100))

by_agency, by_indicator = st.columns(2)
with by_agency:
    st.subheader(t("complete.by_agency"))
    for row in progress(items, "agency"):
        st.progress(row["share"], text=f"{row['name']}: {row['complete']}/{row['total']}")
with by_indicator:
    st.subheader(t("complete.by_indicator"))
    for row in progress(items, "indicator"):
        name = fw.indicators[row["name"]].name[:48]
        st.progress(row["share"],
                    text=f"{row['name']} · {name}: {row['complete']}/{row['total']}")

st.subheader(t("complete.flagged"))
flagged = [i for i in items if not i.complete]
if not flagged:
    st.success(t("complete.all_done"), icon=":material/task_alt:")
per_agency: dict[str, list] = {}
for i in flagged:
    for agency in i.agencies or ("–",):
        per_agency.setdefault(agency, []).append(i)
for agency, its in sorted(per_agency.items(), key=lambda kv: -len(kv[1])):
    with st.expander(f"{agency} — {len(its)}"):
        widgets.table(pd.DataFrame({
            t("col.question_id"): [i.question_id for i in its],
            t("col.question"): [fw.questions[i.question_id].text for i in its],
            t("common.state"): [t(f"complete.problem.{i.problem}") for i in its],
            t("complete.needs"): [", ".join(i.needs) for i in its],
        }), key=f"complete_flag_{agency}",
            column_config={t("col.question"): st.column_config.TextColumn(width="large")})

engine = session.engine()
st.subheader(t("complete.submit_title"))
if st.button(t("complete.submit"), key="complete_submit", type="primary",
             icon=":material/send:", disabled=info.stage != "EM"):
    try:
        workflow.submit(engine, who, info.id)
        widgets.flash(t("complete.submitted"))
        st.rerun()
    except workflow.GateError as exc:
        st.error(t("complete.gate", n=len(exc.items)), icon=":material/block:")
    except (workflow.StageError, PermissionDenied) as exc:
        widgets.refused(exc)

with st.expander(t("complete.assign_title"), icon=":material/assignment_ind:"):
    st.caption(t("complete.assign_caption"))
    q_pick = st.selectbox(t("col.question"), list(fw.questions), key="complete_assign_q",
                          format_func=lambda q: f"{q} · {fw.questions[q].text[:80]}")
    with st.form("complete_assign_form"):
        value = st.text_input(t("complete.assign_agencies"),
                              value="; ".join(agencies.get(q_pick, [])),
                              key=f"complete_assign_{q_pick}")
        if st.form_submit_button(t("complete.assign_save"), icon=":material/save:"):
            try:
                ans.set_agencies(engine, who, info.region_kode, fw, q_pick, value.split(";"))
                widgets.flash(t("complete.assign_saved", qid=q_pick))
                st.rerun()
            except (PermissionDenied, ValueError) as exc:
                widgets.refused(exc)
