"""Published results: every row loaded or reported with its reason; names mapped, not guessed."""

import csv
from pathlib import Path

import pytest

from kla.domain.published import candidate_names, classify, movers, reason_counts, regions_index

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def regions():
    with open(ROOT / "data" / "regions" / "wilayah.csv", encoding="utf-8") as fh:
        return regions_index([(r["kode"], r["nama"], r["level"]) for r in csv.DictReader(fh)
                              if r["level"] in ("provinsi", "kabkota")])


def test_the_shipped_file(regions):
    text = (ROOT / "data" / "published" / "kla_published_results.csv").read_text()
    ok, bad = classify(text, regions)
    assert len(ok) + len(bad) == 286  # every row accounted for
    assert (len(ok), len(bad)) == (277, 9)
    assert dict(reason_counts(bad)) == {"ambiguous predicate": 5, "unknown region": 2,
                                        "no predicate given": 1, "unknown award year": 1}
    reasons = {b.row: b.reason for b in bad}
    assert reasons[8] == "ambiguous predicate 'Madya or Nindya'"
    assert reasons[287] == "unknown award year '(prev. year)'"
    metro = [r for r in ok if r.region_kode == "18.72"]
    assert [(r.award_year, r.predicate) for r in metro] == [(2022, "Nindya")]
    klaten = next(r for r in ok if r.region_kode == "33.10" and r.award_year == 2025)
    assert (klaten.predicate, klaten.score, klaten.score_type) == (
        "Nindya", 732.65, "final (2024 assessment)")


def test_name_rules():
    assert candidate_names("Kab  Klaten") == ["Kabupaten Klaten", "Kabupaten Administrasi Klaten"]
    assert candidate_names("Kota Jakarta Pusat") == ["Kota Jakarta Pusat",
                                                     "Kota Administrasi Jakarta Pusat"]


HEADER = "kab_kota,province,award_year,predicate,score,score_type,note,marker,source\n"


def test_duplicates_and_bad_values(regions):
    text = HEADER + (
        "Kota Metro,Lampung,2023,Nindya,,,,C,x\n"
        "Kota Metro,Lampung,2023,Utama,,,,C,y\n"        # conflicts with the row above
        "Kota Serang,Banten,2023,Pratama,,,,C,x\n"
        "Kota Serang,Banten,2023,Pratama,,,,C1,y\n"     # same predicate: loaded once
        "Kota Serang,Banten,2025,Madya,sembilan,,,C,x\n"
        "Kota Atlantis,Banten,2025,Madya,,,,C,x\n"
        "Kota Serang,Sunda,2022,Madya,,,,C,x\n"
        "Kota Serang,Banten,2020,Madya,,,,C,x\n")
    ok, bad = classify(text, regions)
    assert [(r.row, r.region_kode, r.award_year) for r in ok] == [(4, "36.73", 2023)]
    got = {b.row: b.reason for b in bad}
    assert got[2].startswith("conflicting duplicate for 2023") and got[3] == got[2]
    assert got[5] == "duplicate of row 4 (same predicate), loaded once"
    assert got[6] == "score 'sembilan' is not a number 0–1000"
    assert got[7] == "unknown region 'Kota Atlantis' in Banten"
    assert got[8] == "unknown province 'Sunda'"
    assert got[9] == "unknown award year '2020'"


def test_movers():
    rows = [{"kode": "a", "nama": "A", "award_year": 2022, "predicate": "Madya"},
            {"kode": "a", "nama": "A", "award_year": 2023, "predicate": "Nindya"},
            {"kode": "b", "nama": "B", "award_year": 2022, "predicate": "Nindya"},
            {"kode": "b", "nama": "B", "award_year": 2023, "predicate": "Madya"},
            {"kode": "c", "nama": "C", "award_year": 2023, "predicate": "Madya"}]
    got = {(m["kode"], m["direction"]) for m in movers(rows)}
    assert got == {("a", "up"), ("b", "down")}


def test_provila_and_peer_benchmark():
    from kla.domain.published import peer_benchmark, provila

    rows = [
        {"kode": "18.71", "nama": "Kota Bandar Lampung", "award_year": 2022, "predicate": "Madya", "score": None},
        {"kode": "18.71", "nama": "Kota Bandar Lampung", "award_year": 2023, "predicate": "Nindya", "score": None},
        {"kode": "18.72", "nama": "Kota Metro", "award_year": 2022, "predicate": "Nindya", "score": None},
        {"kode": "18.72", "nama": "Kota Metro", "award_year": 2023, "predicate": "Nindya", "score": 745.0},
        {"kode": "18.01", "nama": "Kabupaten Lampung Barat", "award_year": 2023, "predicate": "none", "score": None},
    ]
    kabkota = {"18.71": "Kota Bandar Lampung", "18.72": "Kota Metro",
               "18.01": "Kabupaten Lampung Barat", "18.02": "Kabupaten Tanggamus"}
    p = provila(rows, kabkota, 2023)
    assert not p["qualifies"] and p["with_predicate"] == 2
    assert [(b["kode"], b["reason"]) for b in p["blocking"]] == [("18.01", "no_predicate"),
                                                                 ("18.02", "no_result")]
    assert provila(rows[:4], {"18.71": "a", "18.72": "b"}, 2023)["qualifies"]
    b = peer_benchmark(rows, "18.72")
    assert (b["year"], b["predicate"], b["years_at_current"]) == (2023, "Nindya", 2)
    assert b["ranks"]["province"] == (1, 3)  # Nindya with a score ranks before Nindya without
    assert b["ranks"]["type"] == (1, 2) and b["ranks"]["predicate"] == (1, 2)
    assert b["peers_moved_up"] == 1  # Bandar Lampung: Madya → Nindya
    assert peer_benchmark(rows, "99.99") is None


