"""`kla backup` / `kla restore` on SQLite and PostgreSQL (issue 14: a `cp kla.db` while the app
ran lost the last saves).

Every test works on databases of its own: the session's seeded database (``seeded_url``) is
only read (backed up), then restored into a private database that the test may change; on
PostgreSQL each private database is a new one on the server (``kla_restore_<random>``),
dropped afterwards, never the shared ``test`` database."""

from __future__ import annotations

import io
import json
import threading
import time
import uuid
import zipfile
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlmodel import Session

from kla.services import answers as ans
from kla.services import registries as reg
from kla.services.answers import EvidenceMissing
from kla.services.assessments import AssessmentInfo, score_assessment
from kla.services.exports import find_assessment
from kla.services.permissions import SYSTEM
from kla.settings import get_settings
from kla.store.backup import known_revisions
from kla.store.db import make_engine, temporary_database
from kla.store.models import Answer, Assessment, Evidence, RegistryEntry
from kla.store.models import Framework as FrameworkRow
from tests.cli_runner import run_kla
from tests.conftest import PG_URL
from tests.evidence_files import pdf_bytes, png_bytes

pytestmark = pytest.mark.store

SERANG, YEAR = "36.73", 2026


def kla(url: str, data: Path, *args):
    return run_kla(*args, env={"KLA_DATABASE_URL": url, "KLA_DATA_DIR": str(data)})


@contextmanager
def use_data_dir(data: Path):
    """The services' evidence store (``KLA_DATA_DIR``) is ``data`` inside the block."""
    import os

    saved = os.environ.get("KLA_DATA_DIR")
    os.environ["KLA_DATA_DIR"] = str(data)
    get_settings.cache_clear()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("KLA_DATA_DIR", None)
        else:
            os.environ["KLA_DATA_DIR"] = saved
        get_settings.cache_clear()


class Databases:
    """New, empty databases on the backend of ``like`` (and an evidence folder for each)."""

    def __init__(self, like: str, tmp_path: Path, stack: ExitStack):
        self.sqlite = like.startswith("sqlite")
        self.tmp, self.stack = tmp_path, stack

    def new(self) -> tuple[str, Path]:
        name = uuid.uuid4().hex[:8]
        data = self.tmp / f"data-{name}"
        data.mkdir()
        if self.sqlite:
            return f"sqlite:///{data / 'kla.db'}", data
        return self.stack.enter_context(temporary_database(PG_URL, "kla_restore")), data


@pytest.fixture
def dbs(seeded_url, tmp_path):
    with ExitStack() as stack:
        yield Databases(seeded_url, tmp_path, stack)


def manifest_of(archive: Path) -> dict:
    with zipfile.ZipFile(archive) as zf:
        return json.loads(zf.read("manifest.json"))


def scores(url: str) -> dict[str, dict]:
    """Every assessment of the database at ``url`` scored as the app scores it (Posisi)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(Assessment.id, Assessment.region_kode, Assessment.year, Assessment.stage,
                       Assessment.status, Assessment.is_sample, FrameworkRow.code)
                .join(FrameworkRow, FrameworkRow.id == Assessment.framework_id)).all()
        return {str(r[0]): {"region": r[1], "year": r[2], "stage": r[3],
                            "total": score_assessment(engine, SYSTEM, AssessmentInfo(
                                r[0], r[1], "", r[2], r[3], r[4], r[5], r[6])).total}
                for r in rows}
    finally:
        engine.dispose()


def same_scores(manifest: dict, got: dict[str, dict]) -> None:
    assert set(manifest["assessments"]) == set(got)
    for aid, m in manifest["assessments"].items():
        g = got[aid]
        assert (m["region"], m["year"], m["stage"]) == (g["region"], g["year"], g["stage"])
        assert m["total"] == pytest.approx(g["total"], abs=1e-9), aid


def stored(data: Path) -> dict[str, bytes]:
    root = data / "evidence"
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()} if root.exists() else {}


def fingerprint(url: str) -> tuple:
    """What a refused restore must leave as it was: row counts and every answer."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return (conn.execute(select(func.count()).select_from(Assessment)).scalar_one(),
                    conn.execute(select(func.count()).select_from(Evidence)).scalar_one(),
                    sorted(conn.execute(select(Answer.assessment_id, Answer.question_id,
                                               Answer.credit, Answer.version)).all()))
    finally:
        engine.dispose()


