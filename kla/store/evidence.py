"""Evidence files: checked by content, stored once by sha256, written atomically.

The original file name is kept only as metadata for display (cleaned by ``display_name``); it
is never used as a path.

``check_upload`` is the one check of every evidence file (single upload on Isian, bulk upload,
registry attachments): the type is sniffed from the content, must match the name, and the file
must then *parse* as that type. What does not parse is refused with a message naming the file:

- PDF: no HTML or script markup in the first 4 KB (a ``%PDF`` header followed by a web page),
  the ``%%EOF`` end marker in the last 2 KB, opened by pypdf with at least one page. Encrypted
  PDFs are accepted only when they open without a password (an owner password that restricts
  printing or editing); a PDF that needs a password to open cannot be read by the verifier and
  is refused, as is one whose encryption pypdf cannot undo here (AES needs the optional
  ``cryptography`` package). JavaScript, launch actions and embedded files (in the raw bytes,
  the document catalogue, or a page's actions and annotations) are refused.
- JPG/PNG: no markup in the first 4 KB, opened by Pillow as the sniffed format, at most
  ``MAX_PIXELS`` (a decompression bomb is refused before decoding), ``verify()`` then a full
  decode (JPEG at 1/8 scale: every byte is still decoded, in 1/64 of the memory).
- XLSX/DOCX (a ZIP): bounded before anything is decompressed (``OFFICE_MAX_ENTRIES`` parts,
  ``OFFICE_MAX_UNPACKED`` bytes unpacked, ``OFFICE_MAX_RATIO``:1 per large part); the required
  parts (``[Content_Types].xml``, ``_rels/.rels``, ``xl/workbook.xml`` / ``word/document.xml``)
  with the main part's content type; every part read in full (CRC checked) and every XML part
  well-formed without a DTD. Refused: macros (``vbaProject.bin``, a macro-enabled content type
  or embedded .xlsm/.docm), programs (by extension or an ``MZ``/ELF header), embedded OLE
  objects and ActiveX (``.bin`` parts other than ``printerSettings*.bin``), and relationships
  that load content from outside the file (remote templates, OLE links; hyperlinks are fine).
  An XLSX is then opened by openpyxl (read-only); a DOCX's ``word/document.xml`` must be a
  WordprocessingML document.

Sizes: "MB" in messages is 1,048,576 bytes, the unit of ``KLA_MAX_UPLOAD_MB`` (and of
Streamlit's uploader); the configured limit is shown as it is, the size rounded up.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from xml.parsers import expat

import filetype

from kla.i18n import Msg

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ZIP = "application/zip"
ALLOWED = {
    "application/pdf": ("pdf",),
    "image/jpeg": ("jpg", "jpeg"),
    "image/png": ("png",),
    XLSX: ("xlsx",),
    DOCX: ("docx",),
}
KIND = {"application/pdf": "PDF", "image/jpeg": "JPG", "image/png": "PNG", XLSX: "XLSX",
        DOCX: "DOCX"}


ACCEPTED = ", ".join(KIND.values())
MIB = 1024 * 1024

# File names (display only)
NAME_MAX = 120  # characters of a stored name, extension included
DEFAULT_NAME = "berkas"
_EXT = re.compile(r"^[A-Za-z0-9]{1,10}$")
_SPACE_LIKE = frozenset("\t\n\r\v\f\x85\u2028\u2029")
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})  # controls, bidi, zero-width

# Content
MARKUP_WINDOW = 4096  # HTML or script markup in the first 4 KB is refused (all types)
EOF_WINDOW = 2048  # a PDF's %%EOF must be in its last 2 KB
_HTML = re.compile(rb"<\s*(?:!doctype\s+html|html|head|body|script|iframe|svg|object|embed)\b",
                   re.IGNORECASE)
_PDF_ACTIVE_RAW = re.compile(rb"/(?:JavaScript|Launch|EmbeddedFiles?)(?![A-Za-z0-9])")
_PDF_ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch"})
MAX_PIXELS = {"JPEG": 120_000_000, "PNG": 40_000_000}  # PNG decodes in full: fewer pixels
_PIL_FORMATS = {"image/jpeg": ("JPEG", "MPO"), "image/png": ("PNG",)}
OFFICE_MAX_ENTRIES = 1000
OFFICE_MAX_UNPACKED = 100 * MIB
OFFICE_MAX_RATIO = 200  # per part of at least RATIO_MIN_BYTES unpacked
RATIO_MIN_BYTES = MIB
_CHUNK = 64 * 1024
_MAIN_PART = {DOCX: "word/document.xml", XLSX: "xl/workbook.xml"}
_MAIN_TYPE = {
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
_DOCX_ROOTS = frozenset({"http://schemas.openxmlformats.org/wordprocessingml/2006/main document",
                         "http://purl.oclc.org/ooxml/wordprocessingml/main document"})
_EXECUTABLE_EXT = frozenset({
    "exe", "dll", "com", "scr", "pif", "cpl", "msi", "msp", "bat", "cmd", "ps1", "psm1", "vbs",
    "vbe", "js", "jse", "wsf", "wsh", "hta", "jar", "lnk", "sh", "reg", "sys", "ocx", "app",
    "elf", "so", "dylib", "apk"})
_MACRO_EXT = frozenset({"xlsm", "xltm", "xlam", "xlsb", "docm", "dotm", "pptm", "potm", "ppam",
                        "ppsm", "sldm"})
_PRINTER_SETTINGS = re.compile(r"(?:^|/)printersettings\d*\.bin$")
_XML_EXT = frozenset({"xml", "rels"})  # not .vml: Excel writes it with HTML-style <br>
_HYPERLINK = "/hyperlink"


class EvidenceError(ValueError):
    """A rejected upload; the message (``Msg``) names the file and the reason. ``problem``
    is the reason alone (a ``Msg``), for lists that name the file in their own column."""

    def __init__(self, message: str, problem: Msg | None = None):
        super().__init__(message)
        self.problem = problem if problem is not None else message


def _refuse(name: str, problem: Msg) -> EvidenceError:
    return EvidenceError(Msg("err.in_file", source=name, problem=problem), problem)


def _mb(n: int) -> float:
    """A size in MB (1,048,576 bytes), rounded up to 0.1: a file over the limit never
    reads as the limit itself."""
    return math.ceil(n * 10 / MIB) / 10


def _limit_mb(max_bytes: int) -> int | float:
    """The configured limit as it is: 25, not 26 (nor 25.0)."""
    mb = max_bytes / MIB
    return int(mb) if mb == int(mb) else round(mb, 2)


def check_upload(filename: str, data: bytes, max_bytes: int) -> str:
    """The media type of an acceptable upload (PDF, JPG, PNG, XLSX, DOCX by content, parsed as
    that type; see the module's docstring). Raises ``EvidenceError`` naming the file (its
    cleaned name) and the reason; never another exception."""
    name = display_name(filename) if (filename or "").strip() else Msg("err.file.unnamed")
    if not data:
        raise _refuse(name, Msg("err.file.empty"))
    if len(data) > max_bytes:
        raise _refuse(name, Msg("err.file.too_big", size=_mb(len(data)),
                                limit=_limit_mb(max_bytes)))
    kind = filetype.guess(data)
    mime = kind.mime if kind else None
    if mime in (ZIP, XLSX, DOCX):
        mime = _office_type(name, data, mime)
    if mime not in ALLOWED:
        problem = (Msg("err.file.type_refused", found=kind.extension.upper(), accepted=ACCEPTED)
                   if kind else Msg("err.file.type_unknown", accepted=ACCEPTED))
        raise _refuse(name, problem)
    ext = _extension(name) if (filename or "").strip() else ""
    if ext and ext not in ALLOWED[mime]:
        raise _refuse(name, Msg("err.file.name_mismatch", ext=ext, found=KIND[mime]))
    if mime in (XLSX, DOCX):
        _check_office(name, data, mime)
    else:
        if _HTML.search(data[:MARKUP_WINDOW]):
            raise _refuse(name, Msg("err.file.html"))
        if mime == "application/pdf":
            _check_pdf(name, data)
        else:
            _check_image(name, data, mime)
    return mime


def _extension(name: str) -> str:
    """The extension of a (cleaned) name, lower case, also for a name that starts with a dot
    (``.pdf`` says pdf); "" when there is none."""
    base = name.rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[1].lower() if "." in base else ""


# --- PDF --------------------------------------------------------------------------------------

def _check_pdf(name: str, data: bytes) -> None:
    if b"%%EOF" not in data[-EOF_WINDOW:]:
        raise _refuse(name, Msg("err.file.pdf_incomplete"))
    if _PDF_ACTIVE_RAW.search(data):
        raise _refuse(name, Msg("err.file.pdf_active"))
    from pypdf import PasswordType, PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except Exception:  # noqa: BLE001 - unsupported encryption (AES without cryptography)
                opened = PasswordType.NOT_DECRYPTED
            if opened == PasswordType.NOT_DECRYPTED:
                raise _refuse(name, Msg("err.file.pdf_password"))
        pages = len(reader.pages)
        active = pages > 0 and _pdf_active(reader)
    except EvidenceError:
        raise
    except Exception:  # noqa: BLE001 - pypdf raises many types for damaged files
        raise _refuse(name, Msg("err.file.pdf_unreadable")) from None
    if pages == 0:
        raise _refuse(name, Msg("err.file.pdf_no_pages"))
    if active:
        raise _refuse(name, Msg("err.file.pdf_active"))


def _resolved(obj: object) -> object:
    """An indirect PDF object resolved; anything else as it is."""
    return obj.get_object() if hasattr(obj, "get_object") else obj


def _is_active_action(action: object) -> bool:
    action = _resolved(action)
    return hasattr(action, "get") and action.get("/S") in _PDF_ACTIVE_ACTIONS


def _has_active_aa(holder: object) -> bool:
    """Additional actions (``/AA``: on open, close, focus…) that run script or a program."""
    aa = _resolved(holder.get("/AA"))
    return hasattr(aa, "values") and any(_is_active_action(v) for v in aa.values())


def _pdf_active(reader) -> bool:
    """JavaScript, launch actions or embedded files where a viewer finds them: the catalogue
    (open action, additional actions, the name trees) and each page (its actions, and the
    actions of its annotations: links, form fields)."""
    root = _resolved(reader.trailer["/Root"])
    names = _resolved(root.get("/Names"))
    if hasattr(names, "get") and ("/JavaScript" in names or "/EmbeddedFiles" in names):
        return True
    if _is_active_action(root.get("/OpenAction")) or _has_active_aa(root):
        return True
    for page in reader.pages:
        if _has_active_aa(page):
            return True
        annots = _resolved(page.get("/Annots"))
        for annot in annots if isinstance(annots, list) else ():
            annot = _resolved(annot)
            if not hasattr(annot, "get"):
                continue
            if _is_active_action(annot.get("/A")) or _has_active_aa(annot):
                return True
            if annot.get("/Subtype") == "/FileAttachment":
                return True
    return False


# --- images -----------------------------------------------------------------------------------

def _check_image(name: str, data: bytes, mime: str) -> None:
    from PIL import Image

    kind = KIND[mime]
    try:
        with Image.open(io.BytesIO(data), formats=_PIL_FORMATS[mime]) as im:
            fmt, (w, h) = im.format, im.size
            if w * h > MAX_PIXELS[fmt if fmt in MAX_PIXELS else "JPEG"]:
                raise _refuse(name, _too_many_pixels(fmt))
            im.verify()
        # verify() leaves the image unusable: open it again to decode it
        with Image.open(io.BytesIO(data), formats=_PIL_FORMATS[mime]) as im:
            if fmt != "PNG":
                im.draft(im.mode, (max(1, w // 8), max(1, h // 8)))
            im.load()
    except EvidenceError:
        raise
    except Image.DecompressionBombError:
        raise _refuse(name, _too_many_pixels("PNG" if mime == "image/png" else "JPEG")
                      ) from None
    except Exception:  # noqa: BLE001 - Pillow raises many types for damaged files
        raise _refuse(name, Msg("err.file.image_unreadable", kind=kind)) from None


def _too_many_pixels(fmt: str) -> Msg:
    return Msg("err.file.image_pixels", max=MAX_PIXELS.get(fmt, MAX_PIXELS["JPEG"]) // 1_000_000)


# --- Office (XLSX, DOCX) ----------------------------------------------------------------------

def _office_type(name: str, data: bytes, sniffed: str | None) -> str | None:
    """XLSX or DOCX by the parts a ZIP holds (the sniffer only reads the first entries): a
    plain ZIP stays ZIP (refused); a ZIP sniffed as Office without its main part is refused
    as damaged."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = {i.filename for i in zf.infolist()}
    except Exception:  # noqa: BLE001 - zipfile raises many types for damaged archives
        names = set()
    for mime, part in _MAIN_PART.items():
        if part in names:
            return mime
    if sniffed in (XLSX, DOCX):
        raise _refuse(name, Msg("err.file.office_unreadable", kind=KIND[sniffed]))
    return sniffed


