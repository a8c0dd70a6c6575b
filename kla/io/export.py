"""Table exports that are safe to open in a spreadsheet."""

from __future__ import annotations

import re

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters an Excel cell cannot hold (openpyxl refuses them: IllegalCharacterError): C0
# control characters but tab, line feed and carriage return.
_XLSX_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_XLSX_BREAK = {"\x0b": "\n", "\x0c": "\n"}  # Word's manual line break, form feed


def neutralise(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def xlsx_text(value: object) -> object:
    """A cell value every Excel writer can store: Word's manual line break (``\\x0b``) and
    form feed become line breaks, other control characters are removed (a note or a name
    stored before they were refused on the way in); then neutralised like ``neutralise``."""
    if isinstance(value, str):
        value = _XLSX_ILLEGAL.sub(lambda m: _XLSX_BREAK.get(m.group(), ""), value)
    return neutralise(value)


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    return out


def xlsx_bytes(df: pd.DataFrame, sheet: str) -> bytes:
    """An Excel workbook of the table, formulas neutralised, characters Excel cannot store
    removed (``xlsx_text``), time zones dropped (Excel cannot store them)."""
    import io

    out = df.copy()
    if not isinstance(out.columns, pd.MultiIndex):  # headers made from data (a pivot)
        out.columns = [_XLSX_ILLEGAL.sub("", c) if isinstance(c, str) else c
                       for c in out.columns]
    for i in range(out.shape[1]):  # by position: two headers may read the same
        col = out.iloc[:, i]
        if col.dtype == object or pd.api.types.is_string_dtype(col):
            out.isetitem(i, col.map(xlsx_text))
        elif isinstance(col.dtype, pd.DatetimeTZDtype):
            out.isetitem(i, col.dt.tz_localize(None))
    buf = io.BytesIO()
    out.to_excel(buf, index=False, sheet_name=sheet)
    return buf.getvalue()


def csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a byte-order mark (Excel reads it as UTF-8), formulas neutralised."""
    return safe_frame(df).to_csv(index=False).encode("utf-8-sig")
