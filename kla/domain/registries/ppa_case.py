"""UPTD PPA cases, without personal data of the child. Pure.

No link keys: no question of the instrument is a direct function of the cases; they give
handling times (``time_to_handling``).
"""

from __future__ import annotations

import math
import re
import statistics
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date

from kla.domain.personal_data import longest_number, personal_data
from kla.domain.registries.base import Area, Registry, Row, folded
from kla.domain.text import line_text
from kla.i18n import Msg

CASE_CATEGORIES = ("kekerasan_fisik", "kekerasan_psikis", "kekerasan_seksual", "penelantaran",
                   "eksploitasi", "perdagangan", "abh", "lainnya")
AGE_BANDS = ("0-5", "6-12", "13-17")
SEXES = ("L", "P")

# The case number is a code, not a description: after NFKC and upper-casing, letters A-Z and
# digits in groups joined by one "-", "/" or "." (PPA-2024-001, UPTD/SRG/2024/015,
# PPA-36.73-001, K-12), at most CASE_REF_MAX characters and at most CASE_REF_DIGITS digits in a
# row, the separators between digits not counted (2024-0007 has 8; 2024-00123 has 9, as many
# as a phone number with its area code). Like every value of the registry it must also pass
# ``personal_data`` (no name, address, NIK, phone or e-mail).
CASE_REF = re.compile(r"[A-Z0-9]+(?:[-/.][A-Z0-9]+)*", re.ASCII)
CASE_REF_MAX = 40
CASE_REF_DIGITS = 8


def case_ref(text: str) -> str | None:
    """The case number as stored (NFKC, upper case), or None if it is not a case code."""
    code = unicodedata.normalize("NFKC", text).strip().upper()
    if (len(code) > CASE_REF_MAX or not CASE_REF.fullmatch(code)
            or longest_number(code) > CASE_REF_DIGITS):
        return None
    return code


class PpaCase(Registry):
    kind = "ppa_case"
    FIELDS = (("case_ref", "text", ()), ("category", "choice", CASE_CATEGORIES),
              ("age_band", "choice", AGE_BANDS), ("sex", "choice", SEXES),
              ("reported_on", "date", ()), ("first_handled_on", "date", ()),
              ("closed_on", "date", ()))
    LIMITS = {"case_ref": CASE_REF_MAX}

    def clean(self, row: Row, area: Area) -> dict:
        # Personal data first, in every field the row brings (a choice or a date typed as text
        # too): a field that holds some is refused with the reason only, so that no later
        # message quotes it.
        refused = set()
        for fld, _, _ in self.FIELDS:
            value = row.raw.get(fld)
            if isinstance(value, date):
                continue
            problem = personal_data(line_text(value))
            if problem is not None:
                row.error(fld, problem)
                refused.add(fld)
        columns = {f for f, _, _ in self.FIELDS}
        extra = [k for k in row.raw if k not in columns and line_text(row.raw[k])]
        if extra:  # the file's own column names; one that looks like personal data not quoted
            shown = tuple(k if personal_data(k) is None else "…" for k in extra)
            row.error(None, Msg("err.reg.extra_columns", columns=shown))
        ref = ""
        if "case_ref" not in refused:
            ref = row.text("case_ref")
            if not line_text(row.raw.get("case_ref")):
                row.error("case_ref", Msg("err.required"))
            elif ref:
                ref = case_ref(ref) or ""
                if not ref:
                    row.error("case_ref", Msg("err.reg.case_ref_pattern", max=CASE_REF_MAX,
                                              digits=CASE_REF_DIGITS))
                elif (problem := personal_data(ref)) is not None:  # as stored: upper case
                    row.error("case_ref", problem)
                    ref = ""
        category = age_band = sex = ""
        if "category" not in refused:
            category = row.choice("category", CASE_CATEGORIES)
        if "age_band" not in refused:
            age_band = row.choice("age_band", AGE_BANDS)
        if "sex" not in refused:
            sex = row.text("sex").upper()
            if sex not in SEXES:
                row.error("sex", Msg("err.reg.not_sex", value=str(row.raw.get("sex") or "")))
        reported = None if "reported_on" in refused else row.date("reported_on")
        handled = (None if "first_handled_on" in refused
                   else row.date("first_handled_on", required=False))
        closed = None if "closed_on" in refused else row.date("closed_on", required=False)
        if reported and handled and handled < reported:
            row.error("first_handled_on", Msg("err.reg.before_report", date=handled,
                                              reported=reported))
        if closed and (handled is None or closed < handled):
            row.error("closed_on", Msg("err.reg.closed_before_handling", date=closed))
        return {"case_ref": ref, "category": category, "age_band": age_band, "sex": sex,
                "reported_on": reported, "first_handled_on": handled, "closed_on": closed}

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
