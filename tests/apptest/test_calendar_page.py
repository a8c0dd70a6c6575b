"""Kalender KLA (issue 16) and the banner it feeds: the admin changes a window of the current
year and every page's banner follows; everyone else reads the calendar; the revision
window counts down for the coordinator and for an agency with questions sent back; Matriks
OPD links an agency to its questions in Isian (``?opd=``), which opens filtered on it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from kla.domain.framework import get_framework
from kla.i18n import fmt_time
from kla.services import calendar as calendar_service
from kla.services import workflow
from kla.services.assessments import save_assessment
from kla.services.permissions import SYSTEM, Actor
from kla.store.db import engine_for
from kla.web import widgets

PAGE = "app_pages/kalender.py"
SERANG = "36.73"


@pytest.fixture
def db(seeded_sqlite_copy):
    """A seeded database of this test's own (the tests write to it)."""
    return seeded_sqlite_copy()


@pytest.fixture
def frozen(monkeypatch):
    """Freeze the banner's clock and the calendar service's "today" (1 March 2026 unless
    told: the sample's current evaluation year)."""

    def freeze(moment: datetime, today: date = date(2026, 3, 1)) -> None:
        monkeypatch.setattr(widgets, "now", lambda: moment)
        monkeypatch.setattr(calendar_service, "local_today", lambda: today)

    return freeze


def captions(at, icon: str) -> list[str]:
    return [c.value for c in at.caption if icon in c.value]


