"""The cheap cache keys of ``kla.web.cache``: an assessment is keyed by all of its fields, and
a chart's or a table's digest is the same for the same plain data and differs for other data
(Streamlit's own hasher walked them item by item on every rerun)."""

import dataclasses

import pytest

from kla.domain.framework import get_framework
from kla.services.assessments import AssessmentInfo
from kla.web import cache

INFO = AssessmentInfo(id=7, region_kode="36.73", region_nama="Kota Serang", year=2025,
                      stage="EM", status="draft", is_sample=False, framework="kla-2024")


def test_an_assessment_is_hashed_by_the_cheap_key():
    assert cache._BY_READ_KEY[AssessmentInfo] is cache._info_key


@pytest.mark.parametrize("field,value", [
    ("id", 8), ("region_kode", "18.72"), ("region_nama", "Kota Metro"), ("year", 2024),
    ("stage", "VA"), ("status", "submitted"), ("is_sample", True), ("framework", "kla-2025")])
def test_every_field_of_an_assessment_is_in_its_key(field, value):
    changed = dataclasses.replace(INFO, **{field: value})
    assert cache._info_key(changed) != cache._info_key(INFO)
    assert cache._info_key(dataclasses.replace(INFO)) == cache._info_key(INFO)


def test_equal_plain_data_gives_one_digest_and_other_data_another():
    bands = get_framework().bands
    copies = [dataclasses.replace(b) for b in bands]  # equal, other objects
    rows = [{"indicator": "1", "at_stake": 2.5, "name": None}, {"indicator": "2", "at_stake": 0}]
    key = ("mod", "fn", cache.plain_key((612.5, "madya", bands, rows)), ())
    same = ("mod", "fn", cache.plain_key((612.5, "madya", copies, [dict(r) for r in rows])), ())
    assert cache.content_digest(key) == cache.content_digest(same)
    for other in [(612.25, "madya", bands, rows), (612.5, "nindya", bands, rows),
                  (612.5, "madya", bands, rows[:1]),
                  (612.5, "madya", bands, [{**rows[0], "at_stake": 2.0}, rows[1]])]:
        assert cache.content_digest(("mod", "fn", cache.plain_key(other), ())) \
            != cache.content_digest(key)
    assert cache.content_digest(("mod", "other_fn", cache.plain_key(
        (612.5, "madya", bands, rows)), ())) != cache.content_digest(key)


def test_the_league_frame_of_a_download_reads_no_session(monkeypatch):
    """A league table's CSV and Excel are built when clicked, outside the script run: the
    frame is made from the rows and the language alone."""
    from kla.web import league_view, session

    def no_session(*a, **kw):
        raise AssertionError("the session was read")

    monkeypatch.setattr(session, "t", no_session)
    monkeypatch.setattr(session, "lang", no_session)
    rows = [{"chosen": True, "rank": 1, "nama": "Kota Serang", "kode": "36.73",
             "province": "Banten", "type": "kota", "year": 2024, "predicate": "madya",
             "score": None, "movement": None, "previous": None, "previous_year": None,
             "years_at": 2, "since": 2023}]
    for lang in ("id", "en"):
        df = league_view.league_frame(rows, lang)
        assert list(df.iloc[0])[2] == "Kota Serang (36.73)"
    assert league_view.league_frame(rows, "en").columns.tolist() \
        != league_view.league_frame(rows, "id").columns.tolist()
