"""Write the regression corpus (``corpus/``) and its index: hand-made hostile inputs and the
cases fuzzing found. Run from the project root to regenerate:
``.venv/bin/python -m tests.fuzz.make_corpus``. The files are committed; the tests only
read them (``test_corpus.py``). Files of the folder not in the index (another test's corpus,
such as ``personal_data.txt``) are left alone.

``index.csv``: file, parser, expected (accept | refuse), message (for a refusal, a part of
its English text; for an acceptance, a part of the result's text; may be empty), why."""

from __future__ import annotations

import csv
import io
import struct
import zipfile

from openpyxl import Workbook, load_workbook

from kla.domain.registries import FIELDS
from kla.io import excel
from tests.fuzz.support import CORPUS, DOCX_PARTS, image, mini_framework, mini_workbook, pdf, zip_of

PUBLISHED = "kab_kota,province,award_year,predicate,score,score_type,note,marker,source"
ENTRIES: list[tuple[str, str, str, str, str]] = []


def put(name: str, data: bytes | str, parser: str, expected: str, message: str, why: str):
    (CORPUS / name).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    ENTRIES.append((name, parser, expected, message, why))


def workbook_with(cells: dict[tuple[int, int], object]) -> bytes:
    wb = load_workbook(io.BytesIO(mini_workbook()))
    for (row, column), value in cells.items():
        wb[excel.SHEET].cell(row, column).value = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def sheet_with_row(data: bytes, row_xml: bytes, part: str = "xl/worksheets/sheet1.xml") -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    return zip_of({i.filename: (src.read(i.filename).replace(b"</sheetData>",
                                                               row_xml + b"</sheetData>")
                                if i.filename == part else src.read(i.filename))
                   for i in src.infolist()})


def registry(kind: str, rows: list[list[object]]) -> bytes:
    wb = Workbook()
    wb.active.title = kind
    wb.active.append([f for f, _, _ in FIELDS[kind]])
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def claims_huge_size(part: str) -> bytes:
    """A ZIP with one small entry whose headers claim it unpacks to 4 GB."""
    data = bytearray(zip_of({part: "<workbook/>"}))
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # uncompressed size
        at = data.index(sig)
        data[at + offset:at + offset + 4] = struct.pack("<I", 0xFFFFFFF0)
    return bytes(data)


def png_with_script() -> bytes:
    """A PNG that decodes, with a text chunk holding a script in its first bytes."""
    import zlib

    good = image("PNG")
    body = b"Comment\x00<script>fetch('/x')</script>"
    chunk = struct.pack(">I", len(body)) + b"tEXt" + body + struct.pack(
        ">I", zlib.crc32(b"tEXt" + body))
    return good[:33] + chunk + good[33:]  # after the signature and IHDR