def frame(at, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def open_calendar(app_factory, url, user="admin", locale="id-ID"):
    at = app_factory(url, locale=locale, user=user).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def test_the_admin_changes_a_window_and_the_banner_follows(app_factory, db, frozen):
    frozen(datetime(2026, 4, 2, 3, 0, tzinfo=UTC))  # 2 Apr 10:00 WIB: VA open (file)
    at = open_calendar(app_factory, db)
    assert at.selectbox(key="calendar_year").value == 2026
    table = frame(at, "Tahap")
    assert list(table["Tahap"]) == ["Evaluasi Mandiri (EM)", "Verifikasi Administrasi (VA)",
                                    "Verifikasi Lapangan (VL)", "Final",
                                    "Pengumuman dan Penganugerahan"]
    assert list(table["Mulai"])[:2] == ["2 Feb 2026", "1 Apr 2026"]
    assert list(table["Hari"])[:2] == [58, 30]
    assert set(table["Dasar"]) == {"tanggal contoh, bukan jadwal resmi"}
    assert len(at.get("plotly_chart")) == 1
    assert any(c.startswith("5 tahap 2026 dari 2 Feb 2026 sampai 23 Jul 2026") and
               "Hari ini (2 Apr 2026) tahap Verifikasi Administrasi (VA) terbuka" in c
               for c in (c.value for c in at.caption))
    assert len(at.get("download_button")) == 2
    # the source notes (Indonesian, as recorded) listed under the table, wrapped, not cut
    sources = next(c.value for c in at.caption if "**Sumber tanggal**" in c.value)
    assert "- Verifikasi Administrasi (VA): contoh (linimasa lazim)" in sources.replace("\\", "")
    assert "Sumber" in table.columns  # still in the downloads
    assert captions(at, ":material/event:") == [
        ":material/event: Tahap Verifikasi Administrasi (VA) 2026: 29 hari lagi (berakhir 30 "
        "Apr 2026 23:59 WIB) — tanggal contoh, bukan jadwal resmi"]
    # an overlap with EM: refused, named, nothing written
    at.date_input(key="calendar_start_VA").set_value(date(2026, 3, 20))
    at.text_input(key="calendar_source_VA").input("SE Deputi 2026")
    at.button(key="calendar_save_VA").click().run()
    assert "bertumpang tindih dengan Evaluasi Mandiri (EM) 2026" in at.error[0].value
    engine = engine_for(db)
    assert calendar_service.overrides(engine, SYSTEM) == {}
    # VA from 6 April, sourced: saved; the banner now names the next stage, not assumed
    at.date_input(key="calendar_start_VA").set_value(date(2026, 4, 6))
    at.selectbox(key="calendar_basis_VA").set_value("sourced")
    at.button(key="calendar_save_VA").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert list(frame(at, "Tahap")["Mulai"])[1] == "6 Apr 2026"
    assert frame(at, "Tahap")["Diubah admin"].iloc[1].startswith("admin, ")
    assert captions(at, ":material/event:") == [
        ":material/event: Tahap berikutnya: Verifikasi Administrasi (VA) 2026, mulai 6 Apr "
        "2026 00:00 WIB (4 hari lagi)"]
    at.switch_page("app_pages/posisi.py").run()  # every page
    assert captions(at, ":material/event:")[0].startswith(
        ":material/event: Tahap berikutnya: Verifikasi Administrasi (VA) 2026, mulai 6 Apr")
    # back to the file's dates
    at.switch_page(PAGE).run()
    at.button(key="calendar_reset_VA").click().run()
    assert not at.error
    assert list(frame(at, "Tahap")["Mulai"])[1] == "1 Apr 2026"
    assert calendar_service.overrides(engine, SYSTEM) == {}
    assert "29 hari lagi" in captions(at, ":material/event:")[0]


def test_a_past_year_and_other_roles_read_only(app_factory, db, frozen):
    frozen(datetime(2026, 5, 3, 3, 0, tzinfo=UTC))  # 3 May: VL opens tomorrow
    at = open_calendar(app_factory, db, user="pengamat", locale="en-US")
    assert captions(at, ":material/event:") == [
        ":material/event: Next stage: Field verification (VL) 2026, opens 4 May 2026 00:00 WIB "
        "(in 1 day) — example dates, not the official schedule"]
    assert not at.date_input and not at.get("form_submit_button")
    assert any("Only the admin can change the schedule" in c.value for c in at.caption)
    at.selectbox(key="calendar_year").set_value(2018).run()
    table = frame(at, "Stage")
    assert list(table["Basis"]) == ["sourced (schedule cited)"]
    assert list(table["Start"]) == ["19 Mar 2018"]
    # the admin on a past year: the table, no form
    at = open_calendar(app_factory, db)
    at.selectbox(key="calendar_year").set_value(2025).run()
    assert not at.date_input
    assert any("(2026)" in i.value for i in at.info)


# --- the revision countdown -----------------------------------------------------------------------

@pytest.fixture
def revision(db, tmp_path, monkeypatch):
    """Kota Serang's self-assessment of a year of its own sent back for 48 hours with one
    Dinkes question rejected; returns (url, deadline)."""
    from kla.settings import get_settings

    monkeypatch.setenv("KLA_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    engine = engine_for(db)
    fw = get_framework()
    year = 2039
    base = {"12.P1": 0.5, "1.P1": 0.5}  # Dinkes; JDIH/Bagian Hukum/DPPPAPPKB
    save_assessment(engine, SYSTEM, region_kode=SERANG, year=year, stage="EM", answers=base,
                    framework=fw, status="submitted")
    va = save_assessment(engine, SYSTEM, region_kode=SERANG, year=year, stage="VA",
                         answers=base, framework=fw, status="in_review")
    verifier = Actor("uji.verif", "verifier", "36")
    workflow.review_answer(engine, verifier, va, "12.P1", "reject", reason="SK kedaluwarsa")
    workflow.review_answer(engine, verifier, va, "1.P1", "accept")
    deadline = workflow.request_revision(engine, verifier, va, 48)
    engine.dispose()
    return db, deadline


def test_the_revision_window_counts_down_per_agency(app_factory, revision, frozen):
    url, deadline = revision
    wib, wib_en = fmt_time(deadline, "id"), fmt_time(deadline, "en")  # "3 Des 2026 10:00 WIB"
    frozen(deadline - timedelta(hours=5, minutes=3, seconds=20))
    at = app_factory(url, user="koordinator.serang").run()
    assert not at.exception
    assert captions(at, ":material/timer:") == [
        f":material/timer: Perbaikan penilaian mandiri 2039: 1 pertanyaan dikembalikan "
        f"verifikator — sisa 5 jam 3 menit (batas {wib})."]
    at.switch_page("app_pages/kesenjangan.py").run()  # every page
    assert len(captions(at, ":material/timer:")) == 1
    at = app_factory(url, user="dinkes.serang", locale="en-US").run()
    assert captions(at, ":material/timer:") == [
        f":material/timer: Revision of the 2039 self-assessment: 1 question of your agency "
        f"(Dinkes) sent back by the verifier — 5 h 3 min left (deadline {wib_en})."]
    at = app_factory(url, user="dp3a.serang").run()  # none of its questions sent back
    assert not at.exception and captions(at, ":material/timer") == []
    at = app_factory(url, user="verifikator.banten").run()
    assert captions(at, ":material/timer") == []
    frozen(deadline + timedelta(minutes=1))
    at = app_factory(url, user="koordinator.serang").run()
    assert captions(at, ":material/timer_off:") == [
        f":material/timer_off: Batas perbaikan telah lewat ({wib}): penilaian mandiri "
        f"2039 terkunci untuk kota."]


# --- Matriks OPD → Isian -----------------------------------------------------------------------

def test_the_matrix_links_an_agency_to_its_questions_in_isian(app_factory, seeded_sqlite_url):
    at = app_factory(seeded_sqlite_url, user="koordinator.serang").run()
    at.switch_page("app_pages/matriks_opd.py").run()
    at.selectbox(key="matrix_region").set_value(SERANG).run()
    at.selectbox(key=f"matrix_year_{SERANG}").set_value(2026).run()
    agency = next(s for s in at.selectbox if s.key.startswith("matrix_opd_"))
    agency.set_value("Dinkes").run()
    links = [p for p in at.get("page_link") if "isian" in p.proto.page]
    assert [(p.proto.label, p.proto.query_string) for p in links] == [
        ("Buka isian Dinkes", "opd=Dinkes")]
    # a viewer has no Isian page: no link
    at = app_factory(seeded_sqlite_url, user="pengamat").run()
    at.switch_page("app_pages/matriks_opd.py").run()
    assert not at.exception and not [p for p in at.get("page_link") if "isian" in p.proto.page]


def test_isian_opens_on_the_agency_of_the_link(app_factory, seeded_sqlite_url):
    at = app_factory(seeded_sqlite_url, user="koordinator.serang").run()
    at.query_params["opd"] = "Dinkes"
    at.switch_page("app_pages/isian.py").run()
    at.selectbox(key="entry_region").set_value(SERANG).run()
    at.selectbox(key=f"entry_year_{SERANG}").set_value(2026).run()
    assert not at.exception
    opd = at.selectbox(key="entry_opd.id")
    assert opd.value == "Dinkes" and "Semua OPD" in opd.options
    table = frame(at, "OPD")
    assert len(table) and table["OPD"].str.contains("Dinkes").all()
    # every agency again: the link's filter is dropped from the address too
    opd.set_value("__all__").run()
    table = frame(at, "OPD")
    assert not table["OPD"].str.contains("Dinkes").all()
    assert "opd" not in at.query_params
    # an agency account opens on its own agency without a link
    at = app_factory(seeded_sqlite_url, user="dp3a.serang").run()
    at.switch_page("app_pages/isian.py").run()
    at.selectbox(key="entry_region").set_value(SERANG).run()
    at.selectbox(key=f"entry_year_{SERANG}").set_value(2026).run()
    assert at.selectbox(key="entry_opd.id").value == "__mine__"
    assert frame(at, "OPD")["OPD"].str.contains("DPPPAPPKB").all()
