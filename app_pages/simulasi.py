"""Simulasi: change credits and see total, blocks and predicate beside the baseline."""

import pandas as pd
import streamlit as st

from kla.domain import chart_text
from kla.domain.framework import get_framework
from kla.domain.whatif import indicator_change, what_if
from kla.i18n import fmt_num, fmt_short
from kla.services import planning
from kla.web import cache, session, widgets
from kla.web.charts import compare_blocks_figure, standing_figure

GRADES = (0.0, 0.25, 0.5, 0.75, 1.0)
t, lang = session.t, session.lang()
widgets.header("sim")

info = widgets.pick_assessment("sim")
fw = get_framework(info.framework)
version = cache.region_version(info.region_kode)
details = cache.answer_details(info.id, version)
base = details.credits
all_changes = st.session_state.setdefault("sim_changes", {})
changes: dict = all_changes.setdefault(info.id, {})


def set_changes(new: dict) -> None:
    changes.update(new)


def reset() -> None:
    changes.clear()


def credit_now(qid: str) -> float:
    return float(changes.get(qid, base.get(qid, 0.0)))


# the questions by points at stake: Kesenjangan's rows, cached per data version and language
by_stake = [r["question_id"] for r in cache.gap_rows(info, version, lang)
            if fw.questions[r["question_id"]].max > 0]


@st.fragment
def what_if_panels() -> None:
    """The two what-if panels. Choosing a question, an indicator or a credit reruns only
    them (not the whole page with its charts); *Terapkan* applies the change in its
    callback and reruns the page."""
    c1, c2 = st.columns(2)
    with c1.container(border=True):
        st.markdown(f"**{t('sim.one_question')}**")
        qid = st.selectbox(t("col.question"), by_stake, key=f"sim_question_{info.id}",
                           format_func=lambda q: f"{q} · {fw.questions[q].text[:90]}")
        cur = credit_now(qid)
        options = sorted({*GRADES, cur})
        credit = st.segmented_control(t("col.credit"), options, default=cur, required=True,
                                      key=f"sim_credit_{info.id}_{qid}",
                                      format_func=lambda c: fmt_short(c, lang))
        st.caption(t("sim.question_info", max=fmt_short(fw.questions[qid].max, lang),
                     base=fmt_short(base.get(qid, 0.0), lang)))
        if st.button(t("sim.apply"), key="sim_apply_question", icon=":material/check:",
                     on_click=set_changes, args=({qid: credit},)):
            st.rerun()  # the whole page: the totals and charts below show the change
    with c2.container(border=True):
        st.markdown(f"**{t('sim.one_indicator')}**")
        ind = st.selectbox(t("col.indicator"), list(fw.indicators), key="sim_indicator",
                           format_func=lambda c: f"{c} · {fw.indicators[c].name[:80]}")
        ind_credit = st.segmented_control(t("col.credit"), GRADES, default=1.0, required=True,
                                          key="sim_indicator_credit",
                                          format_func=lambda c: fmt_short(c, lang))
        st.caption(t("sim.indicator_info", n=len(fw.indicators[ind].questions),
                     max=fmt_short(fw.indicators[ind].max, lang)))
        if st.button(t("sim.apply_indicator"), key="sim_apply_indicator",
                     icon=":material/done_all:", on_click=set_changes,
                     args=(indicator_change(fw, ind, ind_credit),)):
            st.rerun()


what_if_panels()

w = what_if(fw, base, changes)
b, s = w.baseline, w.scenario
m1, m2, m3 = st.columns([1, 1.4, 1])  # room for "Belum berpredikat"
m1.metric(t("sim.total"), fmt_num(s.total, lang), border=True,
          delta=(("+" if w.delta > 0 else "") + fmt_num(w.delta, lang)) if w.delta else None)
m2.metric(t("sim.predicate"), t(f"predicate.{s.predicate}"), border=True,
          delta=t("sim.from", predicate=t(f"predicate.{b.predicate}"))
          if w.predicate_changed else None,
          delta_color="normal" if s.total >= b.total else "inverse")
