"""Read an answers CSV (``question_id,credit``) with row-numbered validation.

Row numbers are the file's line numbers as a spreadsheet shows them: the header is row 1.
A file exported by a spreadsheet in Indonesian settings (``;`` separator, decimal comma) is
accepted too.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from kla.framework import Framework

REQUIRED = ("question_id", "credit")
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


def read_answers_text(text: str, fw: Framework, source: str = "input") -> dict[str, float]:
    """Parse CSV text into {question_id: credit}; raises InputError listing every bad row."""
    text = text.lstrip("\ufeff")
    first = text.splitlines()[0] if text.strip() else ""
    semicolon = ";" in first and "," not in first
    reader = csv.DictReader(io.StringIO(text), delimiter=";" if semicolon else ",")
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError([f"{source}: row 1 (header), field {c}: missing column "
                          f"(expected columns: question_id,credit)" for c in missing])
    reader.fieldnames = header
    answers: dict[str, float] = {}
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
            credit = parse_credit(row.get("credit") or "", decimal_comma=semicolon)
        except ValueError as exc:
            errors.append(f"{source}: row {rowno}, field credit: {exc}")
            continue
        if qid in fw.questions and qid not in first_row:
            first_row[qid] = rowno
            answers[qid] = credit
    if errors:
        raise InputError(errors)
    return answers


def read_answers_csv(path: str | Path, fw: Framework) -> dict[str, float]:
    p = Path(path)
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError([f"{p}: file not found"]) from None
    except UnicodeDecodeError as exc:
        raise InputError([f"{p}: not a UTF-8 text file ({exc.reason} at byte {exc.start})"]) \
            from None
    return read_answers_text(text, fw, source=p.name)
