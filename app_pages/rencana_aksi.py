"""Rencana aksi (RAD KLA): the actions of a kab/kota's year, their progress to the target
predicate (from the real scoring of the planned credits), a timeline, and applying the
credits of done actions to the self-assessment."""


import pandas as pd
import streamlit as st

from kla.domain import chart_text
from kla.domain.action_plan import ACTION_GRADES, ACTION_STATUSES, is_overdue, progress
from kla.domain.framework import get_framework
from kla.domain.gaps import all_opds
from kla.domain.predicate import predicate_codes
from kla.i18n import fmt_num, fmt_short, fmt_time
from kla.io import export
from kla.io.plan_workbook import plan_workbook
from kla.services import action_plan
from kla.settings import local_today
from kla.web import cache, session, widgets
from kla.web.charts import action_timeline_figure

t, lang = session.t, session.lang()
widgets.header("plan")

info = widgets.pick_assessment("plan", prefer_stage="EM")
fw = get_framework(info.framework)
who, engine = session.actor(), session.engine()
version = cache.region_version(info.region_kode)
credits = cache.answer_details(info.id, version).credits
result = cache.score(info, version)
actions = action_plan.list_actions(engine, who, info.region_kode, info.year)
today = local_today()
may_write = session.can("action.write", info.region_kode)
if info.stage != "EM":
    st.caption(t("plan.stage_note", stage=t(f"stage.{info.stage}")))

# --- progress to the target predicate ------------------------------------------------------
order = predicate_codes(fw.bands)[1:]
default = result.next_predicate or result.predicate
target = st.selectbox(t("plan.target"), order, index=order.index(default)
                      if default in order else 0, key=f"plan_target_{info.id}",
                      format_func={p: t(f"predicate.{p}") for p in order}.get)
prog = progress(fw, credits, actions, target)
m1, m2, m3, m4 = st.columns(4)
m1.metric(t("plan.points_needed", target=t(f"predicate.{target}")),
          fmt_num(prog.points_needed, lang), border=True)
m2.metric(t("plan.points_secured"), fmt_num(prog.points_secured, lang), border=True,
          delta=t(f"predicate.{prog.done_predicate}"), delta_color="off", delta_arrow="off")
m3.metric(t("plan.points_remaining"), fmt_num(prog.points_remaining, lang), border=True)
m4.metric(t("plan.all_total"), fmt_num(prog.all_total, lang), border=True,
          delta=t(f"predicate.{prog.all_predicate}"), delta_color="off", delta_arrow="off")
st.caption(t("plan.progress_note", total=fmt_num(prog.total, lang),
             done=fmt_num(prog.done_total, lang), threshold=fmt_num(prog.threshold, lang),
             target=t(f"predicate.{target}")))
if actions and not prog.reached_with_all:
    st.warning(t("plan.short_all", points=fmt_num(prog.threshold - prog.all_total, lang),
                 target=t(f"predicate.{target}")), icon=":material/warning:")

if not actions:
    st.info(t("plan.empty"), icon=":material/info:")

# --- timeline ------------------------------------------------------------------------------
rows = [{"title": a["title"], "start": a["start_date"], "due": a["due_date"],
         "status": a["status"], "overdue": is_overdue(a["status"], a["due_date"], today)}
        for a in actions]
if any(r["start"] or r["due"] for r in rows):
    st.header(t("plan.timeline"))
    st.plotly_chart(action_timeline_figure(rows, lang), config={"displayModeBar": False})
    st.caption(chart_text.action_timeline_text(rows, lang))  # the table below has its data
elif actions:
    st.caption(t("plan.no_dates"))

