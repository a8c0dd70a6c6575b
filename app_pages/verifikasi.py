"""Verifikasi: the province/ministry verifier opens stages and decides per answer."""

import pandas as pd
import streamlit as st

from kla.domain.framework import STAGES, get_framework
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
version = cache.data_version()
infos = cache.assessments(kode, version)
years = sorted({a.year for a in infos}, reverse=True)
year = st.selectbox(t("posisi.year"), years, key=f"verify_year_{kode}")
by_stage = {a.stage: a for a in infos if a.year == year}
if any(a.is_sample for a in by_stage.values()):
    widgets.sample_badge()

cols = st.columns(len(STAGES))
for col, stage in zip(cols, STAGES):
    a = by_stage.get(stage)
    with col.container(border=True):
        st.metric(t(f"stage.{stage}"), fmt_num(cache.score(a, version).total, lang) if a else "–")
        st.caption(t(f"status.{a.status}") if a else t("verify.not_open"))


def run(action, ok: str) -> None:  # noqa: ANN001
    try:
        action()
        widgets.flash(ok)
        st.rerun()
    except Conflict as exc:  # the answer changed since it was shown: nothing was written
        st.warning(t("verify.conflict", qid=exc.qid, by=exc.by), icon=":material/sync_problem:")
    except (workflow.StageError, PermissionDenied, ValueError) as exc:
        st.error(str(exc), icon=":material/block:")


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
st.subheader(t("verify.review_title", stage=t(f"stage.{review.stage}")))
states = cache.answer_states(review.id, version)
em = by_stage.get("EM")
em_states = cache.answer_states(em.id, version) if em else {}
reviews = cache.reviews_of(kode, year, version)
files = cache.evidence_of(em.id, version) if em else []
counts = cache.evidence_counts(files)

qid = st.selectbox(t("col.question"), list(fw.questions), key=f"verify_q_{review.id}",
                   format_func=lambda q: f"{q} · {fw.questions[q].text[:90]}")
q = fw.questions[qid]
st.markdown(f"**{qid}** — {q.text}")
st.caption(t("verify.meta", max=fmt_short(q.max, lang),
             em=fmt_short(em_states[qid].credit, lang) if qid in em_states else "–",
             now=fmt_short(states[qid].credit, lang) if qid in states else "–",
             files=counts.get(qid, 0),
             note=(em_states[qid].note if qid in em_states else "") or "–"))
if qid in reviews:
    r = reviews[qid]
    st.caption(t("verify.last", decision=t(f"decision.{r['decision']}"), reason=r["reason"] or "–",
                 reviewer=r["reviewer"], stage=r["stage"]))
with st.form(f"verify_form_{review.id}_{qid}"):
    decision = st.radio(t("verify.decision"), ["accept", "adjust", "reject"], horizontal=True,
                        format_func=lambda d: t(f"decision.{d}"), key=f"verify_dec_{qid}")
    credit = st.number_input(t("verify.credit"), 0.0, 1.0,
                             value=float(states[qid].credit) if qid in states else 0.0,
                             step=0.05, key=f"verify_credit_{qid}")
    reason = st.text_area(t("verify.reason"), key=f"verify_reason_{qid}", max_chars=1000)
    if st.form_submit_button(t("verify.save"), icon=":material/gavel:", type="primary"):
        seen = states[qid].version if qid in states else None  # what the verifier judged
        run(lambda: workflow.review_answer(engine, who, review.id, qid, decision,
                                           credit if decision == "adjust" else None, reason,
                                           expected_version=seen),
            t("verify.saved", qid=qid))

decided = [(k, v) for k, v in reviews.items() if v["stage"] == review.stage]
if decided:
    st.markdown(f"**{t('verify.decisions', n=len(decided))}**")
    widgets.table(pd.DataFrame({
        t("col.question_id"): [k for k, _ in decided],
        t("verify.decision"): [t(f"decision.{v['decision']}") for _, v in decided],
        t("verify.reason"): [v["reason"] for _, v in decided],
        t("verify.credit"): [v["credit_after"] for _, v in decided],
        t("verify.reviewer"): [v["reviewer"] for _, v in decided],
    }), key="verify_decisions")

c1, c2, c3 = st.columns([1, 1, 1], vertical_alignment="bottom")
hours = c1.number_input(t("verify.hours"), 1, 24 * 14, 48, key="verify_hours")
if c2.button(t("verify.revision"), key="verify_revision", icon=":material/undo:"):
    run(lambda: workflow.request_revision(engine, who, review.id, int(hours)),
        t("verify.revision_sent", hours=int(hours)))
if c3.button(t("verify.complete", stage=t(f"stage.{review.stage}")), key="verify_complete",
             icon=":material/done_all:"):
    run(lambda: workflow.complete_stage(engine, who, review.id), t("verify.completed"))
