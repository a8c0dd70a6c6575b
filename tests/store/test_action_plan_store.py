"""RAD KLA action plan on SQLite and PostgreSQL: create, validate, update with version
check, status by the agency of the action's OPD only, add from gaps and the cheapest path,
apply done credits through the answer service (moves the stored score), the permission
refusals (another city, another agency, viewer) and a locked stage."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from kla.domain.framework import get_framework
from kla.i18n import describe
from kla.services import action_plan, answers, assessments, exports, workflow
from kla.services.action_plan import ActionConflict, ActionError
from kla.services.assessments import list_assessments, save_assessment
from kla.services.permissions import SYSTEM, Actor, PermissionDenied
from kla.store.db import engine_for
from kla.store.models import AssessmentScore, AuditLog
from tests.conftest import BACKENDS

pytestmark = pytest.mark.store

SERANG, METRO = "36.73", "18.72"
YEAR = 2046
FW = get_framework("kla-2024")
COORD = Actor("t.koord", "coordinator", SERANG)
METRO_COORD = Actor("t.metro", "coordinator", METRO)
DINKES = Actor("t.dinkes", "opd", SERANG, ("Dinkes",))
DISDIK = Actor("t.disdik", "opd", SERANG, ("Disdik",))
VIEWER = Actor("t.viewer", "viewer", SERANG)
VERIFIER = Actor("t.verif", "verifier", "36")


@pytest.fixture(scope="module", params=BACKENDS)
def engine(request, seeded_copy):
    url = seeded_copy(request.param)
    eng = engine_for(url)
    save_assessment(eng, SYSTEM, region_kode=SERANG, year=YEAR, stage="EM", framework=FW,
                    answers=dict.fromkeys(FW.questions, 0.5), status="draft")
    return eng


def fields(**kw) -> dict:
    return {"title": "Perwal KLA", "opd": "Dinkes", "budget_rp": 25_000_000,
            "apbd_ref": "1.02.01 Program pemenuhan upaya kesehatan",
            "start_date": date(2026, 1, 10), "due_date": date(2026, 6, 30), **kw}


def audits(engine, action: str) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(AuditLog)
                            .where(AuditLog.action == action)).scalar_one()


def stored_total(engine, info) -> float:
    with engine.connect() as conn:
        return conn.execute(select(AssessmentScore.total)
                            .where(AssessmentScore.assessment_id == info.id)).scalar_one()


def em(engine):
    return exports.find_assessment(engine, SYSTEM, SERANG, YEAR, "EM")


def test_create_list_update_and_version_conflict(engine):
    before = audits(engine, "action.create")
    aid = action_plan.create_action(engine, COORD, SERANG, YEAR, FW, fields(),
                                    {"12.P1": 1.0, "12.P2": 0.75})
    assert audits(engine, "action.create") == before + 1
    got = action_plan.get_action(engine, COORD, aid)
    assert got["status"] == "rencana" and got["version"] == 1
    assert got["credits"] == {"12.P1": 1.0, "12.P2": 0.75}
    assert got["budget_rp"] == 25_000_000 and got["due_date"] == date(2026, 6, 30)
    assert aid in [a["id"] for a in action_plan.list_actions(engine, VIEWER, SERANG, YEAR)]
    assert action_plan.list_actions(engine, METRO_COORD, SERANG, YEAR) == []  # not visible

    v2 = action_plan.update_action(engine, COORD, aid, FW, fields(budget_rp=30_000_000),
                                   {"12.P1": 1.0}, 1)
    assert v2 == 2
    assert action_plan.get_action(engine, COORD, aid)["credits"] == {"12.P1": 1.0}
    with pytest.raises(ActionConflict) as exc:  # someone else saved version 2 meanwhile
        action_plan.update_action(engine, COORD, aid, FW, fields(title="lama"), {}, 1)
    assert "t.koord" in str(exc.value) and "versi 2" in describe(exc.value, "id")
    assert action_plan.get_action(engine, COORD, aid)["title"] == "Perwal KLA"


def test_validation_names_each_field_by_its_label(engine):
    with pytest.raises(ActionError) as exc:
        action_plan.create_action(engine, COORD, SERANG, YEAR, FW, fields(
            title="  ", budget_rp=-5, start_date=date(2026, 5, 1), due_date=date(2026, 4, 1)),
            {"12.P1": 0.3, "99.P9": 1.0})
    id_text = describe(exc.value, "id")
    assert "Judul kegiatan wajib diisi" in id_text
    assert "Anggaran (Rp)" in id_text and "-5" in id_text
    assert "Tenggat (2026-04-01) tidak boleh sebelum Tanggal mulai (2026-05-01)" in id_text
    assert "Kredit yang diharapkan untuk pertanyaan 12.P1" in id_text
    assert "99.P9 bukan bagian dari instrumen kla-2024" in id_text
    en_text = describe(exc.value, "en")
    assert "Action title is required" in en_text and "Budget (Rp)" in en_text
    assert len(exc.value.errors) == 5


def test_opd_changes_status_of_its_own_opd_only_viewer_and_other_city_refused(engine):
    aid = action_plan.create_action(engine, COORD, SERANG, YEAR, FW, fields(title="Posyandu"),
                                    {"12.P3": 1.0})
    v = action_plan.set_status(engine, DINKES, aid, "berjalan", 1, "SK kepala dinas")
    assert v == 2 and action_plan.get_action(engine, VIEWER, aid)["evidence_note"] == \
        "SK kepala dinas"
    for who in (DISDIK, VIEWER, METRO_COORD, VERIFIER):
        with pytest.raises(PermissionDenied):
            action_plan.set_status(engine, who, aid, "selesai", 2)
    with pytest.raises(PermissionDenied) as exc:
        action_plan.set_status(engine, DISDIK, aid, "selesai", 2)
    assert "Dinkes" in describe(exc.value, "id") and "Disdik" in describe(exc.value, "id")
    for who in (DINKES, VIEWER, METRO_COORD, VERIFIER):  # fields and deletion: coordinator
        with pytest.raises(PermissionDenied):
            action_plan.update_action(engine, who, aid, FW, fields(), {}, 2)
        with pytest.raises(PermissionDenied):
            action_plan.delete_action(engine, who, aid, 2)
        with pytest.raises(PermissionDenied):
            action_plan.create_action(engine, who, SERANG, YEAR, FW, fields(), {})
    with pytest.raises(ActionError):
        action_plan.set_status(engine, COORD, aid, "beres", 2)
    action_plan.delete_action(engine, COORD, aid, 2)
    with pytest.raises(ActionError):
        action_plan.get_action(engine, COORD, aid)


def test_add_from_gaps_and_cheapest_path_skip_planned_questions(engine):
    info = em(engine)
    ids = action_plan.add_from_gaps(engine, COORD, SERANG, YEAR, FW, ["5.P1", "5.P2"])
    assert len(ids) == 2
    again = action_plan.add_from_gaps(engine, COORD, SERANG, YEAR, FW, ["5.P1"])
    assert again == []  # already planned
    first = action_plan.get_action(engine, COORD, ids[0])
    assert first["credits"] == {"5.P1": 1.0} and first["title"].startswith("5.P1 · ")
    assert first["opd"] == FW.questions["5.P1"].opds[0]
    with pytest.raises(PermissionDenied):
        action_plan.add_from_gaps(engine, DINKES, SERANG, YEAR, FW, ["5.P3"])
    with pytest.raises(PermissionDenied):
        action_plan.add_cheapest_path(engine, METRO_COORD, info)
    path = action_plan.add_cheapest_path(engine, COORD, info)
    assert path
    planned = {q for a in action_plan.list_actions(engine, COORD, SERANG, YEAR)
               for q in a["credits"]}
    prog = action_plan.plan_progress(engine, COORD, info)
    assert prog.reached_with_all  # the whole cheapest path is in the plan
    assert {"5.P1", "5.P2"} <= planned


def test_apply_done_credits_moves_the_stored_score(engine):
    info = em(engine)
    aid = action_plan.create_action(engine, COORD, SERANG, YEAR, FW, fields(title="Terapkan"),
                                    {"3.P1a": 1.0, "3.P2": 0.25})  # 3.P2 at 0.5 stays
    before = stored_total(engine, info)
    state = answers.answer_states(engine, SYSTEM, info.id)
    v = action_plan.set_status(engine, DINKES, aid, "selesai", 1, "Perwal terbit")
    with pytest.raises(PermissionDenied):  # the agency applies question by question (Isian)
        action_plan.apply_done_credits(engine, DINKES, SERANG, YEAR)
    with pytest.raises(PermissionDenied):
        action_plan.apply_done_credits(engine, METRO_COORD, SERANG, YEAR)
    written = action_plan.apply_done_credits(engine, COORD, SERANG, YEAR)
    assert written == {"3.P1a": 1.0}
    after = answers.answer_states(engine, SYSTEM, info.id)
    assert after["3.P1a"].credit == 1.0 and after["3.P1a"].version == state["3.P1a"].version + 1
    assert after["3.P2"].credit == 0.5 and after["3.P2"].version == state["3.P2"].version
    gain = round(0.5 * FW.questions["3.P1a"].max, 2)
    assert stored_total(engine, info) == pytest.approx(before + gain, abs=0.011)
    assert audits(engine, "action.apply_credit") >= 1 and audits(engine, "action.apply") >= 1
    assert action_plan.get_action(engine, COORD, aid)["applied_at"] is not None
    assert action_plan.apply_done_credits(engine, COORD, SERANG, YEAR) == {}  # nothing new
    assert v == 2


def test_apply_refused_on_a_locked_stage_with_the_existing_message(engine):
    year = YEAR + 1
    save_assessment(engine, SYSTEM, region_kode=SERANG, year=year, stage="EM", framework=FW,
                    answers={"3.P3": 0.5}, status="submitted")
    aid = action_plan.create_action(engine, COORD, SERANG, year, FW, fields(title="Kunci"),
                                    {"3.P3": 1.0})
    action_plan.set_status(engine, COORD, aid, "selesai", 1)
    info = exports.find_assessment(engine, SYSTEM, SERANG, year, "EM")
    before = answers.answer_states(engine, SYSTEM, info.id)["3.P3"]
    with pytest.raises(PermissionDenied) as exc:
        action_plan.apply_done_credits(engine, COORD, SERANG, year)
    assert "terkunci untuk kota" in describe(exc.value, "id")
    assert answers.answer_states(engine, SYSTEM, info.id)["3.P3"] == before
    with pytest.raises(ActionError):  # no self-assessment that year
        action_plan.apply_done_credits(engine, COORD, SERANG, year + 5)
    assert workflow and assessments  # imported modules are the ones the app uses


def test_the_pdf_report_carries_the_plan_of_its_year(engine):
    import io

    from pypdf import PdfReader

    info = em(engine)
    action_plan.create_action(engine, COORD, SERANG, YEAR, FW, fields(title="Laporan PDF"),
                              {"4.P1": 1.0})
    data = exports.export_pdf(engine, VIEWER, info, "id")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
                    .split())
    assert "Rencana aksi (RAD KLA)" in text and "Laporan PDF" in text
    other = exports.find_assessment(engine, SYSTEM, SERANG, 2025, "FINAL")
    data = exports.export_pdf(engine, VIEWER, other, "id")  # no plan that year: no section
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "Rencana aksi (RAD KLA)" not in text


def test_the_agency_matrix_counts_overdue_actions_per_opd(engine):
    """Matriks OPD's "actions overdue" column comes from the year's plan: an action past its
    due date and neither done nor cancelled counts for each agency its OPD field names; a
    done one does not; a year without a plan has no such column (None)."""
    from kla.services.agencies import agency_matrix_of

    info = em(engine)
    action_plan.create_action(engine, COORD, SERANG, YEAR, FW, fields(
        title="Terlambat", opd="Dinkes; Disdik", start_date=date(2020, 1, 1),
        due_date=date(2020, 2, 1)))
    done = action_plan.create_action(engine, COORD, SERANG, YEAR, FW, fields(
        title="Selesai", opd="Dinkes", start_date=date(2020, 1, 1), due_date=date(2020, 2, 1)))
    action_plan.set_status(engine, COORD, done, "selesai",
                           action_plan.get_action(engine, COORD, done)["version"])
    overdue = {a["id"] for a in action_plan.list_actions(engine, COORD, SERANG, YEAR)
               if a["status"] not in ("selesai", "batal") and a["due_date"]
               and a["due_date"] < date.today()
               and "Dinkes" in a["opd"]}
    rows = {r.agency: r for r in agency_matrix_of(engine, COORD, info.id).matrix.rows}
    assert rows["Dinkes"].overdue == len(overdue) >= 1 and rows["Disdik"].overdue >= 1
    no_plan = next(i for i in list_assessments(engine, SYSTEM, SERANG)
                   if (i.year, i.stage) == (2025, "FINAL"))
    assert agency_matrix_of(engine, COORD, no_plan.id).matrix.total.overdue is None
    assert action_plan.plan_version(engine, COORD, SERANG, YEAR) != \
        action_plan.plan_version(engine, COORD, SERANG, 2025)
    assert action_plan.plan_version(engine, METRO_COORD, SERANG, YEAR) == "-"
