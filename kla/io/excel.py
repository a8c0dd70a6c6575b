"""Excel round-trip of one assessment: export in the official order, fill offline, import back.

Row numbers in error messages are the rows Excel shows (the header is row 1).
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation

from kla.domain.framework import Framework
from kla.domain.numbers import NumberError, as_shown
from kla.domain.text import decimal, note_problem, note_text, shown
from kla.i18n import Msg
from kla.io.csv import InputError
from kla.io.export import xlsx_text

FORMAT = "kla-assessment-xlsx/2"  # /2: answer versions in the hidden sheet
SHEET = "Penilaian"
META = "_meta"
COLUMNS = ("Blok", "Indikator", "ID Pertanyaan", "Pertanyaan", "Maks", "Kredit", "Poin", "OPD",
           "Catatan", "Jumlah bukti")
WIDTHS = (8, 10, 14, 80, 8, 9, 9, 28, 40, 12)
INPUT_FILL = PatternFill("solid", fgColor="FFF7D6")

# Any workbook handed to us (this one, the registry templates) is a ZIP archive: it is checked
# before openpyxl parses anything, and its sheets are read with a row cap.
MAX_BYTES = 50 * 1024 * 1024  # the file, and its content unpacked
MAX_ENTRIES = 1_000  # files inside the archive (an exported workbook has about 10)
MAX_RATIO = 100  # unpacked / packed, for archives unpacking to more than RATIO_MIN_BYTES
RATIO_MIN_BYTES = 1024 * 1024
MAX_SHARED_STRINGS = 20 * 1024 * 1024  # xl/sharedStrings.xml, which openpyxl reads whole
MAX_COLUMNS = 64  # columns read per row; cells further right are not read
MAX_SHEET_ROWS = 2_000  # rows of this workbook read (274 questions + header); data below: refused
MAX_META_ROWS = 100


@dataclass(frozen=True)
class Row:
    credit: float | None
    note: str
    rowno: int = 0  # the Excel row it came from (imports only)
    version: int | None = None  # the answer's version when exported (None: no answer yet)


def export_xlsx(fw: Framework, *, region_kode: str, region_nama: str, year: int, stage: str,
                answers: Mapping[str, Row], agencies: Mapping[str, list[str]],
                evidence: Mapping[str, int]) -> bytes:
    """The workbook: one row per question in official order; only Kredit and Catatan are
    editable (credit validated 0–1); a hidden sheet identifies region, year, stage."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(COLUMNS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, (qid, q) in enumerate(fw.questions.items(), start=2):
        a = answers.get(qid)
        ws.append([q.block, q.indicator, qid, xlsx_text(q.text), q.max,
                   a.credit if a and a.credit is not None else None,
                   f'=IF(F{i}="","",E{i}*F{i})',
                   xlsx_text("; ".join(agencies.get(qid, q.opds))),
                   xlsx_text(a.note) if a else "", int(evidence.get(qid, 0))])
        for col in (6, 9):
            cell = ws.cell(row=i, column=col)
            cell.protection = Protection(locked=False)
            cell.fill = INPUT_FILL
        ws.cell(row=i, column=4).alignment = Alignment(wrap_text=True, vertical="top")
    last = len(fw.questions) + 1
    dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="1",
                        allow_blank=True, showErrorMessage=True,
                        errorTitle="Kredit tidak valid",
                        error="Isi kredit dengan angka 0 sampai 1 (misalnya 0,5).",
                        promptTitle="Kredit", prompt="Angka 0–1: bagian dari poin maksimum.")
    dv.add(f"F2:F{last}")
    ws.add_data_validation(dv)
    for idx, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[ws.cell(row=1, column=idx).column_letter].width = width
    ws.freeze_panes = "E2"
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    meta = wb.create_sheet(META)
    for key, value in (("format", FORMAT), ("framework", fw.code), ("region_kode", region_kode),
                       ("region_nama", region_nama), ("year", year), ("stage", stage),
                       ("exported_at", datetime.now(UTC).isoformat(timespec="seconds")),
                       ("versions", json.dumps({q: a.version for q, a in answers.items()
                                                if a.version is not None},
                                               separators=(",", ":")))):
        meta.append([key, xlsx_text(value)])
    meta.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


class XlsxRefused(ValueError):
    """A workbook refused before or while its sheets are read; the argument is the reason
    (``Msg``), without the file's name (the caller adds it)."""


def _mb(n: int) -> float:
    return round(n / 2**20, 1)


