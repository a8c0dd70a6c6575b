"""RAD KLA action plan, the pure part: overdue rule, planned credits only raise, and the
progress to the target predicate equals the real scoring of the planned credits."""

from datetime import date

from kla.domain import chart_text
from kla.domain.action_plan import is_overdue, planned_credits, progress, raised, to_apply
from kla.domain.framework import get_framework
from kla.domain.planner import plan
from kla.domain.scoring import score

FW = get_framework("kla-2024")
TODAY = date(2026, 6, 15)


def base_credits() -> dict[str, float]:
    """Half credit everywhere: a total of 500 (Pratama)."""
    return dict.fromkeys(FW.questions, 0.5)


def test_overdue_only_when_due_before_today_and_still_open():
    assert is_overdue("rencana", date(2026, 6, 14), TODAY)
    assert is_overdue("berjalan", date(2026, 1, 1), TODAY)
    assert not is_overdue("berjalan", TODAY, TODAY)  # due today is not late yet
    assert not is_overdue("selesai", date(2026, 1, 1), TODAY)
    assert not is_overdue("batal", date(2026, 1, 1), TODAY)
    assert not is_overdue("rencana", None, TODAY)


def test_planned_credits_only_raise_and_take_the_highest():
    actions = [{"status": "selesai", "credits": {"1.P1": 0.5, "1.P2a": 1.0}},
               {"status": "selesai", "credits": {"1.P1": 0.75}},
               {"status": "batal", "credits": {"12.P1": 1.0}}]
    assert planned_credits(actions, ["selesai"]) == {"1.P1": 0.75, "1.P2a": 1.0}
    assert raised({"1.P1": 1.0, "1.P2a": 0.25}, {"1.P1": 0.5, "1.P2a": 1.0}) == {
        "1.P1": 1.0, "1.P2a": 1.0}
    assert to_apply({"1.P1": 1.0, "1.P2a": 0.25}, actions) == {"1.P2a": 1.0}


def test_progress_is_the_real_score_of_done_and_all_actions():
    credits = base_credits()
    p = plan(FW, credits, "Madya")
    qids = [a.question_id for a in p.actions]
    half = len(qids) // 2
    actions = [{"status": "selesai", "credits": dict.fromkeys(qids[:half], 1.0)},
               {"status": "berjalan", "credits": dict.fromkeys(qids[half:], 1.0)},
               {"status": "batal", "credits": {q: 1.0 for q in FW.questions}}]
    got = progress(FW, credits, actions, "Madya")
    now = score(FW, credits)
    done = score(FW, {**credits, **dict.fromkeys(qids[:half], 1.0)})
    every = score(FW, {**credits, **dict.fromkeys(qids, 1.0)})
    assert got.total == now.total
    assert got.done_total == done.total and got.done_predicate == done.predicate
    assert got.all_total == every.total and got.all_predicate == "Madya"
    assert got.threshold == 600.01
    assert got.points_needed == round(600.01 - now.total, 2)
    assert got.points_secured == round(done.total - now.total, 2)
    assert got.points_remaining == max(0.0, round(600.01 - done.total, 2))
    assert got.reached_with_all and not got.reached_with_done


def test_progress_default_target_is_the_next_predicate():
    got = progress(FW, base_credits(), [])
    assert got.target == score(FW, base_credits()).next_predicate
    assert got.points_secured == 0 and got.points_planned == 0


def test_timeline_text_names_overdue_and_undated():
    rows = [{"title": "SK gugus tugas", "start": date(2026, 1, 5), "due": date(2026, 3, 1),
             "status": "berjalan", "overdue": True},
            {"title": "Perda KLA", "start": date(2026, 2, 1), "due": date(2026, 9, 1),
             "status": "selesai", "overdue": False},
            {"title": "Tanpa tanggal", "start": None, "due": None, "status": "rencana",
             "overdue": False}]
    text = chart_text.action_timeline_text(rows, "id")
    assert "2 kegiatan" in text and "2026-01-05" in text and "2026-09-01" in text
    assert "1 terlambat: SK gugus tugas" in text and "1 kegiatan tanpa tanggal" in text
    assert "overdue" in chart_text.action_timeline_text(rows, "en")
    assert chart_text.action_timeline_text([], "en") == "No actions in the action plan yet."


def test_timeline_marks_overdue_by_colour_and_text():
    from kla.domain.palette import LOSS
    from kla.web.charts import action_timeline_figure

    rows = [{"title": "SK gugus tugas", "start": date(2026, 1, 5), "due": date(2026, 3, 1),
             "status": "berjalan", "overdue": True},
            {"title": "Perda KLA", "start": date(2026, 2, 1), "due": date(2026, 9, 1),
             "status": "selesai", "overdue": False},
            {"title": "Tanpa tanggal", "start": None, "due": None, "status": "rencana",
             "overdue": False}]
    fig = action_timeline_figure(rows, "id")
    late = [tr for tr in fig.data if tr.name == "Terlambat"]
    assert len(late) == 1 and late[0].marker.color == LOSS
    assert list(late[0].text) == ["⚠ terlambat"] and list(late[0].y) == ["SK gugus tugas"]
    assert sum(len(tr.y) for tr in fig.data) == 2  # the undated action is not drawn
    done = next(tr for tr in fig.data if tr.name == "Selesai")
    assert done.base[0] == "2026-02-01" and done.x[0] == 213 * 86_400_000
    assert action_timeline_figure(rows, "en").data[0].name in {"Done", "Overdue"}


def test_pdf_report_has_the_plan_section_with_overdue_in_words():
    import io

    from pypdf import PdfReader

    from kla.io.pdf_report import build_report_pdf

    credits = base_credits()
    actions = [{"title": "Perwal KLA", "opd": "Bagian Hukum", "status": "berjalan",
                "start_date": date(2026, 1, 5), "due_date": date(2026, 3, 1),
                "budget_rp": 25_000_000, "credits": {"1.P1": 1.0}},
               {"title": "Posyandu ramah anak", "opd": "Dinkes", "status": "selesai",
                "start_date": None, "due_date": date(2026, 9, 1), "budget_rp": 0,
                "credits": {"12.P1": 0.75}}]
    result = score(FW, credits)
    for lang, words in (("id", ("Rencana aksi (RAD KLA)", "Berjalan · terlambat",
                                "25.000.000", "Perwal KLA", "1.P1 → 1")),
                        ("en", ("Action plan (RAD KLA)", "Under way · overdue", "25,000,000"))):
        data = build_report_pdf(FW, region_kode="36.73", region_nama="Kota Serang", year=2026,
                                stage="EM", result=result, gaps=[], missing=[],
                                is_sample=False, lang=lang,
                                plan={"progress": progress(FW, credits, actions),
                                      "actions": actions, "today": TODAY})
        text = " ".join(" ".join(p.extract_text() for p in
                                 PdfReader(io.BytesIO(data)).pages).split())
        for w in words:
            assert w in text, (lang, w)
