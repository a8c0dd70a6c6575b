"""A done action's file, on SQLite and PostgreSQL: kept with the action (by sha256 in the
evidence store), refused like any upload (nothing written, the status included), attached to
its questions' answers when the coordinator applies the credits or the agency applies one
question, readable only inside the reader's scope; and the plan as a workbook."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from kla.domain.action_plan import progress
from kla.domain.framework import get_framework
from kla.i18n import describe
from kla.io.plan_workbook import plan_workbook
from kla.services import action_plan, answers, exports
from kla.services.action_plan import ActionError
from kla.services.assessments import save_assessment
from kla.services.permissions import SYSTEM, Actor, PermissionDenied
from kla.store.db import engine_for
from kla.store.models import AuditLog
from tests.conftest import BACKENDS
from tests.evidence_files import pdf_bytes

pytestmark = pytest.mark.store

SERANG, METRO = "36.73", "18.72"
YEAR = 2048
FW = get_framework("kla-2024")
COORD = Actor("t.koord", "coordinator", SERANG)
METRO_COORD = Actor("t.metro", "coordinator", METRO)
DINKES = Actor("t.dinkes", "opd", SERANG, ("Dinkes",))
DISDIK = Actor("t.disdik", "opd", SERANG, ("Disdik",))
DINKES_Q = "12.P1"  # assigned to Dinkes
PDF = pdf_bytes()


@pytest.fixture(scope="module", params=BACKENDS)
def engine(request, seeded_copy):
    url = seeded_copy(request.param)
    eng = engine_for(url)
    save_assessment(eng, SYSTEM, region_kode=SERANG, year=YEAR, stage="EM", framework=FW,
                    answers=dict.fromkeys(FW.questions, 0.5), status="draft")
    return eng


def em(engine):
    return exports.find_assessment(engine, SYSTEM, SERANG, YEAR, "EM")


def audits(engine, action: str) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(AuditLog)
                            .where(AuditLog.action == action)).scalar_one()


def files_of(engine, info, qid: str) -> list[str]:
    return [e["name"] for e in answers.list_evidence(engine, SYSTEM, info.id)
            if e["question_id"] == qid]


def new_action(engine, title: str, credits: dict, opd: str = "Dinkes") -> int:
    return action_plan.create_action(engine, COORD, SERANG, YEAR, FW, {
        "title": title, "opd": opd, "due_date": date(2026, 6, 30)}, credits)


def test_a_done_action_keeps_its_file_and_apply_attaches_it(engine):
    info = em(engine)
    aid = new_action(engine, "Perwal KLA terbit", {"3.P1a": 1.0, "3.P3": 1.0})
    action_plan.set_status(engine, COORD, aid, "selesai", 1, "Perwal No. 7/2026",
                           ("perwal kla.pdf", PDF))
    got = action_plan.get_action(engine, COORD, aid)
    assert got["evidence"]["name"] == "perwal kla.pdf" and got["evidence"]["size"] == len(PDF)
    assert action_plan.action_evidence_stored(engine, COORD, aid)
    assert action_plan.read_action_evidence(engine, COORD, aid)[2] == PDF
    with pytest.raises(ActionError):  # another city: the same answer as "no file"
        action_plan.read_action_evidence(engine, METRO_COORD, aid)
    assert not action_plan.action_evidence_stored(engine, METRO_COORD, aid)

    before = audits(engine, "evidence.add")
    written = action_plan.apply_done_credits(engine, COORD, SERANG, YEAR)
    assert written == {"3.P1a": 1.0, "3.P3": 1.0}
    assert files_of(engine, info, "3.P1a") == ["perwal kla.pdf"]
    assert files_of(engine, info, "3.P3") == ["perwal kla.pdf"]
    assert audits(engine, "evidence.add") == before + 2
    # the file is read through the answer like any other evidence
    ev = next(e for e in answers.list_evidence(engine, SYSTEM, info.id)
              if e["question_id"] == "3.P1a")
    assert answers.read_evidence(engine, COORD, ev["id"])[2] == PDF and not ev["missing"]


def test_a_refused_file_writes_nothing_not_even_the_status(engine):
    aid = new_action(engine, "Berkas rusak", {"3.P2": 1.0})
    before = action_plan.get_action(engine, COORD, aid)
    with pytest.raises(ValueError) as exc:
        action_plan.set_status(engine, COORD, aid, "selesai", 1, "catatan",
                               ("bukti.pdf", b"%PDF-1.4 this is not a pdf"))
    assert "bukti.pdf" in describe(exc.value, "id")
    after = action_plan.get_action(engine, COORD, aid)
    assert (after["status"], after["version"], after["evidence"], after["evidence_note"]) == \
        (before["status"], before["version"], None, before["evidence_note"])


def test_the_agency_applies_one_question_with_the_file(engine):
    info = em(engine)
    aid = new_action(engine, "Data gizi balita", {DINKES_Q: 1.0})
    with pytest.raises(ActionError) as exc:  # not done yet
        action_plan.apply_question(engine, DINKES, aid, DINKES_Q, None)
    assert "belum selesai" in describe(exc.value, "id")
    action_plan.set_status(engine, DINKES, aid, "selesai", 1, "", ("gizi.pdf", PDF))
    state = answers.answer_states(engine, SYSTEM, info.id)[DINKES_Q]
    with pytest.raises(PermissionDenied):  # another agency
        action_plan.apply_question(engine, DISDIK, aid, DINKES_Q, state.version)
    with pytest.raises(PermissionDenied):  # another city
        action_plan.apply_question(engine, METRO_COORD, aid, DINKES_Q, state.version)
    with pytest.raises(ActionError):  # a question that is not in the action
        action_plan.apply_question(engine, DINKES, aid, "3.P2", state.version)
    with pytest.raises(ActionError) as race:  # a stale version: nothing written
        action_plan.apply_question(engine, DINKES, aid, DINKES_Q, state.version - 1)
    assert answers.answer_states(engine, SYSTEM, info.id)[DINKES_Q] == state
    assert "berubah" in describe(race.value, "id")
    v = action_plan.apply_question(engine, DINKES, aid, DINKES_Q, state.version)
    assert v == state.version + 1
    assert answers.answer_states(engine, SYSTEM, info.id)[DINKES_Q].credit == 1.0
    assert files_of(engine, info, DINKES_Q) == ["gizi.pdf"]
    with pytest.raises(ActionError) as again:
        action_plan.apply_question(engine, DINKES, aid, DINKES_Q, v)
    assert "sudah" in describe(again.value, "id")


def test_the_plan_workbook_has_summary_actions_and_questions(engine):
    info = em(engine)
    actions = action_plan.list_actions(engine, COORD, SERANG, YEAR)
    credits = {q: s.credit for q, s in answers.answer_states(engine, SYSTEM, info.id).items()}
    prog = progress(FW, credits, actions, "Madya")
    today = date(2026, 12, 1)
    for lang, sheets in (("id", ["Ringkasan", "Kegiatan", "Pertanyaan"]),
                         ("en", ["Summary", "Actions", "Questions"])):
        wb = load_workbook(io.BytesIO(plan_workbook(FW, actions, prog, region="Kota Serang",
                                                    year=YEAR, lang=lang, today=today)))
        assert wb.sheetnames == sheets
        rows = list(wb[sheets[1]].iter_rows(min_row=2, values_only=True))
        assert len(rows) == len(actions)
        by_title = {r[1]: r for r in rows}
        perwal = by_title["Perwal KLA terbit"]
        assert perwal[6].date() == date(2026, 6, 30)  # a real date Excel sorts
        assert perwal[12] == "perwal kla.pdf"
        q = [r for r in wb[sheets[2]].iter_rows(min_row=2, values_only=True)
             if r[2] == "3.P1a"]
        assert q and q[0][8] == pytest.approx(FW.questions["3.P1a"].max)
        summary = dict(wb[sheets[0]].iter_rows(min_row=2, values_only=True))
        assert summary["Kabupaten/kota" if lang == "id" else "Regency/city"] == "Kota Serang"
