"""Evidence files: checked by content, stored once by sha256, written atomically.

The original file name is kept only as metadata for display; it is never used as a path.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import filetype

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ALLOWED = {
    "application/pdf": ("pdf",),
    "image/jpeg": ("jpg", "jpeg"),
    "image/png": ("png",),
    XLSX: ("xlsx",),
    DOCX: ("docx",),
}
KIND = {"application/pdf": "PDF", "image/jpeg": "JPG", "image/png": "PNG", XLSX: "XLSX",
        DOCX: "DOCX"}


class EvidenceError(ValueError):
    """A rejected upload; the message names the file and the reason."""


def check_upload(filename: str, data: bytes, max_bytes: int) -> str:
    """The media type of an acceptable upload (PDF, JPG, PNG, XLSX, DOCX by content)."""
    name = filename or "(tanpa nama)"
    if not data:
        raise EvidenceError(f"{name}: the file is empty")
    if len(data) > max_bytes:
        raise EvidenceError(f"{name}: {len(data) / 1e6:.1f} MB is over the limit of "
                            f"{max_bytes / 1e6:.0f} MB")
    kind = filetype.guess(data)
    mime = kind.mime if kind else None
    if mime not in ALLOWED:
        found = kind.extension.upper() if kind else "an unknown type"
        raise EvidenceError(f"{name}: the content is {found}; accepted: PDF, JPG, PNG, XLSX, DOCX")
    ext = Path(name).suffix.lower().lstrip(".")
    if ext and ext not in ALLOWED[mime]:
        raise EvidenceError(f"{name}: the name says .{ext} but the content is {KIND[mime]}")
    return mime


def display_name(filename: str | None) -> str:
    """The name shown for an upload: the last path part only, at most 255 characters. It is
    metadata; files are stored by sha256, never under this name."""
    return (filename or "berkas").replace("\\", "/").rsplit("/", 1)[-1][:255] or "berkas"


@dataclass(frozen=True)
class Stored:
    sha256: str
    key: str
    size: int
    created: bool  # False when the same bytes were already stored


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
            raise EvidenceError(f"invalid storage key {key!r}")
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
