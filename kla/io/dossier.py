"""The evidence dossier: every uploaded file in the official folder structure, one ZIP.

Layout inside the ZIP::

    <NN block code - block name>/<indicator code - indicator name>/<question id>/<file name>
    index.xlsx   one row per file (sheet "Berkas") and a summary sheet "Ringkasan"; files whose
                 bytes are gone from the store (``missing``) are listed on a sheet
                 "Berkas hilang" ("berkas hilang dari penyimpanan") instead of failing the export
    index.csv    the rows of "Berkas", UTF-8 with BOM

Pure apart from reading the evidence files and writing ``out``.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from kla.domain.framework import Framework
from kla.i18n import fmt_time
from kla.io.export import neutralise

FALLBACK_NAME = "berkas"
BLOCK_DIR_LEN = 60
INDICATOR_DIR_LEN = 60
QUESTION_DIR_LEN = 40
WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"} | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)})
_INVALID = re.compile(r'[<>:"|?*/\\]')  # Windows-invalid characters and path separators
_DOTS = re.compile(r"\.{2,}")
_EXT = re.compile(r"\.[A-Za-z0-9]{1,10}$")
MISSING_SHEET = "Berkas hilang"
MISSING_NOTE = "berkas hilang dari penyimpanan"
MISSING_HEADER = ("Blok", "Indikator", "ID pertanyaan", "Pertanyaan", "Nama berkas asli",
                  "SHA-256", "Ukuran (byte)", "Jenis media", "Keterangan")
INDEX_HEADER = ("Blok", "Nama blok", "Indikator", "Nama indikator", "ID pertanyaan",
                "Pertanyaan", "Kredit", "Path dalam ZIP", "Nama berkas asli", "SHA-256",
                "Ukuran (byte)", "Jenis media")


@dataclass(frozen=True)
class EvidenceFile:
    question_id: str
    original_filename: str
    sha256: str
    size: int
    media_type: str
    path: Path  # where the bytes are on disk


Progress = Callable[[int, int], None]  # (bytes done, bytes in all)


def _char(ch: str) -> str:
    """Whitespace becomes a space, other control/format characters disappear."""
    if ch in "\t\n\r\v\f" or unicodedata.category(ch)[0] == "Z":
        return " "
    return "" if unicodedata.category(ch) in ("Cc", "Cf") else ch


def _clean(text: str) -> str:
    """Drop control characters, separators, Windows-invalid characters and ``..``; collapse
    whitespace."""
    text = "".join(_char(ch) for ch in unicodedata.normalize("NFC", str(text)))
    text = _DOTS.sub(".", _INVALID.sub(" ", text))
    return " ".join(text.split())


def _finish(stem: str, ext: str) -> str:
    """Leading and trailing dots/spaces off (hidden files; Windows drops trailing ones),
    reserved device names prefixed, never empty."""
    stem = stem.strip(". ")
    if not stem:
        stem = FALLBACK_NAME
    if stem.split(".")[0].upper() in WINDOWS_RESERVED:
        stem = "_" + stem
    return stem + ext


def _split(name: str) -> tuple[str, str]:
    m = _EXT.search(name)
    if m:
        return name[: m.start()], m.group(0)
    return name, ""


def sanitize_filename(name: str, max_len: int = 100) -> str:
    """A file name safe on Windows, macOS and Linux that keeps the extension, at most
    ``max_len`` characters, never empty."""
    stem, ext = _split(_clean(name))
    ext = ext[: max(0, max_len - 1)]
    return _finish(stem[: max(1, max_len - len(ext))], ext)


def _folder(text: str, max_len: int) -> str:
    """One sanitised folder component (no extension handling), at most ``max_len`` chars."""
    return _finish(_clean(text)[:max_len], "")


def _with_counter(name: str, k: int, max_len: int) -> str:
    stem, ext = _split(name)
    suffix = f" ({k}){ext}"
    return stem[: max(1, max_len - len(suffix))].rstrip(". ") + suffix


def _question_dir(fw: Framework, qid: str) -> str:
    q = fw.questions[qid]
    block, ind = fw.blocks[q.block], fw.indicators[q.indicator]
    return "/".join((
        _folder(f"{block.order:02d} {block.code} - {block.name_id}", BLOCK_DIR_LEN),
        _folder(f"{ind.code} - {ind.name}", INDICATOR_DIR_LEN),
        _folder(qid, QUESTION_DIR_LEN),
    ))


def _missing(f: EvidenceFile) -> FileNotFoundError:
    return FileNotFoundError(f"evidence file for question {f.question_id} "
                             f"('{f.original_filename}') not found at {f.path}")


def _plan(fw: Framework, files: Sequence[EvidenceFile]) -> list[tuple[EvidenceFile, str]]:
    """(file, path inside the ZIP) in framework order; checks that every file exists and
    gives files that end up with the same name in one folder a " (2)", " (3)" suffix."""
    for f in files:
        if f.question_id not in fw.questions:
            raise ValueError(f"unknown question id '{f.question_id}' for "
                             f"'{f.original_filename}' in framework {fw.code}")
        if not Path(f.path).is_file():
            raise _missing(f)
    ordered = sorted(enumerate(files), key=lambda p: (fw.questions[p[1].question_id].order, p[0]))
    used: dict[str, set[str]] = {}
    plan = []
    for _, f in ordered:
        folder = _question_dir(fw, f.question_id)
        taken = used.setdefault(folder, set())
        name, k = sanitize_filename(f.original_filename), 1
        while name.casefold() in taken:  # Windows folders are case-insensitive
            k += 1
            name = _with_counter(sanitize_filename(f.original_filename), k, 100)
        taken.add(name.casefold())
        plan.append((f, f"{folder}/{name}"))
    return plan


def _index_rows(fw: Framework, plan: Sequence[tuple[EvidenceFile, str]],
                answers: Mapping[str, float]) -> list[list[object]]:
    rows = []
    for f, arcname in plan:
        q = fw.questions[f.question_id]
        credit = answers.get(f.question_id)
        rows.append([neutralise(v) for v in (
            q.block, fw.blocks[q.block].name_id, q.indicator, fw.indicators[q.indicator].name,
            f.question_id, q.text, None if credit is None else float(credit), arcname,
            f.original_filename, f.sha256, int(f.size), f.media_type)])
    return rows


def _missing_rows(fw: Framework, missing: Sequence[EvidenceFile]) -> list[list[object]]:
    ordered = sorted(enumerate(missing),
                     key=lambda p: (fw.questions[p[1].question_id].order, p[0]))
    rows = []
    for _, f in ordered:
        q = fw.questions[f.question_id]
        rows.append([neutralise(v) for v in (
            q.block, q.indicator, f.question_id, q.text, f.original_filename, f.sha256,
            int(f.size), f.media_type, MISSING_NOTE)])
    return rows


def _xlsx_text(value: object) -> object:
    """openpyxl refuses control characters in cells."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _index_xlsx(rows: Sequence[Sequence[object]], summary: Sequence[tuple[str, object]],
                missing: Sequence[Sequence[object]] = ()) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Berkas"
    ws.append(list(INDEX_HEADER))
    for row in rows:
        ws.append([_xlsx_text(v) for v in row])
    ws.freeze_panes = "A2"
    for col, width in zip("ABCDEFGHIJKL", (6, 30, 9, 30, 14, 60, 8, 60, 40, 66, 12, 20)):
        ws.column_dimensions[col].width = width
    info = wb.create_sheet("Ringkasan")
    for key, value in summary:
        info.append([key, _xlsx_text(neutralise(value))])
    info.column_dimensions["A"].width = 22
    info.column_dimensions["B"].width = 40
    if missing:
        gone = wb.create_sheet(MISSING_SHEET)
        gone.append(list(MISSING_HEADER))
        for row in missing:
            gone.append([_xlsx_text(v) for v in row])
        for col, width in zip("ABCDEFGHI", (6, 9, 14, 60, 40, 66, 12, 20, 32)):
            gone.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _index_csv(rows: Sequence[Sequence[object]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(INDEX_HEADER)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return buf.getvalue().encode("utf-8-sig")


def _write_zip(target: BinaryIO, plan: Sequence[tuple[EvidenceFile, str]], xlsx: bytes,
               csv_data: bytes, progress: Progress | None = None) -> None:
    total, done = sum(int(f.size) for f, _ in plan), 0
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, strict_timestamps=False) as zf:
        for f, arcname in plan:
            try:
                zf.write(f.path, arcname)
            except FileNotFoundError:
                raise _missing(f) from None
            done += int(f.size)
            if progress is not None:
                progress(done, total)
        zf.writestr("index.xlsx", xlsx)
        zf.writestr("index.csv", csv_data)


def build_dossier_zip(fw: Framework, *, region_kode: str, region_nama: str, year: int,
                      stage: str, answers: dict[str, float], files: list[EvidenceFile],
                      out: str | os.PathLike[str] | BinaryIO,
                      missing: Sequence[EvidenceFile] = (),
                      progress: Progress | None = None) -> dict:
    """Write the evidence ZIP to ``out`` (a path, written atomically, or a binary file
    object); ``progress(bytes_done, bytes_total)`` is called after each file packed. ``missing``: files known to be gone from the store, listed in the index (sheet
    "Berkas hilang") instead of packed. Raises FileNotFoundError naming the question and file
    when a file of ``files`` is missing. Returns {"files": n, "bytes": total size of the
    evidence files packed}."""
    plan = _plan(fw, files)
    for f in missing:
        if f.question_id not in fw.questions:
            raise ValueError(f"unknown question id '{f.question_id}' for "
                             f"'{f.original_filename}' in framework {fw.code}")
    rows = _index_rows(fw, plan, answers)
    total = sum(int(f.size) for f in files)
    summary = [("Wilayah", region_nama), ("Kode wilayah", region_kode), ("Tahun", year),
               ("Tahap", stage), ("Instrumen", fw.code), ("Jumlah berkas", len(plan)),
               ("Total ukuran (byte)", total), ("Berkas hilang", len(missing)),
               ("Dibuat pada", fmt_time(datetime.now(UTC), "id"))]  # in WIB, as the pages
    xlsx = _index_xlsx(rows, summary, _missing_rows(fw, missing))
    csv_data = _index_csv(rows)
    if not isinstance(out, (str, os.PathLike)):
        _write_zip(out, plan, xlsx, csv_data, progress)
    else:
        dest = Path(out)
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                _write_zip(fh, plan, xlsx, csv_data, progress)
            os.replace(tmp, dest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return {"files": len(plan), "bytes": total}
