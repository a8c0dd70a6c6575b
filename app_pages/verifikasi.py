"""Verifikasi: the verifier's workbench. Open the next stage; work through a queue of answers
(unreviewed, revised by the city since a rejection, adjusted) filtered by block and agency;
open the city's evidence in the app; accept a selection at once, or adjust or reject one
answer with a reason; send the self-assessment back for revision; complete the stage."""

import pandas as pd
import streamlit as st

from kla.domain.framework import STAGES, get_framework
from kla.domain.numbers import NumberError, parse_decimal
from kla.i18n import fmt_num, fmt_short
from kla.services import workflow
from kla.services.answers import Conflict
from kla.services.permissions import PermissionDenied
from kla.web import cache, session, widgets

t, lang = session.t, session.lang()
who = session.actor()
widgets.header("verify")
engine = session.engine()

kode = widgets.pick_region("verify")
version = cache.region_version(kode)
infos = cache.assessments(kode, version)
years = sorted({a.year for a in infos}, reverse=True)
year = st.selectbox(t("common.year"), years, key=f"verify_year_{kode}")
by_stage = {a.stage: a for a in infos if a.year == year}
if any(a.is_sample for a in by_stage.values()):
    widgets.sample_badge()

cols = st.columns(len(STAGES))
for col, stage in zip(cols, STAGES):
    a = by_stage.get(stage)
    with col.container(border=True):
        st.metric(t(f"stage.{stage}"),
                  fmt_num(cache.stored_score(a, version).total, lang) if a else "–")
        st.caption(t(f"status.{a.status}") if a else t("verify.not_open"))


def run(action, ok: str) -> bool:
    try:
        action()
    except Conflict as exc:  # the answer changed since it was shown: nothing was written
        st.warning(t("verify.conflict", qid=exc.qid, by=exc.by), icon=":material/sync_problem:")
    except (workflow.StageError, PermissionDenied, ValueError) as exc:
        widgets.refused(exc)
    else:
        widgets.flash(ok)
        st.rerun()
    return False


nxt = next((s for s in STAGES[1:] if s not in by_stage), None)
if nxt:
    if st.button(t("verify.open", stage=t(f"stage.{nxt}")), key="verify_open",
                 icon=":material/play_arrow:"):
        run(lambda: workflow.open_stage(engine, who, kode, year, nxt),
            t("verify.opened", stage=nxt))

review = next((by_stage[s] for s in reversed(STAGES[1:])
               if s in by_stage and by_stage[s].status == "in_review"), None)
if review is None:
    st.info(t("verify.none_open"), icon=":material/info:")
    st.stop()

fw = get_framework(review.framework)
st.header(t("verify.review_title", stage=t(f"stage.{review.stage}")))
em = by_stage.get("EM")
files = cache.evidence_of(em.id, version) if em else []
counts = cache.evidence_counts(files)
agencies = cache.agencies_of(kode, review.framework, version)
queue = {r["question_id"]: r for r in cache.review_queue(review.id, version)}
STATES = ("unreviewed", "revised", "rejected", "adjusted", "accepted")
tally = {s: sum(1 for r in queue.values() if r["state"] == s) for s in STATES}
st.caption(" · ".join(f"{t(f'verify.state.{s}')}: {tally[s]}" for s in STATES))

f1, f2, f3 = st.columns([2, 1, 1])
states = f1.multiselect(t("verify.filter_state"), STATES, default=["unreviewed", "revised"],
                        format_func=lambda s: t(f"verify.state.{s}"),
                        key=session.lang_key(f"verify_states_{review.id}", carry=False),
                        placeholder=t("common.choose"))
blocks = ["*", *fw.blocks]
block = f2.selectbox(t("verify.filter_block"), blocks,
                     format_func=lambda b: t("common.all_blocks") if b == "*" else b,
                     key=session.lang_key(f"verify_block_{review.id}"))
all_agencies = sorted({a for q in fw.questions for a in agencies.get(q, [])})
agency = f3.selectbox(t("verify.filter_agency"), ["*", *all_agencies],
                      format_func=lambda a: t("verify.all_agencies") if a == "*" else a,
                      key=session.lang_key(f"verify_agency_{review.id}"))
shown = [q for q, r in queue.items()
         if (not states or r["state"] in states)
         and (block == "*" or fw.questions[q].block == block)
         and (agency == "*" or agency in agencies.get(q, []))]


def credit_text(x: float | None) -> str:
    return "–" if x is None else fmt_short(x, lang)


table = pd.DataFrame({
    t("col.question_id"): shown,
    t("col.opd"): ["; ".join(agencies.get(q, [])) for q in shown],
    t("col.question"): [fw.questions[q].text for q in shown],
    t("col.max"): [fw.questions[q].max for q in shown],
    t("verify.col.claimed"): [credit_text(queue[q]["claimed"]) for q in shown],
    t("verify.col.credit"): [credit_text(queue[q]["credit"]) for q in shown],
    t("verify.col.files"): [counts.get(q, 0) for q in shown],
    t("verify.col.state"): [t(f"verify.state.{queue[q]['state']}") for q in shown],
})
st.caption(t("verify.queue_caption", n=len(shown)))
picked = st.dataframe(table, hide_index=True, on_select="rerun", selection_mode="multi-row",
                      key=f"verify_queue_{review.id}_{len(shown)}", height=320,
                      column_config={t("col.question"): st.column_config.TextColumn(
                          width="large")})
