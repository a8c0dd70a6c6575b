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
from kla.domain.numbers import NumberError
from kla.i18n import Msg

MAX_REPORTED = 50
# The label of each column a question-keyed CSV may have, for messages (the header itself
# stays ``question_id,credit`` / ``question_id,effort``).
LABELS = {"question_id": "err.label.question_id", "credit": "col.credit",
          "effort": "chart.effort"}


class InputError(ValueError):
    """Bad input; ``errors`` (``Msg``) lists every problem found, each naming its row and
    field by the field's label."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        shown = errors[:MAX_REPORTED]
        more = len(errors) - len(shown)
        text = "\n".join(shown) + (f"\n… and {more} more" if more > 0 else "")
        super().__init__(text)


def label(column: str) -> Msg | str:
    """The label of a CSV column (the column's own name when it has none)."""
    return Msg(LABELS[column]) if column in LABELS else column


def parse_credit(value: str, decimal_comma: bool = False) -> float:
    """A credit as a float in 0–1; ValueError (a ``NumberError`` when it is not a number in
    0–1) whose argument is the reason (``Msg``) otherwise."""
    v = (value or "").strip()
    if not v:
        raise ValueError(Msg("err.empty"))
    if decimal_comma:
        v = v.replace(",", ".")
    try:
        x = float(v)
    except ValueError:
        raise NumberError(value, "not_a_number") from None
    if not math.isfinite(x):
        raise NumberError(value, "not_a_number")
    if not 0 <= x <= 1:
        raise NumberError(value, "out_of_range", 0, 1)
    return x


def parse_effort(value: str, decimal_comma: bool = False) -> float:
    """An effort: a positive number."""
    v = (value or "").strip()
    if not v:
        raise ValueError(Msg("err.empty"))
    try:
        x = float(v.replace(",", ".") if decimal_comma else v)
    except ValueError:
        raise NumberError(value, "not_a_number") from None
    if not math.isfinite(x) or x <= 0:
        raise ValueError(Msg("err.not_positive", value=value.strip()))
    return x


def read_values_text(text: str, fw: Framework, column: str,
                     parse: Callable[[str, bool], float], source: str | None = None
                     ) -> dict[str, float]:
    """Parse CSV text ``question_id,<column>`` into {question_id: value}; raises InputError
    listing every bad row (unknown or duplicate id, bad value, missing column)."""
    src = source or Msg("err.file.input")

    def at(rowno: int, field: str, problem: Msg) -> Msg:
        return Msg("err.in_file", source=src, problem=Msg(
            "err.at_field", row=rowno, field=label(field), problem=problem))

    text = text.lstrip("\ufeff")
    first = text.splitlines()[0] if text.strip() else ""
    semicolon = ";" in first and "," not in first
    reader = csv.DictReader(io.StringIO(text), delimiter=";" if semicolon else ",")
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in ("question_id", column) if c not in header]
    if missing:
        raise InputError([Msg("err.in_file", source=src, problem=Msg(
            "err.csv.missing_column", field=label(c), header=f"question_id,{column}"))
            for c in missing])
    reader.fieldnames = header
    values: dict[str, float] = {}
    first_row: dict[str, int] = {}
    errors: list[str] = []
    for row in reader:
        rowno = reader.line_num
        qid = (row.get("question_id") or "").strip()
        if not qid:
            errors.append(at(rowno, "question_id", Msg("err.empty")))
        elif qid not in fw.questions:
            errors.append(at(rowno, "question_id", Msg("err.import.unknown_question_in",
                                                        qid=qid, code=fw.code)))
        elif qid in first_row:
            errors.append(at(rowno, "question_id", Msg("err.import.duplicate_question",
                                                        qid=qid, first=first_row[qid])))
        try:
            value = parse(row.get(column) or "", semicolon)
        except ValueError as exc:
            errors.append(at(rowno, column, reason(exc)))
            continue
        if qid in fw.questions and qid not in first_row:
            first_row[qid] = rowno
            values[qid] = value
    if errors:
        raise InputError(errors)
    return values


def reason(exc: ValueError) -> Msg | str:
    """The reason a parser gave (its ``Msg``), or the exception's text."""
    return next((a for a in exc.args if isinstance(a, Msg)), str(exc))


def read_answers_text(text: str, fw: Framework, source: str | None = None) -> dict[str, float]:
    return read_values_text(text, fw, "credit", parse_credit, source)


def _read_file(path: str | Path) -> str:
    p = Path(path)
    try:
        return p.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError([Msg("err.in_file", source=str(p),
                              problem=Msg("err.file.not_found"))]) from None
    except UnicodeDecodeError as exc:
        raise InputError([Msg("err.in_file", source=str(p),
                              problem=Msg("err.file.not_utf8", byte=exc.start))]) from None


def read_answers_csv(path: str | Path, fw: Framework) -> dict[str, float]:
    """An answers file ``question_id,credit`` (credit 0–1)."""
    return read_answers_text(_read_file(path), fw, source=Path(path).name)


def read_efforts_csv(path: str | Path, fw: Framework) -> dict[str, float]:
    """An effort file ``question_id,effort`` (positive numbers)."""
    return read_values_text(_read_file(path), fw, "effort", parse_effort,
                            source=Path(path).name)
