"""Bulk evidence upload (kla/services/bulk_evidence.py) on SQLite and PostgreSQL: a ZIP in the
dossier layout or with flat names is matched to questions; every refusal carries its reason
in Indonesian; the archive is bounded before it is read; attach writes all or nothing, audited
like single uploads; viewers and other cities are refused."""

import io
import os
import zipfile

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from kla.i18n import describe
from kla.io.dossier import EvidenceFile, build_dossier_zip
from kla.services import answers as ans
from kla.services import bulk_evidence as bulk
from kla.services import users
from kla.services.assessments import save_assessment
from kla.services.permissions import SYSTEM, PermissionDenied
from kla.store.db import engine_for
from kla.store.evidence import LocalStore
from kla.store.models import Answer, AuditLog, Evidence
from tests.evidence_files import pdf_bytes, png_bytes

pytestmark = pytest.mark.store
PASSWORD = "rahasia-bulk-123"
PNG = png_bytes()
# Dinkes answers 12.P1, 12.P2, 1.P2l; JDIH (not Dinkes) answers 1.P1, 1.P2e, 1.P2z, 1.P2za
DINKES_Q, OTHER_Q = ("12.P1", "12.P2", "1.P2l"), ("1.P1", "1.P2e", "1.P2z", "1.P2za")


def pdf(tag: str) -> bytes:
    return pdf_bytes(tag)


def noisy_pdf() -> bytes:
    """A real PDF that hardly compresses (random text on its pages)."""
    from fpdf import FPDF

    doc = FPDF()
    doc.set_font("helvetica", size=6)
    doc.add_page()
    doc.multi_cell(0, 3, os.urandom(40_000).hex())
    return bytes(doc.output())


def make_zip(entries, compression=zipfile.ZIP_DEFLATED) -> bytes:
    """``entries``: (name, bytes) pairs; a name ending in "/" is a folder entry."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in entries:
            if name.endswith("/"):
                zf.writestr(zipfile.ZipInfo(name), b"")
            else:
                zf.writestr(name, data)
    return buf.getvalue()


@pytest.fixture(scope="module")
def env(seeded_url, tmp_path_factory):
    engine = engine_for(seeded_url)
    made = {}
    for name, role, region, agencies in [
            ("bk.koord", "coordinator", "36.73", None), ("bk.dinkes", "opd", "36.73", ["Dinkes"]),
            ("bk.metro", "coordinator", "18.72", None), ("bk.viewer", "viewer", "36.73", None),
            ("bk.verif", "verifier", "36", None)]:
        made[name] = users.add_user(engine, SYSTEM, username=name, password=PASSWORD, role=role,
                                    region_kode=region, agencies=agencies)
    return engine, made, LocalStore(tmp_path_factory.mktemp("evidence"))


def draft(engine, fw, year, status="draft"):
    """A Kota Serang self-assessment with answers to DINKES_Q and OTHER_Q (12.P3 unanswered)."""
    return save_assessment(engine, SYSTEM, region_kode="36.73", year=year, stage="EM",
                           answers={q: 1.0 for q in DINKES_Q + OTHER_Q}, framework=fw,
                           status=status)


def evidence_count(engine, aid) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(Evidence)
                      .join(Answer, Answer.id == Evidence.answer_id)
                      .where(Answer.assessment_id == aid)).scalar_one()


def audit_rows(engine, aid) -> list[dict]:
    with Session(engine) as s:
        return [r.detail for r in s.exec(select(AuditLog).where(
            AuditLog.assessment_id == aid, AuditLog.action == "evidence.add")).scalars()]


def by_file(rows) -> dict[str, dict]:
    return {r["file"]: r for r in rows}


def reason_of(row) -> str:
    """The reason's catalogue key, checked to render in Indonesian (not the key itself)."""
    assert row["status"] == bulk.REFUSED, row
    text = row["reason"].render("id")
    assert text and text != row["reason"].key and not text.startswith("err."), text
    return row["reason"].key


# --- matching ---------------------------------------------------------------------------------

def test_names_match_the_longest_question_id(fw):
    match = bulk._Matcher(fw)
    assert match("1.P2e Perda KLA.pdf") == "1.P2e"
    assert match("1.P2e_sk.pdf") == "1.P2e"
    assert match("1.p2E-foto.JPG") == "1.P2e"
    assert match("1_P2e sk.pdf") == "1.P2e" and match("1 p2e.pdf") == "1.P2e"
    assert match("1.P2e.pdf") == "1.P2e" and match("1.P2e") == "1.P2e"
    assert match("1.P2za sk.pdf") == "1.P2za" and match("1.P2z sk.pdf") == "1.P2z"
    assert match("12.P1 laporan.pdf") == "12.P1" and match("1.P1 x.pdf") == "1.P1"
    for none in ("1.P2ea.pdf", "1.P2esk.pdf", "99.P1 x.pdf", "P2e.pdf", "laporan 1.P2e.pdf",
                 "1P2e.pdf", "index.xlsx"):
        assert match(none) is None, none
    assert match.question_of(("01 KEL - Kelembagaan", "1 - Perda", "1.P2e", "x.pdf")) == "1.P2e"
    assert match.question_of(("bukti", "12.P1 lap.pdf")) == "12.P1"
    assert match.question_of(("1.P2e", "12.P1 lap.pdf")) == "1.P2e"  # the folder wins


