"""League tables of the published results (kla.domain.league), on hand-made data: ranks that
ties share, years at a predicate that a gap ends, movement against the previous loaded result,
a kab/kota without any result."""

import math

import pytest

from kla.domain.league import GROUPS, league_table, province_table, region_type, standing
from kla.domain.published import peer_benchmark, shared_ranks, streak

REGIONS = {"18": "Lampung", "18.01": "Kabupaten Lampung Barat", "18.02": "Kabupaten Tanggamus",
           "18.71": "Kota Bandar Lampung", "18.72": "Kota Metro",
           "36": "Banten", "36.01": "Kabupaten Pandeglang", "36.73": "Kota Serang"}


def _r(kode, year, predicate, score=None):
    return {"kode": kode, "nama": REGIONS[kode], "award_year": year, "predicate": predicate,
            "score": score}


ROWS = [
    _r("18.72", 2019, "Madya"), _r("18.72", 2021, "Nindya"), _r("18.72", 2022, "Nindya"),
    _r("18.72", 2023, "Nindya", 745.0),
    _r("18.71", 2018, "Nindya"), _r("18.71", 2021, "Nindya"), _r("18.71", 2022, "Madya"),
    _r("18.71", 2023, "Nindya", math.nan),  # a frame's missing score
    _r("18.01", 2021, "Pratama"), _r("18.01", 2023, "Pratama"),  # no result loaded for 2022
    _r("36.73", 2023, "Nindya", 700.0),
    _r("36.01", 2023, "Utama"), _r("36.01", 2025, "Utama"),  # no ceremony in 2024
]
# 18.02 Kabupaten Tanggamus: no result at all


def by_kode(table):
    return {r["kode"]: r for r in table}


def test_region_type():
    assert region_type("Kota Metro") == "kota"
    assert region_type("Kota Administrasi Jakarta Pusat") == "kota"
    assert region_type("Kabupaten Administrasi Kepulauan Seribu") == "kabupaten"
    assert region_type("Kab Gunung Kidul") == "kabupaten"
    assert region_type("") == ""


def test_streak_counts_award_years_and_a_gap_ends_it():
    assert streak({2021: "Nindya", 2022: "Nindya", 2023: "Nindya"}, 2023) == (3, 2021)
    assert streak({2019: "Nindya", 2021: "Nindya"}, 2021) == (2, 2019)  # no ceremony in 2020
    assert streak({2023: "Utama", 2025: "Utama"}, 2025) == (2, 2023)  # none in 2024
    assert streak({2021: "Pratama", 2023: "Pratama"}, 2023) == (1, 2023)  # 2022 unknown
    assert streak({2022: "Madya", 2023: "Nindya"}, 2023) == (1, 2023)
    assert streak({2022: "Nindya", 2023: "Nindya"}, 2022) == (1, 2022)  # up to that year


def test_shared_ranks_ties_share_and_a_score_counts_only_where_published():
    rows = [_r("18.72", 2021, "Nindya"), _r("18.71", 2021, "Nindya"),
            _r("18.01", 2021, "Pratama"), _r("36.73", 2021, "Nindya", 700.0),
            _r("36.01", 2021, "none")]
    assert shared_ranks(rows) == {"36.73": 1, "18.72": 2, "18.71": 2, "18.01": 4, "36.01": 5}


def test_standing_movement_and_previous():
    metro = {y: r for r in ROWS if r["kode"] == "18.72" for y in [r["award_year"]]}
    s = standing(metro, 2023)
    assert (s["predicate"], s["score"], s["years_at"], s["since"]) == ("Nindya", 745.0, 3, 2021)
    assert (s["movement"], s["previous"], s["previous_year"]) == ("same", "Nindya", 2022)
    assert standing(metro, 2021)["movement"] == "up"
    first = standing(metro, 2019)
    assert (first["movement"], first["previous"], first["years_at"]) == ("new", None, 1)
    assert standing(metro, 2025) == {k: None for k in first}  # no result that year


