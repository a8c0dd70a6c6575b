"""AppTest of the submission workflow: login, role-based pages, answers, gate, verification,
Excel import, audit."""

import io
import json

import pytest
from openpyxl import load_workbook

from kla.domain.sample import DEMO_PASSWORD
from kla.services.permissions import SYSTEM


def sidebar_text(at):
    return " ".join(c.value for c in at.sidebar.caption)


def test_login_is_required_and_throttled(app_factory, seeded_sqlite_url):
    at = app_factory(seeded_sqlite_url, user=None).run()
    assert at.title[0].value == "Masuk"
    at.text_input(key="login_username").input("koordinator.serang")
    at.text_input(key="login_password").input("salah")
    at.get("form_submit_button")[0].click().run()
    assert at.error[0].value.startswith("Nama pengguna atau kata sandi salah")
    at.text_input(key="login_password").input(DEMO_PASSWORD)
    at.get("form_submit_button")[0].click().run()
    assert not at.exception
    assert at.title[0].value == "Posisi Predikat"
    assert "Gugus Tugas KLA Kota Serang" in sidebar_text(at)
    # scope: a coordinator of Kota Serang sees only Kota Serang
    assert at.selectbox(key="posisi_region").options == ["Kota Serang (36.73)"]


def test_sign_in_opens_the_first_page_in_one_run(app_factory, seeded_sqlite_url,
                                                 monkeypatch):
    """The password is checked in the form's callback, before the script: the app runs once
    for a sign-in (no second run of the login page). A refused try says so once."""
    import kla.web.session as web_session

    runs = []
    real = web_session.current_actor

    def counted():
        runs.append(1)
        return real()

    monkeypatch.setattr(web_session, "current_actor", counted)
    at = app_factory(seeded_sqlite_url, user=None).run()
    at.text_input(key="login_username").input("koordinator.serang")
    at.text_input(key="login_password").input("salah")
    runs.clear()
    at.get("form_submit_button")[0].click().run()
    assert len(runs) == 1 and at.error[0].value.startswith("Nama pengguna atau kata sandi")
    at.run()  # the next run (e.g. the language switch): the refusal is not shown again
    assert not at.error and at.title[0].value == "Masuk"
    at.text_input(key="login_password").input(DEMO_PASSWORD)
    runs.clear()
    at.get("form_submit_button")[0].click().run()
    assert len(runs) == 1, runs
    assert not at.exception and at.title[0].value == "Posisi Predikat"


@pytest.mark.parametrize("user,allowed,forbidden", [
    ("dinkes.serang", ["app_pages/isian.py"], ["app_pages/verifikasi.py",
                                               "app_pages/pengguna.py"]),
    ("verifikator.banten", ["app_pages/verifikasi.py"], ["app_pages/isian.py",
                                                         "app_pages/kelengkapan.py"]),
    ("pengamat", ["app_pages/ekspor.py"], ["app_pages/isian.py", "app_pages/audit.py"]),
])
def test_role_based_pages(app_factory, seeded_sqlite_url, user, allowed, forbidden):
    for page in allowed:
        at = app_factory(seeded_sqlite_url, user=user).run()
        at.switch_page(page).run()
        assert not at.exception and at.title[0].value != "Posisi Predikat"
    for page in forbidden:  # not registered for this role: it cannot be reached at all
        at = app_factory(seeded_sqlite_url, user=user).run()
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)


def open_entry(app_factory, url, user):
    at = app_factory(url, user=user).run()
    at.switch_page("app_pages/isian.py").run()
    at.selectbox(key="entry_region").set_value("36.73").run()
    at.selectbox(key="entry_year_36.73").set_value(2026).run()
    assert not at.exception
    return at


def test_agency_answers_its_own_questions(app_factory, seeded_sqlite_url):
    at = open_entry(app_factory, seeded_sqlite_url, "dinkes.serang")
    assert at.selectbox(key="entry_opd.id").value == "__mine__"  # its own agency
    table = next(d.value for d in at.dataframe if "OPD" in d.value.columns)
    assert len(table) and table["OPD"].str.contains("Dinkes").all()
    unanswered = table[table["Status"].str.contains("belum dijawab")]["ID"].tolist()
    qid = unanswered[0]
    sel = next(s for s in at.selectbox if s.key.startswith("entry_q_"))
    sel.set_value(qid).run()
    credit = next(b for b in at.get("button_group") if b.key.startswith("entry_credit_"))
    credit.set_value(0.5)  # inside a form: sent with the submit click
    next(a for a in at.text_area if a.key.startswith("entry_note_")).input("data 2025 ada")
    at.get("form_submit_button")[0].click().run()
    assert not at.error, [e.value for e in at.error]
    table = next(d.value for d in at.dataframe if "OPD" in d.value.columns)
    row = table[table["ID"] == qid].iloc[0]
    assert row["Kredit"] == 0.5 and "belum dijawab" not in row["Status"]
    # its label changed (○ → !), the question in hand did not: an upload now goes to it
    sel = next(s for s in at.selectbox if s.key.startswith("entry_q_"))
    assert sel.value == qid and not sel.options[sel.index].startswith("○")
    assert any(u.key.startswith("entry_upload_") and f"_{qid}_" in u.key
               for u in at.get("file_uploader"))


