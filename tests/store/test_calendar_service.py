"""The KLA calendar's admin changes (kla.services.calendar) on SQLite and PostgreSQL: the admin
changes a window of the current year and every reader's calendar changes; anyone else, another
year, a wrong field or an overlap is refused with nothing written; a change goes back to the
file; every write has its audit row. And the revision window of a kab/kota per account."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from kla.domain.calendar import window_of
from kla.domain.framework import get_framework
from kla.i18n import describe
from kla.services import calendar as svc
from kla.services import workflow
from kla.services.assessments import save_assessment
from kla.services.permissions import SYSTEM, Actor, PermissionDenied
from kla.store.db import engine_for
from kla.store.models import Assessment, AuditLog, CalendarWindow

pytestmark = pytest.mark.store

ADMIN = Actor("kal.admin", "admin")
COORD = Actor("kal.koord", "coordinator", "36.73")
VERIFIER = Actor("kal.verif", "verifier", "36")
SOURCE = "SE Deputi PHA 2026 (uji)"


@pytest.fixture
def engine(seeded_url, monkeypatch):
    """The shared seeded database with no admin change before or after; "today" is 1 March
    2026 (the sample's current evaluation year)."""
    engine = engine_for(seeded_url)
    monkeypatch.setattr(svc, "local_today", lambda: date(2026, 3, 1))
    clean(engine)
    yield engine
    clean(engine)


SINCE = {"id": 0}  # audit rows of this test only: the seeded database is shared


def clean(engine) -> None:
    """No admin change; audit rows counted from here."""
    with engine.begin() as conn:
        conn.execute(delete(CalendarWindow))
        SINCE["id"] = conn.execute(select(func.max(AuditLog.id))).scalar_one() or 0


def rows(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(CalendarWindow)).scalar_one()


def audit_rows(engine, action: str) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(
            select(AuditLog.actor, AuditLog.entity_id, AuditLog.detail, AuditLog.region_kode)
            .where(AuditLog.action == action, AuditLog.id > SINCE["id"])
            .order_by(AuditLog.id)).mappings()]


def refused(call, *phrases_id: str, en: tuple[str, ...] = ()) -> None:
    with pytest.raises(ValueError) as info:
        call()
    text_id, text_en = describe(info.value, "id"), describe(info.value, "en")
    for phrase in phrases_id:
        assert phrase in text_id, text_id
    for phrase in en:
        assert phrase in text_en, text_en


def test_the_admin_changes_a_window_and_the_calendar_follows(engine):
    before = svc.effective_calendar(engine)
    assert window_of(before, 2026, "VA").start == date(2026, 4, 1)
    version = svc.calendar_version(engine)
    assert svc.save_window(engine, ADMIN, 2026, "VA", date(2026, 4, 6), date(2026, 4, 30),
                           "sourced", SOURCE) is True
    va = window_of(svc.effective_calendar(engine), 2026, "VA")
    assert (va.start, va.end, va.basis, va.source) == (date(2026, 4, 6), date(2026, 4, 30),
                                                       "sourced", SOURCE)
    assert window_of(svc.effective_calendar(engine), 2026, "EM") == window_of(before, 2026, "EM")
    assert svc.calendar_version(engine) != version
    [row] = audit_rows(engine, "calendar.edit")
    assert row["actor"] == "kal.admin" and row["entity_id"] == "2026.VA"
    assert row["region_kode"] is None
    assert row["detail"]["start"] == ["2026-04-01", "2026-04-06"]
    assert row["detail"]["basis"] == ["assumed", "sourced"]
    changes = svc.overrides(engine, COORD)  # public: anyone reads who changed what
    assert changes[(2026, "VA")]["updated_by"] == "kal.admin"
    # the same window again: nothing to write, nothing to record
    assert svc.save_window(engine, ADMIN, 2026, "VA", date(2026, 4, 6), date(2026, 4, 30),
                           "sourced", SOURCE) is False
    assert len(audit_rows(engine, "calendar.edit")) == 1
    # a stage the file has no window for this year is added
    svc.save_window(engine, ADMIN, 2026, "ANNOUNCEMENT", date(2026, 7, 23), date(2026, 7, 23),
                    "sourced", "https://example.org/pengumuman")
    assert window_of(svc.effective_calendar(engine), 2026, "ANNOUNCEMENT").basis == "sourced"