def test_a_dossier_zip_is_matched_and_the_preview_writes_nothing(env, fw, tmp_path):
    engine, u, _ = env
    aid = draft(engine, fw, 2041)
    files = []
    for i, qid in enumerate(("1.P2e", "1.P2za", "12.P1", "12.P1")):
        path = tmp_path / f"f{i}.pdf"
        path.write_bytes(pdf(f"dossier {i}"))
        files.append(EvidenceFile(qid, f"Lampiran {qid}.pdf", "0" * 64, path.stat().st_size,
                                  "application/pdf", path))
    buf = io.BytesIO()
    build_dossier_zip(fw, region_kode="36.73", region_nama="Kota Serang", year=2041, stage="EM",
                      answers={}, files=files, out=buf)
    calls = []
    rows = bulk.preview(engine, u["bk.koord"], aid, buf.getvalue(),
                        on_progress=lambda *a: calls.append(a))
    assert len(rows) == 4  # index.xlsx and index.csv of the export are skipped
    assert [r["question_id"] for r in rows] == ["1.P2e", "1.P2za", "12.P1", "12.P1"]
    assert all(r["status"] == bulk.ATTACH and r["reason"] is None for r in rows), rows
    assert all(r["file"].split("/")[-2] == r["question_id"] for r in rows)
    assert rows[0]["question"] == fw.questions["1.P2e"].text[:79] + "…"
    assert calls[-1] == ("check", 4, 4)
    assert evidence_count(engine, aid) == 0 and audit_rows(engine, aid) == []


def test_a_flat_zip_is_matched_and_junk_is_skipped(env, fw):
    engine, u, _ = env
    aid = draft(engine, fw, 2042)
    data = make_zip([
        ("1.P2e Perda KLA.pdf", pdf("perda")), ("1.P2e_sk.pdf", pdf("sk")),
        ("1_p2za-foto.png", PNG), ("1.P2z.pdf", pdf("z")), ("bukti/", b""),
        ("bukti/12.P1 laporan.pdf", pdf("lap")), ("__MACOSX/bukti/._12.P1 laporan.pdf", b"x"),
        (".DS_Store", b"x"), ("bukti/Thumbs.db", b"x"), (".git/config", b"x")])
    rows = by_file(bulk.preview(engine, u["bk.koord"], aid, data))
    assert {f: r["question_id"] for f, r in rows.items()} == {
        "1.P2e Perda KLA.pdf": "1.P2e", "1.P2e_sk.pdf": "1.P2e", "1_p2za-foto.png": "1.P2za",
        "1.P2z.pdf": "1.P2z", "bukti/12.P1 laporan.pdf": "12.P1"}
    assert {r["status"] for r in rows.values()} == {bulk.ATTACH}
    assert rows["1_p2za-foto.png"]["size"] == len(PNG)


# --- refusals ---------------------------------------------------------------------------------