if s.next_predicate:
    m3.metric(t("common.to_next", next=t(f"predicate.{s.next_predicate}")),
              t("common.to_next_value", points=fmt_num(s.points_to_next, lang)), border=True)
else:
    m3.metric(t("common.top"), t(f"predicate.{s.predicate}"), border=True)
cache.plotly_chart(standing_figure, s.total, s.predicate, fw.bands, fw.total_max, lang,
                   [(t("chart.baseline"), b.total)] if w.delta else [],
                   config={"displayModeBar": False})
st.caption(chart_text.standing_text(s.total, s.predicate, s.next_predicate, s.points_to_next,
                                    lang, t("chart.scenario") if w.delta else None,
                                    [(t("chart.baseline"), b.total)] if w.delta else []))

st.markdown(f"**{t('sim.blocks')}**")
labels = {c: blk.name(lang) for c, blk in fw.blocks.items()}
cache.plotly_chart(compare_blocks_figure, w.block_rows(), labels, lang,
                   config={"displayModeBar": False})
st.caption(chart_text.compare_blocks_text(w.block_rows(), labels, lang))
left, right = st.columns([1.4, 1])
with left:
    widgets.table(pd.DataFrame({
        t("col.block"): [labels[r["block"]] for r in w.block_rows()],
        t("chart.baseline"): [r["baseline"] for r in w.block_rows()],
        t("chart.scenario"): [r["scenario"] for r in w.block_rows()],
        "Δ": [r["delta"] for r in w.block_rows()],
    }), key="sim_blocks")
with right:
    st.markdown(f"**{t('sim.changes', n=len(changes))}**")
    if changes:
        widgets.table(pd.DataFrame({
            t("col.question_id"): list(changes),
            t("chart.baseline"): [base.get(q, 0.0) for q in changes],
            t("chart.scenario"): list(changes.values()),
            "Δ": [round((c - base.get(q, 0.0)) * fw.questions[q].max, 2)
                  for q, c in changes.items()],
        }), key="sim_change_table")
    else:
        st.caption(t("sim.no_changes"))
    st.button(t("sim.reset"), key="sim_reset", icon=":material/restart_alt:", on_click=reset,
              disabled=not changes)

st.header(t("sim.scenarios"))
who = session.actor()
may_write = session.can("planning.write", info.region_kode)  # viewers, agencies: read only
if may_write:
    with st.form("sim_save_form", clear_on_submit=True, border=False):
        n1, n2 = st.columns([3, 1], vertical_alignment="bottom")
        name = n1.text_input(t("sim.scenario_name"), key="sim_name", max_chars=80)
        if n2.form_submit_button(t("sim.save"), icon=":material/save:"):
            try:
                planning.save_scenario(session.engine(), who, info, name, changes)
                st.toast(t("sim.saved", name=name.strip()), icon=":material/check:")
            except ValueError as exc:
                st.error(t("sim.save_error", error=session.say(exc)))
else:
    st.caption(t("planning.read_only"))
saved = planning.list_scenarios(session.engine(), who, info.id)
if saved:
    rows = []
    for sc in saved:
        r = what_if(fw, base, sc["changes"]).scenario
        rows.append({t("sim.scenario_name"): sc["name"], t("sim.n_changes"): len(sc["changes"]),
                     t("common.total"): r.total, "Δ": round(r.total - b.total, 2),
                     t("common.predicate"): t(f"predicate.{r.predicate}")})
    widgets.table(pd.DataFrame(rows), hide_index=True, key="sim_scenarios")
    s1, s2, s3 = st.columns([2, 1, 1] if may_write else [3, 1, 0.01],
                            vertical_alignment="bottom")
    pick = s1.selectbox(t("sim.pick_scenario"), [sc["name"] for sc in saved], key="sim_pick")
    chosen = next(sc for sc in saved if sc["name"] == pick)
    s2.button(t("sim.load"), key="sim_load", icon=":material/upload:",
              on_click=lambda: (changes.clear(), changes.update(chosen["changes"])))
    if may_write and s3.button(t("sim.delete"), key="sim_delete", icon=":material/delete:"):
        planning.delete_scenario(session.engine(), who, info.id, pick)
        st.rerun()
else:
    st.caption(t("sim.no_scenarios"))