def archive_problem(data: bytes) -> Msg | None:
    """Why the archive of a workbook must not be unpacked (too big, too many entries, a
    compression ratio of a zip bomb, an oversized shared-string table), or None. Reads only
    the ZIP directory."""
    if len(data) > MAX_BYTES:
        return Msg("err.file.too_big", size=_mb(len(data)), limit=MAX_BYTES // 2**20)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except Exception:  # noqa: BLE001 - zipfile raises many types for bad archives
        return Msg("err.file.not_xlsx")
    if len(infos) > MAX_ENTRIES:
        return Msg("err.xlsx.too_many_entries", n=len(infos), max=MAX_ENTRIES)
    total = sum(i.file_size for i in infos)
    if total > MAX_BYTES:
        return Msg("err.xlsx.unpacked_too_large", size=_mb(total), max=MAX_BYTES // 2**20)
    if total >= RATIO_MIN_BYTES and total > MAX_RATIO * max(len(data), 1):
        return Msg("err.xlsx.ratio", ratio=total // max(len(data), 1), max=MAX_RATIO)
    strings = sum(i.file_size for i in infos
                  if i.filename.lower().rsplit("/", 1)[-1] == "sharedstrings.xml")
    if strings > MAX_SHARED_STRINGS:
        return Msg("err.xlsx.shared_strings", size=_mb(strings),
                   max=MAX_SHARED_STRINGS // 2**20)
    return None


def open_workbook(data: bytes, data_only: bool = False):
    """The workbook (read-only) once its archive passed ``archive_problem``; XlsxRefused
    otherwise. Close it after use."""
    problem = archive_problem(data)
    if problem is not None:
        raise XlsxRefused(problem)
    try:
        return load_workbook(io.BytesIO(data), data_only=data_only, read_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many types for bad files
        raise XlsxRefused(Msg("err.file.not_xlsx")) from None


def sheet_rows(ws, max_rows: int, max_columns: int = MAX_COLUMNS
               ) -> Iterator[tuple[int, tuple]]:
    """(row, values) of every row of ``ws`` up to row ``max_rows``, whatever dimension the
    sheet declares (openpyxl would stop there silently), each ``max_columns`` wide. A value
    in a row below ``max_rows`` refuses the sheet (XlsxRefused, that row named); empty rows
    there are skipped. A sheet that cannot be parsed: XlsxRefused."""
    try:
        ws.reset_dimensions()
        it = ws.iter_rows(max_col=max_columns, values_only=True)
    except Exception:  # noqa: BLE001 - a damaged sheet
        raise XlsxRefused(Msg("err.file.not_xlsx")) from None
    rowno = 0
    while True:
        try:
            values = next(it)
        except StopIteration:
            return
        except Exception:  # noqa: BLE001 - a damaged sheet
            raise XlsxRefused(Msg("err.file.not_xlsx")) from None
        rowno += 1
        if rowno <= max_rows:
            yield rowno, tuple(values)
        elif any(v not in (None, "") for v in values):
            raise XlsxRefused(Msg("err.xlsx.too_many_rows", sheet=ws.title, row=rowno,
                                  max=max_rows))


def _credit(value: object) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise NumberError(str(value), "not_a_number")
    if not isinstance(value, int | float):  # text: ASCII digits, "." or "," as the mark
        return decimal(str(value), 0, 1)
    x = float(value)
    if not math.isfinite(x) or not 0 <= x <= 1:
        raise NumberError(as_shown(value), "out_of_range", 0, 1)
    return x


def _number(value: object) -> float | None:
    """A number cell (the question's maximum), None when it holds none."""
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        return decimal(value)
    except NumberError:
        return None


# What each value of the hidden sheet says, for the message when it is not this assessment's.
_META_LABELS = {"format": "err.xlsx.meta.format", "framework": "err.xlsx.meta.framework",
                "region_kode": "err.xlsx.meta.region", "year": "err.xlsx.meta.year",
                "stage": "err.xlsx.meta.stage"}


def at_column(source: object, rowno: int, column: str, problem: Msg) -> Msg:
    """A problem of one cell: ``kasus.xlsx: row 3, column Kredit: …`` (the column by the
    header the sheet shows)."""
    return Msg("err.in_file", source=source, problem=Msg(
        "err.at_column", row=rowno, field=column, problem=problem))


def read_xlsx(data: bytes, fw: Framework, *, region_kode: str, year: int, stage: str,
              source: str | None = None) -> dict[str, Row]:
    """Every filled row as {question id: Row}. Validates the whole file first and raises
    InputError listing every problem: an archive too big to unpack (``archive_problem``),
    data below row ``MAX_SHEET_ROWS``, wrong region/year/stage/framework, unknown or duplicate
    ids, changed maxima, credits that are not numbers in 0–1, notes over ``NOTE_MAX``
    characters or with control characters, missing columns. ``source``: the file's name,
    shown before every message."""
    src = source or Msg("err.file.workbook")

    def fail(problem: Msg) -> Msg:
        return Msg("err.in_file", source=src, problem=problem)

    try:
        wb = open_workbook(data)
    except XlsxRefused as exc:
        raise InputError([fail(exc.args[0])]) from None
    try:
        return _read_sheets(wb, fw, region_kode=region_kode, year=year, stage=stage, src=src)
    except XlsxRefused as exc:
        raise InputError([fail(exc.args[0])]) from None
    finally:
        wb.close()


def _read_sheets(wb, fw: Framework, *, region_kode: str, year: int, stage: str,
                 src: object) -> dict[str, Row]:
    def fail(problem: Msg) -> Msg:
        return Msg("err.in_file", source=src, problem=problem)

    errors: list[str] = []
    if META not in wb.sheetnames or SHEET not in wb.sheetnames:
        raise InputError([fail(Msg("err.xlsx.sheets", sheet=SHEET, meta=META))])
    meta = {str(r[0]): r[1] for _, r in sheet_rows(wb[META], MAX_META_ROWS, 2) if r and r[0]}
    expected = {"format": FORMAT, "framework": fw.code, "region_kode": region_kode,
                "year": year, "stage": stage}
    for key, want in expected.items():
        got = meta.get(key)
        if str(got) != str(want):
            errors.append(fail(Msg("err.xlsx.other", what=Msg(_META_LABELS[key]),
                                   got=Msg("err.xlsx.no_value") if got is None else shown(got),
                                   want=str(want))))
    try:
        versions = json.loads(str(meta.get("versions") or "{}"))
        if not isinstance(versions, dict):
            raise ValueError
    except (ValueError, RecursionError):
        errors.append(fail(Msg("err.xlsx.versions", meta=META)))
        versions = {}
    rows = sheet_rows(wb[SHEET], max(MAX_SHEET_ROWS, 2 * len(fw.questions) + 1))
    header = [str(h).strip() if h is not None else "" for h in next(rows, (1, ()))[1]]
    missing = [c for c in ("ID Pertanyaan", "Maks", "Kredit", "Catatan") if c not in header]
    if missing:
        errors.append(fail(Msg("err.header_missing", columns=tuple(missing))))
        raise InputError(errors)
    col = {name: header.index(name) for name in ("ID Pertanyaan", "Maks", "Kredit", "Catatan")}
    out: dict[str, Row] = {}
    first: dict[str, int] = {}
    for rowno, values in rows:
        qid = str(values[col["ID Pertanyaan"]] or "").strip()
        if not qid and all(v in (None, "") for v in values):
            continue
        if qid not in fw.questions:
            errors.append(at_column(src, rowno, "ID Pertanyaan",
                                    Msg("err.import.unknown_question", qid=shown(qid))))
            continue
        if qid in first:
            errors.append(at_column(src, rowno, "ID Pertanyaan",
                                    Msg("err.import.duplicate_question", qid=qid,
                                        first=first[qid])))
            continue
        first[qid] = rowno
        if _number(values[col["Maks"]]) != fw.questions[qid].max:
            found = values[col["Maks"]]
            errors.append(at_column(src, rowno, "Maks", Msg(
                "err.xlsx.max_changed", max=as_shown(fw.questions[qid].max),
                value=Msg("err.xlsx.no_value") if found in (None, "") else
                shown(found) if isinstance(found, str) else as_shown(found))))
        try:
            credit = _credit(values[col["Kredit"]])
        except NumberError as exc:
            errors.append(at_column(src, rowno, "Kredit", exc.args[0]))
            continue
        note = note_text(values[col["Catatan"]])
        if note.startswith("'") and note[1:2] in ("=", "+", "-", "@"):
            note = note[1:]  # our own formula guard, not the user's text
        problem = note_problem(note)
        if problem is not None:
            errors.append(at_column(src, rowno, "Catatan", problem))
            continue
        version = versions.get(qid)
        out[qid] = Row(credit, note, rowno,
                       version if isinstance(version, int) and not isinstance(version, bool)
                       else None)
    if errors:
        raise InputError(errors)
    return out