@pytest.fixture
def source(seeded_url, dbs, tmp_path):
    """A private copy of the seeded database (restored from a backup of ``seeded_url``) with
    evidence: four files on two answers of Kota Serang 2026 EM, one soft-deleted, and a
    registry attachment. Returns (url, data folder, {storage key: bytes})."""
    seed_archive = tmp_path / "seed.zip"
    r = kla(seeded_url, tmp_path / "seed-data", "backup", seed_archive)
    assert r.returncode == 0, r.stderr
    url, data = dbs.new()
    r = kla(url, data, "restore", seed_archive)
    assert r.returncode == 0, r.stderr
    engine = make_engine(url)
    files = {}
    with use_data_dir(data):
        em = find_assessment(engine, SYSTEM, SERANG, YEAR, "EM").id
        q1, q2 = sorted(ans.answer_states(engine, SYSTEM, em))[:2]
        for qid, name, blob in ((q1, "perda.pdf", pdf_bytes("backup 1")),
                                (q1, "foto.png", png_bytes("backup 2")),
                                (q2, "sk.pdf", pdf_bytes("backup 3")),
                                (q2, "lama.pdf", pdf_bytes("backup 4"))):
            res = ans.add_evidence(engine, SYSTEM, em, qid, name, blob)
            files[f"{res['sha256'][:2]}/{res['sha256'][2:4]}/{res['sha256']}"] = blob
        gone = next(e["id"] for e in ans.list_evidence(engine, SYSTEM, em) if e["name"] ==
                    "lama.pdf")
        ans.delete_evidence(engine, SYSTEM, gone)  # deleted rows keep their file: archived too
        with Session(engine) as s:
            entry = s.exec(select(RegistryEntry.id).where(RegistryEntry.region_kode == SERANG)
                           .order_by(RegistryEntry.id)).scalars().first()
        photo = png_bytes("registry photo")
        res = reg.attach_file(engine, SYSTEM, entry, "taman.png", photo)
        files[f"{res['sha256'][:2]}/{res['sha256'][2:4]}/{res['sha256']}"] = photo
    engine.dispose()
    assert stored(data) == files
    return url, data, files


def test_backup_then_restore_reproduces_scores_and_files(source, dbs, tmp_path):
    url, data, files = source
    out = tmp_path / "kla-backup.zip"
    r = kla(url, data, "backup", out)
    assert r.returncode == 0, r.stderr
    assert f"{len(files)} evidence files" in r.stdout
    assert not list(tmp_path.glob(".kla-backup-*")) and not list(tmp_path.glob(".*.tmp"))
    manifest = manifest_of(out)
    sqlite = url.startswith("sqlite")
    assert manifest["format"] == "kla-backup" and manifest["format_version"] == 1
    assert manifest["created_at"].endswith("Z")
    assert manifest["database"]["kind"] == ("sqlite" if sqlite else "postgresql")
    assert manifest["database"]["alembic_revision"] == known_revisions()[0]  # the head
    assert manifest["database"]["path"] in zipfile.ZipFile(out).namelist()
    assert {e["storage_key"]: e["size"] for e in manifest["evidence"]} == {
        k: len(v) for k, v in files.items()}
    assert all(e["sha256"] == e["storage_key"][-64:] for e in manifest["evidence"])
    # (rows other tests of the session attached to the shared seeded database have no file
    # here: they are listed as missing, never archived)
    assert not {m["storage_key"] for m in manifest["missing_evidence"]} & set(files)
    same_scores(manifest, scores(url))  # the source at rest: the manifest is its scores

    target, target_data = dbs.new()
    r = kla(target, target_data, "restore", out)
    assert r.returncode == 0, r.stderr
    assert "every assessment scores as the manifest says" in r.stdout
    same_scores(manifest, scores(target))
    assert stored(target_data) == files
    engine = make_engine(target)
    with use_data_dir(target_data):
        em = find_assessment(engine, SYSTEM, SERANG, YEAR, "EM").id
        mine = [e for e in ans.list_evidence(engine, SYSTEM, em, include_deleted=True)
                if e["storage_key"] in files]
        assert len(mine) == 4
        for e in mine:
            assert not e["missing"]
            assert ans.read_evidence(engine, SYSTEM, e["id"])[2] == files[e["storage_key"]]
    engine.dispose()
    assert fingerprint(target)[:2] == fingerprint(url)[:2]
    # the restore is in the restored database's audit log
    r = kla(target, target_data, "restore", out)
    assert r.returncode == 2 and "already holds data" in r.stderr and "audit_log" in r.stderr