def main() -> None:
    CORPUS.mkdir(exist_ok=True)  # shared: other corpora live here too (personal_data.txt)
    qids = list(mini_framework().questions)

    # answers and effort CSVs (the instrument kla-2024)
    put("answers_cr_only.csv", "question_id,credit\r1.P1,1\r1.P2a,0.5\r", "answers_csv",
        "accept", "", "old-Mac line endings: every CR is a row")
    put("answers_unbalanced_quote.csv", 'question_id,credit\n1.P1,1\n"1.P2a,0.5\n1.P2b,1\n',
        "answers_csv", "refuse", "row 3: a quotation mark opens a field",
        "the quote opens at row 3; csv alone would swallow the rows after it")
    put("answers_latin1.csv", b"question_id,credit\n1.P1,1\n1.P2a,caf\xe9\n", "answers_csv",
        "refuse", "row 3: not a UTF-8 text file", "saved as Latin-1 / Windows-1252")
    put("answers_bom_semicolon.csv", "\ufeffquestion_id;credit\r\n1.P1;0,5\r\n",
        "answers_csv", "accept", "", "Excel in Indonesian settings: BOM, ';', decimal comma")
    put("answers_fullwidth_digit.csv", "question_id,credit\n1.P1,１\n", "answers_csv", "refuse",
        "row 2, field Credit", "digits of another script are not numbers")
    put("answers_nul.csv", "question_id,credit\n1.P1\x00,1\n", "answers_csv", "refuse",
        "row 2, field Question ID", "a NUL in an id is quoted back escaped")
    put("effort_bom_semicolon.csv", "\ufeffquestion_id;effort\r\n1.P1;2,5\r\n", "effort_csv",
        "accept", "", "BOM and ';' in an effort file")
    put("effort_underscore.csv", "question_id,effort\n1.P2a,0_5\n", "effort_csv", "refuse",
        "row 2, field Effort: '0_5' is not a number", "Python's float() would read 0_5 as 5")

    # published results
    put("published_cr_only.csv", f"{PUBLISHED}\rKota Serang,Banten,2023,Madya,,,,,\r",
        "published_csv", "accept", "region_kode='36.73'", "CR-only endings")
    put("published_open_quote.csv", f'{PUBLISHED}\n"Kota Serang,Banten,2023,Madya,,,,,\n',
        "published_csv", "refuse", "row 2: a quotation mark opens a field", "unbalanced quote")
    put("published_long_marker.csv", f"{PUBLISHED}\nKota Serang,Banten,2023,Madya,,,,"
        f"{'M' * 20},\n", "published_csv", "accept", "marker too long (20 characters; at most 8)",
        "found: PostgreSQL refused the row (VARCHAR(8)) with a DataError traceback")
    put("published_control_source.csv", f"{PUBLISHED}\nKota Serang,Banten,2017,Pratama,,,,,"
        "\x01\n", "published_csv", "accept", "control character U+0001 in source",
        "found by test_csv_fuzz: a control character was loaded")
    put("published_nul_note.csv", f"{PUBLISHED}\nKota Serang,Banten,2023,Madya,,,a\x00b,,\n",
        "published_csv", "accept", "control character U+0000 in note",
        "found: PostgreSQL refuses NUL (DataError traceback)")

    # the answers workbook (the mini framework's, as exported)
    put("answers_ok.xlsx", mini_workbook(), "answers_xlsx", "accept", "catatan awal",
        "the workbook as the app exports it")
    put("answers_max_1e26.xlsx", workbook_with({(2, 5): 1e26}), "answers_xlsx", "refuse",
        "row 2, column Maks: 1e+26 in the file",
        "found by test_xlsx_fuzz: quoting 1e26 back crashed babel (decimal.InvalidOperation)")
    put("answers_credit_1e30.xlsx", workbook_with({(3, 6): 1e30}), "answers_xlsx", "refuse",
        "row 3, column Kredit: 1e+30 is outside 0", "same crash, through the credit")
    put("answers_row_5000.xlsx", sheet_with_row(mini_workbook(), (
        f'<row r="5000"><c r="C5000" t="inlineStr"><is><t>{qids[1]}</t></is></c>'
        '<c r="F5000"><v>1</v></c></row>').encode()), "answers_xlsx", "refuse",
        "has data in row 5000", "data far below the sheet's declared dimension")
    put("zip_one_entry_huge.xlsx", claims_huge_size("xl/workbook.xml"), "answers_xlsx",
        "refuse", "over the limit of 50 MB", "one entry claiming to unpack to 4 GB")
    put("random.xlsx", bytes(range(256)) * 2, "answers_xlsx", "refuse",
        "not an Excel workbook", "not a ZIP at all")

    # registry workbooks (imported into Kota Metro, 18.72)
    kha = ["paud", "PAUD Korpus", 4, "2025-08-01", "", "", ""]
    put("registry_ok.xlsx", registry("kha_training", [kha]), "registry_xlsx:kha_training",
        "accept", "1", "a valid row")
    put("registry_blank_row_shift.xlsx", registry("kha_training", [
        ["paud", "PAUD Korpus 2", 1, "2025-01-01", "", "", ""], [None] * 7, [None] * 7,
        ["paud", "PAUD Korpus 3", -3, "2025-01-01", "", "", ""]]),
        "registry_xlsx:kha_training", "refuse", "row 5, field People trained",
        "found: blank rows shifted the row named (said row 3)")
    put("registry_below_dimension.xlsx", sheet_with_row(registry("kha_training", [kha]), (
        b'<row r="7"><c r="A7" t="inlineStr"><is><t>paud</t></is></c>'
        b'<c r="B7" t="inlineStr"><is><t>Tersembunyi</t></is></c><c r="C7"><v>-3</v></c>'
        b'<c r="D7" t="inlineStr"><is><t>2025-08-01</t></is></c></row>')),
        "registry_xlsx:kha_training", "refuse", "row 7, field People trained",
        "found: rows below the declared dimension were silently dropped")
    put("registry_long_name.xlsx", registry("kha_training", [
        ["paud", "P" * 300, 4, "2025-08-01", "", "", ""]]), "registry_xlsx:kha_training",
        "refuse", "row 2, field Provider: 300 characters; at most 255",
        "one message (it also said 'required')")
    put("registry_count_1e20.xlsx", registry("kha_training", [
        ["paud", "PAUD Besar", 1e20, "2025-08-01", "", "", ""]]), "registry_xlsx:kha_training",
        "refuse", "1e+20 is over the limit of 1,000,000", "a count beyond any registry")
    put("registry_zip_huge.xlsx", claims_huge_size("xl/workbook.xml"),
        "registry_xlsx:kha_training", "refuse", "over the limit of 50 MB",
        "found: the registry import parsed any archive (no size check)")

    # evidence
    put("evidence_ok.pdf", pdf(), "evidence", "accept", "application/pdf", "a real PDF")
    put("evidence_ok.png", image("PNG"), "evidence", "accept", "image/png", "a real PNG")
    put("evidence_truncated.pdf", pdf()[:-40], "evidence", "refuse",
        "%%EOF end marker is missing", "a download cut short")
    put("evidence_png_with_script.png", png_with_script(), "evidence", "refuse",
        "HTML or script markup", "a PNG that decodes, with a script in a text chunk")
    put("evidence_html_as.pdf", b"%PDF-1.7\n<html><body><script>alert(1)</script></body>"
        b"</html>\n%%EOF", "evidence", "refuse", "HTML or script markup",
        "a web page behind a PDF header")
    put("evidence_zip_huge.docx", claims_huge_size("word/document.xml"), "evidence", "refuse",
        "unpacks to", "one entry claiming to unpack to 4 GB")
    put("evidence_dtd.docx", zip_of({**DOCX_PARTS, "word/document.xml":
                                     '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "b">]>'
                                     + DOCX_PARTS["word/document.xml"].split("?>", 1)[1]}),
        "evidence", "refuse", "cannot be opened as DOCX", "a DTD: how entity bombs come in")

    with (CORPUS / "index.csv").open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(["file", "parser", "expected", "message", "why"])
        out.writerows(ENTRIES)


if __name__ == "__main__":
    main()
