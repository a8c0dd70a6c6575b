"""The "Cara menghitung nilai" walk-through (issue 17): its numbers are the score's numbers, on
every sample assessment and on random credits; each step cites a rule that docs/scoring.md
has a heading for; the lines carry the city's own numbers in the reader's language."""

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kla.domain import explain
from kla.domain.explain import (
    QuestionLine,
    band_table,
    block_table,
    chain_lines,
    explain_indicator,
    explain_total,
    formula,
    indicator_lines,
    question_table,
)
from kla.domain.framework import get_framework
from kla.domain.sample import SAMPLE_CITIES, draft_answers, generate
from kla.domain.scoring import score
from kla.i18n import Refusal

ROOT = Path(__file__).resolve().parents[2]
FW = get_framework("kla-2024")
QIDS = FW.question_ids
GRADED = st.sampled_from([0.0, 0.2, 0.25, 0.33, 0.4, 0.5, 0.6, 0.66, 0.75, 0.8, 1.0])
ANY_CREDIT = st.floats(min_value=0, max_value=1, allow_nan=False)


def sample_assessments():
    for city in SAMPLE_CITIES:
        for year in city.years:
            for stage, answers in generate(FW, f"{city.kode}:{year.year}", year.totals).items():
                yield f"{city.kode} {year.year} {stage}", answers
    yield "36.73 2026 EM (draft)", draft_answers(FW)[0]


def check_equal(fw, answers) -> None:
    """Every number of the explanation equals what ``score()`` computes."""
    result = score(fw, answers)
    expl = explain_total(fw, answers)
    assert expl.total == result.total
    assert expl.bands.predicate == result.predicate
    assert expl.bands.next_predicate == result.next_predicate
    assert expl.bands.points_to_next == result.points_to_next
    assert expl.gate.met == result.all_implemented
    # the gate's indicators at 0 before rounding (``result.unimplemented`` reads the rounded
    # scores: it also lists an indicator with a few thousandths of a point)
    assert set(expl.gate.unimplemented) <= set(result.unimplemented)
    assert list(expl.gate.unimplemented) == [c for c in result.indicators
                                             if expl.indicator(c).cap.value <= 0]
    assert [i.code for i in expl.indicators] == list(result.indicators)
    for ind in expl.indicators:
        assert (ind.score, ind.max) == result.indicators[ind.code]
        assert ind.missing == pytest.approx(ind.max - ind.score, abs=1e-9)
        assert ind.cap.value == min(ind.cap.raw, ind.cap.cap)
        assert [q.qid for q in ind.questions] == list(fw.indicators[ind.code].questions)
        for q in ind.questions:
            assert q.points == float(answers.get(q.qid, 0.0)) * fw.questions[q.qid].max
            assert q.answered == (q.qid in answers)
    assert {b.code: (b.score, b.max) for b in expl.sum.blocks} == result.blocks
    assert sum(i.share for i in expl.indicators) == pytest.approx(
        1.0 if expl.sum.rounding.raw > 0 else 0.0)
    band = expl.bands.band(expl.bands.reached)
    assert band.low <= expl.total <= band.high


def test_every_sample_assessment_is_explained_with_the_scores_numbers():
    seen = 0
    for _name, answers in sample_assessments():
        check_equal(FW, answers)
        expl = explain_total(FW, answers)
        for code in FW.indicators:  # one indicator on its own says the same
            assert explain_indicator(FW, answers, code) == expl.indicator(code)
        seen += 1
    assert seen >= 25


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(GRADED, ANY_CREDIT), min_size=len(QIDS), max_size=len(QIDS)),
       st.floats(min_value=0, max_value=1), st.booleans())
def test_random_credits_are_explained_with_the_scores_numbers(credits, drop, unanswered):
    answers = dict(zip(QIDS, credits))
    cut = int(drop * len(QIDS))
    for qid in QIDS[:cut]:  # some left empty: unanswered (missing) or answered 0
        if unanswered:
            del answers[qid]
        else:
            answers[qid] = 0.0
    check_equal(FW, answers)


def test_extremes_empty_full_and_the_gate():
    check_equal(FW, {})
    full = dict.fromkeys(QIDS, 1.0)
    expl = explain_total(FW, full)
    assert (expl.total, expl.bands.predicate, expl.bands.next_predicate) == (1000, "KLA", None)
    assert expl.indicator("19").cap.applied and expl.indicator("19").cap.excess == 3
    assert expl.indicator("21B").cap.applied and expl.indicator("21B").cap.excess == 1
    assert not expl.indicator("1").cap.applied
    top = chain_lines(expl, "id")
    assert any("predikat tertinggi" in line.text for line in top)
    assert any("terpenuhi" in line.text and "belum" not in line.text for line in top)

    gated = {**full, **dict.fromkeys(FW.indicators["9"].questions, 0.0)}  # 987, Utama
    check_equal(FW, gated)
    expl = explain_total(FW, gated)
    assert (expl.bands.reached, expl.bands.predicate) == ("KLA", "Utama")
    assert expl.gate.holds_back and expl.gate.unimplemented == ("9",)
    assert expl.most_missing == "9"
    text = " ".join(line.text for line in chain_lines(expl, "id"))
    assert "987,00 berada pada rentang KLA: 900,01–1.000,00." in text
    assert "predikatnya Utama" in text
    assert "belum terpenuhi; indikator bernilai 0: 9." in text
    _, rows = band_table(expl, "id")
    marks = {r[0]: r[4] for r in rows}
    assert marks["KLA"] == "◀ total 987,00" and marks["Utama"] == "◀ predikat yang diberikan"