def test_submit_is_refused_while_incomplete(app_factory, seeded_sqlite_url):
    at = app_factory(seeded_sqlite_url, user="koordinator.serang").run()
    at.switch_page("app_pages/kelengkapan.py").run()
    at.selectbox(key="complete_year_36.73").set_value(2026).run()
    assert not at.exception
    metric = {m.label: m.value for m in at.metric}
    done, total = (int(x) for x in metric["Pertanyaan lengkap"].split(" / "))
    assert done < total and int(metric["Belum dijawab"]) > 0
    assert at.get("progress")
    at.button(key="complete_submit").click().run()
    assert "Belum dapat diajukan" in at.error[0].value


def test_excel_import_reports_row_numbers_and_changes_nothing(app_factory, seeded_sqlite_url):
    from kla.services import exports
    from kla.services.answers import answer_states
    from kla.services.permissions import SYSTEM as CLI
    from kla.store.db import make_engine

    engine = make_engine(seeded_sqlite_url)
    info = exports.find_assessment(engine, SYSTEM, "36.73", 2026, "EM")
    before = answer_states(engine, SYSTEM, info.id)
    wb = load_workbook(io.BytesIO(exports.export_xlsx(engine, CLI, info)))
    ws = wb["Penilaian"]
    ws["F2"] = 1.5          # credit out of range
    ws["C3"] = "99.P9"      # unknown id
    ws["E4"] = 99           # changed maximum
    ws["F5"] = 1            # a valid change, which must not be applied either
    buf = io.BytesIO()
    wb.save(buf)
    at = app_factory(seeded_sqlite_url, user="koordinator.serang").run()
    at.switch_page("app_pages/ekspor.py").run()
    at.selectbox(key="export_year_36.73").set_value(2026).run()
    uploader = at.file_uploader(key="export_import_file")
    uploader.set_value(("isian.xlsx", buf.getvalue(),
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")).run()
    at.button(key="export_import").click().run()
    assert "Tidak ada yang diimpor: 3 kesalahan" in at.error[0].value
    problems = " ".join(next(d.value for d in at.dataframe if "Kesalahan" in d.value.columns)
                        ["Kesalahan"])
    assert "baris 2, kolom Kredit" in problems and "baris 3, kolom ID Pertanyaan" in problems
    assert "baris 4, kolom Maks" in problems
    assert answer_states(engine, SYSTEM, info.id) == before


def test_audit_log_lists_changes(app_factory, seeded_sqlite_url):
    at = app_factory(seeded_sqlite_url, user="admin").run()
    at.switch_page("app_pages/audit.py").run()
    assert not at.exception
    frame = at.dataframe[0].value
    assert {"Waktu", "Oleh", "Tindakan", "Perubahan"} <= set(frame.columns)
    assert "Pengguna ditambah" in set(frame["Tindakan"])  # actions and changes in words
    assert not any(a.startswith(("user.", "answer.", "review.")) for a in frame["Tindakan"])
    assert not any("['" in c or "in_review" in c for c in frame["Perubahan"])
    assert len(at.get("download_button")) == 2
    at.multiselect(key="audit_actions").set_value(["user.add"]).run()
    assert set(at.dataframe[0].value["Tindakan"]) == {"Pengguna ditambah"}


def test_revision_countdown_is_shown_to_the_city(app_factory, seeded_sqlite_url):
    from datetime import timedelta

    from sqlalchemy import update
    from sqlmodel import Session

    from kla.services import exports
    from kla.store.db import make_engine
    from kla.store.models import Assessment, utcnow

    engine = make_engine(seeded_sqlite_url)
    info = exports.find_assessment(engine, SYSTEM, "36.73", 2026, "EM")
    with Session(engine) as s:
        s.exec(update(Assessment).where(Assessment.id == info.id).values(
            status="revision", revision_deadline=utcnow() + timedelta(hours=47, minutes=30)))
        s.commit()
    try:
        at = open_entry(app_factory, seeded_sqlite_url, "dinkes.serang")
        assert any("sisa 47 jam" in w.value for w in at.warning)
    finally:
        with Session(engine) as s:
            s.exec(update(Assessment).where(Assessment.id == info.id).values(
                status="draft", revision_deadline=None))
            s.commit()


@pytest.mark.parametrize("lang", ["id", "en"])
def test_kelengkapan_lists_indicators_in_the_frameworks_order(app_factory, seeded_sqlite_url,
                                                              lang):
    """Per indicator in the instrument's order (the codes sorted as text read 11, 13, …, 2,
    20), numbered so that a click sorts them back; the status column is wide enough to read;
    the page that fixes a file is named as the reader's sidebar names it."""
    from kla.domain.framework import get_framework

    at = app_factory(seeded_sqlite_url, user="koordinator.serang").run()
    at.switch_page("app_pages/kelengkapan.py").run()
    at.selectbox(key="complete_year_36.73").set_value(2026).run()
    if lang == "en":  # (AppTest runs a format_func in Indonesian: choose there, then switch)
        at.session_state["lang"] = "en"
        at.run()
    assert not at.exception
    fw = get_framework()
    number, name = ("No.", "Indikator") if lang == "id" else ("No.", "Indicator")
    table = next(d.value for d in at.dataframe if {number, name} <= set(d.value.columns))
    assert [c.split(" · ")[0] for c in table[name]] == list(fw.indicators)
    assert list(table[number]) == sorted(table[number])
    assert table[name].iloc[0] == f"1 · {fw.indicators['1'].name}"  # the whole name
    flagged = next(d for d in at.dataframe if d.value.columns[0] == "ID")
    widths = {c: v.get("width") for c, v in json.loads(flagged.proto.columns).items()}
    assert widths["Status"] >= 150 and sum(w for w in widths.values() if w) <= 900
    caption = "di halaman Isian" if lang == "id" else "on the Answers page"  # page.entry
    assert any(caption in c.value for c in at.caption)
