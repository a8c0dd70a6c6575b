"""The PDF report's "Cara menghitung nilai" section: the indicator with the most points missing
walked through with the assessment's own numbers, and the rule chain to the predicate (read
back with pypdf)."""

import io

import pytest
from pypdf import PdfReader

from kla.domain.explain import explain_total, formula
from kla.domain.framework import get_framework
from kla.domain.gaps import gap_rows
from kla.domain.sample import SAMPLE_CITIES, generate
from kla.domain.scoring import score
from kla.io.pdf_report import build_report_pdf

FW = get_framework("kla-2024")


def serang_2025_final() -> dict[str, float]:
    serang = next(c for c in SAMPLE_CITIES if c.kode == "36.73")
    year = next(y for y in serang.years if y.year == 2025)
    return generate(FW, "36.73:2025", year.totals)["FINAL"]


def report_text(answers, lang: str, with_formula: bool = True) -> str:
    result = score(FW, answers)
    data = build_report_pdf(FW, region_kode="36.73", region_nama="Kota Serang", year=2025,
                            stage="FINAL", result=result, gaps=gap_rows(FW, answers, result,
                                                                        lang=lang),
                            missing=[], is_sample=True, lang=lang,
                            explanation=explain_total(FW, answers) if with_formula else None)
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]
    return " ".join(" ".join(pages).split())


@pytest.fixture(scope="module")
def answers():
    return serang_2025_final()


def section(text: str, start: str, end: str) -> str:
    assert start in text and end in text, (start, end)
    return text.split(start, 1)[1].split(end, 1)[0]


def test_section_walks_the_most_missing_indicator_with_the_citys_numbers(answers):
    expl = explain_total(FW, answers)
    assert expl.most_missing == "1" and expl.indicator("1").missing == 41.0
    text = report_text(answers, "id")
    part = section(text, "Cara menghitung nilai", "Kesenjangan terbesar")  # before the gaps
    ind = expl.indicator("1")
    assert f"indikator dengan poin belum diraih terbanyak, 1 · {ind.name[:20]}" in part
    assert "Indikator 1: poin tiap pertanyaan" in part
    for q in ind.questions:  # every question with its own calculation
        assert q.qid in part
        assert formula(q, "id") in part
    assert "Jumlah poin 63 pertanyaan (lihat tabel) = 55,00" in part
    assert "Batas indikator 1: min(55,00; 96) = 55,00 (tidak terpotong)" in part
    assert "Dibulatkan ke dua desimal (setengah ke atas): 55,00 → 55,00" in part
    assert "Nilai indikator 1: 55,00 dari 96 (57,3 %), belum diraih 41,00 poin" in part
    # the rule chain: total = Σ indicators, the rounding, bands, next band, gate
    assert "Dari indikator ke predikat" in part
    assert "Total = jumlah nilai 31 indikator (7 blok) = 645,40 → dibulatkan ke dua desimal: " \
           "645,40" in part
    assert "memberi 645,41" in part
    assert "645,40 berada pada rentang Madya: 600,01–700,00." in part
    assert "Ke Nindya (mulai 700,01) masih kurang 54,61 poin." in part
    assert "Syarat KLA (total mulai 900,01): semua 31 indikator terlaksana (nilai > 0) — " \
           "terpenuhi." in part
    assert "◀ total 645,40" in part and "1.000,00" in part
    # every step names its rule and where docs/scoring.md states it
    for rule, anchor in ((2, "rule-2-question-points"), (3, "rule-3-indicator-cap"),
                         (4, "rule-4-blocks-and-total"), (5, "rule-5-rounding"),
                         (6, "rule-6-predicate-bands"), (7, "rule-7-kla-gate"),
                         (8, "rule-8-next-predicate")):
        assert f"aturan {rule}: docs/scoring.md#{anchor}" in part


def test_section_in_english(answers):
    text = report_text(answers, "en")
    part = section(text, "How the score is computed", "Largest gaps")
    assert "Indicator 1: points per question" in part
    assert "Cap of indicator 1: min(55.00, 96) = 55.00 (not cut)" in part
    assert "645.40 lies in the Madya band: 600.01–700.00." in part
    assert "Nindya starts at 700.01: 54.61 points still needed." in part
    assert "rule 3: docs/scoring.md#rule-3-indicator-cap" in part
    assert "aturan 3" not in part and "Batas indikator" not in part  # question texts are Indonesian


def test_the_gate_holding_a_total_back_is_said(answers):
    full = dict.fromkeys(FW.questions, 1.0)
    gated = {**full, **dict.fromkeys(FW.indicators["9"].questions, 0.0)}
    text = report_text(gated, "id")
    part = section(text, "Cara menghitung nilai", "Kesenjangan terbesar")
    assert "Indikator 9: poin tiap pertanyaan" in part
    assert "predikatnya Utama" in part
    assert "belum terpenuhi; indikator bernilai 0: 9." in part
    assert "◀ predikat yang diberikan" in part


def test_without_an_explanation_the_report_has_no_section(answers):
    text = report_text(answers, "id", with_formula=False)
    assert "Cara menghitung nilai" not in text and "Kesenjangan terbesar" in text