def test_the_capped_indicator_walk_through_in_both_languages():
    answers = dict.fromkeys(FW.indicators["19"].questions, 1.0)
    expl = explain_total(FW, answers)
    text = {lang: [line.text for line in indicator_lines(expl, "19", lang)]
            for lang in ("id", "en")}
    assert "Batas indikator 19: min(54,00; 51) = 51,00; jumlahnya melampaui maksimum " \
           "indikator, kelebihan 3,00 poin tidak dihitung" in text["id"]
    assert "Cap of indicator 19: min(54.00, 51) = 51.00; the sum is above the indicator " \
           "maximum, the excess 3.00 points do not count" in text["en"]
    assert "Dibulatkan ke dua desimal (setengah ke atas): 51,00 → 51,00" in text["id"]
    assert any(t.startswith("Nilai indikator 19: 51,00 dari 51 (100,0 %), belum diraih 0,00")
               for t in text["id"])


def test_question_formula_in_the_readers_numbers():
    line = QuestionLine("x.P1", "P1", "", 0.5, True, 10.0, 5.0)
    assert formula(line, "id") == "0,5 × 10 = 5,00"
    assert formula(line, "en") == "0.5 × 10 = 5.00"
    share = QuestionLine("26.P1", "P1", "", 7 / 13, True, 3.0, 7 / 13 * 3)  # Kelana/Dekela
    assert formula(share, "id") == "0,5385 × 3 = 1,6154"
    assert formula(QuestionLine("x", "x", "", 0.0, False, 3.2, 0.0), "id") == "0 × 3,2 = 0,00"


def test_a_short_indicator_writes_out_its_sum_and_unanswered_questions_say_so():
    qids = FW.indicators["21B"].questions
    answers = {qids[0]: 0.5}
    expl = explain_total(FW, answers)
    ind = expl.indicator("21B")
    points = [explain.fmt_exact(q.points, "id", 2) for q in ind.questions]
    summed = indicator_lines(expl, "21B", "id")[1].text
    assert summed == f"Jumlah poin 2 pertanyaan: {' + '.join(points)} = {points[0]}"
    head, rows = question_table(ind, "id")
    assert head == ["ID", "Pertanyaan", "Kredit", "Maks.", "Kredit × maks. = poin"]
    assert rows[0][2] == "0,5" and rows[1][2] == "0 (belum dijawab)"


def test_total_line_says_when_rounded_parts_differ_from_the_total():
    """Kota Serang 2025 FINAL: the indicators, rounded, add up to 645,41; the total is 645,40
    (summed before rounding, rule 4)."""
    serang = next(c for c in SAMPLE_CITIES if c.kode == "36.73")
    year = next(y for y in serang.years if y.year == 2025)
    final = generate(FW, "36.73:2025", year.totals)["FINAL"]
    expl = explain_total(FW, final)
    assert (expl.total, expl.sum.rounded_parts) == (645.40, 645.41)
    text = [line.text for line in chain_lines(expl, "id")]
    assert any("memberi 645,41" in x and "maka 645,40" in x for x in text)
    assert "645,40 berada pada rentang Madya: 600,01–700,00." in text
    assert "Ke Nindya (mulai 700,01) masih kurang 54,61 poin." in text
    head, rows = block_table(expl, FW, "id")
    assert rows[-1] == ["Total", "31", "645,40", "1.000"]
    assert expl.most_missing == "1"  # 41,00 points missing


def test_bands_cover_zero_to_the_maximum_without_a_gap():
    bands = explain_total(FW, {}).bands.bands
    assert bands[0].low == 0 and bands[-1].high == FW.total_max
    assert [b.code for b in bands] == ["none", "Pratama", "Madya", "Nindya", "Utama", "KLA"]
    for lower, upper in zip(bands, bands[1:]):
        assert round(100 * (upper.low - lower.high)) == 1  # 499,99 → 500,00; 600,00 → 600,01
    assert [b.gated for b in bands] == [False] * 5 + [True]


def slug(heading: str) -> str:
    """GitHub's heading anchor."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_every_cited_rule_has_a_heading_in_docs_scoring():
    doc = (ROOT / explain.SCORING_DOC).read_text(encoding="utf-8")
    anchors = {slug(m) for m in re.findall(r"^#+ (.+)$", doc, flags=re.MULTILINE)}
    for source in explain.SOURCES:
        assert source.anchor in anchors, source
        assert re.search(rf"^### Rule {source.rule}: ", doc, flags=re.MULTILINE), source
    assert "Cara menghitung nilai" in doc
    expl = explain_total(FW, {})
    cited = {line.source for line in indicator_lines(expl, "1", "en") + chain_lines(expl, "en")}
    assert cited <= set(explain.SOURCES)


def test_bad_input_is_refused():
    with pytest.raises(Refusal):
        explain_total(FW, {"1.P1": 1.5})
    with pytest.raises(Refusal):
        explain_total(FW, {"99.P1": 1.0})
    with pytest.raises(KeyError):
        explain_indicator(FW, {}, "99")