def test_only_a_national_admin_may_change_it(engine):
    for who in (COORD, VERIFIER, Actor("kal.opd", "opd", "36.73", ("Dinkes",)),
                Actor("kal.viewer", "viewer"), Actor("kal.admin36", "admin", "36")):
        with pytest.raises(PermissionDenied):
            svc.save_window(engine, who, 2026, "VA", date(2026, 4, 6), date(2026, 4, 30),
                            "sourced", SOURCE)
        with pytest.raises(PermissionDenied):
            svc.reset_window(engine, who, 2026, "VA")
        assert svc.editable_year(engine, who) is None
    assert svc.editable_year(engine, ADMIN) == 2026
    assert rows(engine) == 0 and audit_rows(engine, "calendar.edit") == []


def test_a_past_or_future_year_is_refused(engine):
    for year in (2025, 2027):
        refused(lambda y=year: svc.save_window(engine, ADMIN, y, "EM", date(y, 2, 3),
                                               date(y, 3, 31), "assumed", SOURCE),
                "tahun evaluasi berjalan (2026)", f"bukan {year}",
                en=("Only the current evaluation year (2026)", f"not {year}"))
    refused(lambda: svc.reset_window(engine, ADMIN, 2025, "EM"), "(2026)")
    assert rows(engine) == 0 and audit_rows(engine, "calendar.edit") == []


def test_every_wrong_field_is_named_by_its_label(engine):
    refused(lambda: svc.save_window(engine, ADMIN, 2026, "VA", None, date(2026, 4, 30),
                                    "resmi", "  "),
            "Mulai: isi tanggal.", "Dasar: pilih", "\"resmi\"", "Sumber: tulis",
            en=("Start: enter a date.", "Basis: choose", "Source: say where"))
    refused(lambda: svc.save_window(engine, ADMIN, 2026, "VA", date(2026, 4, 30),
                                    date(2026, 4, 6), "assumed", SOURCE),
            "Selesai: 6 Apr 2026 sebelum Mulai 30 Apr 2026.",
            en=("End: 6 Apr 2026 is before Start 30 Apr 2026.",))
    refused(lambda: svc.save_window(engine, ADMIN, 2026, "VA", date(2026, 4, 6),
                                    date(2027, 1, 5), "assumed", SOURCE),
            "Selesai: 5 Jan 2027 tidak di tahun 2026.", en=("End: 5 Jan 2027 is not in 2026.",))
    refused(lambda: svc.save_window(engine, ADMIN, 2026, "VA", date(2026, 4, 6),
                                    date(2026, 4, 30), "assumed", "x\x00y"),
            "Sumber: memuat karakter kendali U+0000")
    refused(lambda: svc.save_window(engine, ADMIN, 2026, "VERIFIKASI", date(2026, 4, 6),
                                    date(2026, 4, 30), "assumed", SOURCE),
            "Tahap: \"VERIFIKASI\" tidak dikenal")
    assert rows(engine) == 0 and audit_rows(engine, "calendar.edit") == []


def test_an_overlap_or_a_stage_out_of_order_is_refused_naming_the_other_window(engine):
    refused(lambda: svc.save_window(engine, ADMIN, 2026, "VA", date(2026, 3, 20),
                                    date(2026, 4, 30), "assumed", SOURCE),
            "Mulai–Selesai: 20 Mar 2026 – 30 Apr 2026 bertumpang tindih dengan Evaluasi "
            "Mandiri (EM) 2026 (2 Feb 2026 – 31 Mar 2026).",
            en=("overlaps Self-assessment (EM) 2026 (2 Feb 2026 – 31 Mar 2026)",))
    refused(lambda: svc.save_window(engine, ADMIN, 2026, "FINAL", date(2026, 1, 5),
                                    date(2026, 1, 10), "assumed", SOURCE),
            "Mulai: Final 2026 harus dimulai sesudah Evaluasi Mandiri (EM)",
            en=("must start after Self-assessment (EM) (starts 2 Feb 2026)",))
    assert rows(engine) == 0 and audit_rows(engine, "calendar.edit") == []