def _part(part: str) -> str:
    """A part's name as shown in a message: cleaned, short."""
    shown = _visible(part)
    return shown if len(shown) <= 60 else "…" + shown[-59:]


def _check_office(name: str, data: bytes, mime: str) -> None:
    kind = KIND[mime]

    def damaged() -> EvidenceError:
        return _refuse(name, Msg("err.file.office_unreadable", kind=kind))

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except Exception:  # noqa: BLE001
        raise damaged() from None
    with zf:
        if len(infos) > OFFICE_MAX_ENTRIES:
            raise _refuse(name, Msg("err.file.office_entries", kind=kind, n=len(infos),
                                    max=OFFICE_MAX_ENTRIES))
        unpacked = sum(i.file_size for i in infos)
        if unpacked > OFFICE_MAX_UNPACKED:
            raise _refuse(name, Msg("err.file.office_unpacked", kind=kind, size=_mb(unpacked),
                                    limit=_limit_mb(OFFICE_MAX_UNPACKED)))
        for i in infos:
            if i.file_size >= RATIO_MIN_BYTES and i.file_size > OFFICE_MAX_RATIO * max(
                    i.compress_size, 1):
                raise _refuse(name, Msg("err.file.office_ratio", part=_part(i.filename),
                                        ratio=i.file_size // max(i.compress_size, 1),
                                        max=OFFICE_MAX_RATIO))
        names = [i.filename for i in infos]
        lower = {n.lower() for n in names}
        if len(lower) != len(names) or any(i.flag_bits & 0x1 for i in infos):
            raise damaged()  # the same part twice, or encrypted parts
        for part in names:
            _forbidden_part(name, kind, part)
        if not {"[content_types].xml", "_rels/.rels", _MAIN_PART[mime]} <= lower:
            raise damaged()
        types = _content_types(zf, damaged)
        if any("macroenabled" in t.lower() or "vbaproject" in t.lower() for t in types.values()):
            raise _refuse(name, Msg("err.file.office_macro", kind=kind, part="[Content_Types].xml"))
        main = types.get("/" + _MAIN_PART[mime], types.get("ext:xml"))
        if main != _MAIN_TYPE[mime]:
            raise damaged()
        roots: dict[str, str] = {}
        for info in infos:
            if info.is_dir():
                continue
            external = _read_part(zf, info, roots, damaged, name, kind)
            if external is not None:
                raise _refuse(name, Msg("err.file.office_external", kind=kind,
                                        target=_part(external)))
    if mime == DOCX and roots.get(_MAIN_PART[DOCX]) not in _DOCX_ROOTS:
        raise damaged()
    if mime == XLSX:
        _open_workbook(data, damaged)


