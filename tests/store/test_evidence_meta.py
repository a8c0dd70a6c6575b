"""Evidence with validity (kla/services/evidence_meta.py) on SQLite and PostgreSQL: document
details are set and read back, audited old → new; a refused input writes nothing (no audit
row); another city gets the answer a missing file gets (no existence oracle); an opd of
another agency and a locked stage are refused; the states of the questions of a built
assessment; the report per question and per agency; details saved with the upload."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from kla.domain import validity as v
from kla.i18n import describe
from kla.services import answers, evidence_meta
from kla.services.assessments import save_assessment
from kla.services.permissions import SYSTEM, Actor, PermissionDenied
from kla.store.db import engine_for
from kla.store.evidence import LocalStore
from kla.store.models import Assessment, AuditLog, Evidence
from tests.evidence_files import pdf_bytes

pytestmark = pytest.mark.store

SERANG, METRO = "36.73", "18.72"
KOORD = Actor("vm.koord", "coordinator", SERANG)
DINKES = Actor("vm.dinkes", "opd", SERANG, ("Dinkes",))
METRO_KOORD = Actor("vm.metro", "coordinator", METRO)
VIEWER = Actor("vm.viewer", "viewer", SERANG)
# Dinkes: 13.P3 asks two years of data; 25.P7a asks nothing; 12.P1 asks a document;
# 1.P3r asks a budget; 1.P1 (a Perda) is not Dinkes's
TWO_YEARS_Q, NOTHING_Q, DOC_Q, BUDGET_Q, OTHER_Q = "13.P3", "25.P7a", "12.P1", "1.P3r", "1.P1"
YEAR = 2045


@pytest.fixture(scope="module")
def env(seeded_url, tmp_path_factory):
    return engine_for(seeded_url), LocalStore(tmp_path_factory.mktemp("evidence")), \
        itertools.count(2060)


def build(engine, fw, year: int, answers_: dict[str, float] | None = None,
          status: str = "draft", region: str = SERANG) -> int:
    base = {TWO_YEARS_Q: 1.0, NOTHING_Q: 1.0, DOC_Q: 1.0, BUDGET_Q: 1.0, OTHER_Q: 1.0}
    return save_assessment(engine, SYSTEM, region_kode=region, year=year, stage="EM",
                           answers=answers_ if answers_ is not None else base, framework=fw,
                           status=status)


def attach(engine, store, aid, qid, tag, meta=None, actor=SYSTEM) -> int:
    return answers.add_evidence(engine, actor, aid, qid, f"{tag}.pdf", pdf_bytes(tag),
                                files=store, meta=meta)["id"]


def audit_count(engine, action: str | None = None) -> int:
    stmt = select(func.count()).select_from(AuditLog)
    if action:
        stmt = stmt.where(AuditLog.action == action)
    with engine.connect() as conn:
        return conn.execute(stmt).scalar_one()


def stored(engine, evidence_id: int) -> v.Meta:
    with Session(engine) as s:
        return v.Meta.of(s.get(Evidence, evidence_id))


def updated_at(engine, aid):
    with Session(engine) as s:
        return s.get(Assessment, aid).updated_at


def test_set_and_read_back_audited(env, fw):
    engine, store, _ = env
    aid = build(engine, fw, YEAR)
    ev = attach(engine, store, aid, TWO_YEARS_Q, "data-dinkes")
    assert evidence_meta.file_meta(engine, KOORD, aid)[ev]["meta"].empty
    before, touched = audit_count(engine, "evidence.meta"), updated_at(engine, aid)
    got = evidence_meta.set_metadata(engine, DINKES, ev, doc_type="data",
                                     doc_number="440/12/Dinkes", signed_on=date(2045, 2, 1),
                                     data_years="2043, 2044", is_signed=True)
    want = v.Meta("data", "440/12/Dinkes", date(2045, 2, 1), None, (2043, 2044), True)
    assert got == want and stored(engine, ev) == want
    info = evidence_meta.file_meta(engine, VIEWER, aid)[ev]  # a viewer of the city reads it
    assert info["meta"] == want and info["flags"] == [] and info["question_id"] == TWO_YEARS_Q
    assert audit_count(engine, "evidence.meta") == before + 1
    assert updated_at(engine, aid) >= touched
    with Session(engine) as s:
        row = s.exec(select(AuditLog).where(AuditLog.action == "evidence.meta")
                     .order_by(AuditLog.id.desc())).scalars().first()
    assert row.actor == "vm.dinkes" and row.assessment_id == aid
    assert row.detail["data_years"] == [[], [2043, 2044]]
    assert row.detail["doc_type"] == [None, "data"] and "valid_until" not in row.detail
    # the same details again: nothing changes, nothing is recorded
    evidence_meta.set_metadata(engine, DINKES, ev, doc_type="data", doc_number="440/12/Dinkes",
                               signed_on="2045-02-01", data_years=[2044, 2043], is_signed=True)
    assert audit_count(engine, "evidence.meta") == before + 1
    # cleared again: every field back to "not stated"
    evidence_meta.set_metadata(engine, KOORD, ev)
    assert stored(engine, ev).empty and audit_count(engine, "evidence.meta") == before + 2


def test_a_refusal_writes_nothing(env, fw):
    engine, store, years = env
    aid = build(engine, fw, next(years))
    ev = attach(engine, store, aid, TWO_YEARS_Q, "ditolak")
    evidence_meta.set_metadata(engine, KOORD, ev, doc_type="sk", doc_number="1")
    before, kept = audit_count(engine), stored(engine, ev)
    with pytest.raises(v.MetaError) as err:
        evidence_meta.set_metadata(engine, KOORD, ev, doc_type="sk", doc_number="2",
                                   signed_on="2045-05-01", valid_until="2045-01-01",
                                   data_years="20xx")
    assert len(err.value.errors) == 2
    assert "Berlaku sampai" in describe(err.value, "id")
    assert "Data years: '20xx' is not a year" in describe(err.value, "en")
    assert stored(engine, ev) == kept and audit_count(engine) == before


def test_another_city_cannot_and_learns_nothing(env, fw):
    engine, store, years = env
    aid = build(engine, fw, next(years))
    ev = attach(engine, store, aid, DOC_Q, "rahasia")
    before = audit_count(engine)
    with pytest.raises(PermissionDenied) as there:
        evidence_meta.set_metadata(engine, METRO_KOORD, ev, doc_type="sk")
    with pytest.raises(PermissionDenied) as nowhere:
        evidence_meta.set_metadata(engine, METRO_KOORD, 10**9, doc_type="sk")
    # the same answer whether the file exists in another city or not at all (id aside)
    assert describe(there.value).replace(str(ev), "N") == \
        describe(nowhere.value).replace(str(10**9), "N")
    with pytest.raises(PermissionDenied):
        evidence_meta.question_states(engine, METRO_KOORD, aid)
    with pytest.raises(PermissionDenied):
        evidence_meta.validity_report(engine, METRO_KOORD, aid)
    with pytest.raises(PermissionDenied):
        evidence_meta.file_meta(engine, METRO_KOORD, aid)
    assert stored(engine, ev).empty and audit_count(engine) == before


def test_opd_of_another_agency_viewer_and_locked_stage_are_refused(env, fw):
    engine, store, years = env
    aid = build(engine, fw, next(years))
    other = attach(engine, store, aid, OTHER_Q, "perda-jdih")
    before = audit_count(engine)
    for actor in (DINKES, VIEWER):
        with pytest.raises(PermissionDenied):
            evidence_meta.set_metadata(engine, actor, other, doc_type="perda")
    locked = build(engine, fw, next(years))
    ev = attach(engine, store, locked, DOC_Q, "terkunci")
    with Session(engine) as s:
        a = s.get(Assessment, locked)
        a.status = "submitted"
        s.add(a)
        s.commit()
    before = audit_count(engine)
    for actor in (KOORD, DINKES):
        with pytest.raises(PermissionDenied):
            evidence_meta.set_metadata(engine, actor, ev, doc_type="sk")
    assert stored(engine, other).empty and stored(engine, ev).empty
    assert audit_count(engine) == before
    evidence_meta.set_metadata(engine, SYSTEM, ev, doc_type="sk")  # an admin still may
    assert stored(engine, ev).doc_type == "sk"


def test_a_deleted_file_keeps_its_details(env, fw):
    engine, store, years = env
    aid = build(engine, fw, next(years))
    ev = attach(engine, store, aid, DOC_Q, "dihapus")
    answers.delete_evidence(engine, KOORD, ev)
    with pytest.raises(ValueError) as err:
        evidence_meta.set_metadata(engine, KOORD, ev, doc_type="sk")
    assert "dihapus" in describe(err.value, "id")
    assert ev not in evidence_meta.file_meta(engine, KOORD, aid)


def test_question_states_of_a_built_assessment(env, fw):
    engine, store, years = env
    year = next(years)
    aid = build(engine, fw, year, {TWO_YEARS_Q: 1.0, NOTHING_Q: 0.5, DOC_Q: 1.0,
                                   BUDGET_Q: 0.0, OTHER_Q: 0.75, "14.P10": 1.0})
    attach(engine, store, aid, TWO_YEARS_Q, "data-lama",
           meta={"doc_type": "data", "data_years": f"{year - 3}, {year - 2}"})
    attach(engine, store, aid, BUDGET_Q, "dpa", meta={"doc_type": "anggaran",
                                                      "data_years": str(year - 3)})
    attach(engine, store, aid, OTHER_Q, "perda-lama",
           meta={"doc_type": "perda", "valid_until": date(year - 1, 12, 31)})
    attach(engine, store, aid, OTHER_Q, "perda-rancangan",
           meta={"doc_type": "perda", "is_signed": False})
    attach(engine, store, aid, "14.P10", "foto-kegiatan")  # no details: unknown, not flagged
    states = evidence_meta.question_states(engine, DINKES, aid)
    assert set(states) == set(fw.questions)
    assert set(states.values()) <= set(v.STATES)
    assert states[TWO_YEARS_Q] == v.FLAGGED
    assert states[NOTHING_Q] == v.NOT_REQUIRED
    assert states[DOC_Q] == v.MISSING
    assert states[BUDGET_Q] == v.UNCLAIMED  # credit 0: its stale budget does not matter
    assert states[OTHER_Q] == v.FLAGGED  # expired and unsigned: no file free of flags
    assert states["14.P10"] == v.FINE
    assert states["2.P7"] == v.UNCLAIMED  # not answered
    # a good second file makes the question fine
    attach(engine, store, aid, TWO_YEARS_Q, "data-baru",
           meta={"doc_type": "data", "data_years": [year - 2, year - 1]})
    assert evidence_meta.question_states(engine, KOORD, aid)[TWO_YEARS_Q] == v.FINE

    report = evidence_meta.validity_report(engine, KOORD, aid, lang="en")
    flags = {(r["question_id"], r["file"], r["flag"]) for r in report["rows"]}
    assert (OTHER_Q, "perda-lama.pdf", "expired") in flags
    assert (OTHER_Q, "perda-rancangan.pdf", "unsigned") in flags
    assert (TWO_YEARS_Q, "data-lama.pdf", "stale_data") in flags  # the file keeps its flag
    assert (DOC_Q, "", "missing") in flags
    assert not any(r["question_id"] == BUDGET_Q for r in report["rows"])  # credit 0
    expired = next(r for r in report["rows"] if r["flag"] == "expired")
    assert expired["reason"] == (f"Local regulation (Perda) valid until 31 Dec {year - 1}, "
                                 f"before evaluation year {year} began — expired")
    assert report["totals"]["no_metadata"] == 1 and report["totals"]["files"] == 6
    dinkes = next(g for g in report["agencies"] if g["agency"] == "Dinkes")
    assert dinkes["missing"] == 1  # 12.P1
    assert dinkes["no_metadata"] == 1  # the photo of 14.P10
    jdih = next(g for g in report["agencies"] if g["agency"] == "JDIH")
    assert (jdih["flagged"], jdih["flagged_files"], jdih["files"]) == (1, 2, 2)
    untranslated = evidence_meta.validity_report(engine, KOORD, aid)["rows"][0]["reason"]
    assert untranslated.render("id") != untranslated.key  # a Msg for the reader's language


def test_details_saved_with_the_upload(env, fw):
    engine, store, years = env
    year = next(years)
    aid = build(engine, fw, year)
    before = audit_count(engine)
    ev = attach(engine, store, aid, DOC_Q, "sk-gugus", actor=DINKES,
                meta={"doc_type": "sk", "doc_number": "188/45", "signed_on": f"{year}-01-05",
                      "valid_until": None, "data_years": "", "is_signed": True})
    assert stored(engine, ev) == v.Meta("sk", "188/45", date(year, 1, 5), None, (), True)
    assert audit_count(engine) == before + 2  # evidence.add and evidence.meta, one commit
    # bad details: no row, no audit, no stored bytes
    data = pdf_bytes("ditolak-unggah")
    with Session(engine) as s:
        rows = s.exec(select(func.count()).select_from(Evidence)).scalar_one()
    before = audit_count(engine)
    with pytest.raises(v.MetaError):
        answers.add_evidence(engine, DINKES, aid, DOC_Q, "x.pdf", data, files=store,
                             meta={"doc_type": "surat", "data_years": "1800"})
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Evidence)).scalar_one() == rows
    assert audit_count(engine) == before
    import hashlib
    assert not store.path(store.key_for(hashlib.sha256(data).hexdigest())).exists()
    # the same file again with new details updates the file already there
    res = answers.add_evidence(engine, DINKES, aid, DOC_Q, "sk-gugus.pdf", pdf_bytes("sk-gugus"),
                               files=store, meta={"doc_type": "sk", "is_signed": False})
    assert res["duplicate"] and res["id"] == ev
    assert stored(engine, ev) == v.Meta("sk", is_signed=False)
    # without meta, add_evidence behaves as before
    plain = attach(engine, store, aid, DOC_Q, "tanpa-keterangan")
    assert stored(engine, plain).empty


def test_a_verification_stage_judges_the_files_of_the_self_assessment(env, fw):
    engine, store, years = env
    year = next(years)
    credits = {TWO_YEARS_Q: 1.0, DOC_Q: 1.0, NOTHING_Q: 0.5}
    em = build(engine, fw, year, credits, status="draft")
    attach(engine, store, em, TWO_YEARS_Q, "data-va",
           meta={"doc_type": "data", "data_years": str(year - 1)})
    with Session(engine) as s:
        a = s.get(Assessment, em)
        a.status = "submitted"
        s.add(a)
        s.commit()
    va = save_assessment(engine, SYSTEM, region_kode=SERANG, year=year, stage="VA",
                         answers={**credits, DOC_Q: 0.0}, framework=fw, status="in_review")
    states = evidence_meta.question_states(engine, Actor("vm.verif", "verifier", "36"), va)
    assert states[TWO_YEARS_Q] == v.FLAGGED  # the EM file, judged for the VA credit
    assert states[DOC_Q] == v.UNCLAIMED  # the verifier set it to 0
    assert states[NOTHING_Q] == v.NOT_REQUIRED
