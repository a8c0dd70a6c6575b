"""Table exports that are safe to open in a spreadsheet."""

from __future__ import annotations

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    return out


def xlsx_bytes(df: pd.DataFrame, sheet: str) -> bytes:
    """An Excel workbook of the table, formulas neutralised, time zones dropped (Excel cannot
    store them)."""
    import io

    out = safe_frame(df)
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].dt.tz_localize(None)
    buf = io.BytesIO()
    out.to_excel(buf, index=False, sheet_name=sheet)
    return buf.getvalue()


def csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a byte-order mark (Excel reads it as UTF-8), formulas neutralised."""
    return safe_frame(df).to_csv(index=False).encode("utf-8-sig")