def test_a_backup_while_answers_are_saved_is_one_snapshot(source, dbs, tmp_path):
    """Another thread keeps saving answers (each save changes a total) during the backup: the
    restored database scores exactly as the manifest says, so both are the same snapshot."""
    url, data, _ = source
    engine = make_engine(url)
    with engine.connect() as conn:
        targets = conn.execute(select(Assessment.id).order_by(Assessment.id).limit(3)
                               ).scalars().all()
    plan = []
    for aid in targets:
        states = ans.answer_states(engine, SYSTEM, aid)
        plan += [(aid, qid) for qid in sorted(states)[:3]]
    saved, errors = [0], []
    stop = threading.Event()

    def writer():
        k = 0
        try:
            while not stop.is_set():
                aid, qid = plan[k % len(plan)]
                state = ans.answer_states(engine, SYSTEM, aid)[qid]
                credit = 0.25 if state.credit != 0.25 else 1.0
                ans.save_answer(engine, SYSTEM, aid, qid, credit, "", state.version)
                saved[0] += 1
                k += 1
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while saved[0] < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        before = saved[0]
        out = tmp_path / "live.zip"
        r = kla(url, data, "backup", out)
        during = saved[0] - before
    finally:
        stop.set()
        thread.join(30)
    engine.dispose()
    assert not errors, errors
    assert r.returncode == 0, r.stderr
    assert during > 0, "no answer was saved while the backup ran"

    manifest = manifest_of(out)
    target, target_data = dbs.new()
    r = kla(target, target_data, "restore", out)
    assert r.returncode == 0, r.stderr  # the restore's own check: every score as the manifest
    same_scores(manifest, scores(target))


def rewrite(archive: Path, out: Path, change) -> None:
    """A copy of ``archive`` as a valid ZIP, with ``change(name, data)`` applied to every
    entry (None leaves the entry out)."""
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = change(info.filename, src.read(info))
            if data is not None:
                dst.writestr(info.filename, data)


def flip_stored_byte(archive: Path, out: Path, prefix: str) -> str:
    """A copy of ``archive`` with one byte of the first entry under ``prefix`` changed in
    place (the entry is stored, not compressed: its bytes are in the file as they are)."""
    raw = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as zf:
        info = next(i for i in zf.infolist() if i.filename.startswith(prefix))
        assert info.compress_type == zipfile.ZIP_STORED
    name_len = int.from_bytes(raw[info.header_offset + 26:info.header_offset + 28], "little")
    extra_len = int.from_bytes(raw[info.header_offset + 28:info.header_offset + 30], "little")
    at = info.header_offset + 30 + name_len + extra_len + info.file_size // 2
    raw[at] ^= 0x01
    out.write_bytes(bytes(raw))
    return info.filename


CORRUPTIONS = ["evidence byte flipped", "evidence altered", "manifest missing", "truncated",
               "evidence left out", "not a zip"]


