"""The "Cara menghitung nilai" service: the walk-through of a stored assessment says what its
stored score says, for those who may see it, and no one else; the PDF report carries it."""

import io

import pytest
from pypdf import PdfReader

from kla.services import analytics, exports
from kla.services.assessments import list_assessments, score_assessment, stored_score
from kla.services.permissions import SYSTEM, PermissionDenied
from kla.services.users import get_actor
from kla.store.db import engine_for

pytestmark = pytest.mark.store


@pytest.fixture
def engine(seeded_url):
    return engine_for(seeded_url)


def test_every_serang_assessment_explained_as_stored(engine):
    coordinator = get_actor(engine, "koordinator.serang")
    infos = list_assessments(engine, coordinator, "36.73")
    assert len(infos) >= 10
    for info in infos:
        expl = analytics.score_explanation(engine, coordinator, info)
        stored = stored_score(engine, coordinator, info)
        assert expl.total == stored.total == score_assessment(engine, coordinator, info).total
        assert expl.bands.predicate == stored.predicate
        assert (expl.bands.next_predicate, expl.bands.points_to_next) == \
            (stored.next_predicate, stored.points_to_next)
        assert {i.code: (i.score, i.max) for i in expl.indicators} == stored.indicators


def test_another_citys_account_may_not_read_it(engine):
    serang = next(i for i in list_assessments(engine, SYSTEM, "36.73") if i.year == 2025)
    metro = get_actor(engine, "koordinator.metro")
    with pytest.raises(PermissionDenied):
        analytics.score_explanation(engine, metro, serang)
    verifier = get_actor(engine, "verifikator.banten")  # the province sees its kab/kota
    assert analytics.score_explanation(engine, verifier, serang).total > 0


def test_the_exported_report_has_the_section(engine):
    coordinator = get_actor(engine, "koordinator.serang")
    info = next(i for i in list_assessments(engine, coordinator, "36.73")
                if (i.year, i.stage) == (2025, "FINAL"))
    expl = analytics.score_explanation(engine, coordinator, info)
    data = exports.export_pdf(engine, coordinator, info, "id")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
                    .split())
    part = text.split("Cara menghitung nilai", 1)[1].split("Kesenjangan terbesar", 1)[0]
    code = expl.most_missing
    assert f"Indikator {code}: poin tiap pertanyaan" in part
    assert "Total = jumlah nilai 31 indikator (7 blok) = 645,40" in part
    assert "aturan 7: docs/scoring.md#rule-7-kla-gate" in part
