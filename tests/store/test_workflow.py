"""Submission workflow on SQLite and PostgreSQL: accounts, permissions, optimistic locking,
evidence, audit, completeness gate and verification stages."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from kla.domain.completeness import NO_EVIDENCE, UNANSWERED
from kla.domain.workflow import time_left
from kla.services import answers as ans
from kla.services import users, workflow
from kla.services.assessments import save_assessment
from kla.services.permissions import SYSTEM, PermissionDenied
from kla.settings import get_settings
from kla.store.db import engine_for
from kla.store.evidence import EvidenceError, LocalStore
from kla.store.models import Assessment, AuditLog, Evidence, utcnow
from tests.evidence_files import pdf_bytes, png_bytes

pytestmark = pytest.mark.store
PASSWORD = "rahasia-123"
PDF = pdf_bytes()
PNG = png_bytes()


@pytest.fixture(scope="module")
def env(seeded_url, tmp_path_factory):
    """Users of Kota Serang and Kota Metro, and an evidence store in a temporary folder."""
    engine = engine_for(seeded_url)
    made = {}
    for name, role, region, agencies in [
            ("wf.admin", "admin", None, None), ("wf.koord", "coordinator", "36.73", None),
            ("wf.dinkes", "opd", "36.73", ["Dinkes"]), ("wf.jdih", "opd", "36.73", ["JDIH"]),
            ("wf.metro", "coordinator", "18.72", None), ("wf.verif", "verifier", "36", None),
            ("wf.verif18", "verifier", "18", None), ("wf.viewer", "viewer", "36.73", None)]:
        made[name] = users.add_user(engine, SYSTEM, username=name, password=PASSWORD, role=role,
                                    region_kode=region, agencies=agencies)
    return engine, made, LocalStore(tmp_path_factory.mktemp("evidence"))


def draft(engine, fw, year, answers=None):
    return save_assessment(engine, SYSTEM, region_kode="36.73", year=year, stage="EM",
                           answers=answers or {}, framework=fw, status="draft")


def test_accounts_and_throttled_login(env):
    engine, made, _ = env
    assert users.authenticate(engine, "wf.koord", PASSWORD).role == "coordinator"
    with pytest.raises(users.LoginError, match="wrong username or password"):
        users.authenticate(engine, "wf.koord", "salah")
    with pytest.raises(users.LoginError, match="wrong username or password"):
        users.authenticate(engine, "tidak.ada", PASSWORD)
    cfg = get_settings()
    for _ in range(cfg.login_max_failures):
        with pytest.raises(users.LoginError):
            users.authenticate(engine, "wf.viewer", "salah")
    with pytest.raises(users.LoginError, match=users.LOGIN_FAILED):  # one message for all
        users.authenticate(engine, "wf.viewer", PASSWORD)  # even the right password waits
    later = users.utcnow() + timedelta(minutes=cfg.login_lock_minutes + 1)
    assert users.authenticate(engine, "wf.viewer", PASSWORD, now=later).role == "viewer"
    with pytest.raises(ValueError) as err:
        users.add_user(engine, SYSTEM, username="wf.koord", password="pendek", role="opd",
                       region_kode="99.99")
    msg = str(err.value)
    assert "already exists" in msg and "at least 10" in msg and "unknown region" in msg
    assert "needs at least one agency" in msg
    with Session(engine) as s:
        h = s.exec(text("SELECT password_hash FROM app_user WHERE username='wf.koord'")).one()[0]
    assert h.startswith("$argon2") and PASSWORD not in h


def test_forbidden_actions_are_denied(env, fw):
    engine, u, store = env
    aid = draft(engine, fw, 2031, {"1.P1": 1.0, "12.P1": 0.5})
    metro = save_assessment(engine, SYSTEM, region_kode="18.72", year=2031, stage="EM",
                            answers={"1.P1": 1.0}, framework=fw, status="draft")
    jdih_q, dinkes_q = "1.P1", "12.P1"  # 1.P1: JDIH; Bagian Hukum; DPPPAPPKB — 12.P1: Dinkes
    assert "Dinkes" in fw.questions[dinkes_q].opds and "Dinkes" not in fw.questions[jdih_q].opds
    denied = [
        lambda: ans.save_answer(engine, u["wf.dinkes"], aid, jdih_q, 0.5, "", 1),  # agency
        lambda: ans.save_answer(engine, u["wf.dinkes"], metro, "1.P1", 0.5, "", 1),  # city
        lambda: ans.save_answer(engine, u["wf.koord"], metro, "1.P1", 0.5, "", 1),
        lambda: ans.save_answer(engine, u["wf.verif"], aid, dinkes_q, 1.0, "", 1),  # verifier
        lambda: ans.save_answer(engine, u["wf.viewer"], aid, dinkes_q, 1.0, "", 1),
        lambda: ans.add_evidence(engine, u["wf.jdih"], aid, dinkes_q, "a.pdf", PDF, store),
        lambda: workflow.submit(engine, u["wf.metro"], aid),  # other city's coordinator
        lambda: workflow.submit(engine, u["wf.dinkes"], aid),  # an agency cannot submit
        lambda: workflow.open_stage(engine, u["wf.koord"], "36.73", 2031, "VA"),
        lambda: workflow.open_stage(engine, u["wf.verif18"], "36.73", 2031, "VA"),
        lambda: ans.set_agencies(engine, u["wf.dinkes"], "36.73", fw, jdih_q, ["Dinkes"]),
    ]
    for i, action in enumerate(denied):
        with pytest.raises(PermissionDenied):
            action()
            pytest.fail(f"action #{i} was allowed")
    assert ans.save_answer(engine, u["wf.dinkes"], aid, dinkes_q, 1.0, "", 1) == 2
    # the coordinator hands 1.P1 to Dinkes: now Dinkes may answer it
    ans.set_agencies(engine, u["wf.koord"], "36.73", fw, jdih_q, ["Dinkes"])
    assert ans.save_answer(engine, u["wf.dinkes"], aid, jdih_q, 0.5, "", 1) == 2
    with Session(engine) as s:  # a submitted stage is locked for the city
        s.exec(update(Assessment).where(Assessment.id == aid).values(status="submitted"))
        s.commit()
    with pytest.raises(PermissionDenied, match="locked for the city"):
        ans.save_answer(engine, u["wf.koord"], aid, dinkes_q, 0.0, "", 2)
    with pytest.raises(PermissionDenied, match="locked for the city"):
        ans.add_evidence(engine, u["wf.dinkes"], aid, dinkes_q, "a.pdf", PDF, store)


def test_optimistic_locking_conflict_message(env, fw):
    engine, u, _ = env
    aid = draft(engine, fw, 2032, {"12.P1": 0.25})
    assert ans.save_answer(engine, u["wf.dinkes"], aid, "12.P1", 0.5, "Dinkes", 1) == 2
    with pytest.raises(ans.Conflict) as c:
        ans.save_answer(engine, u["wf.koord"], aid, "12.P1", 1.0, "koord", 1)
    assert (c.value.credit, c.value.by, c.value.version) == (0.5, "wf.dinkes", 2)
    assert "wf.dinkes saved it first" in str(c.value)
    assert ans.answer_states(engine, SYSTEM, aid)["12.P1"].credit == 0.5  # nothing overwritten


@pytest.mark.parametrize("writers,rounds", [(6, 15)])
def test_concurrent_writers_lose_no_update(env, fw, writers, rounds):
    engine, u, _ = env
    aid = draft(engine, fw, 2033, {"12.P1": 0.0})
    applied, conflicts, errors = [], [], []
    lock = threading.Lock()

    def work(n):
        for r in range(rounds):
            state = ans.answer_states(engine, SYSTEM, aid)["12.P1"]
            credit = round(((n * rounds + r) % 100) / 100, 2)
            try:
                v = ans.save_answer(engine, u["wf.koord"], aid, "12.P1", credit, f"w{n}r{r}",
                                    state.version)
                with lock:
                    applied.append((v, credit))
            except ans.Conflict:
                with lock:
                    conflicts.append(n)
            except Exception as exc:  # noqa: BLE001
                errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(applied) + len(conflicts) == writers * rounds
    final = ans.answer_states(engine, SYSTEM, aid)["12.P1"]
    assert final.version == 1 + len(applied)  # every accepted write is a new version
    assert sorted(v for v, _ in applied) == list(range(2, final.version + 1))  # no duplicates
    assert dict(applied)[final.version] == final.credit  # the last accepted write is stored
    with engine.connect() as conn:
        n_audit = conn.execute(select(func.count()).select_from(AuditLog).where(
            AuditLog.assessment_id == aid, AuditLog.action == "answer.save")).scalar_one()
    assert n_audit == len(applied)


def test_evidence_checked_stored_once_and_history_kept(env, fw):
    engine, u, store = env
    aid = draft(engine, fw, 2034, {"12.P1": 1.0})
    first = ans.add_evidence(engine, u["wf.dinkes"], aid, "12.P1", "../../SK Dinkes.pdf", PDF,
                             store)
    again = ans.add_evidence(engine, u["wf.dinkes"], aid, "12.P1", "salinan.pdf", PDF, store)
    assert first["new_file"] and not again["new_file"] and first["sha256"] == again["sha256"]
    # the same file on the same answer again (a second click): one row, one audit entry
    assert again["duplicate"] and again["id"] == first["id"] and not first["duplicate"]
    assert again["name"] == "SK Dinkes.pdf"
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(AuditLog).where(
            AuditLog.assessment_id == aid, AuditLog.action == "evidence.add")).scalar_one() == 1
    other = draft(engine, fw, 2036, {"12.P1": 1.0})  # the same file on another answer: a row
    assert not ans.add_evidence(engine, u["wf.dinkes"], other, "12.P1", "a.pdf", PDF,
                                store)["duplicate"]
    assert first["name"] == "SK Dinkes.pdf"
    files = [p for p in store.root.rglob("*") if p.is_file()]
    assert [p.name for p in files] == [first["sha256"]]
    for name, data, reason in [
            ("virus.pdf", b"MZ\x90\x00" + b"\x00" * 200, "accepted: PDF"),
            ("foto.pdf", PNG, "the name says .pdf but the content is PNG"),
            ("kosong.pdf", b"", "empty"),
            ("besar.pdf", PDF + b"0" * (26 * 1024 * 1024), "over the limit of 25 MB")]:
        with pytest.raises(EvidenceError, match=reason):
            ans.add_evidence(engine, u["wf.dinkes"], aid, "12.P1", name, data, store)
    assert ans.add_evidence(engine, u["wf.dinkes"], aid, "12.P1", "foto.png", PNG,
                            store)["media_type"] == "image/png"
    with pytest.raises(ValueError, match="save an answer before attaching"):
        ans.add_evidence(engine, u["wf.dinkes"], aid, "12.P2", "a.pdf", PDF, store)
    ans.delete_evidence(engine, u["wf.dinkes"], first["id"])
    live = ans.list_evidence(engine, SYSTEM, aid)
    every = ans.list_evidence(engine, SYSTEM, aid, include_deleted=True)
    assert first["id"] not in {e["id"] for e in live} and len(every) == 2
    gone = next(e for e in every if e["id"] == first["id"])
    assert gone["deleted_by"] == "wf.dinkes" and gone["deleted_at"] is not None
    # a deleted file may be attached again: a new row
    back = ans.add_evidence(engine, u["wf.dinkes"], aid, "12.P1", "SK Dinkes.pdf", PDF, store)
    assert not back["duplicate"] and back["id"] != first["id"]


def test_audit_log_is_append_only(env):
    engine, _, _ = env
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(AuditLog)).scalar_one() > 0
        for stmt in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text(stmt))
            conn.rollback()


def test_gate_stages_review_and_revision(env, fw):
    engine, u, store = env
    aid = draft(engine, fw, 2035, {"12.P1": 1.0})
    with pytest.raises(workflow.GateError) as gate:
        workflow.submit(engine, u["wf.koord"], aid)
    problems = {i.question_id: i.problem for i in gate.value.items}
    assert problems["12.P1"] == NO_EVIDENCE and problems["1.P1"] == UNANSWERED
    answers = {q: 0.0 for q in fw.questions if fw.questions[q].max > 0}
    answers["12.P1"] = 1.0
    aid = draft(engine, fw, 2035, answers)
    ans.add_evidence(engine, u["wf.dinkes"], aid, "12.P1", "data.pdf", PDF, store)
    workflow.submit(engine, u["wf.koord"], aid)
    with pytest.raises(PermissionDenied):
        ans.save_answer(engine, u["wf.dinkes"], aid, "12.P1", 0.5, "", 1)

    va = workflow.open_stage(engine, u["wf.verif"], "36.73", 2035, "VA")
    assert ans.answer_states(engine, SYSTEM, va)["12.P1"].credit == 1.0  # copied forward
    with pytest.raises(ValueError, match="a reason is required"):
        workflow.review_answer(engine, u["wf.verif"], va, "12.P1", "reject")
    workflow.review_answer(engine, u["wf.verif"], va, "12.P1", "reject",
                           reason="data tahun 2024 belum ada")
    assert ans.answer_states(engine, SYSTEM, va)["12.P1"].credit == 0.0
    assert ans.answer_states(engine, SYSTEM, aid)["12.P1"].credit == 1.0  # EM keeps its own credit
    deadline = workflow.request_revision(engine, u["wf.verif"], va)
    left = time_left(deadline, utcnow())
    assert timedelta(hours=47) < left <= timedelta(hours=48)
    seen = workflow.reviews_for_year(engine, SYSTEM, "36.73", 2035)["12.P1"]
    assert (seen["decision"], seen["reason"], seen["stage"]) == (
        "reject", "data tahun 2024 belum ada", "VA")
    assert ans.save_answer(engine, u["wf.dinkes"], aid, "12.P1", 0.75, "data dilengkapi",
                           1) == 2
    with Session(engine) as s:  # the revision window closes
        s.exec(update(Assessment).where(Assessment.id == aid)
               .values(revision_deadline=users.utcnow() - timedelta(minutes=1)))
        s.commit()
    with pytest.raises(PermissionDenied, match="deadline has passed"):
        ans.save_answer(engine, u["wf.dinkes"], aid, "12.P1", 1.0, "", 2)
    workflow.complete_stage(engine, u["wf.verif"], va)
    with pytest.raises(workflow.StageError):
        workflow.review_answer(engine, u["wf.verif"], va, "12.P1", "accept")
    vl = workflow.open_stage(engine, u["wf.verif"], "36.73", 2035, "VL")
    assert ans.answer_states(engine, SYSTEM, vl)["12.P1"].credit == 0.0
    with Session(engine) as s:
        ev = s.exec(select(func.count()).select_from(Evidence)).scalar_one()
    assert ev >= 1


def test_every_write_changes_the_data_version(env, fw):
    """Pages cache what they read per data version: a write anywhere must show on the next
    rerun, a read must not throw the caches away."""
    from kla.services.assessments import data_version, list_assessments

    engine, u, _ = env
    seen = [data_version(engine)]

    def changed() -> bool:
        seen.append(data_version(engine))
        return seen[-1] != seen[-2]

    aid = draft(engine, fw, 2035, {"12.P1": 0.25})
    assert changed()  # a new assessment
    ans.save_answer(engine, u["wf.dinkes"], aid, "12.P1", 0.5, "", 1)
    assert changed()  # an answer
    ans.set_agencies(engine, u["wf.koord"], "36.73", fw, "12.P1", ["Dinkes", "Bappeda"])
    assert changed()  # an agency assignment
    ans.answer_states(engine, SYSTEM, aid)
    list_assessments(engine, SYSTEM, "36.73")
    assert not changed()  # reads
    save_assessment(engine, SYSTEM, region_kode="36.73", year=2035, stage="EM", answers={"12.P1": 1.0},
                    framework=fw, status="draft", replace=True)
    assert changed()  # an assessment replaced