@pytest.mark.parametrize("corruption", CORRUPTIONS)
def test_a_damaged_archive_is_refused_and_nothing_changes(source, dbs, tmp_path, corruption):
    url, data, _ = source
    good = tmp_path / "good.zip"
    assert kla(url, data, "backup", good).returncode == 0
    bad = tmp_path / "bad.zip"
    first_key = manifest_of(good)["evidence"][0]["path"]
    if corruption == "evidence byte flipped":
        name = flip_stored_byte(good, bad, "evidence/")
        expected = f"{name} in the archive is damaged"
    elif corruption == "evidence altered":  # a valid ZIP (CRC right), the bytes changed
        rewrite(good, bad, lambda n, d: d[:-1] + bytes([d[-1] ^ 1]) if n == first_key else d)
        expected = f"{first_key}: sha256 mismatch"
    elif corruption == "manifest missing":
        rewrite(good, bad, lambda n, d: None if n == "manifest.json" else d)
        expected = "no manifest.json"
    elif corruption == "truncated":
        bad.write_bytes(good.read_bytes()[:good.stat().st_size * 2 // 3])
        expected = "bad.zip: not a KLA backup archive (not a ZIP file, or truncated)"
    elif corruption == "evidence left out":
        rewrite(good, bad, lambda n, d: None if n == first_key else d)
        expected = f"{first_key} is listed in the manifest but missing from the archive"
    else:
        bad.write_bytes(b"PK\x03\x04 not really a zip")
        expected = "not a KLA backup archive"

    # into a new database: refused, and the database stays empty, no file is written
    target, target_data = dbs.new()
    r = kla(target, target_data, "restore", bad)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert expected in r.stderr and r.stdout == ""
    assert stored(target_data) == {}
    engine = make_engine(target)
    from sqlalchemy import inspect

    with engine.connect() as conn:
        assert not inspect(conn).get_table_names()
    engine.dispose()

    # over the source itself, even with --force: refused, nothing changed
    before, before_files = fingerprint(url), stored(data)
    r = kla(url, data, "restore", bad, "--force")
    assert r.returncode == 2 and expected in r.stderr
    assert fingerprint(url) == before and stored(data) == before_files


def test_restore_over_a_database_with_data_needs_force(source, tmp_path):
    url, data, files = source
    out = tmp_path / "b.zip"
    assert kla(url, data, "backup", out).returncode == 0
    engine = make_engine(url)
    em = find_assessment(engine, SYSTEM, SERANG, YEAR, "EM").id
    qid = min(ans.answer_states(engine, SYSTEM, em))
    state = ans.answer_states(engine, SYSTEM, em)[qid]
    ans.save_answer(engine, SYSTEM, em, qid, 0.5 if state.credit != 0.5 else 0.75, "sesudah",
                    state.version)  # a change after the backup
    engine.dispose()
    before = fingerprint(url)
    r = kla(url, data, "restore", out)
    assert r.returncode == 2 and r.stdout == ""
    assert "already holds data" in r.stderr and "--force" in r.stderr
    assert fingerprint(url) == before
    r = kla(url, data, "restore", out, "--force")
    assert r.returncode == 0, r.stderr
    same_scores(manifest_of(out), scores(url))  # the change after the backup is gone
    engine = make_engine(url)
    assert ans.answer_states(engine, SYSTEM, em)[qid].credit == state.credit
    engine.dispose()
    assert stored(data) == files


def test_backup_and_restore_are_for_admins(source, dbs, tmp_path):
    url, data, _ = source
    out = tmp_path / "b.zip"
    for user in ("pengamat", "koordinator.serang"):
        r = kla(url, data, "backup", out, "--as", user)
        assert r.returncode == 2 and "not allowed" in r.stderr, r.stderr
        assert not out.exists()
    assert kla(url, data, "backup", out, "--as", "admin").returncode == 0
    before = fingerprint(url)
    r = kla(url, data, "restore", out, "--force", "--as", "koordinator.serang")
    assert r.returncode == 2 and "not allowed" in r.stderr
    assert fingerprint(url) == before
    # bad OUT: a folder, a folder that does not exist
    r = kla(url, data, "backup", tmp_path)
    assert r.returncode == 2 and "is a folder" in r.stderr
    r = kla(url, data, "backup", tmp_path / "nowhere" / "b.zip")
    assert r.returncode == 2 and "does not exist" in r.stderr


def test_an_archive_of_the_other_database_kind_is_refused(source, tmp_path):
    url, data, _ = source
    out = tmp_path / "b.zip"
    assert kla(url, data, "backup", out).returncode == 0
    manifest = manifest_of(out)
    with ExitStack() as stack:
        if manifest["database"]["kind"] == "postgresql":
            target = f"sqlite:///{tmp_path / 'other.db'}"
        elif PG_URL:
            target = stack.enter_context(temporary_database(PG_URL, "kla_restore"))
        else:
            pytest.skip("a PostgreSQL target needs KLA_TEST_DATABASE_URL")
        r = kla(target, tmp_path / "other-data", "restore", out)
    assert r.returncode == 2
    assert f"holds a {manifest['database']['kind']} database" in r.stderr


def test_a_database_restored_without_its_evidence(source, dbs, tmp_path):
    """Rows whose files are gone: listed as missing, read as EvidenceMissing ("berkas hilang
    dari penyimpanan"), the dossier ZIP lists them in its index instead of failing; the same
    file uploaded again brings it back."""
    url, data, files = source
    out = tmp_path / "b.zip"
    assert kla(url, data, "backup", out).returncode == 0
    target, target_data = dbs.new()
    assert kla(target, target_data, "restore", out).returncode == 0
    import shutil

    shutil.rmtree(target_data / "evidence")  # the database without its evidence
    engine = make_engine(target)
    with use_data_dir(target_data):
        em = find_assessment(engine, SYSTEM, SERANG, YEAR, "EM").id
        listed = ans.list_evidence(engine, SYSTEM, em)
        assert listed and all(e["missing"] for e in listed)
        with pytest.raises(EvidenceMissing) as caught:
            ans.read_evidence(engine, SYSTEM, listed[0]["id"])
        assert caught.value.errors[0].key == "err.evidence_missing"
        assert "berkas hilang dari penyimpanan" in caught.value.errors[0].render("id")
    zip_out = tmp_path / "dossier.zip"
    r = kla(target, target_data, "export", "zip", "--region", SERANG, "--year", YEAR,
            "--stage", "EM", zip_out)
    assert r.returncode == 0, r.stderr
    assert f"{len(listed)} evidence files are missing from storage" in r.stderr
    with zipfile.ZipFile(zip_out) as zf:
        assert [n for n in zf.namelist() if not n.startswith("index.")] == []
        wb = load_workbook(io.BytesIO(zf.read("index.xlsx")))
    gone = wb["Berkas hilang"]
    rows = [[c.value for c in row] for row in gone.iter_rows(min_row=2)]
    assert sorted(r[4] for r in rows) == sorted(e["name"] for e in listed)
    assert all(r[8] == "berkas hilang dari penyimpanan" for r in rows)
    summary = {r[0].value: r[1].value for r in wb["Ringkasan"].iter_rows()}
    assert summary["Berkas hilang"] == len(listed) and summary["Jumlah berkas"] == 0
    # the same file attached again (a duplicate: no new row) brings the bytes back
    with use_data_dir(target_data):
        first = listed[0]
        res = ans.add_evidence(engine, SYSTEM, em, first["question_id"], first["name"],
                               files[first["storage_key"]])
        assert res["duplicate"]
        assert ans.read_evidence(engine, SYSTEM, first["id"])[2] == files[first["storage_key"]]
        assert not next(e for e in ans.list_evidence(engine, SYSTEM, em)
                        if e["id"] == first["id"])["missing"]
    engine.dispose()
