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

from kla.i18n import Msg

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


ACCEPTED = ", ".join(KIND.values())


class EvidenceError(ValueError):
    """A rejected upload; the message (``Msg``) names the file and the reason."""


def check_upload(filename: str, data: bytes, max_bytes: int) -> str:
    """The media type of an acceptable upload (PDF, JPG, PNG, XLSX, DOCX by content)."""
    name = filename or Msg("err.file.unnamed")
    if not data:
        raise EvidenceError(Msg("err.in_file", source=name, problem=Msg("err.file.empty")))
    if len(data) > max_bytes:
        raise EvidenceError(Msg("err.in_file", source=name, problem=Msg(
            "err.file.too_big", size=round(len(data) / 1e6, 1),
            limit=round(max_bytes / 1e6))))
    kind = filetype.guess(data)
    mime = kind.mime if kind else None
    if mime not in ALLOWED:
        problem = (Msg("err.file.type_refused", found=kind.extension.upper(), accepted=ACCEPTED)
                   if kind else Msg("err.file.type_unknown", accepted=ACCEPTED))
        raise EvidenceError(Msg("err.in_file", source=name, problem=problem))
    ext = Path(filename or "").suffix.lower().lstrip(".")
    if ext and ext not in ALLOWED[mime]:
        raise EvidenceError(Msg("err.in_file", source=name, problem=Msg(
            "err.file.name_mismatch", ext=ext, found=KIND[mime])))
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