def test_national_overview():
    from kla.domain.published import national_overview

    regions = {"18": "Lampung", "18.01": "Kabupaten A", "18.71": "Kota B", "18.72": "Kota C",
               "31": "DKI", "31.71": "Kota D"}
    rows = [{"kode": "18.01", "nama": "Kabupaten A", "award_year": 2022, "predicate": "Madya"},
            {"kode": "18.01", "nama": "Kabupaten A", "award_year": 2023, "predicate": "Nindya"},
            {"kode": "18.71", "nama": "Kota B", "award_year": 2023, "predicate": "none"},
            {"kode": "31.71", "nama": "Kota D", "award_year": 2023, "predicate": "Pratama"}]
    ov = national_overview(rows, {2023: {"total": 8}, 2025: {"total": 10}}, regions)
    assert ov["years"] == [2022, 2023]
    cov = {r["award_year"]: r for r in ov["coverage"]}
    assert set(cov) == {2022, 2023, 2025}  # a year with national counts and no rows shows too
    assert (cov[2023]["loaded"], cov[2023]["national"], cov[2023]["coverage"]) == (3, 8, 37.5)
    assert (cov[2023]["Nindya"], cov[2023]["Pratama"], cov[2023]["KLA"]) == (1, 1, 0)
    assert cov[2022]["coverage"] is None and cov[2025]["loaded"] == 0
    assert ov["never_kla"]
    assert [(m["kode"], m["direction"]) for m in ov["movers"]] == [("18.01", "up")]
    lampung = {y: next(p for p in ps if p["kode"] == "18") for y, ps in ov["provinces"].items()}
    assert (lampung[2023]["with_predicate"], lampung[2023]["kabkota"]) == (1, 3)  # "none" isn't
    assert lampung[2023]["share"] == 33.3 and lampung[2022]["share"] == 33.3
    assert {"counts", "coverage"} <= set(ov)
    assert {"award_year": 2023, "predicate": "none", "n": 1} in ov["counts"]


def test_stage_summary():
    from kla.domain.published import stage_summary

    rows = [{"year": 2024, "predicate": "Madya", "is_sample": True},
            {"year": 2024, "predicate": "none", "is_sample": False},
            {"year": 2023, "predicate": "KLA", "is_sample": False}]
    out = stage_summary(rows)
    assert [r["year"] for r in out] == [2023, 2024]
    assert out[0]["KLA"] == 1 and out[0]["sample"] == 0
    assert (out[1]["Madya"], out[1]["none"], out[1]["sample"]) == (1, 1, 1)


def test_the_predicate_ladder_follows_the_framework_bands(fw):
    from kla.domain import published
    from kla.domain.published import ORDER, PREDICATES, TIERS

    codes = [b.code for b in fw.bands]  # the default framework's bands, lowest first
    assert PREDICATES == (*codes, "none")
    assert ORDER == {"none": 0, **{c: i for i, c in enumerate(codes, start=1)}}
    assert TIERS == tuple(reversed(codes)) == ("KLA", "Utama", "Nindya", "Madya", "Pratama")
    assert published.predicates() == PREDICATES
    with pytest.raises(AttributeError):
        published.NO_SUCH_NAME  # noqa: B018


def test_the_ladder_is_read_from_the_bands_not_typed(monkeypatch):
    """Another framework's bands (the mini fixture: Bronze … Platinum) change every use."""
    from kla.domain import predicate as predicate_module
    from kla.domain import published
    from kla.domain.framework import load_framework

    mini = load_framework(ROOT / "tests" / "fixtures" / "frameworks" / "mini-2099")
    monkeypatch.setattr(predicate_module, "default_bands", lambda: mini.bands)
    assert published.PREDICATES == ("Bronze", "Silver", "Gold", "Platinum", "none")
    assert published.TIERS == ("Platinum", "Gold", "Silver", "Bronze")
    assert published.ORDER["Platinum"] == 4 and published.ORDER["none"] == 0
    rows = [{"kode": "a", "nama": "A", "award_year": 2022, "predicate": "Silver"},
            {"kode": "a", "nama": "A", "award_year": 2023, "predicate": "Bronze"}]
    assert [m["direction"] for m in published.movers(rows)] == ["down"]
    ov = published.national_overview(rows, {}, {"1": "P", "a": "A"})
    assert ov["never_kla"]  # nobody reached the top band (Platinum)
    assert set(ov["coverage"][0]) >= {"Platinum", "Gold", "Silver", "Bronze"}
    assert not published.national_overview(
        [{**rows[0], "predicate": "Platinum"}], {}, {})["never_kla"]
    summary = published.stage_summary([{"year": 2024, "predicate": "Gold", "is_sample": 0},
                                       {"year": 2024, "predicate": "Madya", "is_sample": 0}])
    assert (summary[0]["Gold"], summary[0]["none"]) == (1, 1) and "Madya" not in summary[0]
    counts = published.national_counts("award_year,total,gold,bronze\n2023,9,2,\n")
    assert counts == {2023: {"total": 9, "gold": 2, "bronze": None}}


def test_national_counts_reads_the_band_columns_the_file_has():
    from kla.domain.published import national_counts

    text = (ROOT / "data" / "published" / "national_counts.csv").read_text(encoding="utf-8")
    counts = national_counts(text)
    assert list(counts[2023]) == ["total", "utama", "nindya", "madya", "pratama"]  # no "kla"
    assert counts[2023]["total"] == 360