def _forbidden_part(name: str, kind: str, part: str) -> None:
    """Macros, programs and embedded objects, by the part's name."""
    low = part.lower().replace("\\", "/")
    base = low.rsplit("/", 1)[-1]
    ext = base.rsplit(".", 1)[1] if "." in base else ""
    if base == "vbaproject.bin" or base == "vbadata.xml" or ext in _MACRO_EXT:
        raise _refuse(name, Msg("err.file.office_macro", kind=kind, part=_part(part)))
    if ext in _EXECUTABLE_EXT or (ext == "bin" and not _PRINTER_SETTINGS.search(low)):
        raise _refuse(name, Msg("err.file.office_program", kind=kind, part=_part(part)))


def _content_types(zf: zipfile.ZipFile, damaged) -> dict[str, str]:
    """``[Content_Types].xml``: part name (lower case, with its leading /) or ``ext:<ext>``
    → content type."""
    types: dict[str, str] = {}

    def start(tag: str, attrs: dict[str, str]) -> None:
        local = tag.rsplit(" ", 1)[-1]
        if local == "Override" and "PartName" in attrs:
            types[attrs["PartName"].lower()] = attrs.get("ContentType", "")
        elif local == "Default" and "Extension" in attrs:
            types["ext:" + attrs["Extension"].lower()] = attrs.get("ContentType", "")

    info = next(i for i in zf.infolist() if i.filename.lower() == "[content_types].xml")
    try:
        with zf.open(info) as fh:
            _parse_xml(fh, start)
    except Exception:  # noqa: BLE001 - expat, zipfile (CRC, truncation)
        raise damaged() from None
    return types


