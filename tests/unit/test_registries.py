"""Registries: validation with row-numbered messages, every registry → credit rule, and the
links to the instrument's questions read from the framework's registry_links.csv."""

import csv
import hashlib
import shutil
from datetime import date
from pathlib import Path

import pytest

from kla.domain.framework import FrameworkError, get_framework, load_framework
from kla.domain.registries import (
    KINDS,
    LINK_KEYS,
    Area,
    RegistryError,
    coverage_by_kecamatan,
    propose_all,
    propose_bodies,
    propose_kha,
    propose_play_areas,
    time_to_handling,
    validate,
    what_if_more,
)

ROOT = Path(__file__).resolve().parents[2]
WILAYAH = ROOT / "data" / "regions" / "wilayah.csv"
MINI = ROOT / "tests" / "fixtures" / "frameworks" / "mini-2099"
# The links that were hard-coded before registry_links.csv: the kla-2024 data must keep them.
KHA_QUESTIONS = {"gugus_tugas": "2.P2", "disdukcapil": "4.P5", "ila": "5.P6",
                 "forum_anak": "6.P4", "puspaga": "8.P5", "paud": "9.P2", "lksa": "10.P4",
                 "rbra": "11.P3", "rass": "11.P6", "puskesmas": "15.P4", "school": "19.P4",
                 "pka_rira": "20.P4", "special_protection": "21A.P8"}
BODY_QUESTIONS = {("forum_anak", "kecamatan"): "25.P2", ("forum_anak", "desa_kelurahan"): "26.P4",
                  ("puspaga", "kecamatan"): "25.P10", ("puspaga", "desa_kelurahan"): "26.P11",
                  ("patbm", "desa_kelurahan"): "26.P15"}
PLAY_QUESTIONS = {"kecamatan": "25.P12", "desa_kelurahan": "26.P14", "standard": "11.P2"}


def links(registry):
    return get_framework().registry_links[registry]


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


def test_kla_2024_links_are_the_former_hard_coded_ones_in_the_same_order():
    fw = get_framework()
    assert fw.registry_links == {
        "play_area": PLAY_QUESTIONS,
        "village_body": {f"{b}/{lvl}": q for (b, lvl), q in BODY_QUESTIONS.items()},
        "kha_training": KHA_QUESTIONS}
    assert [list(v) for v in fw.registry_links.values()] == [
        list(PLAY_QUESTIONS), [f"{b}/{lvl}" for b, lvl in BODY_QUESTIONS], list(KHA_QUESTIONS)]
    kd = {q for q, x in fw.questions.items() if x.block == "KD"}
    assert set(BODY_QUESTIONS.values()) <= kd
    assert set(LINK_KEYS) == set(KINDS) and LINK_KEYS["ppa_case"] == ()


def test_forum_anak_share_with_reasoning(metro):
    desa = sorted(metro.desa)[:17]
    rows = validate("village_body", [{"area_kode": d, "body": "forum_anak"} for d in desa],
                    metro)
    by_q = {p.question_id: p for p in propose_bodies(rows, metro, links("village_body"))}
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
    by_q = {p.question_id: p for p in propose_play_areas(rows, metro, links("play_area"))}
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
    by_q = {p.question_id: p for p in propose_kha(rows, {"school": 60, "puskesmas": 11},
                                                    links("kha_training"))}
    assert by_q["19.P4"].credit == round(47 / 60, 2)
    assert "47 dari target 60" in by_q["19.P4"].reasoning()
    assert by_q["15.P4"].credit == 0.0  # trained, but no certificate yet
    assert by_q["2.P2"].credit is None and "target" in by_q["2.P2"].reasoning()


