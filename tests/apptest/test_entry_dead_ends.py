"""AppTest of the dead ends a new user found: an agency in revision lands on the stage it may
edit; a locked stage shows why instead of write controls; submitting and deleting evidence ask
for a confirmation; the uploader forgets a file once attached and the same file is not
attached twice; a registry form's desa list follows the chosen kecamatan; times are shown in
the configured zone (WIB)."""

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session

from kla.domain.framework import get_framework
from kla.services import answers as ans
from kla.services import exports
from kla.services import registries as reg
from kla.services.assessments import save_assessment
from kla.services.permissions import SYSTEM
from kla.settings import get_settings
from kla.store.db import make_engine
from kla.store.models import Assessment, utcnow
from tests.evidence_files import pdf_bytes

PDF = pdf_bytes()
SERANG, YEAR = "36.73", 2026


@pytest.fixture
def db(seeded_sqlite_copy, monkeypatch, tmp_path):
    """A fresh copy of the seeded database (these tests change the workflow state) and an
    evidence folder of its own; returns (url, engine, Kota Serang's 2026 EM id)."""
    monkeypatch.setenv("KLA_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    url = seeded_sqlite_copy()
    engine = make_engine(url)
    em = exports.find_assessment(engine, SYSTEM, SERANG, YEAR, "EM").id
    yield url, engine, em
    engine.dispose()


def set_status(engine, aid, **values):
    with Session(engine) as s:
        s.exec(update(Assessment).where(Assessment.id == aid).values(updated_at=utcnow(),
                                                                     **values))
        s.commit()


def dinkes_question(engine, em, answered=True):
    """A question assigned to Dinkes (answered, or not yet)."""
    fw = get_framework()
    states = ans.answer_states(engine, SYSTEM, em)
    return next(q for q, x in fw.questions.items()
                if "Dinkes" in x.opds and x.max > 0 and (q in states) == answered)


def open_entry(app_factory, url, user, qid=None):
    at = app_factory(url, user=user).run()
    at.switch_page("app_pages/isian.py").run()
    assert not at.exception, at.exception
    if qid:
        next(s for s in at.selectbox if s.key.startswith("entry_q_")).set_value(qid).run()
    return at


def texts(elements) -> str:
    return " ".join(e.value for e in elements)


def save_buttons(at):
    return [b for b in at.get("form_submit_button") if b.label == "Simpan jawaban"]


def test_agency_in_revision_lands_on_the_self_assessment(app_factory, db):
    url, engine, em = db
    fw = get_framework()
    credits = ans.answer_states(engine, SYSTEM, em)
    save_assessment(engine, SYSTEM, region_kode=SERANG, year=YEAR, stage="VA", framework=fw,
                    answers={q: s.credit for q, s in credits.items()}, status="in_review")
    set_status(engine, em, status="revision",
               revision_deadline=utcnow() + timedelta(hours=47, minutes=30))
    at = app_factory(url, user="dinkes.serang").run()  # lands on Posisi
    stage = at.selectbox(key=f"posisi_stage_{SERANG}_{YEAR}.id")
    assert stage.value == "EM"  # a city account: the stage it may edit
    stage.set_value("VA").run()  # chosen on another page …
    at.switch_page("app_pages/isian.py").run()
    assert not at.exception, at.exception
    # … Isian still opens the stage the agency edits, with its write controls
    assert at.selectbox(key=f"entry_stage_{SERANG}_{YEAR}.id").value == "EM"
    assert save_buttons(at) and at.get("file_uploader")
    assert "sisa 47 jam" in texts(at.warning) and "WIB" in texts(at.warning)
    # the verifier's stage is still there to look at, read only, saying why
    at.selectbox(key=f"entry_stage_{SERANG}_{YEAR}.id").set_value("VA").run()
    assert not save_buttons(at) and not at.get("file_uploader")
    assert "milik verifikator" in texts(at.info)


def test_a_verifier_keeps_its_verification_stage(app_factory, db):
    url, engine, em = db
    set_status(engine, em, status="submitted", submitted_by="koordinator.serang",
               submitted_at=utcnow())
    credits = {q: x.credit for q, x in ans.answer_states(engine, SYSTEM, em).items()}
    save_assessment(engine, SYSTEM, region_kode=SERANG, year=YEAR, stage="VA",
                    framework=get_framework(), answers=credits, status="in_review")
    at = app_factory(url, user="verifikator.banten").run()
    at.selectbox(key="posisi_region").set_value(SERANG).run()
    at.selectbox(key=f"posisi_year_{SERANG}").set_value(YEAR).run()
    assert at.selectbox(key=f"posisi_stage_{SERANG}_{YEAR}.id").value == "VA"


def test_a_submitted_assessment_shows_why_instead_of_write_controls(app_factory, db):
    url, engine, em = db
    qid = dinkes_question(engine, em)
    ans.add_evidence(engine, SYSTEM, em, qid, "bukti.pdf", PDF)
    set_status(engine, em, status="submitted", submitted_by="koordinator.serang",
               submitted_at=utcnow())
    at = open_entry(app_factory, url, "dinkes.serang", qid)
    assert at.selectbox(key=f"entry_stage_{SERANG}_{YEAR}.id").value == "EM"
    assert not save_buttons(at)
    assert not at.get("file_uploader")
    assert not [b for b in at.button if b.key.startswith(("entry_del_", "entry_attach"))]
    assert [b for b in at.get("link_button") if b.proto.id and "entry_dl_" in b.proto.id]
    lock = texts(at.info)
    assert "sudah diajukan" in lock and "sampai dikembalikan verifikator" in lock
    assert "koordinator.serang" in lock and "WIB" in lock
    assert not at.error


def test_an_agency_sees_why_another_agencys_question_is_read_only(app_factory, db):
    url, _, _ = db
    fw = get_framework()
    other = next(q for q, x in fw.questions.items() if "Dinkes" not in x.opds and x.max > 0)
    at = open_entry(app_factory, url, "dinkes.serang")
    at.selectbox(key="entry_opd.id").set_value("__all__").run()  # every agency
    next(s for s in at.selectbox if s.key.startswith("entry_q_")).set_value(other).run()
    assert not save_buttons(at) and not at.get("file_uploader")
    assert "bukan kepada OPD Anda (Dinkes)" in texts(at.info)


def test_submitting_needs_a_confirmation(app_factory, db):
    url, engine, _ = db
    fw = get_framework()
    # every question answered with 0: complete without evidence
    save_assessment(engine, SYSTEM, region_kode=SERANG, year=YEAR, stage="EM", framework=fw,
                    answers={q: 0.0 for q, x in fw.questions.items() if x.max > 0},
                    status="draft", is_sample=True)
    info = exports.find_assessment(engine, SYSTEM, SERANG, YEAR, "EM")
    at = app_factory(url, user="koordinator.serang").run()
    at.switch_page("app_pages/kelengkapan.py").run()
    at.selectbox(key=f"complete_year_{SERANG}").set_value(YEAR).run()
    assert not at.exception, at.exception
    at.button(key="complete_submit").click().run()
    assert exports.find_assessment(engine, SYSTEM, SERANG, YEAR, "EM").status == "draft"
    confirm = texts(at.warning)
    assert "Kota Serang" in confirm and "terkunci" in confirm and "revisi" in confirm
    at.button(key="complete_cancel").click().run()  # cancelled: back to the first step
    assert exports.find_assessment(engine, SYSTEM, SERANG, YEAR, "EM").status == "draft"
    assert not [b for b in at.button if b.key == "complete_confirm"]
    at.button(key="complete_submit").click().run()
    at.button(key="complete_confirm").click().run()
    assert not at.error, [e.value for e in at.error]
    assert exports.find_assessment(engine, SYSTEM, SERANG, YEAR, "EM").status == "submitted"
    assert info.id == exports.find_assessment(engine, SYSTEM, SERANG, YEAR, "EM").id
    # submitted: no submit action any more, the lock is said once
    assert not [b for b in at.button if b.key == "complete_submit"]
    assert "sudah diajukan" in texts(at.info)


def test_the_submit_action_comes_before_the_lists(app_factory, db):
    url, _, _ = db
    at = app_factory(url, user="koordinator.serang").run()
    at.switch_page("app_pages/kelengkapan.py").run()
    at.selectbox(key=f"complete_year_{SERANG}").set_value(YEAR).run()
    keys = [getattr(e, "key", None) for e in _walk(at.main)]
    assert keys.index("complete_submit") < keys.index("complete_flag_agency")


def _walk(node):
    for child in getattr(node, "children", {}).values():
        yield child
        yield from _walk(child)


def test_deleting_evidence_needs_a_confirmation(app_factory, db):
    url, engine, em = db
    qid = dinkes_question(engine, em)
    ev = ans.add_evidence(engine, SYSTEM, em, qid, "SK Tim.pdf", PDF)["id"]
    at = open_entry(app_factory, url, "dinkes.serang", qid)
    at.button(key=f"entry_del_{ev}").click().run()
    assert [e["id"] for e in ans.list_evidence(engine, SYSTEM, em)] == [ev]  # nothing yet
    assert "Hapus berkas SK Tim.pdf" in texts(at.warning)
    at.button(key=f"entry_del_no_{ev}").click().run()
    assert [e["id"] for e in ans.list_evidence(engine, SYSTEM, em)] == [ev]
    at.button(key=f"entry_del_{ev}").click().run()
    at.button(key=f"entry_del_yes_{ev}").click().run()
    assert not at.error, [e.value for e in at.error]
    assert ans.list_evidence(engine, SYSTEM, em) == []


def test_the_same_file_attached_twice_gives_one_row(app_factory, db):
    url, engine, em = db
    qid = dinkes_question(engine, em)
    at = open_entry(app_factory, url, "dinkes.serang", qid)
    first_key = at.get("file_uploader")[0].key
    at.file_uploader(key=first_key).set_value(("SK Gizi.pdf", PDF, "application/pdf")).run()
    at.button(key="entry_attach").click().run()
    assert not at.error, [e.value for e in at.error]
    assert "SK Gizi.pdf dilampirkan" in texts(at.toast)
    # the uploader was reset: a new, empty one (a second click has nothing to attach)
    uploader = at.get("file_uploader")[0]
    assert uploader.key != first_key and not uploader.value
    assert not [b for b in at.button if b.key == "entry_attach"]
    # the same file chosen again is not attached twice
    at.file_uploader(key=uploader.key).set_value(("salinan.pdf", PDF, "application/pdf")).run()
    at.button(key="entry_attach").click().run()
    assert "sudah terlampir" in texts(at.toast)
    files = [e for e in ans.list_evidence(engine, SYSTEM, em) if e["question_id"] == qid]
    assert [f["name"] for f in files] == ["SK Gizi.pdf"]
    assert "WIB" in " ".join(m.value for m in at.markdown if "SK Gizi.pdf" in m.value)


def test_desa_options_follow_the_chosen_kecamatan(app_factory, db):
    url, engine, _ = db
    area = reg.area(engine, "18.72")
    kec = max(area.kecamatan)
    at = app_factory(url, user="koordinator.metro").run()
    at.switch_page("app_pages/ruang_bermain.py").run()
    assert not at.exception, at.exception
    at.selectbox(key="reg_add_play_area_kecamatan_kode").set_value(kec).run()
    desa = next(s for s in at.selectbox if s.key.startswith("reg_add_play_area_desa_kode"))
    own = sorted(d for d in area.desa if area.kecamatan_of(d) == kec)
    assert own and desa.options == ["–", *[f"{d} {area.desa[d]}" for d in own]]
    assert len(own) < len(area.desa)
    desa.set_value(own[0])
    at.text_input(key="reg_add_play_area_name").input("Taman Uji Kecamatan")
    next(b for b in at.get("form_submit_button") if b.form_id == "reg_add_play_area") \
        .click().run()
    assert not at.error, [e.value for e in at.error]
    row = next(r for r in reg.entries(engine, SYSTEM, "18.72", "play_area")
               if r["name"] == "Taman Uji Kecamatan")
    assert (row["kecamatan_kode"], row["desa_kode"]) == (kec, own[0])


def test_the_audit_log_shows_times_in_wib(app_factory, db):
    url, _, _ = db
    at = app_factory(url, user="admin").run()
    at.switch_page("app_pages/audit.py").run()
    times = at.dataframe[0].value["Waktu"]
    assert len(times) and times.str.endswith(" WIB").all()


def picker(at):
    return next(s for s in at.selectbox if s.key.startswith("entry_q_"))


def test_the_question_picker_shows_the_new_mark_after_an_attach(app_factory, db):
    """After "Lampirkan" the table said "✓ lengkap" while the picker still showed "! 1.P1 …"
    until the page was opened again: the browser keeps showing the label a keyed selectbox
    was chosen with, whatever new labels the options get. What the browser shows after the
    rerun: a new widget (new id) opens on its ``default``; the same widget shows its old
    label unless the server sends a value (``set_value``)."""
    url, engine, em = db
    at = open_entry(app_factory, url, "koordinator.serang")
    table = next(d.value for d in at.dataframe if "OPD" in d.value.columns)
    qid = table[table["Status"].str.startswith("!")]["ID"].iloc[0]  # answered, no file yet
    picker(at).set_value(qid).run()
    before = picker(at)
    assert before.options[before.index].startswith(f"! {qid} · ")
    uploader = at.get("file_uploader")[0]
    at.file_uploader(key=uploader.key).set_value(("SK.pdf", PDF, "application/pdf")).run()
    at.button(key="entry_attach").click().run()
    assert not at.error, [e.value for e in at.error]
    table = next(d.value for d in at.dataframe if "OPD" in d.value.columns)
    assert table[table["ID"] == qid]["Status"].iloc[0].startswith("✓")
    after = picker(at)
    assert after.value == qid  # the question in hand stays chosen
    if after.proto.id != before.proto.id:
        label = after.options[after.proto.default]
    elif after.proto.set_value:
        label = after.proto.raw_value
    else:
        label = before.options[before.index]  # what the browser still shows
    assert label.startswith(f"✓ {qid} · "), label


def test_a_colleagues_save_does_not_lose_the_question_just_chosen(app_factory, db):
    """The picker's key follows its labels (marks); a colleague's save changes a mark between
    this user's click and the rerun it causes. The click must win: the question chosen is the
    one shown, not the one before (the load test lost 4 of 10 sessions' choices this way)."""
    url, engine, em = db
    at = open_entry(app_factory, url, "koordinator.serang")
    first = picker(at).value
    table = next(d.value for d in at.dataframe if "OPD" in d.value.columns)
    target = next(q for q in table["ID"] if q != first)
    other = next(q for q in table["ID"] if q not in (first, target))
    picker(at).set_value(target)  # the click, sent with the next run …
    state = ans.answer_states(engine, SYSTEM, em).get(other)
    ans.save_answer(engine, SYSTEM, em, other, 0.0 if state and state.credit else 1.0,
                        "", state.version if state else None)  # … after a colleague's save
    at.run()
    assert not at.exception, at.exception
    assert picker(at).value == target
    assert any(m.value.startswith(f"**{target}**") for m in at.markdown)


def credit_control(at, qid):
    return next(c for c in at.get("segmented_control") if c.key.endswith(f"_{qid}"))


def test_simpan_jawaban_writes_once_and_the_same_run_shows_it(app_factory, db):
    """The save is the form's callback: one click, one new version, and the run that
    follows shows it (the confirmation, the "last saved" line, the table's credit)."""
    url, engine, em = db
    qid = dinkes_question(engine, em)
    before = ans.answer_states(engine, SYSTEM, em)[qid]
    at = open_entry(app_factory, url, "koordinator.serang", qid)
    new = 0.0 if before.credit else 1.0
    credit_control(at, qid).set_value(new)
    save_buttons(at)[0].click().run()
    assert not at.exception, at.exception
    after = ans.answer_states(engine, SYSTEM, em)[qid]
    assert (after.credit, after.version) == (new, before.version + 1)
    assert f"Jawaban {qid} disimpan (versi {after.version})" in texts(at.toast)
    assert f"(versi {after.version})" in texts(at.caption)
    assert not at.error


def test_a_colleagues_save_in_between_is_a_conflict_and_nothing_is_written(app_factory, db):
    url, engine, em = db
    qid = dinkes_question(engine, em)
    at = open_entry(app_factory, url, "koordinator.serang", qid)
    seen = ans.answer_states(engine, SYSTEM, em)[qid]
    colleague = ans.save_answer(engine, SYSTEM, em, qid, seen.credit, "dari rekan", seen.version)
    credit_control(at, qid).set_value(0.0 if seen.credit else 1.0)
    save_buttons(at)[0].click().run()
    assert not at.exception, at.exception
    now = ans.answer_states(engine, SYSTEM, em)[qid]
    assert (now.version, now.note, now.credit) == (colleague, "dari rekan", seen.credit)
    assert any("dari rekan" in e.value for e in at.error)  # what the colleague wrote
    assert not at.toast


def test_a_save_refused_after_the_page_was_drawn_says_why(app_factory, db):
    """The assessment was submitted (locked) between drawing the form and the click: the
    refusal is shown in place, nothing is written."""
    url, engine, em = db
    qid = dinkes_question(engine, em)
    at = open_entry(app_factory, url, "koordinator.serang", qid)
    seen = ans.answer_states(engine, SYSTEM, em)[qid]
    set_status(engine, em, status="submitted")
    credit_control(at, qid).set_value(0.0 if seen.credit else 1.0)
    save_buttons(at)[0].click().run()
    assert not at.exception, at.exception
    assert ans.answer_states(engine, SYSTEM, em)[qid].version == seen.version
    assert at.error and not at.toast


def test_the_entry_table_shows_a_save_a_colleagues_save_and_a_filter_at_once(app_factory, db):
    """Isian's table is made once per reader, data version, language and filters and then
    replayed: a save (this user's or a colleague's elsewhere) and a filter still show at the
    next run."""
    url, engine, em = db
    qid = dinkes_question(engine, em)
    before = ans.answer_states(engine, SYSTEM, em)[qid]
    at = open_entry(app_factory, url, "koordinator.serang", qid)

    def shown():
        table = next(d.value for d in at.dataframe if "OPD" in d.value.columns)
        return dict(zip(table["ID"], table["Kredit"]))

    assert shown()[qid] == before.credit
    new = 0.0 if before.credit else 1.0
    credit_control(at, qid).set_value(new)
    save_buttons(at)[0].click().run()
    assert not at.exception, at.exception
    assert shown()[qid] == new
    at.run()  # replayed: the same table
    assert shown()[qid] == new
    now = ans.answer_states(engine, SYSTEM, em)[qid]
    ans.save_answer(engine, SYSTEM, em, qid, before.credit, "", now.version)  # a colleague
    at.run()
    assert shown()[qid] == before.credit
    block = get_framework().questions[qid].block
    other = next(b for b in get_framework().blocks if b != block)
    next(s for s in at.selectbox if s.key == "entry_block.id").set_value(other).run()
    assert not at.exception, at.exception
    assert qid not in shown() and shown()
    assert all(get_framework().questions[q].block == other for q in shown())