def _read_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, roots: dict[str, str], damaged,
               name: str, kind: str) -> str | None:
    """Read one part in full (its CRC is checked at the end): a program's header is refused,
    XML must be well-formed without a DTD (its root element is noted in ``roots``). Returns
    the target of a relationship that loads content from outside the file, if any."""
    low = info.filename.lower()
    ext = low.rsplit(".", 1)[1] if "." in low.rsplit("/", 1)[-1] else ""
    external: list[str] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        roots.setdefault(low, tag)
        if (ext == "rels" and attrs.get("TargetMode", "").lower() == "external"
                and not attrs.get("Type", "").endswith(_HYPERLINK)):
            external.append(attrs.get("Target", ""))

    try:
        with zf.open(info) as fh:
            head = fh.read(_CHUNK)
            if head.startswith((b"MZ", b"\x7fELF")):
                raise _refuse(name, Msg("err.file.office_program", kind=kind,
                                        part=_part(info.filename)))
            if ext in _XML_EXT:
                _parse_xml(_Prefixed(head, fh), start)
            else:
                while fh.read(_CHUNK):
                    pass
    except EvidenceError:
        raise
    except Exception:  # noqa: BLE001 - expat, zipfile (CRC, truncation, compression)
        raise damaged() from None
    return external[0] if external else None


