"""Matriks OPD's service (issue 16) on SQLite and PostgreSQL: the city's own accounts and its
province's verifier read it, another city's coordinator is refused, an agency gets its own row;
a verifier's rejection shows in the agency's row."""

import pytest

from kla.services import workflow
from kla.services.agencies import agency_matrix_of
from kla.services.assessments import list_assessments
from kla.services.permissions import SYSTEM, PermissionDenied
from kla.services.users import get_actor
from kla.store.db import engine_for

pytestmark = pytest.mark.store


@pytest.fixture
def engine(seeded_url):
    return engine_for(seeded_url)


def serang(engine, year=2025, stage="FINAL"):
    return next(i for i in list_assessments(engine, SYSTEM, "36.73")
                if (i.year, i.stage) == (year, stage))


def test_another_citys_coordinator_is_refused(engine):
    info = serang(engine)
    with pytest.raises(PermissionDenied):
        agency_matrix_of(engine, get_actor(engine, "koordinator.metro"), info.id)
    for user in ("koordinator.serang", "verifikator.banten", "pengamat", "admin"):
        view = agency_matrix_of(engine, get_actor(engine, user), info.id)
        assert len(view.matrix.rows) > 20 and not view.own_only
        assert view.matrix.total.at_stake == pytest.approx(view.headline) == \
            pytest.approx(354.6)


def test_an_agency_gets_only_its_own_row(engine):
    view = agency_matrix_of(engine, get_actor(engine, "dinkes.serang"), serang(engine).id)
    assert [r.agency for r in view.matrix.rows] == ["Dinkes"] and view.own_only
    assert set(view.matrix.questions) == {"Dinkes"}
    everyone = agency_matrix_of(engine, SYSTEM, serang(engine).id)
    assert view.matrix.rows[0] == next(r for r in everyone.matrix.rows if r.agency == "Dinkes")


def test_a_rejection_counts_in_the_row_of_each_agency(engine, fw):
    from kla.services.assessments import save_assessment

    answers = {q: 0.0 for q, x in fw.questions.items() if x.max > 0}  # 0: no evidence needed
    qid = next(q for q in answers if len(fw.questions[q].opds) > 1)
    answers[qid] = 0.0
    aid = save_assessment(engine, SYSTEM, region_kode="36.73", year=2039, stage="EM",
                          answers=answers, framework=fw, status="draft")
    workflow.submit(engine, SYSTEM, aid)
    va = workflow.open_stage(engine, SYSTEM, "36.73", 2039, "VA")
    before = agency_matrix_of(engine, SYSTEM, va)
    assert before.matrix.total.rejected == 0
    workflow.review_answer(engine, SYSTEM, va, qid, "reject", reason="bukti tidak sah")
    for stage_id in (va, aid):  # the year's decision shows on the verification stage and EM
        after = agency_matrix_of(engine, SYSTEM, stage_id)
        rows = {r.agency: r for r in after.matrix.rows}
        assert after.matrix.total.rejected == 1
        assert all(rows[a].rejected == 1 for a in fw.questions[qid].opds)
        assert sum(r.rejected for r in after.matrix.rows) == len(fw.questions[qid].opds)
