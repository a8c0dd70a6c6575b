"""Registries: validation with row-numbered messages, and every registry → credit rule."""

import csv
from datetime import date
from pathlib import Path

import pytest

from kla.domain.framework import get_framework
from kla.domain.registries import (
    BODY_QUESTIONS,
    KHA_QUESTIONS,
    Area,
    RegistryError,
    coverage_by_kecamatan,
    propose_bodies,
    propose_kha,
    propose_play_areas,
    time_to_handling,
    validate,
    what_if_more,
)

WILAYAH = Path(__file__).resolve().parents[2] / "data" / "regions" / "wilayah.csv"


@pytest.fixture(scope="module")
def metro():
    kec, desa = {}, {}
    with open(WILAYAH, encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["kode"].startswith("18.72."):
                (kec if r["level"] == "kecamatan" else desa)[r["kode"]] = r["nama"].strip()
    return Area("18.72", "Kota Metro", kec, desa)


def test_metro_denominators(metro):
    assert (len(metro.kecamatan), len(metro.desa)) == (5, 22)


def test_every_question_a_registry_informs_exists():
    fw = get_framework()
    for qid in [*KHA_QUESTIONS.values(), *BODY_QUESTIONS.values(), "25.P12", "26.P14", "11.P2"]:
        assert qid in fw.questions, qid
    kd = {q for q, x in fw.questions.items() if x.block == "KD"}
    assert set(BODY_QUESTIONS.values()) <= kd


def test_forum_anak_share_with_reasoning(metro):
    desa = sorted(metro.desa)[:17]
    rows = validate("village_body", [{"area_kode": d, "body": "forum_anak"} for d in desa],
                    metro)
    by_q = {p.question_id: p for p in propose_bodies(rows, metro)}
    p = by_q["26.P4"]
    assert p.credit == 0.77
    assert p.reasoning() == "17 dari 22 kelurahan/desa memiliki Forum Anak → 0,77"
    assert p.reasoning("en") == "17 of 22 villages have a Forum Anak → 0.77"
    assert by_q["25.P2"].credit == 0.0 and by_q["26.P15"].credit == 0.0
    new, gained = what_if_more(p, 3, get_framework().questions["26.P4"].max)
    assert (new, gained) == (0.91, round((0.91 - 0.77) * 4, 2))
    cov = coverage_by_kecamatan(rows, metro, "forum_anak")
    assert sum(c["with"] for c in cov) == 17 and sum(c["total"] for c in cov) == 22


def test_play_area_rules(metro):
    kec = sorted(metro.kecamatan)
    desa = [d for d in sorted(metro.desa) if d.startswith(kec[0] + ".")]
    rows = validate("play_area", [
        {"name": "Taman Merdeka", "kecamatan_kode": kec[0], "desa_kode": desa[0], "kind": "park",
         "standard": "certified", "cert_number": "SNI-001", "cert_date": "2025-03-01"},
        {"name": "Alun-alun", "kecamatan_kode": kec[0], "desa_kode": desa[1], "kind": "square",
         "standard": "not_standardized"},
        {"name": "RTH Hutan Kota", "kecamatan_kode": kec[1], "kind": "green space",
         "standard": "in_process"},
    ], metro)
    by_q = {p.question_id: p for p in propose_play_areas(rows, metro)}
    assert by_q["25.P12"].credit == 0.4  # 2 of 5 kecamatan
    assert by_q["26.P14"].credit == round(2 / 22, 2)
    assert by_q["11.P2"].credit == 0.33
    assert "2 belum terstandar" in by_q["11.P2"].reasoning()


def test_kha_rules_need_a_target(metro):
    rows = validate("kha_training", [
        {"provider_kind": "school", "provider_name": f"SD Negeri {i}", "people_trained": 3,
         "training_date": "2025-02-01", "certificate": "ya", "cert_number": f"C{i}",
         "cert_date": "2025-02-10"} for i in range(1, 48)] + [
        {"provider_kind": "puskesmas", "provider_name": "Puskesmas Yosomulyo",
         "people_trained": 5, "training_date": "2025-02-01", "certificate": "tidak"}], metro)
    by_q = {p.question_id: p for p in propose_kha(rows, {"school": 60, "puskesmas": 11})}
    assert by_q["19.P4"].credit == round(47 / 60, 2)
    assert "47 dari target 60" in by_q["19.P4"].reasoning()
    assert by_q["15.P4"].credit == 0.0  # trained, but no certificate yet
    assert by_q["2.P2"].credit is None and "target" in by_q["2.P2"].reasoning()


@pytest.mark.parametrize("kind,row,message", [
    ("play_area", {"name": "X", "kecamatan_kode": "36.73.01", "kind": "park",
                   "standard": "in_process"}, "row 2, field kecamatan_kode: '36.73.01' is not"),
    ("play_area", {"name": "X", "kecamatan_kode": "18.72.01", "kind": "park",
                   "standard": "certified"}, "row 2, field cert_date: a date is required"),
    ("kha_training", {"provider_kind": "school", "provider_name": "SD 1", "people_trained": -3,
                      "training_date": "2025-01-01"}, "field people_trained: -3 must be"),
    ("kha_training", {"provider_kind": "school", "provider_name": "SD 1", "people_trained": 3,
                      "training_date": "2025-05-01", "certificate": "ya", "cert_number": "A",
                      "cert_date": "2025-04-01"}, "is before the training"),
    ("village_body", {"area_kode": "99.99.99", "body": "patbm"}, "field area_kode"),
    ("village_body", {"area_kode": "18.72.01", "body": "karang taruna"}, "field body"),
    ("ppa_case", {"case_ref": "K-1", "category": "penelantaran", "age_band": "6-12",
                  "sex": "P", "reported_on": "2025-03-05", "first_handled_on": "2025-03-01"},
     "first_handled_on: 2025-03-01 is before the report"),
    ("ppa_case", {"case_ref": "3171234567890001", "category": "penelantaran",
                  "age_band": "6-12", "sex": "P", "reported_on": "2025-03-05"},
     "looks like personal data"),
    ("ppa_case", {"case_ref": "K-2", "category": "penelantaran", "age_band": "6-12", "sex": "P",
                  "reported_on": "2025-03-05", "nama_anak": "Budi"}, "nama_anak not allowed"),
])
def test_bad_rows_are_named(metro, kind, row, message):
    with pytest.raises(RegistryError, match=message.replace("(", r"\(")):
        validate(kind, [row], metro)


def test_duplicates_and_all_errors_reported(metro):
    body = {"area_kode": "18.72.01", "body": "patbm"}
    with pytest.raises(RegistryError) as err:
        validate("village_body", [body, body, {"area_kode": "x", "body": "patbm"}], metro)
    assert err.value.errors == [
        "row 3: duplicate of row 2 (18.72.01, patbm)",
        "row 4, field area_kode: 'x' is not a kecamatan or desa/kelurahan of Kota Metro (18.72)"]
    with pytest.raises(RegistryError, match="already in the registry"):
        validate("village_body", [body], metro, existing_keys={("18.72.01", "patbm")})


def test_time_to_first_handling(metro):
    rows = validate("ppa_case", [
        {"case_ref": f"K{i}", "category": "kekerasan_fisik", "age_band": "13-17", "sex": "L",
         "reported_on": f"2025-01-{i + 1:02d}", "first_handled_on": f"2025-01-{i + 1 + d:02d}"}
        for i, d in enumerate([0, 1, 1, 2, 5])] + [
        {"case_ref": "K9", "category": "lainnya", "age_band": "0-5", "sex": "P",
         "reported_on": "2025-02-03"}], metro)
    jan, feb = time_to_handling(rows)
    assert (jan["month"], jan["cases"], jan["median_days"], jan["p90_days"]) == (
        "2025-01", 5, 1, 3.8)
    assert (feb["cases"], feb["handled"], feb["median_days"]) == (1, 0, None)
    assert rows[0]["reported_on"] == date(2025, 1, 1)


@pytest.mark.parametrize("body_level,qid", list(BODY_QUESTIONS.items()))
def test_each_body_rule(metro, body_level, qid):
    body, level = body_level
    code = sorted(metro.kecamatan if level == "kecamatan" else metro.desa)[0]
    rows = validate("village_body", [{"area_kode": code, "body": body}], metro)
    by_q = {p.question_id: p for p in propose_bodies(rows, metro)}
    d = 5 if level == "kecamatan" else 22
    assert by_q[qid].credit == round(1 / d, 2) and by_q[qid].basis["d"] == d
    others = [p for q, p in by_q.items() if q != qid]
    assert all(p.credit == 0 for p in others)  # the row counts for its own question only


@pytest.mark.parametrize("kind,qid", list(KHA_QUESTIONS.items()))
def test_each_kha_rule(metro, kind, qid):
    rows = validate("kha_training", [
        {"provider_kind": kind, "provider_name": "Unit A", "people_trained": 2,
         "training_date": "2025-01-02", "certificate": "ya", "cert_number": "K1",
         "cert_date": "2025-01-03"}], metro)
    by_q = {p.question_id: p for p in propose_kha(rows, {kind: 4})}
    assert by_q[qid].credit == 0.25