class _Prefixed:
    """``head`` followed by the rest of ``fh``: a part read once, its first bytes already
    taken."""

    def __init__(self, head: bytes, fh):
        self._head, self._fh = head, fh

    def read(self, n: int = -1) -> bytes:
        if self._head:
            out, self._head = self._head, b""
            return out
        return self._fh.read(n if n and n > 0 else _CHUNK)


class _DtdRefused(Exception):
    """An XML part declares a DTD (never shown: the file is refused as damaged)."""


def _parse_xml(fh, on_start) -> None:
    """Stream ``fh`` through expat (no tree is built): raises on malformed XML and on any DTD
    (OOXML has none; a DTD is how entity bombs and external entities come in)."""
    parser = expat.ParserCreate(namespace_separator=" ")

    def no_dtd(*_args) -> None:
        raise _DtdRefused  # caught by the caller: the part is damaged

    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    parser.ExternalEntityRefHandler = no_dtd
    parser.StartElementHandler = on_start
    while chunk := fh.read(_CHUNK):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _open_workbook(data: bytes, damaged) -> None:
    """openpyxl opens the workbook (read-only) and finds at least one sheet."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            if not wb.sheetnames:
                raise damaged()
        finally:
            wb.close()
    except EvidenceError:
        raise
    except Exception:  # noqa: BLE001 - openpyxl raises many types for bad files
        raise damaged() from None


# --- names ------------------------------------------------------------------------------------

def _visible(text: str) -> str:
    """``text`` without what a reader cannot see or that changes how the rest reads: control
    characters (NUL, CR/LF, tab: spacing ones become a space), bidi overrides and isolates,
    zero-width and other format characters, surrogates, private-use and unassigned code
    points; spaces collapsed, trimmed."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in _SPACE_LIKE or unicodedata.category(ch) == "Zs":
            out.append(" ")
        elif unicodedata.category(ch) not in _INVISIBLE:
            out.append(ch)
    return re.sub(r" {2,}", " ", "".join(out)).strip()


