"""Streamlit glue for evidence validity (issue 16), shared by Isian, Kelengkapan and Risiko:
the document-details inputs, a file's details and flags as text, and the per-question and
per-agency tables of ``evidence_meta.validity_report``. Text from the catalogue
(``validity.*``) in the reader's language."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from kla.domain.validity import (
    DOC_NUMBER_MAX,
    DOC_TYPES,
    MISSING,
    Flag,
    Meta,
    date_text,
    doc_type_label,
    label,
)
from kla.i18n import Msg, t
from kla.web.widgets import plain

SIGNED = (None, True, False)
_SIGNED_KEY = {None: "validity.signed.unknown", True: "validity.signed.yes",
               False: "validity.signed.no"}


def meta_inputs(key: str, year: int, lang: str, meta: Meta | None = None) -> dict:
    """The compact input set of a file's document details (inside a form or not), filled
    with ``meta``; returns the keyword arguments of ``evidence_meta.set_metadata``."""
    meta = meta or Meta()
    c1, c2 = st.columns(2)
    types = [None, *DOC_TYPES]
    doc_type = c1.selectbox(label("doc_type").render(lang), types,
                            index=types.index(meta.doc_type) if meta.doc_type in types else 0,
                            format_func=lambda c: doc_type_label(c).render(lang),
                            key=f"{key}_type")
    number = c2.text_input(label("doc_number").render(lang), value=meta.doc_number,
                           max_chars=DOC_NUMBER_MAX, key=f"{key}_number")
    low, high = date(1945, 1, 1), date(year + 30, 12, 31)
    signed_on = c1.date_input(label("signed_on").render(lang), value=meta.signed_on,
                              min_value=low, max_value=high, format="DD/MM/YYYY",
                              key=f"{key}_signed_on")
    valid_until = c2.date_input(label("valid_until").render(lang), value=meta.valid_until,
                                min_value=low, max_value=high, format="DD/MM/YYYY",
                                key=f"{key}_valid_until")
    years = c1.text_input(label("data_years").render(lang),
                          value=", ".join(str(y) for y in meta.data_years),
                          placeholder=f"{year - 2}, {year - 1}",
                          help=t("validity.years_help", lang), key=f"{key}_years")
    is_signed = c2.radio(label("is_signed").render(lang), SIGNED,
                         index=SIGNED.index(meta.is_signed), horizontal=True,
                         format_func=lambda v: t(_SIGNED_KEY[v], lang), key=f"{key}_is_signed")
    return {"doc_type": doc_type, "doc_number": number, "signed_on": signed_on,
            "valid_until": valid_until, "data_years": years, "is_signed": is_signed}


def meta_text(meta: Meta, lang: str) -> str:
    """A file's details in one line, safe for markdown: "SK · No. 188/12 · signed 3 Aug
    2024 · valid until …"; "No document details yet" when none."""
    if meta.empty:
        return t("validity.no_meta", lang)
    parts = [doc_type_label(meta.doc_type).render(lang)] if meta.doc_type else []
    if meta.doc_number:
        parts.append(t("validity.summary.number", lang, number=plain(meta.doc_number)))
    if meta.signed_on:
        parts.append(t("validity.summary.signed_on", lang,
                       date=date_text(meta.signed_on).render(lang)))
    if meta.valid_until:
        parts.append(t("validity.summary.valid_until", lang,
                       date=date_text(meta.valid_until).render(lang)))
    if meta.data_years:
        parts.append(t("validity.summary.years", lang,
                       years=", ".join(str(y) for y in meta.data_years)))
    if meta.is_signed is not None:
        parts.append(t("validity.summary.signed" if meta.is_signed
                       else "validity.summary.unsigned", lang))
    return " · ".join(parts)


def show_flags(flags: list[Flag], lang: str) -> None:
    """Each flag of a file as a warning: ⚠ and its reason."""
    for f in flags:
        st.warning(f"⚠ {f.reason.render(lang)}", icon=":material/warning:")


def _reason(value: object, lang: str) -> str:
    return value.render(lang) if isinstance(value, Msg) else str(value)


def question_frame(rows: list[dict], lang: str, with_missing: bool = True) -> pd.DataFrame:
    """The flags per question (``validity_report(...)["rows"]``) as a table; without the
    "no evidence" rows when ``with_missing`` is False (the gate lists those already)."""
    rows = [r for r in rows if with_missing or r["flag"] != MISSING]
    # the flag and its reason first (visible at 1360 px, ``question_widths``), then the file
    # and the agencies
    return pd.DataFrame({
        t("col.question_id", lang): [r["question_id"] for r in rows],
        t("validity.col.flag", lang): [t(f"validity.flag_name.{r['flag']}", lang)
                                       for r in rows],
        t("validity.col.reason", lang): [_reason(r["reason"], lang) for r in rows],
        t("validity.col.file", lang): [r["file"] or "–" for r in rows],
        t("col.opd", lang): [r["agencies"] for r in rows],
        t("validity.col.indicator", lang): [r["indicator"] for r in rows],
    })


def question_widths(lang: str) -> dict:
    """Column widths of ``question_frame`` (``column_config``): ID, flag and reason fit the
    page at 1360 px; the reason is the widest."""
    return {t("col.question_id", lang): st.column_config.TextColumn(width=70),
            t("validity.col.flag", lang): st.column_config.TextColumn(width=190),
            t("validity.col.reason", lang): st.column_config.TextColumn(width=400),
            t("validity.col.file", lang): st.column_config.TextColumn(width="medium"),
            t("col.opd", lang): st.column_config.TextColumn(width="medium")}


def agency_frame(agencies: list[dict], lang: str) -> pd.DataFrame:
    """The per-agency summary (``validity_report(...)["agencies"]``) as a table."""
    cols = ("files", "no_metadata", "flagged_files", "missing", "flagged")
    data = {t("validity.col.agency", lang): [g["agency"] for g in agencies]}
    data.update({t(f"validity.col.{c}", lang): [int(g[c]) for g in agencies] for c in cols})
    return pd.DataFrame(data)
