"""UPTD PPA cases, without personal data of the child. Pure.

No link keys: no question of the instrument is a direct function of the cases; they give
handling times (``time_to_handling``).
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Mapping, Sequence

from kla.domain.registries.base import Area, Registry, Row, folded
from kla.i18n import Msg

CASE_CATEGORIES = ("kekerasan_fisik", "kekerasan_psikis", "kekerasan_seksual", "penelantaran",
                   "eksploitasi", "perdagangan", "abh", "lainnya")
AGE_BANDS = ("0-5", "6-12", "13-17")
SEXES = ("L", "P")

# Personal identifiers must never enter the case registry: NIK (16 digits), phone numbers,
# e-mail addresses, or a name-like field.
_NIK = re.compile(r"\b\d{16}\b")
_PHONE = re.compile(r"(\+62|\b0)8\d{7,11}\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_CHECKED = ("case_ref", "category", "age_band", "sex")


class PpaCase(Registry):
    kind = "ppa_case"
    FIELDS = (("case_ref", "text", ()), ("category", "choice", CASE_CATEGORIES),
              ("age_band", "choice", AGE_BANDS), ("sex", "choice", SEXES),
              ("reported_on", "date", ()), ("first_handled_on", "date", ()),
              ("closed_on", "date", ()))

    def clean(self, row: Row, area: Area) -> dict:
        for fld in _CHECKED:
            text = row.text(fld)
            if _NIK.search(text) or _PHONE.search(text) or _EMAIL.search(text):
                row.error(fld, Msg("err.reg.personal_data"))
        columns = {f for f, _, _ in self.FIELDS}
        extra = [k for k in row.raw if k not in columns and row.text(k)]
        if extra:
            row.error(None, Msg("err.reg.extra_columns", columns=tuple(extra)))
        ref = row.text("case_ref")
        if not ref:
            row.error("case_ref", Msg("err.required"))
        reported = row.date("reported_on")
        handled = row.date("first_handled_on", required=False)
        closed = row.date("closed_on", required=False)
        if reported and handled and handled < reported:
            row.error("first_handled_on", Msg("err.reg.before_report", date=handled,
                                              reported=reported))
        if closed and (handled is None or closed < handled):
            row.error("closed_on", Msg("err.reg.closed_before_handling", date=closed))
        clean = {"case_ref": ref, "category": row.choice("category", CASE_CATEGORIES),
                 "age_band": row.choice("age_band", AGE_BANDS),
                 "sex": row.text("sex").upper(), "reported_on": reported,
                 "first_handled_on": handled, "closed_on": closed}
        if clean["sex"] not in SEXES:
            row.error("sex", Msg("err.reg.not_sex", value=str(row.raw.get("sex") or "")))
        return clean

    def key(self, row: Mapping[str, object]) -> tuple:
        return (folded(row["case_ref"]),)


def time_to_handling(rows: Sequence[Mapping]) -> list[dict]:
    """Per month reported: cases, handled, median and 90th-percentile days to first handling."""
    months: dict[str, list[int]] = {}
    counts: dict[str, int] = {}
    for r in rows:
        m = r["reported_on"].strftime("%Y-%m")
        counts[m] = counts.get(m, 0) + 1
        if r.get("first_handled_on"):
            months.setdefault(m, []).append((r["first_handled_on"] - r["reported_on"]).days)
    out = []
    for m in sorted(counts):
        days = sorted(months.get(m, []))
        out.append({"month": m, "cases": counts[m], "handled": len(days),
                    "median_days": statistics.median(days) if days else None,
                    "p90_days": _percentile(days, 0.9) if days else None})
    return out


def _percentile(sorted_values: list[int], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if len(sorted_values) == 1:
        return float(sorted_values[0])
    pos = (len(sorted_values) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return round(sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo), 2)
