"""Read question-keyed CSVs (answers ``question_id,credit``, efforts ``question_id,effort``)
with row-numbered validation.

Row numbers are the file's line numbers as a spreadsheet shows them: the header is row 1.
A file exported by a spreadsheet in Indonesian settings (``;`` separator, decimal comma) is
accepted too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kla.domain.csvtext import CsvTextError, records
from kla.domain.framework import Framework
from kla.domain.text import decimal, shown
from kla.i18n import Msg

MAX_REPORTED = 50
MAX_BYTES = 10 * 1024 * 1024  # a question-keyed CSV (274 rows) is a few kilobytes
MAX_ROWS = 10_000  # rows, header included
MAX_CELL = 64  # characters of an id or a number; longer is refused, not parsed
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


def _cell(value: str) -> str:
    v = (value or "").strip()
    if not v:
        raise ValueError(Msg("err.empty"))
    if len(v) > MAX_CELL:
        raise ValueError(Msg("err.text.too_long", n=len(v), max=MAX_CELL))
    return v


def parse_credit(value: str, decimal_comma: bool = False) -> float:
    """A credit as a float in 0–1: ASCII digits with ``.`` or ``,`` as the decimal mark
    (``parse_decimal``). ValueError (a ``NumberError`` when it is not a number in 0–1) whose
    argument is the reason (``Msg``) otherwise."""
    return decimal(_cell(value), 0, 1)


def parse_effort(value: str, decimal_comma: bool = False) -> float:
    """An effort: a positive number (ASCII digits, ``.`` or ``,`` as the decimal mark)."""
    x = decimal(_cell(value))
    if x <= 0:
        raise ValueError(Msg("err.not_positive", value=shown(value.strip())))
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
    first = text.replace("\r", "\n").split("\n", 1)[0]
    semicolon = ";" in first and "," not in first
    errors: list[str] = []
    rows = records(text, delimiter=";" if semicolon else ",", max_rows=MAX_ROWS)
    try:
        header = [h.strip() for h in next(rows, (1, []))[1]]
        missing = [c for c in ("question_id", column) if c not in header]
        if missing:
            raise InputError([Msg("err.in_file", source=src, problem=Msg(
                "err.csv.missing_column", field=label(c), header=f"question_id,{column}"))
                for c in missing])
        at_id, at_value = header.index("question_id"), header.index(column)
        values: dict[str, float] = {}
        first_row: dict[str, int] = {}
        for rowno, fields in rows:
            if not fields:
                continue  # a blank line
            fields += [""] * (len(header) - len(fields))
            qid = fields[at_id].strip()
            if not qid:
                errors.append(at(rowno, "question_id", Msg("err.empty")))
            elif qid not in fw.questions:
                errors.append(at(rowno, "question_id", Msg(
                    "err.import.unknown_question_in", qid=shown(qid), code=fw.code)))
            elif qid in first_row:
                errors.append(at(rowno, "question_id", Msg(
                    "err.import.duplicate_question", qid=qid, first=first_row[qid])))
            try:
                value = parse(fields[at_value], semicolon)
            except ValueError as exc:
                errors.append(at(rowno, column, reason(exc)))
                continue
            if qid in fw.questions and qid not in first_row:
                first_row[qid] = rowno
                values[qid] = value
    except CsvTextError as exc:
        # the file's structure first: it is why the rest was not read
        raise InputError([Msg("err.in_file", source=src, problem=exc.args[0]), *errors]
                         ) from None
    if errors:
        raise InputError(errors)
    return values


def reason(exc: ValueError) -> Msg | str:
    """The reason a parser gave (its ``Msg``), or the exception's text."""
    return next((a for a in exc.args if isinstance(a, Msg)), str(exc))


def read_answers_text(text: str, fw: Framework, source: str | None = None) -> dict[str, float]:
    return read_values_text(text, fw, "credit", parse_credit, source)


def read_text_file(path: str | Path) -> str:
    """The UTF-8 text of a CSV the outside world hands us, at most ``MAX_BYTES``; InputError
    (file named) when it is missing, too big or not UTF-8."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise InputError([Msg("err.in_file", source=p.name, problem=Msg(
                "err.file.too_big", size=round(size / 2**20, 1), limit=MAX_BYTES // 2**20))])
        return decode(p.read_bytes(), p.name)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise InputError([Msg("err.in_file", source=str(p),
                              problem=Msg("err.file.not_found"))]) from None


def decode(data: bytes, source: str) -> str:
    """UTF-8 text (a byte-order mark removed); InputError naming the row of the first byte
    that is not UTF-8 (a file saved as Latin-1 / Windows-1252, or not a text file)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        head = data[:exc.start].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        raise InputError([Msg("err.in_file", source=source, problem=Msg(
            "err.at_row", row=head.count(b"\n") + 1,
            problem=Msg("err.file.not_utf8", byte=exc.start)))]) from None


def read_answers_csv(path: str | Path, fw: Framework) -> dict[str, float]:
    """An answers file ``question_id,credit`` (credit 0–1)."""
    return read_answers_text(read_text_file(path), fw, source=Path(path).name)


def read_efforts_csv(path: str | Path, fw: Framework) -> dict[str, float]:
    """An effort file ``question_id,effort`` (positive numbers)."""
    return read_values_text(read_text_file(path), fw, "effort", parse_effort,
                            source=Path(path).name)
