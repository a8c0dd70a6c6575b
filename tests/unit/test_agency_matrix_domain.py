"""The agency accountability matrix (issue 16): hand-made rows, and the sample data's points at
stake adding up to the headline with the shared-question rule."""

import pytest

from kla.domain import chart_text
from kla.domain.agency_matrix import NO_AGENCY, agency_matrix, double_counted
from kla.domain.completeness import NO_EVIDENCE, UNANSWERED, Item, checklist
from kla.domain.gaps import gap_rows
from kla.domain.planner import plan
from kla.domain.sample import generate
from kla.domain.scoring import score
from kla.web.charts import agency_matrix_figure


def item(qid, agencies, answered=True, credit=1.0, evidence=1, problem=None):
    return Item(qid, "1", tuple(agencies), answered, credit, (), evidence, problem)


ITEMS = [
    item("q1", ["A"], credit=0.5, evidence=0, problem=NO_EVIDENCE),
    item("q2", ["A", "B"], credit=0.0),
    item("q3", ["B"], answered=False, credit=0.0, evidence=0, problem=UNANSWERED),
    item("q4", [], credit=1.0),
]
AT_STAKE = {"q1": 2.5, "q2": 4.0, "q3": 3.0, "q4": 0.0}
PATH = {"q2": 4.0, "q3": 1.5}


def test_rows_per_agency_and_the_total_counts_a_shared_question_once():
    m = agency_matrix(ITEMS, {"q2": "reject", "q1": "accept"}, AT_STAKE, PATH)
    rows = {r.agency: r for r in m.rows}
    assert set(rows) == {"A", "B", NO_AGENCY}
    a, b = rows["A"], rows["B"]
    assert (a.assigned, a.answered, a.evidence_missing, a.rejected) == (2, 2, 1, 1)
    assert (a.at_stake, a.blocking) == (6.5, 4.0)
    assert (b.assigned, b.answered, b.evidence_missing, b.rejected) == (2, 1, 0, 1)
    assert (b.at_stake, b.blocking) == (7.0, 5.5)
    assert [r.agency for r in m.rows] == ["B", "A", NO_AGENCY]  # most at stake first
    t = m.total
    assert (t.assigned, t.answered, t.evidence_missing, t.rejected) == (4, 3, 1, 1)
    assert (t.at_stake, t.blocking) == (9.5, 5.5)
    assert a.overdue is None and t.overdue is None  # no action plan
    assert m.shared == 1 and double_counted(m) == 4.0
    assert sum(r.at_stake for r in m.rows) - double_counted(m) == t.at_stake
    assert [q.question_id for q in m.questions["A"]] == ["q2", "q1"]
    q2 = m.questions["B"][0]
    assert (q2.question_id, q2.review, q2.blocking, q2.agencies) == ("q2", "reject", 4.0,
                                                                    ("A", "B"))
    assert m.questions["B"][1].credit is None  # unanswered


def test_overdue_actions_counted_per_agency_and_once_in_the_total():
    m = agency_matrix(ITEMS, {}, AT_STAKE, PATH, overdue={"A": {1, 2}, "B": {2}, "C": {3}})
    rows = {r.agency: r for r in m.rows}
    assert (rows["A"].overdue, rows["B"].overdue, rows[NO_AGENCY].overdue) == (2, 1, 0)
    assert rows["C"].assigned == 0 and rows["C"].overdue == 1  # overdue, nothing assigned
    assert m.total.overdue == 3


def test_only_the_agencys_own_rows():
    m = agency_matrix(ITEMS, {}, AT_STAKE, PATH, only=["A"])
    assert [r.agency for r in m.rows] == ["A"]
    assert m.total.assigned == 2 and m.total.at_stake == 6.5  # its own questions only
    assert set(m.questions) == {"A"}
    assert agency_matrix(ITEMS, {}, AT_STAKE, PATH, only=[]).rows == ()


@pytest.mark.parametrize("year, stage", [(2025, "EM"), (2025, "FINAL"), (2024, "VL")])
def test_sample_at_stake_adds_up_to_the_headline(fw, year, stage):
    credits = generate(fw, f"36.73:{year}", {"EM": 742.0, "VA": 700.0, "VL": 660.0,
                                             "FINAL": 645.4})[stage]
    result = score(fw, credits)
    stake = {r["question_id"]: r["at_stake"] for r in gap_rows(fw, credits, result)}
    items = checklist(fw, credits, {}, {q: list(x.opds) for q, x in fw.questions.items()})
    p = plan(fw, credits)
    path = {a.question_id: a.points for a in p.actions}
    m = agency_matrix(items, {}, stake, path)
    headline = round(fw.total_max - result.total, 2)
    assert m.total.at_stake == pytest.approx(headline, abs=1e-9)
    assert m.shared > 100  # most questions of the instrument have several agencies
    # the agency rows count a shared question for each of its agencies
    assert sum(r.at_stake for r in m.rows) - double_counted(m) == pytest.approx(headline)
    assert sum(r.at_stake for r in m.rows) > headline
    assert m.total.blocking == pytest.approx(sum(a.points for a in p.actions))
    assert m.total.blocking >= p.points_needed - 1e-9
    assert m.total.assigned == sum(1 for q in fw.questions.values() if q.max > 0)


def test_caption_and_heatmap():
    m = agency_matrix(ITEMS, {"q2": "reject"}, AT_STAKE, PATH)
    rows = [{"opd": r.agency, "at_stake": r.at_stake} for r in m.rows]
    assert chart_text.agency_matrix_text(rows, m.total.at_stake, m.total.blocking, m.shared,
                                         "id") == (
        "3 OPD, 9,50 poin dipertaruhkan (tiap pertanyaan dihitung sekali), terbanyak: B 7,00; "
        "A 6,50; – 0,00; 5,50 poin menghalangi predikat berikutnya; pertanyaan milik beberapa "
        "OPD (1) dihitung di tiap OPD.")
    assert chart_text.agency_matrix_text(rows, 9.5, 5.5, 1, "en").startswith(
        "3 agencies, 9.50 points at stake (each question counted once), most: B 7.00")
    assert chart_text.agency_matrix_text([], 0, 0, 0, "en") == "No question assigned."
    fig = agency_matrix_figure(["B", "A"], ["Assigned", "At stake", "Overdue"],
                               [[2, 7.0, None], [2, 6.5, None]], [False, True, False], "id")
    heat = fig.data[0]
    assert list(heat.y) == ["B", "A"]
    assert [list(r) for r in heat.text] == [["2", "7,00", "–"], ["2", "6,50", "–"]]
    assert heat.z[0][1] == 1.0 and heat.z[1][1] == pytest.approx(6.5 / 7)
    assert heat.z[0][2] is None
