"""Excel round-trip of one assessment: export in the official order, fill offline, import back.

Row numbers in error messages are the rows Excel shows (the header is row 1).
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation

from kla.domain.framework import Framework
from kla.domain.numbers import NumberError, as_shown
from kla.i18n import Msg
from kla.io.csv import InputError
from kla.io.export import neutralise

FORMAT = "kla-assessment-xlsx/2"  # /2: answer versions in the hidden sheet
SHEET = "Penilaian"
META = "_meta"
COLUMNS = ("Blok", "Indikator", "ID Pertanyaan", "Pertanyaan", "Maks", "Kredit", "Poin", "OPD",
           "Catatan", "Jumlah bukti")
WIDTHS = (8, 10, 14, 80, 8, 9, 9, 28, 40, 12)
INPUT_FILL = PatternFill("solid", fgColor="FFF7D6")


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
        ws.append([q.block, q.indicator, qid, neutralise(q.text), q.max,
                   a.credit if a and a.credit is not None else None,
                   f'=IF(F{i}="","",E{i}*F{i})',
                   neutralise("; ".join(agencies.get(qid, q.opds))),
                   neutralise(a.note) if a else "", int(evidence.get(qid, 0))])
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
        meta.append([key, value])
    meta.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _credit(value: object) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise NumberError(str(value), "not_a_number")
    if isinstance(value, int | float):
        x = float(value)
    else:
        text = str(value).strip().replace(",", ".")
        try:
            x = float(text)
        except ValueError:
            raise NumberError(str(value), "not_a_number") from None
    if not math.isfinite(x) or not 0 <= x <= 1:
        raise NumberError(as_shown(value), "out_of_range", 0, 1)
    return x


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
    InputError listing every problem: wrong region/year/stage/framework, unknown or duplicate
    ids, changed maxima, credits that are not numbers in 0–1, missing columns. ``source``:
    the file's name, shown before every message."""
    src = source or Msg("err.file.workbook")

    def fail(problem: Msg) -> Msg:
        return Msg("err.in_file", source=src, problem=problem)

    try:
        wb = load_workbook(io.BytesIO(data), data_only=False, read_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many types for bad files
        raise InputError([fail(Msg("err.file.not_xlsx"))]) from None
    errors: list[str] = []
    if META not in wb.sheetnames or SHEET not in wb.sheetnames:
        raise InputError([fail(Msg("err.xlsx.sheets", sheet=SHEET, meta=META))])
    meta = {str(r[0]): r[1] for r in wb[META].iter_rows(values_only=True) if r and r[0]}
    expected = {"format": FORMAT, "framework": fw.code, "region_kode": region_kode,
                "year": year, "stage": stage}
    for key, want in expected.items():
        got = meta.get(key)
        if str(got) != str(want):
            errors.append(fail(Msg("err.xlsx.other", what=Msg(_META_LABELS[key]),
                                   got=Msg("err.xlsx.no_value") if got is None else str(got),
                                   want=str(want))))
    try:
        versions = json.loads(str(meta.get("versions") or "{}"))
        if not isinstance(versions, dict):
            raise ValueError
    except ValueError:
        errors.append(fail(Msg("err.xlsx.versions", meta=META)))
        versions = {}
    rows = wb[SHEET].iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
    missing = [c for c in ("ID Pertanyaan", "Maks", "Kredit", "Catatan") if c not in header]
    if missing:
        errors.append(fail(Msg("err.header_missing", columns=tuple(missing))))
        raise InputError(errors)
    col = {name: header.index(name) for name in ("ID Pertanyaan", "Maks", "Kredit", "Catatan")}
    out: dict[str, Row] = {}
    first: dict[str, int] = {}
    for rowno, values in enumerate(rows, start=2):
        values = list(values) + [None] * (len(header) - len(values))
        qid = str(values[col["ID Pertanyaan"]] or "").strip()
        if not qid and all(v in (None, "") for v in values):
            continue
        if qid not in fw.questions:
            errors.append(at_column(src, rowno, "ID Pertanyaan",
                                    Msg("err.import.unknown_question", qid=qid)))
            continue
        if qid in first:
            errors.append(at_column(src, rowno, "ID Pertanyaan",
                                    Msg("err.import.duplicate_question", qid=qid,
                                        first=first[qid])))
            continue
        first[qid] = rowno
        try:
            qmax = float(values[col["Maks"]])
        except (TypeError, ValueError):
            qmax = None
        if qmax != fw.questions[qid].max:
            found = values[col["Maks"]]
            errors.append(at_column(src, rowno, "Maks", Msg(
                "err.xlsx.max_changed", max=as_shown(fw.questions[qid].max),
                value=Msg("err.xlsx.no_value") if found in (None, "") else as_shown(found))))
        try:
            credit = _credit(values[col["Kredit"]])
        except NumberError as exc:
            errors.append(at_column(src, rowno, "Kredit", exc.args[0]))
            continue
        note = values[col["Catatan"]]
        note = "" if note is None else str(note).strip()
        if note.startswith("'") and note[1:2] in ("=", "+", "-", "@"):
            note = note[1:]  # our own formula guard, not the user's text
        version = versions.get(qid)
        out[qid] = Row(credit, note, rowno, version if isinstance(version, int) else None)
    if errors:
        raise InputError(errors)
    return out
