"""Tables whose numbers are written in the reader's language (``kla.i18n.fmt_num`` /
``fmt_short``: ``354,60`` in Indonesian, ``354.60`` in English), not in the browser's locale,
while the columns stay numeric: they sort as numbers, and the downloads keep the numbers."""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Mapping

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


def table(df: pd.DataFrame | Callable[[], pd.DataFrame], lang: str, short: Collection[str] = (),
          decimals: Mapping[str, int] | None = None, *, content_key: Hashable = None,
          **kw) -> None:
    """``st.dataframe`` of ``df`` without the index, numbers in the reader's language, a
    missing value as "–" (Streamlit would write "None").

    The styled table is made once per content and options and then replayed: pandas'
    Styler writes every cell (≈ 0.1 s of CPU for Kesenjangan's 274 questions, on every
    rerun), while ``st.cache_data`` keeps the finished element and sends it again. The same
    frame in the same language is the same table for every reader, so the cache is shared.
    The key is a hash of the frame (≈ 0.01 s for 274 rows), or ``content_key`` when the
    caller knows what determines the frame (e.g. the assessment, its data version, the
    language and the filters): ``df`` may then be a function, called only when the table
    is not cached."""
    kw.setdefault("hide_index", True)
    kw.setdefault("placeholder", MISSING)
    options = (lang, tuple(short), tuple(sorted((decimals or {}).items())),
               tuple(sorted(kw.items())))
    if content_key is None:
        _table(df() if callable(df) else df, *options)
    else:
        _table_of(content_key, *options, _build=df)


@st.cache_data(max_entries=32, ttl=600, show_spinner=False)
def _table(df: pd.DataFrame, lang: str, short: tuple, decimals: tuple, kw: tuple) -> None:
    st.dataframe(styled(df, lang, short, dict(decimals)), **dict(kw))


@st.cache_data(max_entries=32, ttl=600, show_spinner=False)
def _table_of(content_key: Hashable, lang: str, short: tuple, decimals: tuple, kw: tuple, *,
              _build) -> None:
    df = _build() if callable(_build) else _build
    st.dataframe(styled(df, lang, short, dict(decimals)), **dict(kw))
