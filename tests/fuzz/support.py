"""What the fuzz tests share: the budget, the property every refusal must have (its message
renders in Indonesian and English from catalogue keys), seed files and their mutations."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from kla.i18n import Msg, catalogue, describe

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "fixtures" / "frameworks" / "mini-2099"
CORPUS = Path(__file__).resolve().parent / "corpus"
WORKBOOK_AT = {"region_kode": "36.73", "year": 2062, "stage": "EM"}  # the mini workbook's


def _regions():
    from kla.domain.published import regions_index

    return regions_index([
        ("36", "Banten", "provinsi"), ("36.73", "Kota Serang", "kabkota"),
        ("36.01", "Kabupaten Pandeglang", "kabkota"),
        ("31", "Daerah Khusus Ibukota Jakarta", "provinsi"),
        ("31.71", "Kota Administrasi Jakarta Selatan", "kabkota"),
        ("18", "Lampung", "provinsi"), ("18.72", "Kota Metro", "kabkota")])


REGIONS = _regions()  # the region reference published results are classified against


def fuzz(examples: int):
    """The budget of one property: ``examples`` derandomised examples, no deadline (the
    machine may be busy), no example database (the same examples on every run)."""
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


def messages(exc: BaseException) -> list[Msg]:
    """The catalogue messages a refusal carries (its ``errors``, else its arguments)."""
    parts = getattr(exc, "errors", None)
    if not isinstance(parts, list | tuple) or not parts:
        parts = exc.args
    return [p for p in parts if isinstance(p, Msg)]


def _keys(msg: Msg) -> list[str]:
    out = [msg.key]
    for value in msg.params.values():
        for v in value if isinstance(value, list | tuple) else (value,):
            if isinstance(v, Msg):
                out += _keys(v)
    return out


def assert_renders(exc: BaseException) -> tuple[str, str]:
    """A refusal is catalogue messages (at least one), every key (nested ones too) in both
    catalogues, rendered without error in Indonesian and English. Returns both texts."""
    found = messages(exc)
    assert found, f"{type(exc).__name__} carries no catalogue message: {exc!r}"
    for msg in found:
        for key in _keys(msg):
            assert key in catalogue("id") and key in catalogue("en"), key
    id_text, en_text = describe(exc, "id"), describe(exc, "en")
    assert id_text.strip() and en_text.strip()
    outcome(f"refused: {innermost(found[0])}")
    return id_text, en_text


def innermost(msg: Msg) -> str:
    """The key that says why (``err.in_file`` → ``err.at_column`` → ``err.text.too_long``)."""
    nested = [v for v in msg.params.values() if isinstance(v, Msg)]
    return innermost(nested[-1]) if nested else msg.key


def outcome(what: str) -> None:
    """Count an outcome (``--hypothesis-show-statistics`` lists them)."""
    from hypothesis import event
    from hypothesis.errors import InvalidArgument

    try:
        event(what)
    except InvalidArgument:  # outside a property (the corpus replay)
        pass


# --- seed files ---------------------------------------------------------------------------------

@cache
def mini_framework():
    from kla.domain.framework import load_framework

    return load_framework(MINI)


@cache
def mini_workbook(with_answers: bool = True) -> bytes:
    """The answers workbook of the mini framework (4 questions), as the app exports it."""
    from kla.io import excel

    fw = mini_framework()
    qids = list(fw.questions)
    answers = {qids[0]: excel.Row(0.5, "catatan awal", version=1)} if with_answers else {}
    return excel.export_xlsx(fw, region_kode=WORKBOOK_AT["region_kode"],
                             region_nama="Kota Serang", year=WORKBOOK_AT["year"],
                             stage=WORKBOOK_AT["stage"], answers=answers, agencies={},
                             evidence={})


@cache
def pdf() -> bytes:
    from fpdf import FPDF

    doc = FPDF()
    doc.set_creation_date(datetime(2024, 1, 1, tzinfo=UTC))
    doc.set_font("helvetica", size=12)
    doc.add_page()
    doc.cell(0, 10, "SK Gugus Tugas KLA")
    return bytes(doc.output())


@cache
def image(fmt: str) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (16, 12), (200, 30, 30)).save(buf, format=fmt)
    return buf.getvalue()


@cache
def xlsx() -> bytes:
    from tests.evidence_files import xlsx_bytes

    return xlsx_bytes()


DOCX_PARTS = {
    "[Content_Types].xml":
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.wordprocessingml.document.main+xml"/></Types>',
    "_rels/.rels":
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="word/document.xml"/></Relationships>',
    "word/document.xml":
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        '<w:body><w:p><w:r><w:t>Surat Keputusan</w:t></w:r></w:p></w:body></w:document>',
}


def zip_of(parts: dict[str, bytes | str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in parts.items():
            zf.writestr(name, body)
    return buf.getvalue()


@cache
def docx() -> bytes:
    return zip_of(DOCX_PARTS)


def evidence_seeds() -> dict[str, bytes]:
    """One file per accepted type, each accepted as it is (name → bytes)."""
    return {"sk.pdf": pdf(), "foto.png": image("PNG"), "foto.jpg": image("JPEG"),
            "data.xlsx": xlsx(), "surat.docx": docx()}


# --- mutations ----------------------------------------------------------------------------------

# Byte strings parsers treat specially: markers, magic numbers, active PDF names, a DTD.
TOKENS = (b"/JavaScript", b"/Launch", b"/EmbeddedFile", b"/Encrypt", b"%%EOF", b"<script>",
          b"<html>", b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06", b"\x00", b"\xff\xd8\xff",
          b"\x89PNG\r\n\x1a\n", b"IEND", b"MZ", b"<!DOCTYPE x [<!ENTITY a 'b'>]>", b"&a;",
          b"obj", b"endobj", b"xref", b"trailer", b"<<", b">>", b"stream", b"endstream",
          b"\xef\xbb\xbf", b"\r", b"\n", b'"', b"'", b"\xc3", b"\xff" * 8, b"9" * 20)

OPS = ("flip", "cut", "insert", "delete", "splice", "token")


def mutate(data: bytes, ops: list[tuple[str, int, bytes]]) -> bytes:
    """``data`` with each (operation, position, bytes) applied in turn."""
    out = bytearray(data)
    for op, pos, blob in ops:
        if not out:
            out = bytearray(blob)
            continue
        i = pos % len(out)
        if op == "flip":
            out[i] ^= (blob[0] if blob else 0xFF) or 1
        elif op == "cut":
            del out[i:]
        elif op == "insert":
            out[i:i] = blob
        elif op == "delete":
            del out[i:i + 1 + len(blob)]
        elif op == "splice":
            out[i:i + len(blob)] = blob
        else:
            out[i:i] = TOKENS[pos % len(TOKENS)]
    return bytes(out)


def mutations(max_ops: int = 6):
    return st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 2**31),
                              st.binary(max_size=24)), min_size=1, max_size=max_ops)


def mutate_part(data: bytes, index: int, ops: list[tuple[str, int, bytes]]) -> bytes:
    """The ZIP ``data`` rewritten with its ``index``-th part (mod the count) mutated before
    compression: a consistent archive whose content is damaged, which reaches the parsers
    behind the ZIP checks."""
    src = zipfile.ZipFile(io.BytesIO(data))
    infos = src.infolist()
    target = infos[index % len(infos)].filename
    return zip_of({i.filename: (mutate(src.read(i.filename), ops) if i.filename == target
                                else src.read(i.filename)) for i in infos})


def weighted(*choices):
    """One of the strategies, each with its weight in percent: (weight, strategy), …"""
    table = [strategy for weight, strategy in choices for _ in range(weight)]
    assert len(table) == 100
    return st.integers(0, 99).flatmap(lambda i: table[i])


def hostile_text(max_size: int = 60):
    """Text people and programs paste: any code point, biased to the characters parsers
    special-case (separators, quotes, breaks, controls, bidi, digits of other scripts)."""
    special = st.sampled_from(["\x00", "\x01", "\x0b", "\x0c", "\x1f", "\x7f", "\x85", "\x9f",
                               "\u2028", "\u202e", "\ufeff", "\u200b", "\r", "\n", "\r\n",
                               "\t", ";", ",", '"', "'", "=", "+", "-", "@", " ", "１", "٥",
                               "0_1", "1e20", "nan", "inf", "-0", "0,5", "0.5", "_x0000_"])
    return st.lists(st.one_of(special, st.text(max_size=8)), max_size=max_size // 4).map(
        "".join)
