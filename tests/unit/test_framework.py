"""The 2024 instrument loads as data, validates, and a new year is a data-only change."""

import shutil
from pathlib import Path

import pytest

from kla.domain.framework import FrameworkError, available_frameworks, get_framework, load_framework
from kla.domain.scoring import score

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "frameworks"
KLA2024 = Path(__file__).resolve().parents[2] / "indicators" / "kla-2024"


def test_2024_instrument_shape(fw):
    assert fw.code == "kla-2024"
    assert len(fw.questions) == 274
    assert len(fw.indicators) == 31
    assert list(fw.blocks) == ["KEL", "K1", "K2", "K3", "K4", "K5", "KD"]
    assert {c: b.max for c, b in fw.blocks.items()} == {
        "KEL": 164, "K1": 115, "K2": 156, "K3": 150, "K4": 110, "K5": 205, "KD": 100}
    assert sum(i.max for i in fw.indicators.values()) == 1000
    assert fw.total_max == 1000
    for qid in ("1.P1", "21A.P3", "26.P17"):
        assert qid in fw.questions
    assert fw.questions["1.P1"].max == 12
    assert fw.questions["26.P17"].max == 0
    assert set(fw.indicators) >= {"21A", "21B", "21C", "22A", "22B", "23A", "23B", "24A", "24B"}
    assert fw.provenance["source"].startswith("Rekap Penilaian Mandiri KLA 2024")


def test_source_quirks_are_documented_and_capped(fw):
    q19 = sum(fw.questions[q].max for q in fw.indicators["19"].questions)
    q21b = sum(fw.questions[q].max for q in fw.indicators["21B"].questions)
    assert (q19, fw.indicators["19"].max) == (54, 51)
    assert (q21b, fw.indicators["21B"].max) == (18, 17)
    assert {q["indicator"] for q in fw.quirks} >= {"19", "21B"}
    full = score(fw, {q: 1.0 for q in fw.questions})
    assert full.indicators["19"] == (51, 51)
    assert full.indicators["21B"] == (17, 17)
    assert full.total == 1000


def test_the_corrected_typo_of_the_source(fw):
    """21A.P2 reads "ApakaKLASh ada …" in the source: our copy corrects it (README,
    scripts/import_instrument.py TEXT_FIXES), and no other question text has such a slip."""
    assert fw.questions["21A.P2"].text.startswith("Apakah ada program/kegiatan Perangkat Daerah")
    assert not [q.id for q in fw.questions.values() if "KLASh" in q.text]
    assert "ApakaKLASh" in (KLA2024 / "README.md").read_text(encoding="utf-8")


def test_kecamatan_and_desa_flags(fw):
    assert fw.questions["25.P2"].for_kecamatan and not fw.questions["25.P2"].for_desa
    assert fw.questions["26.P15"].for_desa and fw.questions["26.P15"].max == 10
    assert "21A.P4a" in fw.questions and "25.P7b" in fw.questions  # source "P4 a", "P7 b"
    assert fw.questions["1.P1"].opds == ("JDIH", "Bagian Hukum", "DPPPAPPKB")


def test_a_new_year_is_a_data_only_change():
    mini = get_framework("mini-2099", FIX)
    assert available_frameworks(FIX) == ["mini-2099"]
    assert list(mini.questions) == ["X1.Q1", "X1.Q2", "X2.Q1", "Y1.Q1"]
    r = score(mini, {"X1.Q1": 1, "X1.Q2": 1, "X2.Q1": 0.5, "Y1.Q1": 0.25})
    assert r.indicators["X1"] == (40, 40)  # 45 capped at 40
    assert r.total == 40 + 10 + 10
    assert r.predicate == "Bronze"
    assert (r.next_predicate, r.points_to_next) == ("Silver", 10.01)
    top = score(mini, dict.fromkeys(mini.questions, 1.0))
    assert top.predicate == "Gold"
    gated = score(mini, {"X1.Q1": 1, "X1.Q2": 1, "X2.Q1": 1})
    assert gated.total == 60 and gated.predicate == "Bronze"


def _copy(tmp_path: Path, src: Path = KLA2024) -> Path:
    dest = tmp_path / src.name
    shutil.copytree(src, dest)
    return dest


def _edit_csv(folder: Path, old: str, new: str, count: int = 1) -> None:
    p = folder / "questions.csv"
    text = p.read_text(encoding="utf-8")
    assert old in text
    p.write_text(text.replace(old, new, count), encoding="utf-8")


@pytest.mark.parametrize("old,new,message", [
    ("KEL,1,Peraturan/Kebijakan Daerah tentang Kabupaten/Kota Layak Anak,96.0,P2a,",
     "KEL,1,Peraturan/Kebijakan Daerah tentang Kabupaten/Kota Layak Anak,96.0,P1,",
     "row 3, field question_code: duplicate question id '1.P1'"),
    ("KEL,1,Peraturan/Kebijakan Daerah tentang Kabupaten/Kota Layak Anak,96.0,P1,12.0",
     "XX,1,Peraturan/Kebijakan Daerah tentang Kabupaten/Kota Layak Anak,96.0,P1,12.0",
     "row 2, field block: unknown block 'XX'"),
    ("Anak,96.0,P2a,1.0", "Anak,95.0,P2a,1.0",
     "row 3, field indicator_max: indicator 1 has maximum 96 on an earlier row, here 95"),
    ("Anak,96.0,P2a,1.0", "Anak,96.0,P2a,satu", "row 3, field question_max: 'satu' is not"),
])
def test_bad_question_rows_are_named(tmp_path, old, new, message):
    folder = _copy(tmp_path)
    _edit_csv(folder, old, new)
    with pytest.raises(FrameworkError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_framework(folder)


@pytest.mark.parametrize("old,new,message", [
    ("max = 164", "max = 160",
     "block KEL declares maximum 160 but its indicators in questions.csv add up to 164"),
    ("total_max = 1000", "total_max = 999",
     "total_max is 999 but the indicator maxima add up to 1000"),
])
def test_declared_maxima_must_match_the_questions(tmp_path, old, new, message):
    folder = _copy(tmp_path)
    meta = folder / "framework.toml"
    meta.write_text(meta.read_text().replace(old, new))
    with pytest.raises(FrameworkError, match=message):
        load_framework(folder)


def test_missing_column_and_file(tmp_path):
    folder = _copy(tmp_path)
    _edit_csv(folder, "question_max,", "qmax,")
    with pytest.raises(FrameworkError, match="missing column.*question_max"):
        load_framework(folder)
    (folder / "questions.csv").unlink()
    with pytest.raises(FrameworkError, match="questions.csv: file not found"):
        load_framework(folder)