def test_every_refusal_names_its_reason(env, fw):
    engine, u, store = env
    aid = draft(engine, fw, 2043)
    ans.add_evidence(engine, u["bk.dinkes"], aid, "12.P2", "lama.pdf", pdf("already"), store)
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
    data = make_zip([
        ("12.P1 ok.pdf", pdf("ok")),
        ("12.P1 sama.pdf", pdf("ok")),  # the same bytes twice for one question
        ("laporan tahunan.pdf", pdf("none")),
        ("1.P2e Perda.pdf", pdf("jdih")),  # JDIH's question, not Dinkes'
        ("12.P1 web.pdf", b"%PDF-1.4\n<html><body><script>alert(1)</script></body></html>"),
        ("12.P1 program.pdf", exe),
        ("12.P1 gambar.pdf", PNG),  # a PNG named .pdf
        ("12.P1 potong.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n"),  # no %%EOF
        ("12.P1 kosong.pdf", b""),
        ("12.P2 lama.pdf", pdf("already")),  # attached before
        ("12.P3 baru.pdf", pdf("no answer")),  # a Dinkes question without an answer
        ("../12.P1 keluar.pdf", pdf("up")), ("/etc/12.P1.pdf", pdf("abs")),
        ("C:/12.P1.pdf", pdf("drive")),
        ("12.P1 arsip.zip", make_zip([("12.P1 dalam.pdf", pdf("inner"))])),
        ("12.P1 arsip.pdf", make_zip([("12.P1 dalam.pdf", pdf("inner2"))])),
    ])
    rows = by_file(bulk.preview(engine, u["bk.dinkes"], aid, data))
    assert rows["12.P1 ok.pdf"]["status"] == bulk.ATTACH
    expected = {
        "12.P1 sama.pdf": "err.bulk.duplicate_in_zip",
        "laporan tahunan.pdf": "err.bulk.no_question",
        "1.P2e Perda.pdf": "err.bulk.not_yours",
        "12.P1 web.pdf": "err.file.html",
        "12.P1 program.pdf": "err.bulk.bad_type",
        "12.P1 gambar.pdf": "err.bulk.name_mismatch",
        "12.P1 potong.pdf": "err.file.pdf_incomplete",
        "12.P1 kosong.pdf": "err.bulk.empty",
        "12.P2 lama.pdf": "err.bulk.duplicate",
        "12.P3 baru.pdf": "err.bulk.needs_answer",
        "../12.P1 keluar.pdf": "err.bulk.unsafe_path",
        "/etc/12.P1.pdf": "err.bulk.unsafe_path",
        "C:/12.P1.pdf": "err.bulk.unsafe_path",
        "12.P1 arsip.zip": "err.bulk.nested",
        "12.P1 arsip.pdf": "err.bulk.nested",
    }
    assert {f: reason_of(rows[f]) for f in expected} == expected
    assert rows["laporan tahunan.pdf"]["question_id"] is None
    assert "JDIH" in rows["1.P2e Perda.pdf"]["reason"].render("id")
    assert "EXE" in rows["12.P1 program.pdf"]["reason"].render("id")
    assert rows["12.P1 sama.pdf"]["reason"].render("id").endswith("12.P1 ok.pdf.")
    # the same rule as a single upload: another agency's question, an unanswered question
    with pytest.raises(PermissionDenied):
        ans.add_evidence(engine, u["bk.dinkes"], aid, "1.P2e", "a.pdf", pdf("x"), store)
    with pytest.raises(ValueError):
        ans.add_evidence(engine, u["bk.dinkes"], aid, "12.P3", "a.pdf", pdf("x"), store)
    # the coordinator may attach to JDIH's question
    rows = by_file(bulk.preview(engine, u["bk.koord"], aid, data))
    assert rows["1.P2e Perda.pdf"]["status"] == bulk.ATTACH


