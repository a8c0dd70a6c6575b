"""Tables whose numbers are written in the reader's language (``kla.i18n.fmt_num`` /
``fmt_short``: ``354,60`` in Indonesian, ``354.60`` in English), not in the browser's locale,
while the columns stay numeric: they sort as numbers, and the downloads keep the numbers."""

from __future__ import annotations

from collections.abc import Collection, Mapping

import pandas as pd
import streamlit as st

from kla.i18n import fmt_num, fmt_short

MISSING = "–"


def styled(df: pd.DataFrame, lang: str, short: Collection[str] = (),
           decimals: Mapping[str, int] | None = None):
    """A pandas Styler of ``df``: every float column (and the columns named in ``short`` or
    ``decimals``) written with ``fmt_num`` (two decimals, or ``decimals[column]``), the columns
    in ``short`` with ``fmt_short`` (at most two decimals: a credit ``0,5``); missing values
    as "–". Integer and text columns are shown as they are."""
    decimals = decimals or {}
    style = df.style
    for col in df.columns:
        if not (pd.api.types.is_float_dtype(df[col]) or col in short or col in decimals):
            continue
        style = style.format(_writer(lang, col in short, decimals.get(col, 2)), subset=[col],
                             na_rep=MISSING)
    return style


def _writer(lang: str, short: bool, decimals: int):
    if short:
        return lambda v: fmt_short(v, lang)
    return lambda v: fmt_num(v, lang, decimals)


def table(df: pd.DataFrame, lang: str, short: Collection[str] = (),
          decimals: Mapping[str, int] | None = None, **kw) -> None:
    """``st.dataframe`` of ``df`` without the index, numbers in the reader's language, a
    missing value as "–" (Streamlit would write "None")."""
    kw.setdefault("hide_index", True)
    kw.setdefault("placeholder", MISSING)
    st.dataframe(styled(df, lang, short, decimals), **kw)