def test_reset_gives_the_window_back_to_the_file(engine):
    file_va = window_of(svc.effective_calendar(engine), 2026, "VA")
    refused(lambda: svc.reset_window(engine, ADMIN, 2026, "VA"), "belum diubah admin",
            en=("has no admin change",))
    svc.save_window(engine, ADMIN, 2026, "VA", date(2026, 4, 10), date(2026, 4, 30),
                    "assumed", SOURCE)
    svc.save_window(engine, ADMIN, 2026, "EM", date(2026, 2, 2), date(2026, 4, 8),
                    "assumed", SOURCE)
    # the file's VA (1–30 Apr) would overlap the changed EM: refused, nothing removed
    refused(lambda: svc.reset_window(engine, ADMIN, 2026, "VA"),
            "tidak dapat dikembalikan ke tanggal berkas", "Evaluasi Mandiri (EM)",
            en=("cannot go back to the file's dates",))
    assert rows(engine) == 2 and audit_rows(engine, "calendar.reset") == []
    svc.reset_window(engine, ADMIN, 2026, "EM")
    svc.reset_window(engine, ADMIN, 2026, "VA")
    assert rows(engine) == 0
    assert window_of(svc.effective_calendar(engine), 2026, "VA") == file_va
    resets = audit_rows(engine, "calendar.reset")
    assert [r["entity_id"] for r in resets] == ["2026.EM", "2026.VA"]
    assert resets[1]["detail"]["start"] == ["2026-04-10", "2026-04-01"]


def test_the_revision_window_per_account(engine, tmp_path, monkeypatch):
    from kla.settings import get_settings

    monkeypatch.setenv("KLA_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    fw = get_framework()
    year = 2061  # a year of its own, later than any other test's: the latest in revision
    base = {"12.P1": 0.5, "1.P1": 0.5, "1.P2a": 0.5}  # Dinkes; JDIH/Hukum/DPPPAPPKB; …
    save_assessment(engine, SYSTEM, region_kode="36.73", year=year, stage="EM", answers=base,
                    framework=fw, status="submitted")
    va = save_assessment(engine, SYSTEM, region_kode="36.73", year=year, stage="VA",
                         answers=base, framework=fw, status="in_review")
    dinkes = Actor("kal.dinkes", "opd", "36.73", ("Dinkes",))
    dp3a = Actor("kal.dp3a", "opd", "36.73", ("DPPPAPPKB",))
    assert svc.revision_window(engine, COORD) is None or svc.revision_window(
        engine, COORD).year != year
    workflow.review_answer(engine, VERIFIER, va, "12.P1", "reject", reason="SK kedaluwarsa")
    workflow.review_answer(engine, VERIFIER, va, "1.P2a", "accept")
    deadline = workflow.request_revision(engine, VERIFIER, va, 48)
    coord = svc.revision_window(engine, COORD)
    assert (coord.year, coord.questions, coord.agencies) == (year, 1, ())
    assert coord.deadline.tzinfo is not None
    assert abs(coord.deadline - deadline) < timedelta(seconds=1)
    assert coord.deadline - datetime.now(UTC) > timedelta(hours=47)
    mine = svc.revision_window(engine, dinkes)
    assert (mine.questions, mine.agencies) == (1, ("Dinkes",))
    assert svc.revision_window(engine, dp3a) is None  # none of its questions was sent back
    for who in (VERIFIER, ADMIN, Actor("kal.viewer", "viewer")):
        assert svc.revision_window(engine, who) is None
    # resubmitted: no revision any more
    with engine.begin() as conn:
        conn.execute(Assessment.__table__.update().where(
            Assessment.region_kode == "36.73", Assessment.year == year,
            Assessment.stage == "EM").values(status="submitted", revision_deadline=None))
    assert svc.revision_window(engine, COORD) is None or \
        svc.revision_window(engine, COORD).year != year