def test_the_archive_is_bounded_before_it_is_read(env, fw, monkeypatch):
    engine, u, _ = env
    aid = draft(engine, fw, 2044)

    def refused(data) -> str:
        with pytest.raises(bulk.ArchiveRefused) as err:
            bulk.preview(engine, u["bk.koord"], aid, data)
        assert describe(err.value, "id") != err.value.errors[0].key
        return err.value.errors[0].key

    assert refused(b"bukan zip") == "err.bulk.not_zip"
    assert refused(pdf("a pdf, not a zip")) == "err.bulk.not_zip"
    many = make_zip([(f"12.P1 {i}.pdf", b"") for i in range(bulk.MAX_ENTRIES + 1)],
                    zipfile.ZIP_STORED)
    assert refused(many) == "err.bulk.too_many_entries"
    bomb = make_zip([("12.P1 bom.pdf", b"%PDF-1.4\n" + b"\0" * (5 * 1024 * 1024))])
    assert len(bomb) < 20_000
    assert refused(bomb) == "err.bulk.archive_ratio"
    # one bomb among incompressible files: that file is refused, the others are checked
    noise = noisy_pdf()
    mixed = make_zip([("12.P1 bom.pdf", b"%PDF-1.4\n" + b"\0" * (2 * 1024 * 1024)),
                      ("12.P1 acak.pdf", noise)])
    rows = by_file(bulk.preview(engine, u["bk.koord"], aid, mixed))
    assert reason_of(rows["12.P1 bom.pdf"]) == "err.bulk.entry_ratio"
    assert rows["12.P1 acak.pdf"]["status"] == bulk.ATTACH
    # limits follow KLA_MAX_UPLOAD_MB: 1 MB per file, 10 MB per archive
    from kla.settings import get_settings

    monkeypatch.setenv("KLA_MAX_UPLOAD_MB", "1")
    get_settings.cache_clear()
    big = os.urandom(1024 * 1024 + 10)
    rows = by_file(bulk.preview(engine, u["bk.koord"], aid,
                                make_zip([("12.P1 besar.pdf", big)], zipfile.ZIP_STORED)))
    assert reason_of(rows["12.P1 besar.pdf"]) == "err.bulk.too_large"
    assert refused(make_zip([(f"12.P1 {i}.pdf", os.urandom(900_000)) for i in range(12)],
                            zipfile.ZIP_STORED)) == "err.bulk.archive_too_large"
    forged = io.BytesIO()  # small archive, large declared content
    with zipfile.ZipFile(forged, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(11):
            zf.writestr(f"12.P1 {i}.pdf", b"\0" * (1024 * 1024))
    assert refused(forged.getvalue()) == "err.bulk.total_too_large"


# --- attach -----------------------------------------------------------------------------------

class FailingStore(LocalStore):
    """Fails on the ``n``-th file written."""

    def __init__(self, root, n):
        super().__init__(root)
        self.n, self.calls = n, 0

    def put(self, data):
        self.calls += 1
        if self.calls == self.n:
            raise OSError("disk full")
        return super().put(data)


@pytest.mark.parametrize("where", ["store", "audit"])
def test_attach_writes_all_or_nothing(env, fw, tmp_path, monkeypatch, where):
    engine, u, store = env
    aid = draft(engine, fw, 2045 if where == "store" else 2046)
    data = make_zip([("12.P1 a.pdf", pdf(f"a {where}")), ("12.P1 b.pdf", pdf(f"b {where}")),
                     ("1.P2e c.pdf", pdf(f"c {where}")), ("tanpa id.pdf", pdf("refused"))])
    if where == "store":
        failing = FailingStore(tmp_path, 2)
        with pytest.raises(OSError, match="disk full"):
            bulk.attach(engine, u["bk.koord"], aid, data, files=failing)
    else:
        real, calls = bulk.audit.record, []

        def record(*args, **kw):
            calls.append(1)
            if len(calls) == 2:
                raise RuntimeError("audit failed")
            return real(*args, **kw)

        monkeypatch.setattr(bulk.audit, "record", record)
        with pytest.raises(RuntimeError, match="audit failed"):
            bulk.attach(engine, u["bk.koord"], aid, data, files=store)
        monkeypatch.setattr(bulk.audit, "record", real)
    assert evidence_count(engine, aid) == 0 and audit_rows(engine, aid) == []
    # again, nothing failing: the three accepted files, each audited like a single upload
    assert bulk.attach(engine, u["bk.koord"], aid, data, files=store) == 3
    assert evidence_count(engine, aid) == 3
    listed = {(e["question_id"], e["name"]) for e in ans.list_evidence(engine, u["bk.koord"], aid)}
    assert listed == {("12.P1", "12.P1 a.pdf"), ("12.P1", "12.P1 b.pdf"),
                      ("1.P2e", "1.P2e c.pdf")}
    details = audit_rows(engine, aid)
    assert len(details) == 3 and {d["via"] for d in details} == {"bulk"}
    assert {d["question"] for d in details} == {"12.P1", "1.P2e"}
    assert all(len(d["sha256"]) == 64 and d["size"] > 0 for d in details)
    first = ans.list_evidence(engine, u["bk.koord"], aid)[0]
    assert first["media_type"] == "application/pdf" and first["uploaded_by"] == "bk.koord"
    assert store.read(first["storage_key"]).startswith(b"%PDF")
    # attach checks again: the same archive now attaches nothing
    rows = bulk.preview(engine, u["bk.koord"], aid, data)
    assert {r["reason"].key for r in rows if r["question_id"]} == {"err.bulk.duplicate"}
    assert bulk.attach(engine, u["bk.koord"], aid, data, files=store) == 0
    assert evidence_count(engine, aid) == 3


def test_an_agency_attaches_only_its_own_questions(env, fw):
    engine, u, store = env
    aid = draft(engine, fw, 2047)
    data = make_zip([("12.P1 a.pdf", pdf("dinkes a")), ("1.P2e b.pdf", pdf("jdih b"))])
    assert bulk.attach(engine, u["bk.dinkes"], aid, data, files=store) == 1
    assert [e["question_id"] for e in ans.list_evidence(engine, u["bk.dinkes"], aid)] == ["12.P1"]


def test_viewers_other_cities_and_locked_assessments_are_refused(env, fw):
    engine, u, store = env
    aid = draft(engine, fw, 2048)
    data = make_zip([("12.P1 a.pdf", pdf("denied"))])
    for who in ("bk.viewer", "bk.metro", "bk.verif"):
        for call in (bulk.preview, bulk.attach):
            with pytest.raises(PermissionDenied):
                call(engine, u[who], aid, data)
    submitted = draft(engine, fw, 2049, status="submitted")
    with pytest.raises(PermissionDenied):
        bulk.attach(engine, u["bk.koord"], submitted, data, files=store)
    assert evidence_count(engine, aid) == 0 and evidence_count(engine, submitted) == 0