rows = [shown[i] for i in picked.selection.rows] if picked and picked.selection else []
if st.button(t("verify.accept_selected", n=len(rows)), key="verify_accept_many",
             icon=":material/done_all:", disabled=not rows, type="primary"):
    run(lambda: workflow.accept_many(engine, who, review.id,
                                     {q: queue[q]["version"] for q in rows}),
        t("verify.accepted_many", n=len(rows)))

st.divider()
choices = rows or shown or list(queue)
current = st.session_state.get(f"verify_q_{review.id}")
if current in queue and current not in choices:  # just decided: stays open to see the result
    choices = [current, *choices]
qid = st.selectbox(t("verify.pick"), choices, key=f"verify_q_{review.id}",
                   format_func=lambda q: f"{q} · {fw.questions[q].text[:90]}")
q = fw.questions[qid]
row = queue.get(qid)
st.markdown(f"**{qid}** — {q.text}")
note = ""
if em:
    em_state = cache.answer_states(em.id, version).get(qid)
    note = em_state.note if em_state else ""
st.caption(t("verify.meta", max=fmt_short(q.max, lang),
             em=credit_text(row["claimed"] if row else None),
             now=credit_text(row["credit"] if row else None), files=counts.get(qid, 0),
             note=widgets.plain(note) if note else "–"))
last = cache.reviews_of(kode, year, version).get(qid)
if last:
    st.caption(t("verify.last", decision=t(f"decision.{last['decision']}"),
                 reason=widgets.plain(last["reason"]) if last["reason"] else "–",
                 reviewer=widgets.plain(last["reviewer"]), stage=last["stage"],
                 at=widgets.when(last["at"])))

for f in [f for f in files if f["question_id"] == qid]:
    with st.expander(t("verify.file", name=widgets.plain(f["name"])),
                     icon=":material/description:"):
        st.caption(t("verify.uploaded", by=widgets.plain(f["uploaded_by"]),
                     at=widgets.when(f["uploaded_at"])))
        if f["missing"]:  # the row is there, its bytes are not (e.g. restored without them)
            st.warning(t("err.evidence_missing", name=widgets.plain(f["name"])),
                       icon=":material/report:")
            continue
        # the browser fetches the file from our /evidence route (this signed-in browser
        # only, checked by the service again), never through Streamlit's /media
        view = session.evidence_url(f["id"])
        mime = f["media_type"]
        if view and view.startswith("http") and mime == "application/pdf":
            st.pdf(view, height=520, key=f"verify_pdf_{f['id']}")
        elif view and view.startswith("http") and mime.startswith("image/"):
            st.image(view, caption=f["name"], alt=f["name"])
        else:
            st.caption(t("verify.no_preview"))
        url = session.evidence_url(f["id"], download=True)
        st.link_button(t("verify.download_file"), url or "#", disabled=url is None,
                       key=f"verify_dl_{f['id']}", icon=":material/download:")
if not counts.get(qid):
    st.caption(t("verify.no_files"))

with st.form(f"verify_form_{review.id}_{qid}"):
    decision = st.radio(t("verify.decision"), ["accept", "adjust", "reject"], horizontal=True,
                        format_func=lambda d: t(f"decision.{d}"), key=f"verify_dec_{qid}")
    typed = st.text_input(t("verify.credit"), value=credit_text(row["credit"]) if row else "",
                          key=f"verify_credit_{qid}", help=t("common.credit_help"))
    reason = st.text_area(t("verify.reason"), key=f"verify_reason_{qid}", max_chars=1000)
    if st.form_submit_button(t("verify.save"), icon=":material/gavel:", type="primary"):
        credit = None
        if decision == "adjust":
            try:
                credit = parse_decimal(typed, 0, 1)
            except NumberError as exc:
                st.error(t(f"verify.credit_{exc.reason}", value=exc.text), icon=":material/block:")
                st.stop()
        seen = row["version"] if row else None  # what the verifier judged
        run(lambda: workflow.review_answer(engine, who, review.id, qid, decision, credit, reason,
                                           expected_version=seen),
            t("verify.saved", qid=qid))

decided = [(k, v) for k, v in cache.reviews_of(kode, year, version).items()
           if v["stage"] == review.stage]
if decided:
    st.markdown(f"**{t('verify.decisions', n=len(decided))}**")
    widgets.table(pd.DataFrame({
        t("col.question_id"): [k for k, _ in decided],
        t("verify.decision"): [t(f"decision.{v['decision']}") for _, v in decided],
        t("verify.reason"): [v["reason"] for _, v in decided],
        t("verify.col.credit"): [v["credit_after"] for _, v in decided],
        t("verify.reviewer"): [v["reviewer"] for _, v in decided],
        t("verify.at"): [widgets.when(v["at"]) for _, v in decided],
    }), key="verify_decisions")

c1, c2, c3 = st.columns([1, 1, 1], vertical_alignment="bottom")
hours = c1.number_input(t("verify.hours"), 1, 24 * 14, 48, key="verify_hours")
if c2.button(t("verify.revision"), key="verify_revision", icon=":material/undo:"):
    run(lambda: workflow.request_revision(engine, who, review.id, int(hours)),
        t("verify.revision_sent", hours=int(hours)))
if c3.button(t("verify.complete", stage=t(f"stage.{review.stage}")), key="verify_complete",
             icon=":material/done_all:"):
    run(lambda: workflow.complete_stage(engine, who, review.id), t("verify.completed"))
