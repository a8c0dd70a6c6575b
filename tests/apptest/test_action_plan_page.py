"""AppTest of Rencana aksi (RAD KLA) on a copy of the sample: the coordinator adds the whole
cheapest path from Jalur termurah, marks an action done and applies its credits (the
self-assessment's stored total moves); the agency changes only its own actions' status; a
viewer reads only."""

from kla.services import action_plan, assessments, exports
from kla.services.permissions import SYSTEM
from kla.store.db import make_engine

SERANG, YEAR = "36.73", 2026


def frame(at, *columns):
    for d in at.dataframe:
        if all(c in d.value.columns for c in columns):
            return d.value
    raise AssertionError(f"no table with columns {columns}")


def open_plan(at, year=YEAR):
    at.switch_page("app_pages/rencana_aksi.py").run()
    at.selectbox(key="plan_region").set_value(SERANG).run()
    at.selectbox(key=f"plan_year_{SERANG}").set_value(year).run()
    assert not at.exception, at.exception
    return at


def stored_total(engine) -> float:
    info = exports.find_assessment(engine, SYSTEM, SERANG, YEAR, "EM")
    return assessments.stored_results(engine, SYSTEM, [info])[info.id].total


def test_coordinator_path_to_plan_done_apply(app_factory, seeded_sqlite_copy):
    url = seeded_sqlite_copy()
    engine = make_engine(url)
    at = app_factory(url, user="koordinator.serang").run()
    open_plan(at)
    assert any("Belum ada kegiatan" in i.value for i in at.info)
    at.switch_page("app_pages/jalur.py").run()
    at.selectbox(key="path_region").set_value(SERANG).run()
    at.selectbox(key=f"path_year_{SERANG}").set_value(YEAR).run()
    at.button(key="path_to_plan").click().run()
    assert not at.exception, at.exception
    actions = action_plan.list_actions(engine, SYSTEM, SERANG, YEAR)
    assert actions and all(list(a["credits"].values()) == [1.0] for a in actions)

    open_plan(at)
    labels = {m.label: m.value for m in at.metric}
    assert labels["Diamankan (selesai)"] == "0,00"
    table = frame(at, "Judul kegiatan", "OPD penanggung jawab", "Tenggat")
    assert len(table) == len(actions)
    assert any("Belum ada kegiatan bertanggal" in c.value for c in at.caption)  # no dates yet
    assert at.get("download_button")

    first = actions[0]
    at.selectbox(key=f"plan_pick_{exports.find_assessment(engine, SYSTEM, SERANG, YEAR, 'EM').id}"
                 ).set_value(first["id"]).run()
    at.selectbox(key=f"plan_status_{first['id']}_1").set_value("selesai")
    at.text_area(key=f"plan_note_{first['id']}_1").set_value("SK terbit")
    next(b for b in at.get("form_submit_button")
         if b.form_id.startswith("plan_status_form_")).click().run()
    assert not at.exception, at.exception
    assert action_plan.get_action(engine, SYSTEM, first["id"])["status"] == "selesai"
    before = stored_total(engine)
    at.button(key="plan_apply").click().run()
    assert not at.exception, at.exception
    assert stored_total(engine) > before
    labels = {m.label: m.value for m in at.metric}
    assert labels["Diamankan (selesai)"] == "0,00"  # applied: now in the total


def test_viewer_reads_only_and_english_labels(app_factory, seeded_sqlite_copy):
    from datetime import date

    from kla.domain.framework import get_framework

    url = seeded_sqlite_copy()
    engine = make_engine(url)
    fw = get_framework()
    action_plan.add_from_gaps(engine, SYSTEM, SERANG, YEAR, fw, ["12.P1"])
    action_plan.create_action(engine, SYSTEM, SERANG, YEAR, fw, {
        "title": "12.P2 late", "opd": "Dinkes", "start_date": date(2026, 1, 5),
        "due_date": date(2026, 2, 1)}, {"12.P2": 1.0})
    at = app_factory(url, locale="en-US", user="pengamat").run()
    open_plan(at)
    assert frame(at, "Action title", "Due date")["Action title"].str.startswith("12.P").all()
    assert len(at.get("plotly_chart")) == 1
    assert any(c.value.startswith("1 actions on the timeline") and "1 overdue: 12.P2 late"
               in c.value and "1 actions without dates" in c.value for c in at.caption)
    assert not [b for b in at.button if b.key == "plan_apply"]
    assert not [b for b in at.get("form_submit_button")
                if b.form_id.startswith("plan_status_form_")]
    assert any("Only the kab/kota's coordinator" in c.value for c in at.caption)


def test_agency_applies_its_own_done_question(app_factory, seeded_sqlite_copy):
    from kla.domain.framework import get_framework
    from kla.services import answers

    url = seeded_sqlite_copy()
    engine = make_engine(url)
    info = exports.find_assessment(engine, SYSTEM, SERANG, YEAR, "EM")
    qid = next(q for q, st in answers.answer_states(engine, SYSTEM, info.id).items()
               if st.credit < 1 and "Dinkes" in get_framework().questions[q].opds)
    aid = action_plan.create_action(engine, SYSTEM, SERANG, YEAR, get_framework(), {
        "title": "Dinkes", "opd": "Dinkes"}, {qid: 1.0})
    action_plan.set_status(engine, SYSTEM, aid, "selesai", 1)
    at = app_factory(url, user="dinkes.serang").run()
    open_plan(at)
    assert not [b for b in at.button if b.key == "plan_apply"]  # the one step: coordinator
    assert not [e for e in at.expander if "Tambah kegiatan" in e.label]
    at.button(key="plan_apply_one").click().run()
    assert not at.exception, at.exception
    assert answers.answer_states(engine, SYSTEM, info.id)[qid].credit == 1.0
