"""The records of a CSV text, each with the row where it starts, every structural problem
refused with that row named. Pure; used by every CSV the outside world hands us (answers,
efforts, published results).

- Line endings ``\\r\\n``, ``\\n`` and a lone ``\\r`` (old Mac, some exports) are all rows.
- A quotation mark that opens a field and is not closed on the same row is refused at the row
  where it opens (the csv module would swallow the following rows into that field and report
  the last one). None of these files has a field spanning lines.
- A field longer than ``FIELD_MAX`` characters, or more than ``max_rows`` rows, is refused.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from kla.i18n import Msg

FIELD_MAX = 131_072  # the csv module's own limit; our columns are far shorter


class CsvTextError(ValueError):
    """The text cannot be read as CSV; the argument is the reason (``Msg``, row named)."""


def records(text: str, delimiter: str = ",", max_rows: int | None = None
            ) -> Iterator[tuple[int, list[str]]]:
    """(row, fields) for every record of ``text`` (a byte-order mark removed), the row as a
    spreadsheet numbers it (the first line is row 1); blank rows give ``[]``."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    while True:
        start = reader.line_num + 1
        if max_rows is not None and start > max_rows:
            if _has_more(reader):
                raise CsvTextError(Msg("err.csv.too_many_rows", max=max_rows))
            return
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problem = (Msg("err.csv.field_too_long", max=FIELD_MAX)
                       if "field larger" in str(exc) else Msg("err.csv.unreadable"))
            raise CsvTextError(Msg("err.at_row", row=start, problem=problem)) from None
        if reader.line_num > start or any("\n" in f for f in fields):  # also at the end
            raise CsvTextError(Msg("err.at_row", row=start, problem=Msg("err.csv.open_quote")))
        yield start, fields


def _has_more(reader) -> bool:
    """Whether a non-blank record follows (blank lines at the end do not count)."""
    try:
        return any(any(f.strip() for f in fields) for fields in reader)
    except csv.Error:
        return True
