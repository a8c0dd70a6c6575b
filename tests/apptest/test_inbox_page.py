"""AppTest of Kotak masuk on a copy of the sample: the coordinator sees the city's overdue
actions (with a link to Rencana aksi), marks the inbox read, and the contact form refuses a bad
address naming the field; the agency sees only its own OPD's overdue action; a viewer is told
there is nothing for its role."""

from datetime import timedelta

from sqlalchemy import select
from sqlmodel import Session

from kla.domain.framework import get_framework
from kla.services import action_plan
from kla.services.permissions import SYSTEM
from kla.settings import local_today
from kla.store.db import make_engine
from kla.store.models import User

SERANG = "36.73"
PAGE = "app_pages/kotak_masuk.py"


def setup_actions(engine) -> None:
    fw, today = get_framework(), local_today()
    for title, opd, days in (("Posyandu ramah anak terlambat", "Dinkes", -4),
                             ("Forum Anak kecamatan terlambat", "DPPPAPPKB", -1),
                             ("Sosialisasi KLA minggu depan", "Dinkes", 5)):
        action_plan.create_action(engine, SYSTEM, SERANG, 2026, fw, {
            "title": title, "opd": opd, "due_date": today + timedelta(days=days)}, {})


def user_row(engine, name: str) -> User:
    with Session(engine) as s:
        return s.exec(select(User).where(User.username == name)).scalars().one()


def texts(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def open_inbox(at):
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def test_coordinator_sees_overdue_marks_read_and_sets_contact(app_factory, seeded_sqlite_copy):
    url = seeded_sqlite_copy()
    engine = make_engine(url)
    setup_actions(engine)
    at = open_inbox(app_factory(url, user="koordinator.serang").run())
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Terlambat"] == "2" and metrics["Jatuh tempo ≤ 7 hari"] == "1"
    shown = texts(at)
    assert "Posyandu ramah anak terlambat" in shown and "Forum Anak kecamatan terlambat" in shown
    assert "Terlambat 4 hari" in shown
    links = at.get("page_link")
    assert links and {link.proto.page for link in links} >= {"rencana-aksi"}
    assert at.get("download_button")

    assert user_row(engine, "koordinator.serang").inbox_seen_at is None
    at.button(key="inbox_seen").click().run()
    assert not at.exception, at.exception
    assert user_row(engine, "koordinator.serang").inbox_seen_at is not None
    assert at.button(key="inbox_seen").disabled  # nothing new any more
    assert "Posyandu ramah anak terlambat" in texts(at)  # still overdue, no longer new

    at.text_input(key="inbox_email").set_value("bukan-email")
    at.toggle(key="inbox_daily").set_value(True)
    next(b for b in at.get("form_submit_button") if b.form_id == "inbox_contact").click().run()
    assert not at.exception, at.exception
    assert any(e.value.startswith("Email: ") and "bukan-email" in e.value for e in at.error)
    assert user_row(engine, "koordinator.serang").email == ""
    at.text_input(key="inbox_email").set_value("gugus.tugas@serangkota.go.id")
    next(b for b in at.get("form_submit_button") if b.form_id == "inbox_contact").click().run()
    assert not at.exception, at.exception
    row = user_row(engine, "koordinator.serang")
    assert (row.email, row.digest_daily) == ("gugus.tugas@serangkota.go.id", True)


def test_agency_sees_only_its_own_opd(app_factory, seeded_sqlite_copy):
    url = seeded_sqlite_copy()
    engine = make_engine(url)
    setup_actions(engine)
    at = open_inbox(app_factory(url, user="dinkes.serang").run())
    shown = texts(at)
    assert "Posyandu ramah anak terlambat" in shown
    assert "Forum Anak kecamatan terlambat" not in shown  # DPPPAPPKB's
    assert {m.label: m.value for m in at.metric}["Terlambat"] == "1"
    assert "hanya kegiatan dan pertanyaan OPD Anda (Dinkes)" in shown
    at.text_input(key="inbox_email").set_value("")
    at.toggle(key="inbox_daily").set_value(True)
    next(b for b in at.get("form_submit_button") if b.form_id == "inbox_contact").click().run()
    assert any(e.value.startswith("Email: isi alamat email") for e in at.error)


def test_viewer_has_no_city_tasks(app_factory, seeded_sqlite_copy):
    at = open_inbox(app_factory(seeded_sqlite_copy(), user="pengamat").run())
    assert any("hanya membaca" in i.value for i in at.info)
    assert not at.metric


def test_admin_sets_a_users_email_in_pengguna(app_factory, seeded_sqlite_copy):
    url = seeded_sqlite_copy()
    engine = make_engine(url)
    at = app_factory(url, user="admin").run()
    at.switch_page("app_pages/pengguna.py").run()
    at.selectbox(key="users_pick").set_value("dinkes.serang").run()
    form = "users_email_form"
    at.text_input(key="users_email_dinkes.serang").set_value("dinkes@@serang")
    next(b for b in at.get("form_submit_button") if b.form_id == form).click().run()
    assert any(e.value.startswith("Email: ") for e in at.error)
    assert user_row(engine, "dinkes.serang").email == ""
    at.text_input(key="users_email_dinkes.serang").set_value("dinkes@serangkota.go.id")
    next(b for b in at.get("form_submit_button") if b.form_id == form).click().run()
    assert not at.exception, at.exception
    assert user_row(engine, "dinkes.serang").email == "dinkes@serangkota.go.id"
