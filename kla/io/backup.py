"""The backup archive of `kla backup` / `kla restore`: one ZIP file (see docs/data-formats.md).

Layout inside the ZIP::

    manifest.json               what the archive holds (below); written last
    database/kla.sqlite         SQLite: a consistent copy (online backup API), journal mode DELETE
    database/kla.pgdump         PostgreSQL: ``pg_dump --format=custom`` of one snapshot
    evidence/ab/cd/<sha256>     every evidence file the database refers to, under its storage key

``manifest.json``::

    {"format": "kla-backup", "format_version": 1, "created_at": "2026-05-01T10:00:00Z",
     "app_version": "0.1.0",
     "database": {"kind": "sqlite", "path": "database/kla.sqlite", "size": 1234,
                  "sha256": "…", "alembic_revision": "0007"},
     "assessments": {"12": {"region": "36.73", "year": 2026, "stage": "EM",
                            "framework": "kla-2024", "total": 612.5, "predicate": "Nindya"}},
     "evidence": [{"storage_key": "ab/cd/ab…", "path": "evidence/ab/cd/ab…", "size": 5120,
                   "sha256": "ab…"}],
     "missing_evidence": [{"storage_key": "…", "reason": "not found"}]}

Why a ZIP: its table of contents is at the end, so a truncated archive is not a ZIP at all;
every entry carries a CRC; the manifest is read without unpacking anything else. The database
and the manifest are deflated; evidence files (PDF, JPG, PNG, XLSX, DOCX: compressed already)
are stored as they are.

``write_archive`` writes a temporary file beside the target and renames it into place: the
target is either the old file or the complete new one, never half written. ``verify_archive``
checks everything before a restore touches anything: the manifest, then every file's size and
sha256, and that the archive holds nothing else. Pure apart from the files it reads and writes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kla.i18n import Msg, Refusal

FORMAT = "kla-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_PATH = {"sqlite": "database/kla.sqlite", "postgresql": "database/kla.pgdump"}
EVIDENCE_PREFIX = "evidence/"
KEY = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{2}/([0-9a-f]{64})$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1024 * 1024


class ArchiveError(Refusal):
    """The archive cannot be used: the message names what is wrong (missing manifest, a file
    whose sha256 does not match, a truncated archive…). Nothing was changed."""


def valid_key(key: object) -> bool:
    """A storage key of the evidence store: ``ab/cd/<sha256>`` (content addressed)."""
    m = KEY.match(key) if isinstance(key, str) else None
    return bool(m) and key[:2] == m.group(1)[:2] and key[3:5] == m.group(1)[2:4]


def sha256_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def write_archive(out: Path, manifest: dict, database: Path,
                  evidence: Iterable[tuple[str, bytes]]) -> int:
    """Write the archive to ``out`` atomically: ``manifest`` (its ``database`` entry gets the
    path, size and sha256 of ``database``; its ``evidence`` list is made from ``evidence``:
    (storage key, bytes)). Returns the archive's size in bytes."""
    out = Path(out)
    kind = manifest["database"]["kind"]
    db_sha, db_size = sha256_file(database)
    manifest = {**manifest, "database": {**manifest["database"], "path": DATABASE_PATH[kind],
                                         "size": db_size, "sha256": db_sha}}
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
                zf.write(database, DATABASE_PATH[kind])
                listed = []
                for key, data in evidence:
                    path = EVIDENCE_PREFIX + key
                    zf.writestr(zipfile.ZipInfo(path, (1980, 1, 1, 0, 0, 0)), data,
                                compress_type=zipfile.ZIP_STORED)
                    listed.append({"storage_key": key, "path": path, "size": len(data),
                                   "sha256": hashlib.sha256(data).hexdigest()})
                manifest["evidence"] = listed
                zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(out.parent)
    return out.stat().st_size


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # not every platform opens folders
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Manifest:
    data: dict

    @property
    def kind(self) -> str:
        return self.data["database"]["kind"]

    @property
    def database(self) -> dict:
        return self.data["database"]

    @property
    def revision(self) -> str:
        return self.data["database"]["alembic_revision"]

    @property
    def assessments(self) -> dict[str, dict]:
        return self.data["assessments"]

    @property
    def evidence(self) -> list[dict]:
        return self.data["evidence"]

    @property
    def missing_evidence(self) -> list[dict]:
        return self.data.get("missing_evidence", [])

    @property
    def created_at(self) -> str:
        return self.data["created_at"]


def _bad(problem: Msg) -> ArchiveError:
    return ArchiveError(problem)


@contextmanager
def open_archive(path: Path) -> Iterator[zipfile.ZipFile]:
    path = Path(path)
    if not path.is_file():
        raise _bad(Msg("err.backup.not_found", path=str(path)))
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise _bad(Msg("err.backup.not_zip", path=path.name)) from None
    with zf:
        yield zf


