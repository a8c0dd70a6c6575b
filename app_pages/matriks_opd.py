"""Matriks OPD: per agency, what it owns of one assessment and where it stands (issue 16)."""

import re

import pandas as pd
import streamlit as st

from kla.domain import chart_text
from kla.domain.agency_matrix import NO_AGENCY
from kla.domain.framework import get_framework
from kla.i18n import fmt_num
from kla.services.permissions import ACTIONS
from kla.web import cache, session, tables, widgets
from kla.web.charts import agency_matrix_figure

t, lang = session.t, session.lang()
no_agency = t("matrix.no_agency")


def name(agency: str) -> str:
    """An agency as the reader sees it: questions without one are "(tanpa OPD)"."""
    return no_agency if agency == NO_AGENCY else agency

widgets.header("matrix")

info = widgets.pick_assessment("matrix")
fw = get_framework(info.framework)
version = cache.region_version(info.region_kode)
view = cache.agency_matrix(info.id, f"{version}|{cache.plan_version(info.region_kode, info.year)}")
m = view.matrix
tracked = m.total.overdue is not None  # an action plan to count overdue actions from

if view.own_only:
    st.info(t("matrix.own_only", agencies=", ".join(session.actor().agencies) or "–"),
            icon=":material/badge:")
m1, m2, m3, m4 = st.columns(4)
m1.metric(t("matrix.col_assigned"), m.total.assigned, border=True)
m2.metric(t("matrix.col_answered"), f"{m.total.answered} / {m.total.assigned}", border=True)
m3.metric(t("matrix.col_at_stake"), fmt_num(m.total.at_stake, lang), border=True)
m4.metric(t("matrix.metric_blocking"), fmt_num(m.total.blocking, lang), border=True,
          help=t("matrix.col_blocking"))
if view.target is None:
    st.caption(t("matrix.at_top"))
elif not view.reachable:
    st.caption(t("matrix.unreachable", target=t(f"predicate.{view.target}")))
else:
    st.caption(t("matrix.blocking_note", target=t(f"predicate.{view.target}")))
if not m.rows:
    st.info(t("matrix.none"), icon=":material/info:")
    st.stop()

COLUMNS = [("assigned", "matrix.col_assigned", False), ("answered", "matrix.col_answered", False),
           ("evidence_missing", "matrix.col_evidence", False),
           ("rejected", "matrix.col_rejected", False), ("at_stake", "matrix.col_at_stake", True),
           ("blocking", "matrix.col_blocking", True)]
if tracked:
    COLUMNS.append(("overdue", "matrix.col_overdue", False))


def frame(rows) -> pd.DataFrame:
    data = {t("col.opd"): [name(r.agency) if r.agency else t("matrix.total") for r in rows]}
    for field, key, _ in COLUMNS:
        data[t(key)] = [getattr(r, field) for r in rows]
    return pd.DataFrame(data)


# A short header per column (the full name as its help) and widths that fit 1,360 px: every
# column in view without scrolling sideways.
SHORT = ("assigned", "answered", "evidence", "rejected", "at_stake", "blocking", "overdue",
         "files", "review")  # matrix.col_<name> → matrix.short_<name>


def headers(df: pd.DataFrame, width: int, **widths: int) -> dict:
    """Settings of ``df``'s columns named in SHORT: the short header, the full name as help,
    ``width`` pixels (``widths``: by name, e.g. ``at_stake=100``)."""
    return {t(f"matrix.col_{n}"): st.column_config.Column(
        t(f"matrix.short_{n}"), width=widths.get(n, width),
        help=t(f"matrix.col_{n}") if t(f"matrix.col_{n}") != t(f"matrix.short_{n}") else None)
        for n in SHORT if t(f"matrix.col_{n}") in df.columns}


table = frame(m.rows)
tables.table(table, lang, key="matrix_table", column_config={
    t("col.opd"): st.column_config.TextColumn(width=180, pinned=True), **headers(table, 100)})
st.caption(t("matrix.shared_note", n=m.shared))
if not tracked:
    st.caption(t("matrix.no_plan"))
widgets.downloads(frame([*m.rows, m.total]),
                  f"matriks-opd-{info.region_kode}-{info.year}-{info.stage}", "matrix_dl",
                  sheet=t("page.matrix"))

st.header(t("matrix.heatmap"))
cache.plotly_chart(agency_matrix_figure, [name(r.agency) for r in m.rows],
                   [t(key) for _, key, _ in COLUMNS],
                   [[getattr(r, f) for f, _, _ in COLUMNS] for r in m.rows],
                   [p for _, _, p in COLUMNS], lang, config={"displayModeBar": False})
st.caption(chart_text.agency_matrix_text([{"opd": name(r.agency), "at_stake": r.at_stake}
                                          for r in m.rows], m.total.at_stake, m.total.blocking,
                                         m.shared, lang))
st.caption(t("matrix.heat_note"))

st.header(t("matrix.questions"))
agency = st.selectbox(t("col.opd"), [r.agency for r in m.rows], format_func=name,
                      key=session.lang_key(f"matrix_opd_{info.id}"))
if session.actor().role in ACTIONS["answer.edit"] and agency != NO_AGENCY:  # Isian's roles
    st.page_link("app_pages/isian.py", icon=":material/edit_note:", query_params={"opd": agency},
                 label=t("matrix.open_entry", opd=widgets.plain(agency)))
lines = m.questions.get(agency, ())
none = "–"
listing = pd.DataFrame({  # the points first: what the list is sorted by
    t("col.question_id"): [q.question_id for q in lines],
    t("col.question"): [fw.questions[q.question_id].text for q in lines],
    t("matrix.col_at_stake"): [q.at_stake for q in lines],
    t("matrix.col_blocking"): [q.blocking for q in lines],
    t("col.credit"): [q.credit for q in lines],
    t("matrix.col_files"): [q.evidence for q in lines],
    t("matrix.col_evidence"): [t("matrix.yes") if q.evidence_missing else "" for q in lines],
    t("matrix.col_review"): [t(f"decision.{q.review}") if q.review else none for q in lines],
    t("col.opd"): ["; ".join(q.agencies) for q in lines],
})
st.caption(t("matrix.questions_caption", opd=name(agency), n=len(lines), evidence=view.evidence_from))
tables.table(listing, lang, short=[t("col.credit")], key="matrix_questions", column_config={
    **headers(listing, 85, at_stake=100, files=60, evidence=90, review=100),
    t("col.question_id"): st.column_config.TextColumn(width=65, pinned=True),
    t("col.question"): st.column_config.TextColumn(width=215),
    t("col.credit"): st.column_config.Column(width=55),
    t("col.opd"): st.column_config.TextColumn(width=110)})
safe = re.sub(r"[^A-Za-z0-9]+", "-", agency).strip("-") or "opd"  # file and sheet name
widgets.downloads(listing, f"matriks-opd-{info.region_kode}-{info.year}-{info.stage}-{safe}",
                  "matrix_questions_dl", sheet=safe)