# --- the table, with filters ---------------------------------------------------------------
status_label = {s: t(f"plan.status.{s}") for s in ACTION_STATUSES}
if actions:  # with none, the note above says so (no empty table, no filters)
    st.header(t("plan.actions"))
    ALL = "__all__"
    f1, f2 = st.columns(2)
    opds = sorted({a["opd"] for a in actions if a["opd"]})
    all_label = t("plan.all_opds")  # labels bound now: format_func may run outside the rerun
    opd = f1.selectbox(t("plan.filter_opd"), [ALL, *opds], key=session.lang_key("plan_opd"),
                       format_func=lambda o: all_label if o == ALL else o)
    statuses = f2.multiselect(t("plan.filter_status"), list(ACTION_STATUSES),
                              key=session.lang_key("plan_status"), format_func=status_label.get,
                              placeholder=t("plan.filter_status_all"))
    shown = [a for a in actions if (opd == ALL or a["opd"] == opd)
             and (not statuses or a["status"] in statuses)]
    table = pd.DataFrame({
        t("plan.col.id"): [a["id"] for a in shown],
        t("plan.field.title"): [a["title"] for a in shown],
        t("plan.field.opd"): [a["opd"] for a in shown],
        t("plan.field.status"): [t(f"plan.status.{a['status']}") for a in shown],
        t("plan.overdue"): [t("plan.overdue_mark") if is_overdue(a["status"], a["due_date"], today)
                            else "" for a in shown],
        t("plan.field.start_date"): [fmt_time(a["start_date"], lang) if a["start_date"] else ""
                                     for a in shown],
        t("plan.field.due_date"): [fmt_time(a["due_date"], lang) if a["due_date"] else ""
                                   for a in shown],
        t("plan.field.budget_rp"): [a["budget_rp"] for a in shown],
        t("plan.field.apbd_ref"): [a["apbd_ref"] for a in shown],
        t("plan.col.questions"): ["; ".join(f"{q} → {c:g}" for q, c in a["credits"].items())
                                  for a in shown],
        t("plan.field.evidence_note"): [a["evidence_note"] for a in shown],
        t("plan.xlsx.file"): [(a["evidence"] or {}).get("name", "") for a in shown],
        t("plan.col.applied"): [widgets.when(a["applied_at"]) if a["applied_at"] else ""
                                for a in shown],
    })
    st.caption(t("plan.shown", n=len(shown), total=len(actions),
                  budget=fmt_num(sum(a["budget_rp"] for a in shown), lang, 0)))
    widgets.table(table, key="plan_table", column_config={
        t("plan.field.title"): st.column_config.TextColumn(width="large"),
        t("plan.field.budget_rp"): st.column_config.NumberColumn(format="localized"),
    })
    dl = st.container(horizontal=True)
    dl.download_button(t("common.download_csv"), lambda: export.csv_bytes(table),
                       file_name=f"rencana-aksi-{info.region_kode}-{info.year}.csv",
                       mime="text/csv", key="plan_dl_csv", icon=":material/download:",
                       on_click="ignore")  # a download changes nothing: no rerun
    dl.download_button(t("plan.download_xlsx"), lambda: plan_workbook(
        fw, actions, prog, region=info.region_nama, year=info.year, lang=lang, today=today,
        generated=widgets.now()), file_name=f"rencana-aksi-{info.region_kode}-{info.year}.xlsx",
        mime=widgets.XLSX_MIME, key="plan_dl_xlsx", icon=":material/table:", on_click="ignore")

# --- apply the credits of done actions -----------------------------------------------------
done = [a for a in actions if a["status"] == "selesai"]
if may_write and done:
    st.header(t("plan.apply_title"))
    st.caption(t("plan.apply_caption", n=len(done)))
    if st.button(t("plan.apply"), key="plan_apply", icon=":material/done_all:"):
        try:
            written = action_plan.apply_done_credits(engine, who, info.region_kode, info.year)
            widgets.flash(t("plan.applied", n=len(written)))
            st.rerun()
        except (ValueError, PermissionError) as exc:
            widgets.refused(exc)


# the agency, question by question: a done action of its own OPD, through the answer service
mine_done = [a for a in done if who.role == "opd" and a["opd"] in who.agencies]
if mine_done and info.stage == "EM":
    states = cache.answer_states(info.id, version)
    open_q = {q: (a["id"], c) for a in mine_done for q, c in a["credits"].items()
              if c > (states[q].credit if q in states else 0.0)}
    if open_q:
        st.header(t("plan.apply_title"))
        q1, q2 = st.columns([3, 1], vertical_alignment="bottom")
        qid = q1.selectbox(t("plan.apply_one"), sorted(open_q), key=f"plan_apply_q_{info.id}",
                           format_func=lambda q: f"{q} → {open_q[q][1]:g}")
        if q2.button(t("plan.apply"), key="plan_apply_one", icon=":material/done:"):
            state = states.get(qid)
            try:
                action_plan.apply_question(engine, who, open_q[qid][0], qid,
                                           state.version if state else None)
                widgets.flash(t("plan.applied", n=1))
                st.rerun()
            except (ValueError, PermissionError) as exc:
                widgets.refused(exc)


