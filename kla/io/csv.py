"""Read question-keyed CSVs (answers ``question_id,credit``, efforts ``question_id,effort``)
with row-numbered validation.

Row numbers are the file's line numbers as a spreadsheet shows them: the header is row 1.
A file exported by a spreadsheet in Indonesian settings (``;`` separator, decimal comma) is
accepted too.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from pathlib import Path

from kla.domain.framework import Framework

MAX_REPORTED = 50


class InputError(ValueError):
    """Bad input; ``errors`` lists every problem found, each naming its row and field."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        shown = errors[:MAX_REPORTED]
        more = len(errors) - len(shown)
        text = "\n".join(shown) + (f"\n… and {more} more" if more > 0 else "")
        super().__init__(text)


def parse_credit(value: str, decimal_comma: bool = False) -> float:
    """A credit as a float in 0–1; ValueError with a short reason otherwise."""
    v = (value or "").strip()
    if not v:
        raise ValueError("empty")
    if decimal_comma:
        v = v.replace(",", ".")
    try:
        x = float(v)
    except ValueError:
        raise ValueError(f"'{value}' is not a number") from None
    if not math.isfinite(x):
        raise ValueError(f"'{value}' is not a number")
    if not 0 <= x <= 1:
        raise ValueError(f"{value} is outside 0–1")
    return x


def parse_effort(value: str, decimal_comma: bool = False) -> float:
    """An effort: a positive number."""
    v = (value or "").strip()
    if not v:
        raise ValueError("empty")
    try:
        x = float(v.replace(",", ".") if decimal_comma else v)
    except ValueError:
        raise ValueError(f"'{value}' is not a number") from None
    if not math.isfinite(x) or x <= 0:
        raise ValueError(f"{value} must be a positive number")
    return x


def read_values_text(text: str, fw: Framework, column: str,
                     parse: Callable[[str, bool], float], source: str = "input"
                     ) -> dict[str, float]:
    """Parse CSV text ``question_id,<column>`` into {question_id: value}; raises InputError
    listing every bad row (unknown or duplicate id, bad value, missing column)."""
    text = text.lstrip("\ufeff")
    first = text.splitlines()[0] if text.strip() else ""
    semicolon = ";" in first and "," not in first
    reader = csv.DictReader(io.StringIO(text), delimiter=";" if semicolon else ",")
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in ("question_id", column) if c not in header]
    if missing:
        raise InputError([f"{source}: row 1 (header), field {c}: missing column "
                          f"(expected columns: question_id,{column})" for c in missing])
    reader.fieldnames = header
    values: dict[str, float] = {}
    first_row: dict[str, int] = {}
    errors: list[str] = []
    for row in reader:
        rowno = reader.line_num
        qid = (row.get("question_id") or "").strip()
        if not qid:
            errors.append(f"{source}: row {rowno}, field question_id: empty")
        elif qid not in fw.questions:
            errors.append(f"{source}: row {rowno}, field question_id: unknown question id "
                          f"'{qid}' in framework {fw.code}")
        elif qid in first_row:
            errors.append(f"{source}: row {rowno}, field question_id: duplicate id '{qid}' "
                          f"(first on row {first_row[qid]})")
        try:
            value = parse(row.get(column) or "", semicolon)
        except ValueError as exc:
            errors.append(f"{source}: row {rowno}, field {column}: {exc}")
            continue
        if qid in fw.questions and qid not in first_row:
            first_row[qid] = rowno
            values[qid] = value
    if errors:
        raise InputError(errors)
    return values


def read_answers_text(text: str, fw: Framework, source: str = "input") -> dict[str, float]:
    return read_values_text(text, fw, "credit", parse_credit, source)


def _read_file(path: str | Path) -> str:
    p = Path(path)
    try:
        return p.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError([f"{p}: file not found"]) from None
    except UnicodeDecodeError as exc:
        raise InputError([f"{p}: not a UTF-8 text file ({exc.reason} at byte {exc.start})"]) \
            from None


def read_answers_csv(path: str | Path, fw: Framework) -> dict[str, float]:
    """An answers file ``question_id,credit`` (credit 0–1)."""
    return read_answers_text(_read_file(path), fw, source=Path(path).name)


def read_efforts_csv(path: str | Path, fw: Framework) -> dict[str, float]:
    """An effort file ``question_id,effort`` (positive numbers)."""
    return read_values_text(_read_file(path), fw, "effort", parse_effort,
                            source=Path(path).name)
