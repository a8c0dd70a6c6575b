"""Kesenjangan: where the points are lost, per block, indicator and question."""

import textwrap

import pandas as pd
import streamlit as st

from kla.domain import chart_text
from kla.domain.framework import get_framework
from kla.domain.gaps import all_opds, capped_indicators, filter_rows, indicator_gaps
from kla.i18n import fmt_num
from kla.io.export import csv_bytes
from kla.services import action_plan
from kla.web import cache, session, tables, widgets
from kla.web.charts import gaps_figure

t, lang = session.t, session.lang()
widgets.header("gaps")

info = widgets.pick_assessment("gaps")
fw = get_framework(info.framework)
version = cache.region_version(info.region_kode)
result = cache.score(info, version)
details = cache.answer_details(info.id, version)

rows = cache.gap_rows(info, version, lang)  # once per data version and language
open_rows = filter_rows(rows, below_full_only=True)
m1, m2, m3 = st.columns(3)
m1.metric(t("common.total"), fmt_num(result.total, lang), border=True)
m2.metric(t("gaps.at_stake_total"), fmt_num(fw.total_max - result.total, lang), border=True)
m3.metric(t("gaps.open_questions"), f"{len(open_rows)} / {len(rows)}", border=True)

st.header(t("gaps.by_block"))
blocks = sorted(result.blocks.items(), key=lambda kv: kv[1][0] - kv[1][1])
ind_rows = indicator_gaps(fw, result, details.credits)  # the same losses the questions add up to
block_lost = {c: sum(r["at_stake"] for r in ind_rows if r["block"] == c) for c in fw.blocks}
# the tables of this page are keyed by what makes them (the rows the reader may see, the
# assessment, its data version, the language; the filters): replayed, not built and hashed
made_of = (cache.reader(), info.id, version, lang)
tables.table(lambda: pd.DataFrame({
    t("col.block"): [fw.blocks[c].name(lang) for c, _ in blocks],
    t("col.score"): [s for _, (s, _) in blocks],
    t("col.max"): [m for _, (_, m) in blocks],
    t("col.missing"): [round(block_lost[c], 2) for c, _ in blocks],
}), lang, decimals={t("col.max"): 0}, key="gaps_blocks", content_key=("gaps_blocks", *made_of))

st.header(t("gaps.by_indicator"))
cache.plotly_chart(gaps_figure, ind_rows, lang, config={"displayModeBar": False})
st.caption(chart_text.gaps_text(ind_rows, lang))
by_indicator = st.expander(t("gaps.by_indicator_table"), key=session.lang_key("gaps_by_indicator"),
                           on_change="rerun")
if by_indicator.open:  # drawn only while open
    with by_indicator:
        tables.table(lambda: pd.DataFrame({
            t("col.indicator"): [f"{r['indicator']} · {r['name']}" for r in ind_rows],
            t("col.missing"): [r["at_stake"] for r in ind_rows],
            t("col.score"): [r["points"] for r in ind_rows],
            t("col.max"): [r["max"] for r in ind_rows],
            t("col.block"): [r["block"] for r in ind_rows],
        }), lang, decimals={t("col.max"): 0}, key="gaps_indicators",
            content_key=("gaps_indicators", *made_of), column_config={
                t("col.indicator"): st.column_config.TextColumn(width="large")})

st.header(t("gaps.questions"))
ALL = "__all__"
f1, f2, f3 = st.columns([1.2, 1.2, 1])
block = f1.selectbox(t("common.filter_block"), [ALL, *fw.blocks], key=session.lang_key("gaps_block"),
                     format_func=lambda c: t("common.all_blocks") if c == ALL
                     else fw.blocks[c].name(lang))
opd = f2.selectbox(t("gaps.filter_opd"), [ALL, *all_opds(fw)], key=session.lang_key("gaps_opd"),
                   format_func=lambda o: t("gaps.all_opds") if o == ALL else o)
below = f3.toggle(t("gaps.filter_below"), value=True, key="gaps_below")
shown = filter_rows(rows, None if block == ALL else block, None if opd == ALL else opd, below)


def question_table() -> pd.DataFrame:
    """The key columns first (what is lost and why), the long texts after them."""
    return pd.DataFrame({
        t("col.question_id"): [r["question_id"] for r in shown],
        t("col.credit"): [r["credit"] for r in shown],
        t("col.missing"): [r["at_stake"] for r in shown],
        t("col.reason"): [r["reason"] for r in shown],
        t("col.score"): [r["points"] for r in shown],
        t("col.max"): [r["max"] for r in shown],
        t("col.question"): [r["text"] for r in shown],
        t("col.indicator"): [textwrap.shorten(
            f"{r['indicator']} · {fw.indicators[r['indicator']].name}", 48, placeholder=" …")
            for r in shown],
        t("col.opd"): ["; ".join(r["opds"]) for r in shown],
        t("col.block"): [r["block"] for r in shown],
    })


st.caption(t("gaps.shown", n=len(shown), points=fmt_num(sum(r["at_stake"] for r in shown), lang)))
capped = [c for c in capped_indicators(fw) if any(r["indicator"] == c and r["at_stake"] > 0
                                                  for r in shown)]
if capped:
    st.caption(t("gaps.capped", codes=", ".join(capped)))
small = st.column_config.Column(width="small")
# the table is made from the rows the reader may see (read key), the data version, the
# language and the filters: the same key is the same table (replayed, not built again)
tables.table(question_table, lang, short=[t("col.credit"), t("col.max")], key="gaps_table",
             content_key=("gaps", *made_of, block, opd, below),
             column_config={
    t("col.question_id"): st.column_config.TextColumn(width="small", pinned=True),
    t("col.credit"): small, t("col.missing"): st.column_config.Column(width=125),
    t("col.score"): small, t("col.max"): small,
    t("col.reason"): st.column_config.TextColumn(width="large"),
    t("col.question"): st.column_config.TextColumn(width="large"),
    t("col.indicator"): st.column_config.TextColumn(width="medium"),
    t("col.block"): small,
})
st.download_button(t("common.download_csv"), lambda: csv_bytes(question_table()),  # on click
                   file_name=f"kesenjangan-{info.region_kode}-{info.year}-{info.stage}.csv",
                   mime="text/csv", icon=":material/download:", on_click="ignore")
if session.can("action.write", info.region_kode):
    with st.form(f"gaps_to_plan_{info.id}", border=False):
        picked = st.multiselect(t("gaps.pick_for_plan"), [r["question_id"] for r in shown
                                                            if r["at_stake"] > 0],
                                key=f"gaps_plan_pick_{info.id}")
        if st.form_submit_button(t("gaps.add_to_plan", year=info.year),
                                 icon=":material/playlist_add:") and picked:
            try:
                ids = action_plan.add_from_gaps(session.engine(), session.actor(),
                                                info.region_kode, info.year, fw, picked)
                widgets.flash(t("gaps.added_to_plan", n=len(ids)))
                st.rerun()
            except (ValueError, PermissionError) as exc:
                widgets.refused(exc)
