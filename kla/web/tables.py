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
    for col in _formatted_columns(df, short, decimals):
        style = style.format(_writer(lang, col in short, decimals.get(col, 2)), subset=[col],
                             na_rep=MISSING)
    return style


def _formatted_columns(df: pd.DataFrame, short: Collection[str],
                       decimals: Mapping[str, int]) -> list[str]:
    return [c for c in df.columns
            if pd.api.types.is_float_dtype(df[c]) or c in short or c in decimals]


def number_styler(df: pd.DataFrame, lang: str, short: Collection[str] = (),
                  decimals: Mapping[str, int] | None = None):
    """The same table as ``styled`` (the same text in every cell), made in a fraction of
    its time: a pandas Styler whose display values are written only for the number columns.

    ``st.dataframe`` asks a Styler for ``_compute()`` and ``_translate()`` and takes each body
    cell's ``display_value`` by its ``row<r>_col<c>`` id; every other cell is shown as
    ``str(value)``, which is what pandas writes for a column it does not format. pandas'
    own ``_translate`` builds a dict per cell of every column (≈ 0.1 s for Kesenjangan's
    274 × 10); here only the formatted columns' cells are written, in one pass. Checked
    against ``styled`` cell by cell (tests/unit/test_tables.py); a Streamlit or pandas that
    reads the Styler differently fails that test."""
    decimals = decimals or {}
    wanted = set(_formatted_columns(df, short, decimals))
    cells = []
    for c, col in enumerate(df.columns):
        if col not in wanted:
            continue
        write = _writer(lang, col in short, decimals.get(col, 2))
        for r, value in enumerate(df.iloc[:, c].tolist()):
            shown = MISSING if value is None or pd.isna(value) else write(value)
            cells.append({"type": "td", "id": f"row{r}_col{c}", "display_value": shown})
    translated = {"body": [cells], "cellstyle": [], "table_styles": []}
    style = df.style
    style._compute = lambda: style  # nothing to apply: no CSS, only the display values
    style._translate = lambda *args, **kwargs: translated
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
    if content_key is None:  # the frame itself is the key (Streamlit hashes it)
        df = df() if callable(df) else df
        content_key = df
    _table_of(content_key, *options, _build=df)


@st.cache_data(max_entries=32, ttl=600, show_spinner=False)
def _table_of(content_key: object, lang: str, short: tuple, decimals: tuple, kw: tuple, *,
              _build) -> None:
    df = _build() if callable(_build) else _build
    st.dataframe(number_styler(df, lang, short, dict(decimals)), **dict(kw))