@pytest.mark.parametrize("kind,row,message", [
    ("play_area", {"name": "X", "kecamatan_kode": "36.73.01", "kind": "park",
                   "standard": "in_process"}, "row 2, field Sub-district: '36.73.01' is not"),
    ("play_area", {"name": "X", "kecamatan_kode": "18.72.01", "kind": "park",
                   "standard": "certified"}, "row 2, field Certificate date: a date is required"),
    ("kha_training", {"provider_kind": "school", "provider_name": "SD 1", "people_trained": -3,
                      "training_date": "2025-01-01"}, "field People trained: -3 must be"),
    ("kha_training", {"provider_kind": "school", "provider_name": "SD 1", "people_trained": 3,
                      "training_date": "2025-05-01", "certificate": "ya", "cert_number": "A",
                      "cert_date": "2025-04-01"}, "is before the training"),
    ("village_body", {"area_kode": "99.99.99", "body": "patbm"}, "field Sub-district / village"),
    ("village_body", {"area_kode": "18.72.01", "body": "karang taruna"}, "field Body"),
    ("ppa_case", {"case_ref": "K-1", "category": "penelantaran", "age_band": "6-12",
                  "sex": "P", "reported_on": "2025-03-05", "first_handled_on": "2025-03-01"},
     "First handled: 2025-03-01 is before the report"),
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
        ("row 4, field Sub-district / village: 'x' is not a kecamatan or desa/kelurahan of "
         "Kota Metro (18.72)")]
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
    code = min(metro.kecamatan if level == "kecamatan" else metro.desa)
    rows = validate("village_body", [{"area_kode": code, "body": body}], metro)
    by_q = {p.question_id: p for p in propose_bodies(rows, metro, links("village_body"))}
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
    by_q = {p.question_id: p for p in propose_kha(rows, {kind: 4}, links("kha_training"))}
    assert list(by_q) == list(KHA_QUESTIONS.values())
    assert by_q[qid].credit == 0.25
    assert all(p.credit is None for q, p in by_q.items() if q != qid)  # no target for others


@pytest.mark.parametrize("link,qid", list(PLAY_QUESTIONS.items()))
def test_each_play_area_rule(metro, link, qid):
    kec = min(metro.kecamatan)
    desa = next(d for d in sorted(metro.desa) if metro.kecamatan_of(d) == kec)
    rows = validate("play_area", [
        {"name": "Taman", "kecamatan_kode": kec, "desa_kode": desa, "kind": "park",
         "standard": "certified", "cert_number": "SNI-1", "cert_date": "2025-01-01"},
        {"name": "RTH", "kecamatan_kode": kec, "kind": "green_space",
         "standard": "in_process"}], metro)
    by_q = {p.question_id: p for p in propose_play_areas(rows, metro, links("play_area"))}
    assert list(by_q) == list(PLAY_QUESTIONS.values())
    assert by_q[qid].credit == {"kecamatan": 0.2, "desa_kelurahan": round(1 / 22, 2),
                                "standard": 0.5}[link]


@pytest.fixture(scope="module")
def sample(metro):
    from kla.domain.sample import registry_samples

    rows, targets = registry_samples(metro)
    return {k: validate(k, v, metro) for k, v in rows.items()}, targets


def test_sample_proposals_are_unchanged(metro, sample):
    """The proposals for Kota Metro's sample registries, as the hard-coded links gave them."""
    entries, targets = sample
    got = propose_all(entries, metro, targets, get_framework().registry_links)
    assert [(p.registry, p.question_id, p.credit) for p in got] == [
        ("play_area", "25.P12", 1.0), ("play_area", "26.P14", 0.68), ("play_area", "11.P2", 0.29),
        ("village_body", "25.P2", 0.8), ("village_body", "26.P4", 0.77),
        ("village_body", "25.P10", 0.0), ("village_body", "26.P11", 1.0),
        ("village_body", "26.P15", 0.5),
        *[("kha_training", q, c) for q, c in zip(KHA_QUESTIONS.values(), (
            0.0, None, None, None, 1.0, None, None, None, None, 1.0, 0.86, None, None))]]
    assert got[1].reasoning() == "15 dari 22 kelurahan/desa memiliki ruang bermain anak → 0,68"
    assert got[2].reasoning("en") == ("5 of 17 play areas certified to SNI 9169:2023 "
                                      "(12 not standardised) → 0.29")


def test_without_a_link_a_registry_proposes_nothing(metro, sample):
    entries, targets = sample
    assert load_framework(MINI).registry_links == {}  # the file is optional
    assert propose_all(entries, metro, targets, load_framework(MINI).registry_links) == []
    full = get_framework().registry_links
    partial = {"play_area": {"standard": "11.P2"}, "village_body": full["village_body"]}
    got = propose_all(entries, metro, targets, partial)
    assert [p.question_id for p in got] == ["11.P2", *full["village_body"].values()]
    assert not any(p.registry == "kha_training" for p in got)


def write_links(tmp_path, text):
    folder = tmp_path / "mini-2099"
    shutil.copytree(MINI, folder)
    (folder / "registry_links.csv").write_text(text, encoding="utf-8")
    return folder


def test_a_new_year_links_its_registries_in_data_only(tmp_path, metro, sample):
    folder = write_links(tmp_path, "registry,key,question_id\n"
                                   "village_body,forum_anak/desa_kelurahan,Y1.Q1\n"
                                   "kha_training,school,X2.Q1\n")
    fw = load_framework(folder)
    entries, targets = sample
    got = propose_all(entries, metro, targets, fw.registry_links)
    assert [(p.question_id, p.credit) for p in got] == [("Y1.Q1", 0.77), ("X2.Q1", 0.86)]


@pytest.mark.parametrize("rows,message", [
    ("play_area,kecamatan,X1.Q1\nplay_area,standard,9.P9\n",
     "registry_links.csv row 3, field question_id: unknown question '9.P9'"),
    ("ruang_bermain,kecamatan,X1.Q1\n",
     "registry_links.csv row 2, field registry: unknown registry 'ruang_bermain'"),
    ("play_area,kabupaten,X1.Q1\n",
     "registry_links.csv row 2, field key: 'kabupaten' is not a link of play_area"),
    ("ppa_case,cases,X1.Q1\n",
     "row 2, field key: 'cases' is not a link of ppa_case \\(known: none"),
    ("kha_training,school,X1.Q1\nkha_training,school,X1.Q2\n",
     "row 3, field key: kha_training school is already linked on row 2"),
    ("kha_training,school,X1.Q1\nkha_training,paud,X1.Q1\n",
     "row 3, field question_id: 'X1.Q1' is already linked on row 2"),
])
def test_bad_links_are_refused_naming_file_row_and_field(tmp_path, rows, message):
    folder = write_links(tmp_path, "registry,key,question_id\n" + rows)
    with pytest.raises(FrameworkError, match=message):
        load_framework(folder)


def test_links_need_their_columns(tmp_path):
    folder = write_links(tmp_path, "registry,question\nplay_area,X1.Q1\n")
    with pytest.raises(FrameworkError, match=r"registry_links.csv: missing column\(s\) key, "
                                             r"question_id"):
        load_framework(folder)


def test_the_checksum_covers_the_links(tmp_path):
    plain = load_framework(MINI).checksum
    raw = (MINI / "framework.toml").read_bytes() + b"\0" + (MINI / "questions.csv").read_bytes()
    assert plain == hashlib.sha256(raw).hexdigest()  # unchanged for a folder without links
    one = load_framework(write_links(tmp_path / "a", "registry,key,question_id\n"
                                                     "kha_training,school,X1.Q1\n")).checksum
    two = load_framework(write_links(tmp_path / "b", "registry,key,question_id\n"
                                                     "kha_training,paud,X1.Q1\n")).checksum
    assert len({plain, one, two}) == 3
