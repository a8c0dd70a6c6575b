"""Backups: `kla backup OUT` and `kla restore IN` (admin only; the command line acts as the
system actor unless ``--as USER``).

Backup, while the app runs: the database is copied from one consistent snapshot
(``kla.store.backup``: SQLite's online backup API, or ``pg_dump`` of an exported PostgreSQL
snapshot); the manifest is computed from that same snapshot: every assessment scored as the
app scores it (``assessments.score_assessment``, what Posisi shows) and every evidence file
the snapshot refers to (answers' evidence, deleted ones included, and registry attachments).
The files are read after the snapshot: a row is committed only after its file is stored, and
stored files never change, so every file the snapshot refers to is there. The archive
(``kla.io.backup``) is written atomically.

Restore: the archive is verified in full first (``verify_archive``); an archive of the other
database kind, of an unknown (newer) schema, or a database that already holds data (without
``force``) is refused; nothing has been changed then. Then the database is replaced, the
evidence files written, the schema upgraded when the archive is older, and every assessment
scored again: each difference from the manifest is reported (``RestoreReport.differences``).
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select

import kla
from kla.domain.framework import get_framework
from kla.i18n import Msg, Refusal
from kla.io import backup as archive
from kla.services import audit
from kla.services.answers import evidence_store
from kla.services.assessments import AssessmentInfo, score_assessment
from kla.services.permissions import Actor, require
from kla.store import backup as db_copy
from kla.store.evidence import EvidenceError, LocalStore
from kla.store.models import Assessment, Evidence, RegistryEntry
from kla.store.models import Framework as FrameworkRow

TOLERANCE = 1e-6  # points: a total that differs by less is the same total


@dataclass
class BackupReport:
    path: Path
    kind: str
    revision: str | None
    assessments: int
    files: int
    bytes: int
    missing: list[dict] = field(default_factory=list)  # referred to, not in the store


@dataclass
class RestoreReport:
    kind: str
    revision: str
    created_at: str
    assessments: int
    files: int  # evidence files in the archive, all in the store now
    files_written: int  # of which were not in the store before
    upgraded_from: str | None = None  # the archive's schema revision, when it was upgraded
    missing_before: list[dict] = field(default_factory=list)  # already missing at backup
    differences: list[Msg] = field(default_factory=list)


@dataclass(frozen=True)
class _Facts:
    revision: str | None
    assessments: dict[str, dict]
    keys: list[str]  # storage keys the database refers to


def _facts(engine: Engine, actor: Actor) -> _Facts:
    """What the manifest records of a database: its schema revision, every assessment with
    its total and predicate (``score_assessment``), the storage keys it refers to."""
    revision = db_copy.alembic_revision(engine)
    if revision is None:
        raise Refusal(Msg("err.backup.not_initialised"))
    stmt = (select(Assessment.id, Assessment.region_kode, Assessment.year, Assessment.stage,
                   Assessment.status, Assessment.is_sample, FrameworkRow.code)
            .join(FrameworkRow, FrameworkRow.id == Assessment.framework_id)
            .order_by(Assessment.id))
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
        keys = set(conn.execute(select(Evidence.storage_key).distinct()).scalars())
        for data in conn.execute(select(RegistryEntry.data)).scalars():
            if isinstance(data, dict) and data.get("file_key"):
                keys.add(str(data["file_key"]))
    frameworks = {}
    assessments = {}
    for aid, region, year, stage, status, is_sample, code in rows:
        fw = frameworks.get(code) or frameworks.setdefault(code, get_framework(code))
        info = AssessmentInfo(id=aid, region_kode=region, region_nama="", year=year,
                              stage=stage, status=status, is_sample=bool(is_sample),
                              framework=code)
        result = score_assessment(engine, actor, info, fw)
        assessments[str(aid)] = {"region": region, "year": int(year), "stage": stage,
                                 "framework": code, "total": float(result.total),
                                 "predicate": result.predicate}
    return _Facts(revision, assessments, sorted(keys))


def _read_stored(store: LocalStore, key: str) -> tuple[bytes | None, str]:
    """The bytes of a stored file, or None and why not."""
    if not archive.valid_key(key):
        return None, "invalid storage key"
    try:
        data = store.path(key).read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, EvidenceError):
        return None, "not found"
    if hashlib.sha256(data).hexdigest() != key.rsplit("/", 1)[1]:
        return None, "content differs from its sha256"
    return data, ""


def backup(engine: Engine, actor: Actor, out: str | Path,
           files: LocalStore | None = None) -> BackupReport:
    """Write the archive of the database behind ``engine`` and its evidence files to ``out``
    (a ZIP; see ``kla.io.backup``), consistently while the app runs."""
    require(actor, "backup.make")
    out = Path(out)
    if out.is_dir():
        raise Refusal(Msg("err.backup.out_is_dir", path=str(out)))
    if not out.parent.is_dir():
        raise Refusal(Msg("err.backup.no_folder", path=str(out.parent)))
    store = files or evidence_store()
    kind = db_copy.kind_of(engine)
    with tempfile.TemporaryDirectory(prefix=".kla-backup-", dir=out.parent) as work:
        db_file = Path(work) / Path(archive.DATABASE_PATH[kind]).name
        if kind == "sqlite":
            db_copy.sqlite_snapshot(engine.url, db_file)
            snap = db_copy.sqlite_engine(db_file)
            try:  # the manifest from the copy itself
                facts = _facts(snap, actor)
            finally:
                snap.dispose()
        else:
            with db_copy.pg_snapshot(engine.url) as snapshot:
                snap = db_copy.snapshot_engine(engine.url, snapshot)
                try:  # the manifest from the snapshot pg_dump dumps
                    facts = _facts(snap, actor)
                finally:
                    snap.dispose()
                db_copy.pg_dump(engine.url, db_file, snapshot)
        missing: list[dict] = []
        manifest = {
            "format": archive.FORMAT, "format_version": archive.FORMAT_VERSION,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "app_version": kla.__version__,
            "database": {"kind": kind, "alembic_revision": facts.revision or ""},
            "assessments": facts.assessments,
            "evidence": [],
            "missing_evidence": missing,  # filled while the files are read (below)
        }

        def stored_files():
            for key in facts.keys:
                data, why = _read_stored(store, key)
                if data is None:
                    missing.append({"storage_key": key, "reason": why})
                else:
                    yield key, data

        size = archive.write_archive(out, manifest, db_file, stored_files())
    return BackupReport(out, kind, facts.revision, len(facts.assessments),
                        len(facts.keys) - len(missing), size, missing)


def _compare(manifest: archive.Manifest, facts: _Facts) -> list[Msg]:
    """Every way the restored database scores differently from the manifest."""
    out = []
    want, got = manifest.assessments, facts.assessments
    for aid in sorted(set(want) | set(got), key=int):
        w, g = want.get(aid), got.get(aid)
        if g is None:
            out.append(Msg("err.backup.diff_missing", id=aid, region=w["region"],
                           year=w["year"], stage=w["stage"]))
        elif w is None:
            out.append(Msg("err.backup.diff_extra", id=aid, region=g["region"],
                           year=g["year"], stage=g["stage"]))
        elif (w["region"], w["year"], w["stage"]) != (g["region"], g["year"], g["stage"]):
            out.append(Msg("err.backup.diff_identity", id=aid,
                           expected=f"{w['region']} {w['year']} {w['stage']}",
                           got=f"{g['region']} {g['year']} {g['stage']}"))
        elif abs(float(w["total"]) - g["total"]) > TOLERANCE:
            out.append(Msg("err.backup.diff_score", id=aid, region=g["region"], year=g["year"],
                           stage=g["stage"], expected=f"{float(w['total']):.4f}",
                           got=f"{g['total']:.4f}"))
    return out


def _check_files(manifest: archive.Manifest, facts: _Facts, store: LocalStore
                 ) -> tuple[list[Msg], list[dict]]:
    """Every file of the manifest is in the store with its content; every file the restored
    database refers to is there, or was already missing when the backup was taken."""
    differences = []
    for e in manifest.evidence:
        data, _ = _read_stored(store, e["storage_key"])
        if data is None:
            differences.append(Msg("err.backup.diff_file", key=e["storage_key"]))
    archived = {e["storage_key"] for e in manifest.evidence}
    known_missing = {m.get("storage_key") for m in manifest.missing_evidence}
    before = []
    for key in facts.keys:
        if key in archived:
            continue
        if key in known_missing:
            before.append({"storage_key": key, "present": _read_stored(store, key)[0]
                           is not None})
        elif _read_stored(store, key)[0] is None:
            differences.append(Msg("err.backup.diff_unlisted", key=key))
    return differences, before


def restore(engine: Engine, actor: Actor, path: str | Path, force: bool = False,
            files: LocalStore | None = None) -> RestoreReport:
    """Restore the archive at ``path`` into the database behind ``engine`` and the evidence
    store. Refused (``ValueError``, nothing changed): a damaged or foreign archive, another
    database kind, a newer schema, a database that already holds data unless ``force``.
    SQLite: the app must be stopped (see the README)."""
    require(actor, "backup.restore")
    path = Path(path)
    manifest = archive.verify_archive(path)
    kind = db_copy.kind_of(engine)
    if manifest.kind != kind:
        raise archive.ArchiveError(Msg("err.backup.kind_mismatch", archive=manifest.kind,
                                       database=kind))
    head, known = db_copy.known_revisions()
    if manifest.revision not in known:
        raise archive.ArchiveError(Msg("err.backup.revision_unknown",
                                       revision=manifest.revision or "–", head=head))
    if not force:
        held = db_copy.user_rows(engine)
        if held:
            raise Refusal(Msg("err.backup.not_empty", rows=", ".join(
                f"{table}: {n}" for table, n in held.items())))
    store = files or evidence_store()
    store.root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".kla-restore-", dir=store.root.parent) as work:
        db_file = Path(work) / Path(manifest.database["path"]).name
        archive.extract_database(path, manifest, db_file)
        readable = (db_copy.sqlite_check(db_file) if kind == "sqlite"
                    else db_copy.pg_check(db_file))
        if not readable:
            raise archive.ArchiveError(Msg("err.backup.db_unreadable",
                                           path=manifest.database["path"]))
        engine.dispose()  # no pooled connection may hold the old database
        if kind == "sqlite":
            db_copy.sqlite_restore(db_file, engine.url)
        else:
            db_copy.pg_restore(db_file, engine.url)
        engine.dispose()
    written = 0
    for key, data in archive.evidence_files(path, manifest):
        target = store.path(key)
        if target.is_file() and _read_stored(store, key)[0] is not None:
            continue  # the same bytes are there already (content addressed)
        target.unlink(missing_ok=True)  # a damaged copy is replaced
        written += store.put(data).created
    report = RestoreReport(kind, manifest.revision, manifest.created_at,
                           len(manifest.assessments), len(manifest.evidence), written)
    restored = db_copy.alembic_revision(engine)
    if restored != (manifest.revision or None):
        report.differences.append(Msg("err.backup.diff_revision", expected=manifest.revision,
                                      got=restored or "–"))
    elif restored is not None and restored != head:
        from kla.store.migrate import upgrade

        upgrade(engine)
        report.upgraded_from = restored
    facts = _facts(engine, actor)
    report.differences += _compare(manifest, facts)
    file_problems, report.missing_before = _check_files(manifest, facts, store)
    report.differences += file_problems
    with engine.begin() as conn:
        audit.record(conn, actor, "backup.restore", "database", "", archive=path.name,
                     created_at=manifest.created_at, kind=kind, revision=manifest.revision,
                     assessments=len(manifest.assessments), files=len(manifest.evidence),
                     differences=len(report.differences))
    return report
