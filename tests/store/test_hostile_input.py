"""Hostile input on the real databases (issue 14): SQLite and, when KLA_TEST_DATABASE_URL is
set, PostgreSQL (which refuses NUL and over-long VARCHARs where SQLite stores anything).

Every refusal names the row and the field by its label, in Indonesian and in English, and
writes nothing: answer, audit, registry and evidence rows and the evidence folder's files are
the same before and after. What is accepted (a NUL in a file name, a note stored by an old
database with characters Excel cannot hold) is stored cleaned or exported cleaned — never a
DataError or a traceback."""

from __future__ import annotations

import io
import itertools
import re
import time
import zipfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from kla.domain.framework import get_framework
from kla.domain.registries import FIELDS, RegistryError
from kla.domain.registries.base import date_max
from kla.i18n import Refusal, describe
from kla.io import excel
from kla.io.csv import InputError
from kla.services import answers as ans
from kla.services import exports
from kla.services import registries as reg
from kla.services.assessments import AssessmentInfo, save_assessment
from kla.services.permissions import SYSTEM, Actor
from kla.settings import get_settings
from kla.store.db import engine_for
from kla.store.evidence import EvidenceError
from kla.store.models import Answer, AuditLog, Evidence, RegistryEntry
from tests.cli_runner import run_kla
from tests.evidence_files import pdf_bytes

pytestmark = pytest.mark.store

CITY = "36.73"  # Kota Serang: the assessments under test
REG_CITY = "18.72"  # Kota Metro: the registries under test
KOORD = Actor("hostile.koord", "coordinator", REG_CITY)
ANSWERED, OPEN = "1.P1", "1.P2a"  # an answered question, one without an answer
FW = get_framework()
ROW = {qid: n for n, qid in enumerate(FW.questions, start=2)}  # the workbook's rows
YEARS = itertools.count(2071)  # one assessment per test, in years no other test uses
KHA = {"provider_kind": "paud", "provider_name": "PAUD Hostile", "people_trained": 4,
       "training_date": "2025-08-01", "certificate": "", "cert_number": "", "cert_date": ""}


# --- the world and what "nothing written" means ------------------------------------------------

@dataclass
class World:
    engine: Engine
    info: AssessmentInfo
    url: str
    data_dir: Path

    @property
    def store(self) -> Path:
        return self.data_dir / "evidence"

    def workbook(self) -> bytes:
        return exports.export_xlsx(self.engine, SYSTEM, self.info)

    def import_(self, data: bytes, source: str = "penilaian.xlsx") -> dict:
        return exports.import_xlsx(self.engine, SYSTEM, self.info, data, source=source)


