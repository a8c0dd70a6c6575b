"""Kelengkapan: completeness per agency and indicator, the gate, submission, assignments.

The summary and the submission come first (submitting asks for a confirmation that says what
gets locked); the incomplete questions and the progress per agency and indicator follow as
tables, the assignment of questions to agencies last."""

import pandas as pd
import streamlit as st

from kla.domain.completeness import progress
from kla.domain.framework import get_framework
from kla.services import answers as ans
from kla.services import workflow
from kla.services.permissions import PermissionDenied
from kla.web import cache, session, validity_view, widgets

t, lang = session.t, session.lang()
who = session.actor()
widgets.header("complete")

info = widgets.pick_assessment("complete", prefer_stage="EM")
fw = get_framework(info.framework)
version = cache.region_version(info.region_kode)
lock = widgets.edit_lock(info)  # why the city cannot change (or submit) it now; None: it can
widgets.status_banner(info, lock)
agencies = cache.agencies_of(info.region_kode, info.framework, version)
items = cache.checklist_of(info, version)
done = sum(i.complete for i in items)
flagged = [i for i in items if not i.complete]
# evidence validity (expired SK, stale data, unsigned, budget year): warnings, never the gate
validity = cache.validity_report(info.id, version)

m1, m2, m3 = st.columns(3)
m1.metric(t("complete.done"), f"{done} / {len(items)}", border=True)
m2.metric(t("complete.unanswered"), sum(i.problem == "unanswered" for i in items), border=True)
m3.metric(t("complete.no_evidence"), sum(i.problem == "no_evidence" for i in items), border=True)
# rounded down: "100 %" only when every item is complete (272/273 once showed 100 %)
st.progress(done / len(items) if items else 1.0,
            text=t("complete.overall", pct=100 * done // len(items) if items else 100))

engine = session.engine()
CONFIRM = f"complete_confirm_{info.id}"  # the submission waits for its confirmation
if (info.stage == "EM" and lock is None
        and session.can("assessment.submit", info.region_kode)):
    with st.container(border=True):
        st.markdown(f"**{t('complete.submit_title')}**")
        if validity["totals"]["flagged"]:
            st.warning(t("complete.validity_warn", n=validity["totals"]["flagged"]),
                       icon=":material/warning:")
        if not st.session_state.get(CONFIRM):
            st.caption(t("complete.submit_caption"))
            if st.button(t("complete.submit"), key="complete_submit", type="primary",
                         icon=":material/send:"):
                if flagged:  # the gate the service applies again on submission
                    st.error(t("complete.gate", n=len(flagged)), icon=":material/block:")
                else:
                    st.session_state[CONFIRM] = True
                    st.rerun()
        else:
            st.warning(t("complete.confirm_text", region=info.region_nama, year=info.year,
                         n=len(items)), icon=":material/lock:")
            yes, no = st.columns(2)
            if yes.button(t("complete.confirm_yes"), key="complete_confirm", type="primary",
                          icon=":material/send:"):
                st.session_state.pop(CONFIRM, None)
                try:
                    workflow.submit(engine, who, info.id)
                    widgets.flash(t("complete.submitted"))
                    st.rerun()
                except workflow.GateError as exc:
                    st.error(t("complete.gate", n=len(exc.items)), icon=":material/block:")
                except (workflow.StageError, PermissionDenied) as exc:
                    widgets.refused(exc)
            if no.button(t("complete.confirm_no"), key="complete_cancel",
                         icon=":material/close:"):
                st.session_state.pop(CONFIRM, None)
                st.rerun()

st.header(t("complete.flagged"))
if not flagged:
    st.success(t("complete.all_done"), icon=":material/task_alt:")
else:
    ALL = "__all__"
    names = sorted({a for i in flagged for a in (i.agencies or ("–",))},
                   key=lambda a: (-sum(a in (i.agencies or ("–",)) for i in flagged), a))
    agency = st.selectbox(t("col.opd"), [ALL, *names], key="complete_flag_agency",
                          format_func=lambda a: t("complete.all_agencies") if a == ALL else
                          f"{a} ({sum(a in (i.agencies or ('–',)) for i in flagged)})")
    shown = [i for i in flagged if agency == ALL or agency in (i.agencies or ("–",))]
    widgets.table(pd.DataFrame({
        t("col.question_id"): [i.question_id for i in shown],
        t("col.opd"): ["; ".join(i.agencies) or "–" for i in shown],
        t("col.question"): [fw.questions[i.question_id].text for i in shown],
        t("common.state"): [t(f"complete.problem.{i.problem}") for i in shown],
        t("complete.needs"): [", ".join(i.needs) for i in shown],
    }), key="complete_flag_table", height=320, column_config={  # fits 1,360 px, status whole
        t("col.question_id"): st.column_config.TextColumn(width=70, pinned=True),
        t("col.opd"): st.column_config.TextColumn(width=170),
        t("col.question"): st.column_config.TextColumn(width=320),
        t("common.state"): st.column_config.TextColumn(width=160),
        t("complete.needs"): st.column_config.TextColumn(width=140)})

st.header(t("complete.validity_title"))
st.caption(t("complete.validity_caption", entry=t("page.entry")))
v1, v2, v3 = st.columns(3)
v1.metric(t("complete.validity_flagged"), validity["totals"]["flagged"], border=True)
v2.metric(t("complete.validity_flagged_files"), validity["totals"]["flagged_files"], border=True)
v3.metric(t("complete.validity_no_meta"), validity["totals"]["no_metadata"], border=True)
v_rows = validity_view.question_frame(validity["rows"], lang, with_missing=False)
if v_rows.empty:
    st.success(t("complete.validity_none"), icon=":material/task_alt:")
else:
    widgets.table(v_rows, key="complete_validity_table", height=260)
with st.expander(t("complete.validity_by_agency"), icon=":material/groups:"):
    widgets.table(validity_view.agency_frame(validity["agencies"], lang),
                  key="complete_validity_agency", height=260)


SHARE = st.column_config.ProgressColumn(t("complete.share"), min_value=0, max_value=100,
                                       format="%.0f %%", width=170)


def agency_progress() -> None:
    """Per agency, least complete first."""
    rows = progress(items, "agency")
    widgets.table(pd.DataFrame({
        t("complete.by_agency"): [r["name"] for r in rows],
        t("complete.done"): [f"{r['complete']} / {r['total']}" for r in rows],
        t("complete.share"): [100 * r["share"] for r in rows],
    }), key="complete_by_agency", height=320, column_config={
        t("complete.by_agency"): st.column_config.TextColumn(width=220),
        t("complete.done"): st.column_config.TextColumn(width=150),
        t("complete.share"): SHARE})


def indicator_progress() -> None:
    """Per indicator, in the framework's order; its number ("No.") sorts them back into that
    order after a click on another column (the codes, 1 … 20, 21A …, sort as text)."""
    rows = sorted(progress(items, "indicator"), key=lambda r: fw.indicators[r["name"]].order)
    widgets.table(pd.DataFrame({
        t("complete.order"): [fw.indicators[r["name"]].order for r in rows],
        t("col.indicator"): [f"{r['name']} · {fw.indicators[r['name']].name}" for r in rows],
        t("complete.done"): [f"{r['complete']} / {r['total']}" for r in rows],
        t("complete.share"): [100 * r["share"] for r in rows],
    }), key="complete_by_indicator", height=320, column_config={
        t("complete.order"): st.column_config.NumberColumn(width=50),
        t("col.indicator"): st.column_config.TextColumn(width=500),
        t("complete.done"): st.column_config.TextColumn(width=130),
        t("complete.share"): SHARE})


with st.expander(t("complete.progress_title"), icon=":material/bar_chart:"):
    agency_progress()  # one above the other: the indicator names need the width
    indicator_progress()

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
