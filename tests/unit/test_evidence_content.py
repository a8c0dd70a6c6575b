"""Evidence is checked beyond its first bytes (issue 14): what is accepted must parse as its
type; what does not is refused with the file named and the reason in Indonesian (and English),
never with another exception."""

from __future__ import annotations

import io
import zipfile

import pytest
from fpdf import FPDF
from PIL import Image

from kla.i18n import describe
from kla.store.evidence import (
    DOCX,
    XLSX,
    EvidenceError,
    check_upload,
    display_name,
)
from tests.evidence_files import xlsx_bytes

LIMIT = 25 * 1024 * 1024


def pdf_bytes(pages: int = 1) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for k in range(pages):
        pdf.add_page()
        pdf.cell(0, 10, f"SK Gugus Tugas KLA - halaman {k + 1}")
    return bytes(pdf.output())


def image_bytes(fmt: str, size=(40, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, format=fmt)
    return buf.getvalue()


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>')
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    '<w:body><w:p><w:r><w:t>Surat Keputusan</w:t></w:r></w:p></w:body></w:document>')


def docx_bytes(extra: dict[str, bytes | str] | None = None) -> bytes:
    """A minimal Word document, written part by part (python-docx is not a dependency);
    ``extra`` adds parts or replaces them."""
    parts = {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": ROOT_RELS,
             "word/document.xml": DOCUMENT}
    parts.update(extra or {})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in parts.items():
            zf.writestr(name, body)
    return buf.getvalue()


def refused(name: str, data: bytes) -> tuple[str, str]:
    with pytest.raises(EvidenceError) as err:
        check_upload(name, data, LIMIT)
    return describe(err.value, "id"), describe(err.value, "en")


# --- what is accepted ---------------------------------------------------------------------

@pytest.mark.parametrize("name,data,mime", [
    ("sk.pdf", pdf_bytes(2), "application/pdf"),
    ("foto.jpg", image_bytes("JPEG"), "image/jpeg"),
    ("foto.png", image_bytes("PNG"), "image/png"),
    ("data.xlsx", xlsx_bytes(), XLSX),
    ("surat.docx", docx_bytes(), DOCX),
])
def test_real_documents_of_every_type_are_accepted(name, data, mime):
    assert check_upload(name, data, LIMIT) == mime


def test_a_docx_with_a_hyperlink_is_accepted():
    rels = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId9" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/hyperlink" '
            'Target="https://kemenpppa.go.id" TargetMode="External"/></Relationships>')
    data = docx_bytes({"word/_rels/document.xml.rels": rels})
    assert check_upload("surat.docx", data, LIMIT) == DOCX


# --- what is refused, and why --------------------------------------------------------------

def test_a_pdf_header_followed_by_a_web_page_is_refused():
    data = b"%PDF-1.7\n<html><body><script>alert(1)</script></body></html>\n%%EOF"
    id_text, en_text = refused("perda.pdf", data)
    assert id_text == "perda.pdf: berkas memuat kode HTML atau skrip"
    assert en_text.startswith("perda.pdf: ")


def test_a_png_header_followed_by_script_is_refused():
    data = b"\x89PNG\r\n\x1a\n" + b"<script>fetch('/x')</script>" + b"\x00" * 64
    id_text, _ = refused("foto.png", data)
    assert "HTML atau skrip" in id_text