def test_the_province_group_lists_every_kabkota_and_ranks_those_with_a_result():
    t = league_table(ROWS, REGIONS, "18.72", "province")
    assert (t["year"], t["predicate"], t["rank"], t["ranked"]) == (2023, "Nindya", 1, 3)
    rows = t["rows"]
    assert [r["kode"] for r in rows] == ["18.72", "18.71", "18.01", "18.02"]  # unranked last
    got = by_kode(rows)
    assert [r["kode"] for r in rows if r["chosen"]] == ["18.72"]
    bl = got["18.71"]
    assert bl["score"] is None  # NaN is "not published", never 0
    assert (bl["rank"], bl["movement"], bl["previous"], bl["previous_year"]) == (
        2, "up", "Madya", 2022)
    lb = got["18.01"]
    assert (lb["rank"], lb["years_at"], lb["movement"], lb["previous_year"]) == (
        3, 1, "same", 2021)
    none = got["18.02"]  # no result at all: listed, not ranked, nothing made up
    assert (none["predicate"], none["score"], none["rank"], none["years_at"],
            none["movement"]) == (None, None, None, None, None)
    assert none["province"] == "Lampung" and none["type"] == "kabupaten"
    assert {r["year"] for r in rows} == {2023}


def test_type_and_predicate_groups_cross_provinces():
    kota = league_table(ROWS, REGIONS, "18.72", "type")
    assert [(r["kode"], r["rank"]) for r in kota["rows"]] == [
        ("18.72", 1), ("36.73", 2), ("18.71", 3)]
    assert {r["type"] for r in kota["rows"]} == {"kota"}
    nindya = league_table(ROWS, REGIONS, "36.73", "predicate")
    assert [r["kode"] for r in nindya["rows"]] == ["18.72", "36.73", "18.71"]
    assert nindya["rank"] == 2 and [r["chosen"] for r in nindya["rows"]] == [False, True, False]
    assert by_kode(nindya["rows"])["36.73"]["movement"] == "new"
    kab = league_table(ROWS, REGIONS, "36.01", "type")  # its latest year: 2025
    assert kab["year"] == 2025 and [r["kode"] for r in kab["rows"]] == ["36.01"]
    assert kab["rows"][0]["years_at"] == 2


def test_an_earlier_year_and_ties():
    t = league_table(ROWS, REGIONS, "18.72", "province", year=2021)
    got = by_kode(t["rows"])
    assert (got["18.72"]["rank"], got["18.71"]["rank"], got["18.01"]["rank"]) == (1, 1, 3)
    assert got["18.72"]["years_at"] == 1 and got["18.71"]["years_at"] == 1  # 2019: not BL's
    assert league_table(ROWS, REGIONS, "18.72", "province", year=2025) is None  # no result


def test_a_city_with_no_results():
    for group in GROUPS:
        assert league_table(ROWS, REGIONS, "18.02", group) is None
    assert league_table([], REGIONS, "18.72", "province") is None
    with pytest.raises(ValueError):
        league_table(ROWS, REGIONS, "18.72", "island")


def test_province_table():
    rows = province_table(ROWS, REGIONS, "18", 2022, chosen="18.02")
    assert [(r["kode"], r["rank"], r["predicate"]) for r in rows] == [
        ("18.72", 1, "Nindya"), ("18.71", 2, "Madya"), ("18.01", None, None),
        ("18.02", None, None)]
    assert [r["kode"] for r in rows if r["chosen"]] == ["18.02"]
    assert province_table([], REGIONS, "36", 2023)[0]["rank"] is None


def test_peer_benchmark_agrees_with_the_league_table():
    b = peer_benchmark(ROWS, "18.72")
    for group in GROUPS:
        t = league_table(ROWS, REGIONS, "18.72", group)
        ranked = [r for r in t["rows"] if r["rank"] is not None]
        assert b["ranks"][group] == (t["rank"], len(ranked)), group
    assert b["years_at_current"] == 3
    lb = peer_benchmark(ROWS, "18.01")
    assert lb["years_at_current"] == 1  # 2022 missing: the count stops