def _check_manifest(data: object) -> Manifest:
    """The manifest's shape: every field a restore relies on, with its type."""

    def need(ok: bool, field: str) -> None:
        if not ok:
            raise _bad(Msg("err.backup.manifest_field", field=field))

    need(isinstance(data, dict), "(manifest)")
    if data.get("format") != FORMAT:
        raise _bad(Msg("err.backup.not_kla", found=str(data.get("format"))))
    if data.get("format_version") != FORMAT_VERSION:
        raise _bad(Msg("err.backup.version", found=str(data.get("format_version")),
                       supported=FORMAT_VERSION))
    need(isinstance(data.get("created_at"), str), "created_at")
    db = data.get("database")
    need(isinstance(db, dict), "database")
    need(db.get("kind") in DATABASE_PATH, "database.kind")
    need(db.get("path") == DATABASE_PATH[db["kind"]], "database.path")
    need(isinstance(db.get("size"), int) and db["size"] >= 0, "database.size")
    need(isinstance(db.get("sha256"), str) and bool(SHA256.match(db["sha256"])),
         "database.sha256")
    need(isinstance(db.get("alembic_revision"), str), "database.alembic_revision")
    assessments = data.get("assessments")
    need(isinstance(assessments, dict), "assessments")
    for aid, a in assessments.items():
        need(aid.isdigit() and isinstance(a, dict), f"assessments.{aid}")
        need(isinstance(a.get("region"), str) and isinstance(a.get("year"), int)
             and isinstance(a.get("stage"), str)
             and isinstance(a.get("total"), int | float), f"assessments.{aid}")
    evidence = data.get("evidence")
    need(isinstance(evidence, list), "evidence")
    for i, e in enumerate(evidence):
        need(isinstance(e, dict) and valid_key(e.get("storage_key")),
             f"evidence[{i}].storage_key")
        need(e.get("path") == EVIDENCE_PREFIX + e["storage_key"], f"evidence[{i}].path")
        need(isinstance(e.get("size"), int) and e["size"] >= 0, f"evidence[{i}].size")
        need(e.get("sha256") == e["storage_key"].rsplit("/", 1)[1], f"evidence[{i}].sha256")
    need(isinstance(data.get("missing_evidence", []), list), "missing_evidence")
    return Manifest(data)


def read_manifest(zf: zipfile.ZipFile) -> Manifest:
    try:
        raw = zf.read(MANIFEST)
    except KeyError:
        raise _bad(Msg("err.backup.no_manifest")) from None
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError):
        raise _bad(Msg("err.backup.damaged", path=MANIFEST)) from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _bad(Msg("err.backup.manifest_json")) from None
    return _check_manifest(data)


def _listed(manifest: Manifest) -> list[tuple[str, int, str]]:
    """(path in the archive, size, sha256) of every file the manifest lists."""
    db = manifest.database
    return [(db["path"], db["size"], db["sha256"]),
            *((e["path"], e["size"], e["sha256"]) for e in manifest.evidence)]


def _hash_entry(zf: zipfile.ZipFile, name: str, sink=None) -> tuple[str, int]:
    """sha256 and size of one entry, read in full (the ZIP's CRC is checked at the end);
    ``sink`` gets every chunk."""
    digest, size = hashlib.sha256(), 0
    try:
        with zf.open(name) as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                if sink is not None:
                    sink(chunk)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError):
        raise _bad(Msg("err.backup.damaged", path=name)) from None
    return digest.hexdigest(), size


def verify_archive(path: Path) -> Manifest:
    """Check the whole archive without changing anything: a ZIP with a valid manifest; every
    file it lists present once, with its size and sha256; nothing else in it. Raises
    ``ArchiveError`` naming the first problem."""
    with open_archive(path) as zf:
        manifest = read_manifest(zf)
        names = [i.filename for i in zf.infolist()]
        if len(set(names)) != len(names):
            twice = next(n for n in names if names.count(n) > 1)
            raise _bad(Msg("err.backup.duplicate", path=twice))
        listed = _listed(manifest)
        expected = {p for p, _, _ in listed} | {MANIFEST}
        if len(expected) != len(listed) + 1:
            raise _bad(Msg("err.backup.manifest_field", field="evidence (listed twice)"))
        for name in names:
            if name not in expected:
                raise _bad(Msg("err.backup.unexpected", path=name))
        for name, size, sha in listed:
            if name not in names:
                raise _bad(Msg("err.backup.file_missing", path=name))
            got_sha, got_size = _hash_entry(zf, name)
            if got_size != size:
                raise _bad(Msg("err.backup.size_mismatch", path=name, size=got_size,
                               expected=size))
            if got_sha != sha:
                raise _bad(Msg("err.backup.sha_mismatch", path=name))
    return manifest


def extract_database(path: Path, manifest: Manifest, dest: Path) -> None:
    """Copy the database file of a verified archive to ``dest``, checking its sha256 again."""
    with open_archive(path) as zf, open(dest, "wb") as out:
        sha, _ = _hash_entry(zf, manifest.database["path"], out.write)
    if sha != manifest.database["sha256"]:
        raise _bad(Msg("err.backup.sha_mismatch", path=manifest.database["path"]))


def evidence_files(path: Path, manifest: Manifest) -> Iterator[tuple[str, bytes]]:
    """(storage key, bytes) of every evidence file of a verified archive, each checked again."""
    with open_archive(path) as zf:
        for e in manifest.evidence:
            chunks: list[bytes] = []
            sha, _ = _hash_entry(zf, e["path"], chunks.append)
            if sha != e["sha256"]:
                raise _bad(Msg("err.backup.sha_mismatch", path=e["path"]))
            yield e["storage_key"], b"".join(chunks)