def test_a_png_that_does_not_decode_is_refused():
    good = image_bytes("PNG", (200, 200))
    id_text, en_text = refused("foto.png", good[:len(good) // 2])
    assert id_text.startswith("foto.png: gambar tidak dapat dibaca")
    assert "PNG" in en_text


def test_a_pdf_that_does_not_open_is_refused():
    data = b"%PDF-1.4\n1 0 obj garbage endobj\ntrailer <<>>\n%%EOF\n"
    id_text, _ = refused("sk.pdf", data)
    assert id_text.startswith("sk.pdf: PDF tidak dapat dibuka") or "tidak memiliki halaman" in id_text


def test_a_truncated_pdf_is_refused():
    data = pdf_bytes()
    id_text, _ = refused("sk.pdf", data[: len(data) - 200])
    assert "%%EOF" in id_text


def test_a_pdf_with_javascript_is_refused():
    data = pdf_bytes().replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript "
                                                   b"/JS (app.alert(1)) >>", 1)
    id_text, _ = refused("sk.pdf", data)
    assert "JavaScript" in id_text


def test_a_pdf_that_needs_a_password_is_refused():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(pdf_bytes())))
    writer.encrypt(user_password="rahasia", owner_password="pemilik", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    id_text, _ = refused("sk.pdf", buf.getvalue())
    assert "kata sandi" in id_text


def test_a_png_named_pdf_is_refused_even_as_a_dot_name():
    for name in ("foto.pdf", ".pdf"):
        id_text, en_text = refused(name, image_bytes("PNG"))
        assert "berakhiran .pdf, tetapi isinya PNG" in id_text
        assert "PNG" in en_text


def test_an_office_zip_with_only_its_skeleton_and_a_program_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("word/setup.exe", b"MZ\x90\x00" + b"\x00" * 100)
    id_text, _ = refused("data.xlsx", buf.getvalue())
    assert id_text.startswith("data.xlsx: ")
    assert "program" in id_text or "tidak dapat dibuka" in id_text


def test_a_docx_with_macros_is_refused():
    id_text, en_text = refused("surat.docx", docx_bytes({"word/vbaProject.bin": b"\x00" * 64}))
    assert "makro" in id_text and "vbaProject.bin" in id_text
    assert "macro" in en_text


def test_a_docx_with_a_hidden_program_is_refused():
    id_text, _ = refused("surat.docx", docx_bytes({"word/media/image1.png": b"MZ" + b"\x00" * 80}))
    assert "program" in id_text


def test_a_docx_loading_a_remote_template_is_refused():
    rels = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" '
            'Target="http://contoh.invalid/t.dotm" TargetMode="External"/></Relationships>')
    id_text, _ = refused("surat.docx", docx_bytes({"word/_rels/settings.xml.rels": rels}))
    assert "dari luar berkas" in id_text and "contoh.invalid" in id_text


def test_a_docx_with_a_dtd_entity_bomb_is_refused():
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            '<w:body>&lol2;</w:body></w:document>')
    id_text, _ = refused("surat.docx", docx_bytes({"word/document.xml": bomb}))
    assert "tidak dapat dibuka sebagai DOCX" in id_text


def test_an_office_file_that_unpacks_to_a_bomb_is_refused_before_reading():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in (("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", ROOT_RELS),
                           ("word/document.xml", DOCUMENT)):
            zf.writestr(name, body)
        zf.writestr("word/media/big.xml", b" " * (60 * 1024 * 1024))
    id_text, _ = refused("surat.docx", buf.getvalue())
    assert "bom zip" in id_text or "setelah diekstrak" in id_text


def test_a_plain_zip_is_not_evidence():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.txt", "halo")
    id_text, _ = refused("arsip.docx", buf.getvalue())
    assert id_text.startswith("arsip.docx: ")


@pytest.mark.parametrize("data", [
    b"%PDF-" + bytes(range(256)) * 4,
    b"\xff\xd8\xff\xe0" + b"\x00" * 300,
    b"PK\x03\x04" + b"\x00" * 300,
    image_bytes("JPEG")[:-40],
])
def test_damaged_files_get_a_message_never_another_exception(data):
    for name in ("x.pdf", "x.jpg", "x.png", "x.xlsx", "x.docx", ""):
        try:
            check_upload(name, data, LIMIT)
        except EvidenceError as exc:
            assert describe(exc, "id") and describe(exc, "en")


# --- names -----------------------------------------------------------------------------------

@pytest.mark.parametrize("raw,shown", [
    ("C:\\Users\\dinkes\\SK 2024.pdf", "SK 2024.pdf"),
    ("../../etc/passwd", "passwd"),
    ("laporan\u202egpj.pdf", "laporangpj.pdf"),  # a right-to-left override hides the real end
    ("a\x00b\r\nc.pdf", "ab c.pdf"),
    ("\u200b\u200b.pdf", "berkas.pdf"),
    ("", "berkas"),
    ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
])
def test_file_names_are_shown_as_clean_text(raw, shown):
    assert display_name(raw) == shown
