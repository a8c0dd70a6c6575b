"""Posisi Predikat: where one kab/kota stands for a year and stage."""

import pandas as pd
import streamlit as st

from kla.domain import chart_text
from kla.domain.explain import (
    band_table,
    block_table,
    chain_lines,
    indicator_lines,
    question_table,
    rule_name,
)
from kla.domain.framework import get_framework
from kla.i18n import fmt_num
from kla.web import cache, session, widgets
from kla.web.charts import blocks_figure, standing_figure

t, lang = session.t, session.lang()
widgets.header("posisi")

info = widgets.pick_assessment("posisi")
fw = get_framework(info.framework)
result = cache.stored_score(info, cache.region_version(info.region_kode))  # the stored score

em = info.stage == "EM"  # a self-assessment: its predicted verification score under it
m1, m2, m3 = st.columns([1, 1.4, 1])
m1.metric(t("common.total"), fmt_num(result.total, lang), border=True)
m2.metric(t("common.predicate"), t(f"predicate.{result.predicate}"), border=True)
if result.next_predicate:
    m3.metric(t("common.to_next", next=t(f"predicate.{result.next_predicate}")),
              t("common.to_next_value", points=fmt_num(result.points_to_next, lang)), border=True)
else:
    m3.metric(t("common.top"), t(f"predicate.{result.predicate}"), border=True)
if em:  # its own row: the value and the predicate are never cut off
    pred = cache.prediction_summary(info.id, cache.region_version(info.region_kode))
    p1, p2 = st.columns([1, 2.4], vertical_alignment="center")
    p1.metric(t("posisi.predicted"), fmt_num(pred["total"], lang),
              delta=t(f"predicate.{pred['predicate']}"), delta_color="off",
              delta_arrow="off", border=True, help=t("posisi.predicted_help"))
    p2.caption(t("posisi.predicted_note", lost=fmt_num(pred["points_lost"], lang))
               + " " + (t("posisi.predicted_files") if pred["evidence_counted"]
                        else t("posisi.predicted_nofiles")))

cache.plotly_chart(standing_figure, result.total, result.predicate, fw.bands,
                   fw.total_max, lang,
                   config={"displayModeBar": False})
st.caption(chart_text.standing_text(result.total, result.predicate, result.next_predicate,
                                    result.points_to_next, lang, info.region_nama))
if result.unimplemented:
    codes = ", ".join(result.unimplemented)
    if result.next_predicate and result.points_to_next == 0:
        st.warning(t("posisi.gate", threshold=fmt_num(fw.bands[-1].min, lang, 0), codes=codes))
    else:
        st.caption(t("posisi.unimplemented", codes=codes))

st.header(t("posisi.blocks"))
rows = [(fw.blocks[c].name(lang), s, m) for c, (s, m) in result.blocks.items()]
cache.plotly_chart(blocks_figure, rows, lang, config={"displayModeBar": False})
st.caption(chart_text.blocks_text(rows, lang))
with st.expander(t("posisi.blocks_table")):
    table = pd.DataFrame({
        t("col.block"): [r[0] for r in rows],
        t("col.score"): [fmt_num(r[1], lang) for r in rows],
        t("col.max"): [fmt_num(r[2], lang, 0) for r in rows],
        t("col.share"): [fmt_num(100 * r[1] / r[2], lang, 1) if r[2] else "–" for r in rows],
        t("col.missing"): [fmt_num(r[2] - r[1], lang) for r in rows],
    })
    widgets.table(table, hide_index=True)
with st.expander(t("posisi.indicators_table")):
    ind = pd.DataFrame({
        t("col.block"): [fw.blocks[fw.indicators[c].block].code for c in result.indicators],
        t("col.indicator"): [f"{c} · {fw.indicators[c].name}" for c in result.indicators],
        t("col.score"): [fmt_num(s, lang) for s, _ in result.indicators.values()],
        t("col.max"): [fmt_num(m, lang, 0) for _, m in result.indicators.values()],
        t("col.missing"): [fmt_num(m - s, lang) for s, m in result.indicators.values()],
    })
    widgets.table(ind, hide_index=True)

# "Cara menghitung nilai": the rules walked through with this assessment's own numbers (drawn
# only while open; the explanation reads the answers).
formula = st.expander(t("posisi.formula"), key=session.lang_key("posisi_formula"),
                      on_change="rerun", icon=":material/function:")
if formula.open:
    with formula:
        expl = cache.score_explanation(info, cache.region_version(info.region_kode))
        st.caption(t("posisi.formula_intro"))
        pick = session.lang_key(f"posisi_formula_ind_{info.id}")
        st.session_state.setdefault(pick, expl.most_missing)
        code = st.selectbox(
            t("posisi.formula_pick"), [i.code for i in expl.indicators], key=pick,
            format_func=lambda c: t("posisi.formula_option", code=c, name=fw.indicators[c].name,
                                    missing=fmt_num(expl.indicator(c).missing, lang)))
        chosen = expl.indicator(code)

        def steps(lines) -> None:
            """Each step with its rule and where docs/scoring.md states it."""
            st.markdown("\n".join(f"- {line.text}  \n  :gray[{rule_name(line.source, lang)}:] "
                                   f"`{line.source.ref}`" for line in lines))

        def numbers(head: list[str], rows: list[list[str]], widths: dict[int, int],
                    right: tuple[int, ...]) -> None:
            """A table of formatted cells: column widths (pixels) by position, the number
            columns (``right``) aligned right."""
            config = {head[i]: st.column_config.TextColumn(
                width=w, alignment="right" if i in right else None) for i, w in widths.items()}
            widgets.table(pd.DataFrame(rows, columns=head), column_config=config)

        st.markdown(f"**{t('posisi.formula_questions', code=code)}**")
        numbers(*question_table(chosen, lang), {0: 70, 1: 420, 2: 80, 3: 70, 4: 170},
                right=(2, 3, 4))
        unanswered = sum(not q.answered for q in chosen.questions)
        if unanswered:
            st.caption(t("posisi.formula_unanswered", n=unanswered, total=len(chosen.questions)))
        st.markdown(f"**{t('posisi.formula_steps', code=code)}**")
        steps(indicator_lines(expl, code, lang))
        st.markdown(f"**{t('posisi.formula_chain')}**")
        numbers(*block_table(expl, fw, lang), {0: 420, 1: 260, 2: 90, 3: 70}, right=(2, 3))
        steps(chain_lines(expl, lang))
        numbers(*band_table(expl, lang), {0: 160, 1: 90, 2: 90, 3: 230, 4: 150}, right=(1, 2))
st.caption(t("posisi.source", stage=t(f"stage.{info.stage}"), year=info.year,
             framework=fw.name(lang)))