@pytest.fixture
def w(seeded_url, tmp_path, monkeypatch) -> World:
    monkeypatch.setenv("KLA_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    engine = engine_for(seeded_url)
    year = next(YEARS)
    save_assessment(engine, SYSTEM, region_kode=CITY, year=year, stage="EM",
                    answers={ANSWERED: 0.5}, notes={ANSWERED: "awal"}, framework=FW,
                    status="draft")
    return World(engine, exports.find_assessment(engine, SYSTEM, CITY, year, "EM"),
                 seeded_url, tmp_path / "data")


def snapshot(w: World) -> dict:
    """Every row a refused input could have written, and the stored files."""
    with w.engine.connect() as conn:
        def rows(*cols):
            return sorted(tuple(r) for r in conn.execute(select(*cols)))

        return {
            "answers": rows(Answer.id, Answer.assessment_id, Answer.question_id, Answer.credit,
                            Answer.note, Answer.version, Answer.updated_by),
            "audit": rows(AuditLog.id),
            "registry": [(i, k, str(d)) for i, k, d in rows(RegistryEntry.id, RegistryEntry.key,
                                                            RegistryEntry.data)],
            "evidence": rows(Evidence.id, Evidence.original_filename, Evidence.storage_key,
                             Evidence.deleted_at),
            "files": stored_files(w),
        }


def stored_files(w: World) -> list[str]:
    return sorted(str(p.relative_to(w.store)) for p in w.store.rglob("*") if p.is_file()) \
        if w.store.exists() else []


@contextmanager
def nothing_written(w: World):
    before = snapshot(w)
    yield
    after = snapshot(w)
    for part in before:
        assert after[part] == before[part], f"{part} changed"


def said(exc: BaseException) -> tuple[str, str]:
    """What the user reads: (Indonesian, English)."""
    return describe(exc, "id"), describe(exc, "en")


# --- workbooks ---------------------------------------------------------------------------------

def edited(data: bytes, cells: dict[str, tuple[object, object]]) -> bytes:
    """The workbook with (credit, note) set on the rows of some questions."""
    wb = load_workbook(io.BytesIO(data))
    ws = wb[excel.SHEET]
    for qid, (credit, note) in cells.items():
        ws.cell(ROW[qid], 6).value = credit
        ws.cell(ROW[qid], 9).value = note
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def patched(data: bytes, change: Callable[[bytes], bytes],
            part: str = "xl/worksheets/sheet1.xml") -> bytes:
    """The workbook with one part's bytes changed (what no spreadsheet program writes)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            body = src.read(info.filename)
            zf.writestr(info.filename, change(body) if info.filename == part else body)
    return buf.getvalue()


def cell_xml(data: bytes, qid: str, column: str, inner: bytes) -> bytes:
    """The sheet with the cell of ``qid``'s row in ``column`` replaced by ``inner`` (raw)."""
    ref = f"{column}{ROW[qid]}".encode()

    def change(xml: bytes) -> bytes:
        new, n = re.subn(rb'<c r="' + ref + rb'"[^>]*?(?:/>|>.*?</c>)', inner, xml, count=1)
        assert n == 1, ref
        return new

    return patched(data, change)


def with_rows(data: bytes, rows: bytes) -> bytes:
    """The sheet with raw ``<row>`` elements appended after its declared dimension."""
    return patched(data, lambda xml: xml.replace(b"</sheetData>", rows + b"</sheetData>"))


MB = 2**20
SHARED_STRING_MB = 315


@cache
def zip_bomb() -> bytes:
    """An exported-looking workbook (its parts, plus a shared-string table) whose one shared
    string unpacks to 315 MB of one character: a few hundred KB on disk."""
    wb = Workbook()
    wb.active.title = excel.SHEET
    wb.create_sheet(excel.META)
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            zf.writestr(info.filename, src.read(info.filename))
        with zf.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            fh.write(b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.'
                     b'openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
                     b"<si><t>")
            chunk = b"A" * MB
            for _ in range(SHARED_STRING_MB):
                fh.write(chunk)
            fh.write(b"</t></si></sst>")
    return out.getvalue()


def registry_workbook(kind: str, rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = kind
    ws.append([f for f, _, _ in FIELDS[kind]])
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def kha_row(**changes: object) -> list[object]:
    row = {**KHA, **changes}
    return [row[f] for f, _, _ in FIELDS["kha_training"]]


@pytest.fixture
def no_parsing(monkeypatch):
    """Any attempt to parse a workbook fails the test: the refusal must come first."""
    def refuse(*_a, **_k):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(excel, "load_workbook", refuse)


# --- the answers workbook ----------------------------------------------------------------------

def test_a_zip_bomb_workbook_is_refused_before_parsing_and_quickly(w, no_parsing):
    bomb = zip_bomb()
    assert len(bomb) < 2 * MB
    with nothing_written(w), pytest.raises(InputError) as err:
        start = time.perf_counter()
        try:
            w.import_(bomb, "bom.xlsx")
        finally:
            elapsed = time.perf_counter() - start
    assert elapsed < 1.0, elapsed
    assert said(err.value) == (
        "bom.xlsx: lembar kerja berukuran 315 MB setelah diekstrak, melebihi batas 50 MB",
        "bom.xlsx: the workbook is 315 MB unpacked, over the limit of 50 MB")


def test_the_same_zip_bomb_is_refused_by_the_registry_import(w, no_parsing):
    with nothing_written(w), pytest.raises(RegistryError) as err:
        reg.import_xlsx(w.engine, KOORD, REG_CITY, "kha_training", zip_bomb(), source="bom.xlsx")
    assert said(err.value) == (
        "bom.xlsx: lembar kerja berukuran 315 MB setelah diekstrak, melebihi batas 50 MB",
        "bom.xlsx: the workbook is 315 MB unpacked, over the limit of 50 MB")


def test_a_30000_character_note_in_the_workbook_is_refused_with_its_row(w):
    data = edited(w.workbook(), {OPEN: (0.5, "x" * 30_000)})
    with nothing_written(w), pytest.raises(InputError) as err:
        w.import_(data)
    assert said(err.value) == (
        "penilaian.xlsx: baris 3, kolom Catatan: 30000 karakter; paling banyak 2000",
        "penilaian.xlsx: row 3, column Catatan: 30000 characters; at most 2000")


def test_a_30000_character_note_through_save_answer_is_refused(w):
    with nothing_written(w), pytest.raises(Refusal) as err:
        ans.save_answer(w.engine, SYSTEM, w.info.id, OPEN, 0.5, "x" * 30_000, None)
    assert said(err.value) == ("Pertanyaan 1.P2a, kolom Catatan: paling banyak 2000 karakter.",
                               "question 1.P2a, field note: at most 2000 characters")


def test_a_note_with_an_empty_credit_is_refused_with_its_row(w):
    data = edited(w.workbook(), {OPEN: (None, "sudah ada perda")})
    with nothing_written(w), pytest.raises(InputError) as err:
        w.import_(data)
    assert said(err.value) == (
        "penilaian.xlsx: baris 3, kolom Kredit: catatan 1.P2a tanpa kredit: isi kreditnya",
        "penilaian.xlsx: row 3, column Kredit: a note on 1.P2a without a credit: "
        "fill in the credit")


def test_a_cleared_credit_is_refused_with_its_row(w):
    # the other row's change is valid: all or nothing, it is not written either
    data = edited(w.workbook(), {ANSWERED: (None, "awal"), OPEN: (1, "")})
    with nothing_written(w), pytest.raises(InputError) as err:
        w.import_(data)
    assert said(err.value) == (
        "penilaian.xlsx: baris 2, kolom Kredit: kredit 1.P1 dikosongkan (di aplikasi 0,5); "
        "impor tidak menghapus jawaban: isi kreditnya atau hapus di aplikasi",
        "penilaian.xlsx: row 2, column Kredit: the credit of 1.P1 is cleared (in the app 0.5); "
        "an import deletes no answer: fill in the credit or delete it in the app")


def test_data_below_the_declared_dimension_is_read_not_dropped(w):
    """The sheet declares A1:J275; a row 400 is read (openpyxl alone would stop at 275): a
    second row for 1.P1 there is refused as a duplicate, named by its row."""
    data = w.workbook()
    assert b'<dimension ref="A1:J275"' in zipfile.ZipFile(io.BytesIO(data)).read(
        "xl/worksheets/sheet1.xml")
    row = (b'<row r="400"><c r="C400" t="inlineStr"><is><t>1.P1</t></is></c>'
           b'<c r="E400"><v>1</v></c><c r="F400"><v>1</v></c></row>')
    with nothing_written(w), pytest.raises(InputError) as err:
        w.import_(with_rows(edited(data, {OPEN: (1, "")}), row))
    assert said(err.value) == (
        "penilaian.xlsx: baris 400, kolom ID Pertanyaan: ID '1.P1' muncul dua kali "
        "(pertama di baris 2)",
        "penilaian.xlsx: row 400, column ID Pertanyaan: duplicate id '1.P1' (first on row 2)")


@pytest.mark.parametrize("rowno", [5000, 1_048_576])
def test_data_below_the_row_cap_is_refused_with_its_row(w, rowno):
    row = (f'<row r="{rowno}"><c r="C{rowno}" t="inlineStr"><is><t>{OPEN}</t></is></c>'
           f'<c r="F{rowno}"><v>1</v></c></row>').encode()
    with nothing_written(w), pytest.raises(InputError) as err:
        w.import_(with_rows(w.workbook(), row))
    assert said(err.value) == (
        f"penilaian.xlsx: lembar Penilaian berisi data di baris {rowno}; "
        "paling banyak 2000 baris dibaca",
        f"penilaian.xlsx: sheet Penilaian has data in row {rowno}; at most 2000 rows are read")


def test_a_million_empty_rows_then_data_is_refused_with_the_row(w):
    """A million empty rows (``<row r="N"/>``: 2.5 MB packed, 17 MB unpacked, within the
    archive limits) are skipped; the value after them refuses the file, its row named. (The
    scan costs seconds of CPU; empty rows alone are accepted: they hold nothing to drop.)"""
    empty = b"".join(b'<row r="%d"/>' % n for n in range(276, 1_000_276))
    last = b'<row r="1000276"><c r="I1000276" t="inlineStr"><is><t>x</t></is></c></row>'
    with nothing_written(w), pytest.raises(InputError) as err:
        w.import_(with_rows(w.workbook(), empty + last))
    assert said(err.value) == (
        "penilaian.xlsx: lembar Penilaian berisi data di baris 1000276; paling banyak 2000 "
        "baris dibaca",
        "penilaian.xlsx: sheet Penilaian has data in row 1000276; at most 2000 rows are read")


def test_whitespace_rows_below_the_cap_are_refused_at_the_first(w):
    """Rows holding only a space are not empty: the first one below the cap is named."""
    rows = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t> </t></is></c></row>' % (n, n)
                    for n in range(2001, 202_001))
    with nothing_written(w), pytest.raises(InputError) as err:
        w.import_(with_rows(w.workbook(), rows))
    assert said(err.value)[1] == (
        "penilaian.xlsx: sheet Penilaian has data in row 2001; at most 2000 rows are read")


@pytest.mark.parametrize("column,value,shown", [
    ("Kredit", 1e30, "row 3, column Kredit: 1e+30 is outside 0–1"),
    ("Maks", 1e26, "row 3, column Maks: 1e+26 in the file, 1 in the instrument"),
])
def test_a_huge_number_in_the_workbook_is_quoted_back_not_a_traceback(w, column, value, shown):
    """Found by fuzzing: quoting a number from 1e26 up in a message crashed (babel could not
    round it: decimal.InvalidOperation)."""
    data = w.workbook()
    wb = load_workbook(io.BytesIO(data))
    wb[excel.SHEET].cell(ROW[OPEN], excel.COLUMNS.index(column) + 1).value = value
    buf = io.BytesIO()
    wb.save(buf)
    with nothing_written(w), pytest.raises(InputError) as err:
        w.import_(buf.getvalue())
    id_text, en_text = said(err.value)
    assert f"penilaian.xlsx: {shown}" in en_text
    assert "baris 3" in id_text and f"kolom {column}" in id_text


# --- NUL and other control characters ------------------------------------------------------------

def test_a_nul_in_a_note_through_save_answer_is_refused(w):
    with nothing_written(w), pytest.raises(Refusal) as err:
        ans.save_answer(w.engine, SYSTEM, w.info.id, OPEN, 0.5, "perda\x00kla", None)
    assert said(err.value) == (
        "Pertanyaan 1.P2a, kolom Catatan: memuat karakter kendali U+0000 yang tidak dapat "
        "disimpan.",
        "question 1.P2a, field note: contains the control character U+0000, which cannot be "
        "stored")


@pytest.mark.parametrize("note", [b"perda\x00kla", b"perda&#0;kla", b"perda&#x1;kla"],
                         ids=["raw-nul", "nul-reference", "c0-reference"])
def test_a_nul_in_a_workbook_note_is_refused(w, note):
    """XML cannot hold NUL (nor the other C0 controls): the workbook is not a workbook."""
    data = cell_xml(edited(w.workbook(), {OPEN: (0.5, "")}), OPEN, "I",
                    b'<c r="I3" t="inlineStr"><is><t>' + note + b"</t></is></c>")
    with nothing_written(w), pytest.raises(InputError) as err:
        w.import_(data)
    assert said(err.value) == ("penilaian.xlsx: bukan lembar kerja Excel (.xlsx)",
                               "penilaian.xlsx: not an Excel workbook (.xlsx)")


@pytest.mark.parametrize("char", ["\x7f", "\x81", "\x9f"])
def test_a_control_character_xml_allows_in_a_workbook_note_is_refused_with_its_row(w, char):
    note = f"perda{char}kla".encode("ascii", "xmlcharrefreplace") if char > "\x7f" else \
        f"perda{char}kla".encode()
    data = cell_xml(edited(w.workbook(), {OPEN: (0.5, "")}), OPEN, "I",
                    b'<c r="I3" t="inlineStr"><is><t>' + note + b"</t></is></c>")
    code = f"U+{ord(char):04X}"
    with nothing_written(w), pytest.raises(InputError) as err:
        w.import_(data)
    assert said(err.value) == (
        f"penilaian.xlsx: baris 3, kolom Catatan: memuat karakter kendali {code} yang tidak "
        "dapat disimpan",
        f"penilaian.xlsx: row 3, column Catatan: contains the control character {code}, "
        "which cannot be stored")


def test_an_escaped_nul_in_a_workbook_note_is_stored_as_the_text_it_is(w):
    """``_x0000_`` (Excel's escape) is read as those seven characters: no NUL reaches the
    database, so PostgreSQL stores it too."""
    data = cell_xml(edited(w.workbook(), {OPEN: (0.5, "")}), OPEN, "I",
                    b'<c r="I3" t="inlineStr"><is><t>perda_x0000_kla</t></is></c>')
    assert w.import_(data) == {"changed": 1, "unchanged": 273}
    assert ans.answer_states(w.engine, SYSTEM, w.info.id)[OPEN].note == "perda_x0000_kla"


# --- evidence file names --------------------------------------------------------------------------

def test_a_nul_in_an_evidence_file_name_is_cleaned_and_stored(w):
    data = pdf_bytes(f"nul-{w.info.year}")
    before = snapshot(w)
    out = ans.add_evidence(w.engine, SYSTEM, w.info.id, ANSWERED, "sk\x00perda\u202e.pdf", data)
    assert out["name"] == "skperda.pdf" and not out["duplicate"]
    after = snapshot(w)
    assert [e[1] for e in after["evidence"] if e not in before["evidence"]] == ["skperda.pdf"]
    assert len(after["audit"]) == len(before["audit"]) + 1
    # every stored file belongs to a row: no orphan
    keys = {e[2] for e in after["evidence"]}
    assert after["files"] and set(after["files"]) <= keys


def test_a_refused_file_with_a_nul_in_its_name_writes_nothing(w):
    truncated = pdf_bytes(f"cut-{w.info.year}")[:-40]
    with nothing_written(w), pytest.raises(EvidenceError) as err:
        ans.add_evidence(w.engine, SYSTEM, w.info.id, ANSWERED, "sk\x00perda.pdf", truncated)
    assert said(err.value) == (
        "skperda.pdf: bukan PDF yang utuh: penanda akhir %%EOF tidak ditemukan",
        "skperda.pdf: not a complete PDF: the %%EOF end marker is missing")


def test_evidence_for_a_question_without_an_answer_leaves_no_file(w):
    with nothing_written(w), pytest.raises(Refusal) as err:
        ans.add_evidence(w.engine, SYSTEM, w.info.id, OPEN, "\x00.pdf",
                         pdf_bytes(f"open-{w.info.year}"))
    assert "1.P2a" in said(err.value)[0] and "1.P2a" in said(err.value)[1]


def test_a_row_that_fails_after_it_was_written_leaves_no_file(w, monkeypatch):
    """The evidence row is flushed before the bytes are stored: when the transaction fails
    there (here its audit row), no file is left in the store."""
    def fail(*_a, **_k):
        raise RuntimeError("audit refused")

    monkeypatch.setattr(ans.audit, "record", fail)
    with nothing_written(w), pytest.raises(RuntimeError):
        ans.add_evidence(w.engine, SYSTEM, w.info.id, ANSWERED, "bukti.pdf",
                         pdf_bytes(f"fail-{w.info.year}"))


# --- registries ---------------------------------------------------------------------------------

def test_a_registry_string_over_255_characters_is_refused_with_its_label(w):
    with nothing_written(w), pytest.raises(RegistryError) as err:
        reg.add_entries(w.engine, KOORD, REG_CITY, "kha_training",
                        [{**KHA, "provider_name": "P" * 300}])
    assert said(err.value) == ("baris 2, kolom Penyedia layanan: 300 karakter; paling banyak 255",
                               "row 2, field Provider: 300 characters; at most 255")
    with nothing_written(w), pytest.raises(RegistryError) as err:  # the form: no row number
        reg.add_entries(w.engine, KOORD, REG_CITY, "kha_training",
                        [{**KHA, "provider_name": "P" * 300}], form=True)
    assert said(err.value) == ("Penyedia layanan: 300 karakter; paling banyak 255",
                               "Provider: 300 characters; at most 255")


def test_a_100_mb_registry_name_is_refused_with_its_label(w):
    with nothing_written(w), pytest.raises(RegistryError) as err:
        reg.add_entries(w.engine, KOORD, REG_CITY, "play_area", [{
            "name": "T" * (100 * MB), "kecamatan_kode": "18.72.01", "kind": "park",
            "standard": "not_standardized"}], form=True)
    assert said(err.value) == ("Nama: 104857600 karakter; paling banyak 255",
                               "Name: 104857600 characters; at most 255")


def test_an_update_with_an_over_long_string_is_refused_with_its_label(w):
    entry = reg.entries(w.engine, SYSTEM, REG_CITY, "kha_training")[0]
    row = {k: v for k, v in entry.items() if k not in ("id", "is_sample")}
    with nothing_written(w), pytest.raises(RegistryError) as err:
        reg.update_entry(w.engine, KOORD, entry["id"], {**row, "cert_number": "N" * 256})
    assert said(err.value) == ("Nomor sertifikat: 256 karakter; paling banyak 255",
                               "Certificate number: 256 characters; at most 255")


def test_a_play_area_key_over_the_column_is_refused_not_truncated(w):
    """A name of 255 characters passes its field but not the stored identity
    (``registry_entry.key``, VARCHAR(255)): refused, no StringDataRightTruncation."""
    with nothing_written(w), pytest.raises(RegistryError) as err:
        reg.add_entries(w.engine, KOORD, REG_CITY, "play_area", [{
            "name": "T" * 255, "kecamatan_kode": "18.72.01", "kind": "park",
            "standard": "not_standardized"}])
    assert said(err.value) == (
        "baris 2: isian pengenal entri terlalu panjang (gabungannya paling banyak 255 karakter)",
        "row 2: the fields that identify the entry are too long (at most 255 characters "
        "together)")


def test_registry_workbook_strings_are_refused_with_the_row_and_label(w):
    data = registry_workbook("kha_training", [kha_row(provider_name="Sah"),
                                              [None] * 7,  # a blank row: skipped, still counted
                                              kha_row(provider_name="P" * 300)])
    with nothing_written(w), pytest.raises(RegistryError) as err:
        reg.import_xlsx(w.engine, KOORD, REG_CITY, "kha_training", data, source="kha.xlsx")
    assert said(err.value) == (
        "kha.xlsx: baris 4, kolom Penyedia layanan: 300 karakter; paling banyak 255",
        "kha.xlsx: row 4, field Provider: 300 characters; at most 255")


def test_a_100_mb_name_in_a_registry_workbook_is_refused_before_parsing(w, no_parsing):
    data = patched(registry_workbook("kha_training", [kha_row(provider_name="PLACEHOLDER")]),
                   lambda xml: xml.replace(b"PLACEHOLDER", b"P" * (100 * MB)))
    with nothing_written(w), pytest.raises(RegistryError) as err:
        reg.import_xlsx(w.engine, KOORD, REG_CITY, "kha_training", data, source="kha.xlsx")
    assert said(err.value) == (
        "kha.xlsx: lembar kerja berukuran 100 MB setelah diekstrak, melebihi batas 50 MB",
        "kha.xlsx: the workbook is 100 MB unpacked, over the limit of 50 MB")


def test_registry_rows_below_the_declared_dimension_are_read_not_dropped(w):
    """The sheet declares A1:G2; a row 7 is read: its problem is reported at row 7."""
    data = registry_workbook("kha_training", [kha_row(provider_name="Terlihat")])
    row = (b'<row r="7"><c r="A7" t="inlineStr"><is><t>paud</t></is></c>'
           b'<c r="B7" t="inlineStr"><is><t>Tersembunyi</t></is></c>'
           b'<c r="C7"><v>-3</v></c><c r="D7" t="inlineStr"><is><t>2025-08-01</t></is></c></row>')
    with nothing_written(w), pytest.raises(RegistryError) as err:
        reg.import_xlsx(w.engine, KOORD, REG_CITY, "kha_training", with_rows(data, row),
                        source="kha.xlsx")
    assert said(err.value) == (
        "kha.xlsx: baris 7, kolom Orang dilatih: -3 harus bilangan bulat ≥ 0",
        "kha.xlsx: row 7, field People trained: -3 must be a whole number ≥ 0")


def test_registry_data_below_the_row_cap_is_refused_with_its_row(w):
    rowno = reg.MAX_IMPORT_ROWS + 1
    row = f'<row r="{rowno}"><c r="B{rowno}" t="inlineStr"><is><t>x</t></is></c></row>'
    data = with_rows(registry_workbook("kha_training", [kha_row()]), row.encode())
    with nothing_written(w), pytest.raises(RegistryError) as err:
        reg.import_xlsx(w.engine, KOORD, REG_CITY, "kha_training", data, source="kha.xlsx")
    assert said(err.value) == (
        f"kha.xlsx: lembar kha_training berisi data di baris {rowno}; paling banyak "
        f"{reg.MAX_IMPORT_ROWS} baris dibaca",
        f"kha.xlsx: sheet kha_training has data in row {rowno}; at most "
        f"{reg.MAX_IMPORT_ROWS} rows are read")


@pytest.mark.parametrize("count", [1e20, 10**20, "100000000000000000000"],
                         ids=["float", "int", "digits"])
def test_a_registry_count_of_1e20_is_refused_with_the_limit(w, count):
    with nothing_written(w), pytest.raises(RegistryError) as err:
        reg.add_entries(w.engine, KOORD, REG_CITY, "kha_training",
                        [{**KHA, "people_trained": count}], form=True)
    shown = "1e+20" if isinstance(count, float) else "100000000000000000000"
    assert said(err.value) == (f"Orang dilatih: {shown} melebihi batas 1.000.000",
                               f"People trained: {shown} is over the limit of 1,000,000")


def test_a_registry_workbook_count_of_1e20_is_refused_with_the_limit(w):
    data = registry_workbook("kha_training", [kha_row(people_trained=1e20)])
    with nothing_written(w), pytest.raises(RegistryError) as err:
        reg.import_xlsx(w.engine, KOORD, REG_CITY, "kha_training", data, source="kha.xlsx")
    assert said(err.value) == (
        "kha.xlsx: baris 2, kolom Orang dilatih: 1e+20 melebihi batas 1.000.000",
        "kha.xlsx: row 2, field People trained: 1e+20 is over the limit of 1,000,000")


@pytest.mark.parametrize("day", ["9999-12-31", datetime(9999, 12, 31)], ids=["text", "date"])
def test_a_registry_date_of_9999_is_refused_with_the_range(w, day):
    high = date_max().isoformat()
    with nothing_written(w), pytest.raises(RegistryError) as err:
        reg.add_entries(w.engine, KOORD, REG_CITY, "kha_training",
                        [{**KHA, "training_date": day}], form=True)
    assert said(err.value) == (
        f"Tanggal pelatihan: tanggal 9999-12-31 di luar rentang 2000-01-01 s.d. {high}",
        f"Training date: the date 9999-12-31 is outside 2000-01-01 to {high}")
    data = registry_workbook("kha_training", [kha_row(training_date=day)])
    with nothing_written(w), pytest.raises(RegistryError) as err:
        reg.import_xlsx(w.engine, KOORD, REG_CITY, "kha_training", data, source="kha.xlsx")
    assert said(err.value)[1] == (
        f"kha.xlsx: row 2, field Training date: the date 9999-12-31 is outside 2000-01-01 "
        f"to {high}")


def test_a_nul_in_a_registry_string_is_refused_with_its_label(w):
    with nothing_written(w), pytest.raises(RegistryError) as err:
        reg.add_entries(w.engine, KOORD, REG_CITY, "kha_training",
                        [{**KHA, "provider_name": "PAUD\x00Melati"}], form=True)
    assert said(err.value) == (
        "Penyedia layanan: memuat karakter kendali U+0000 yang tidak dapat disimpan",
        "Provider: contains the control character U+0000, which cannot be stored")


# --- published results ----------------------------------------------------------------------------

@pytest.mark.parametrize("column,value,reason", [
    ("marker", "M" * 20, "marker too long (20 characters; at most 8)"),
    ("score_type", "T" * 100, "score_type too long (100 characters; at most 60)"),
    ("note", "a\x00b", "control character U+0000 in note"),
])
def test_published_results_that_do_not_fit_the_store_are_rejected_not_a_data_error(
        w, tmp_path, column, value, reason):
    row = {"kab_kota": "Kota Serang", "province": "Banten", "award_year": "2023",
           "predicate": "Madya", "score": "600", "score_type": "", "note": "", "marker": "",
           "source": "uji", column: value}
    path = tmp_path / "hasil.csv"
    path.write_text(",".join(row) + "\n" + ",".join(row.values()) + "\n", encoding="utf-8")
    with nothing_written(w):
        r = run_kla("import-results", path, "--json", env={"KLA_DATABASE_URL": w.url,
                                                           "KLA_DATA_DIR": str(w.data_dir)})
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    assert f'"reason": "{reason}"' in r.stdout, r.stdout


# --- exports of what an old database holds --------------------------------------------------------

def test_exports_survive_control_characters_an_old_database_stored(w, tmp_path):
    """A note with Word's line break (\\x0b) and a control character, and a user name
    starting with \\x01 (stored before they were refused on the way in): the workbook, the
    PDF and the audit log's Excel are written, the characters Excel cannot hold removed."""
    from kla.io.export import csv_bytes, xlsx_bytes
    from kla.services.audit import audit_frame
    from kla.web.audit_text import action_label, change_text

    with w.engine.begin() as conn:
        conn.execute(text("UPDATE answer SET note = :n, updated_by = :u WHERE assessment_id = :a"),
                     {"n": "satu\x0bdua\x01tiga", "u": "\x01admin", "a": w.info.id})
        conn.execute(AuditLog.__table__.insert().values(
            at=datetime.now(UTC), actor="\x01admin", action="answer.save", entity="answer",
            entity_id=ANSWERED, region_kode=CITY, assessment_id=w.info.id,
            detail={"note": ["awal", "satu\x0bdua\x01tiga"], "credit": [0.25, 0.5]}))
    env = {"KLA_DATABASE_URL": w.url, "KLA_DATA_DIR": str(w.data_dir)}
    where = ("--region", CITY, "--year", w.info.year, "--stage", "EM")
    out = tmp_path / "penilaian.xlsx"
    r = run_kla("export", "xlsx", *where, out, env=env)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    sheet = load_workbook(out)[excel.SHEET]
    assert sheet.cell(ROW[ANSWERED], 9).value == "satu\nduatiga"
    r = run_kla("export", "pdf", *where, tmp_path / "laporan.pdf", env=env)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr

    # the audit page's table and its downloads (app_pages/audit.py)
    frame = audit_frame(w.engine, SYSTEM, assessment_id=w.info.id)
    assert frame["actor"].iloc[0] == "\x01admin"
    frame["action"] = [action_label(a, "id") for a in frame["action"]]
    frame["change"] = [change_text(d, "id") for d in frame["detail"]]
    frame = frame.drop(columns=["detail"])
    log = load_workbook(io.BytesIO(xlsx_bytes(frame, "Audit"))).active
    header = [c.value for c in log[1]]
    assert log.cell(2, header.index("actor") + 1).value == "admin"
    assert "\x01" not in str(log.cell(2, header.index("change") + 1).value)
    assert csv_bytes(frame).startswith(b"\xef\xbb\xbf")