# --- add, edit, status ---------------------------------------------------------------------
def action_form(key: str, current: dict | None) -> dict | None:
    """The fields of an action; the values when submitted."""
    cur = current or {}
    with st.form(key, border=True):
        title = st.text_input(t("plan.field.title"), value=cur.get("title", ""),
                              max_chars=200)
        c1, c2 = st.columns(2)
        known = sorted(set(all_opds(fw)) | ({cur["opd"]} if cur.get("opd") else set()))
        opd_v = c1.selectbox(t("plan.field.opd"), ["", *known],
                             index=(["", *known].index(cur["opd"]) if cur.get("opd") else 0),
                             accept_new_options=True, placeholder=t("plan.opd_placeholder"))
        budget = c2.number_input(t("plan.field.budget_rp"), min_value=0, step=1_000_000,
                                 value=int(cur.get("budget_rp", 0)))
        apbd = st.text_input(t("plan.field.apbd_ref"), value=cur.get("apbd_ref", ""),
                             max_chars=200)
        d1, d2 = st.columns(2)
        start = d1.date_input(t("plan.field.start_date"), value=cur.get("start_date"),
                              format="DD/MM/YYYY")
        due = d2.date_input(t("plan.field.due_date"), value=cur.get("due_date"),
                            format="DD/MM/YYYY")
        qids = st.multiselect(t("plan.col.questions"), list(fw.questions),
                              default=list(cur.get("credits", {})))
        old = cur.get("credits", {})
        edited = None
        if old:  # the credits already planned, one row per question, editable
            st.caption(t("plan.credits_help"))
            edited = st.data_editor(
                pd.DataFrame({"qid": list(old), "credit": [float(c) for c in old.values()]}),
                key=f"{key}_credits", hide_index=True, disabled=["qid"],
                column_config={
                    "qid": st.column_config.TextColumn(t("plan.xlsx.qid")),
                    "credit": st.column_config.SelectboxColumn(
                        t("plan.field.credit"), options=list(ACTION_GRADES), required=True)})
        credit = st.select_slider(t("plan.credit_new") if old else t("plan.field.credit"),
                                  options=list(ACTION_GRADES), value=1.0,
                                  format_func=lambda g: fmt_short(g, lang))
        if st.form_submit_button(t("plan.save"), icon=":material/save:"):
            per_q = ({} if edited is None else
                     {r["qid"]: float(r["credit"]) for r in edited.to_dict("records")
                      if r["credit"] is not None})
            return {"fields": {"title": title, "opd": opd_v or "", "budget_rp": int(budget),
                               "apbd_ref": apbd, "start_date": start, "due_date": due},
                    "credits": {q: per_q.get(q, float(credit)) for q in qids}}
    return None


if may_write:
    with st.expander(t("plan.add"), icon=":material/add:"):
        new = action_form("plan_add_form", None)
        if new:
            try:
                action_plan.create_action(engine, who, info.region_kode, info.year, fw,
                                          new["fields"], new["credits"])
                widgets.flash(t("plan.saved"))
                st.rerun()
            except (ValueError, PermissionError) as exc:
                widgets.refused(exc)

may_status = [a for a in actions if may_write or (
    who.role == "opd" and a["opd"] in who.agencies)]
if may_status:
    st.header(t("plan.edit"))
    by_id = {a["id"]: a for a in may_status}
    pick = st.selectbox(t("plan.pick"), list(by_id), key=f"plan_pick_{info.id}",
                        format_func=lambda i: f"#{i} · {by_id[i]['title'][:80]}")
    chosen = by_id[pick]
    with st.form(f"plan_status_form_{pick}_{chosen['version']}"):
        c1, c2 = st.columns([1, 2])
        status = c1.selectbox(t("plan.field.status"), list(ACTION_STATUSES),
                              index=ACTION_STATUSES.index(chosen["status"]),
                              format_func=status_label.get,
                              key=f"plan_status_{pick}_{chosen['version']}")
        note = c2.text_area(t("plan.field.evidence_note"), value=chosen["evidence_note"],
                            max_chars=1000, height=80,
                            key=f"plan_note_{pick}_{chosen['version']}")
        upload = st.file_uploader(t("plan.field.evidence_file"), help=t("plan.evidence_file_help"),
                                  key=f"plan_file_{pick}_{chosen['version']}")
        if st.form_submit_button(t("plan.set_status"), icon=":material/flag:"):
            try:
                action_plan.set_status(engine, who, pick, status, chosen["version"], note,
                                       (upload.name, upload.getvalue()) if upload else None)
                widgets.flash(t("plan.saved"))
                st.rerun()
            except (ValueError, PermissionError) as exc:
                widgets.refused(exc)
    if chosen["evidence"] and not action_plan.action_evidence_stored(engine, who, pick):
        st.warning(t("plan.evidence_missing"), icon=":material/warning:")
    elif chosen["evidence"]:
        def _file(action_id: int = pick) -> bytes:
            return action_plan.read_action_evidence(engine, who, action_id)[2]
        st.download_button(t("plan.evidence_download", name=chosen["evidence"]["name"]), _file,
                           file_name=chosen["evidence"]["name"],
                           mime=chosen["evidence"]["media_type"] or "application/octet-stream",
                           key=f"plan_file_dl_{pick}", icon=":material/attach_file:",
                           on_click="ignore")  # a download changes nothing: no rerun
    if may_write:
        with st.expander(t("plan.edit_fields"), icon=":material/edit:"):
            changed = action_form(f"plan_edit_form_{pick}_{chosen['version']}", chosen)
            if changed:
                try:
                    action_plan.update_action(engine, who, pick, fw, changed["fields"],
                                              changed["credits"], chosen["version"])
                    widgets.flash(t("plan.saved"))
                    st.rerun()
                except (ValueError, PermissionError) as exc:
                    widgets.refused(exc)
            if st.button(t("plan.delete"), key=f"plan_delete_{pick}", icon=":material/delete:"):
                try:
                    action_plan.delete_action(engine, who, pick, chosen["version"])
                    widgets.flash(t("plan.deleted"))
                    st.rerun()
                except (ValueError, PermissionError) as exc:
                    widgets.refused(exc)
elif not may_write:
    st.caption(t("plan.read_only"))