def display_name(filename: str | None) -> str:
    """The name shown for an upload, as plain text: the last path part only, without
    invisible or control characters (``_visible``), at most ``NAME_MAX`` characters with the
    extension kept; a name with nothing visible left becomes ``berkas`` (with its extension,
    if any). It is metadata; files are stored by sha256, never under this name. Markdown is
    not escaped here: pages show it as text."""
    base = _visible((filename or "").replace("\\", "/").rsplit("/", 1)[-1])
    stem, dot, ext = base.rpartition(".")
    if not dot or not _EXT.match(ext):
        stem, ext = base, ""
    stem = stem.strip(" ")
    if ext and len(stem) + len(ext) + 1 > NAME_MAX:
        stem = stem[:NAME_MAX - len(ext) - 1].rstrip(" .")
    elif not ext:
        stem = stem[:NAME_MAX].rstrip(" ")
    stem = stem or DEFAULT_NAME
    return f"{stem}.{ext}" if ext else stem


@dataclass(frozen=True)
class Stored:
    sha256: str
    key: str
    size: int
    created: bool  # False when the same bytes were already stored


class EvidenceStorage(Protocol):
    """What evidence storage offers: content-addressed bytes under a key. ``LocalStore`` (a
    folder, ``KLA_EVIDENCE_DIR``, which may be a network mount shared by every replica) is
    the backend today; an S3-compatible one would implement these four methods, with the key
    as its object key. Callers that still reach for ``LocalStore.path`` (a local file) are
    listed in docs/deploy.md."""

    def key_for(self, sha256: str) -> str: ...

    def put(self, data: bytes) -> Stored: ...

    def read(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...


class LocalStore:
    """Content-addressed files under ``root``: ``ab/cd/<sha256>``."""

    def __init__(self, root: Path):
        self.root = Path(root)

    @staticmethod
    def key_for(sha256: str) -> str:
        return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def path(self, key: str) -> Path:
        p = (self.root / key).resolve()
        if self.root.resolve() not in p.parents:
            raise EvidenceError(Msg("err.file.storage_key", path=key))
        return p

    def put(self, data: bytes) -> Stored:
        sha = hashlib.sha256(data).hexdigest()
        key = self.key_for(sha)
        target = self.path(key)
        if target.exists():
            return Stored(sha, key, len(data), False)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return Stored(sha, key, len(data), True)

    def read(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def exists(self, key: str) -> bool:
        """The file of ``key`` is stored (False for a key that points outside the store)."""
        try:
            return self.path(key).is_file()
        except EvidenceError:
            return False
