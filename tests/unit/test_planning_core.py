"""What-if, gaps, progress and verification risk: the pure planning core."""

import pytest

from kla.domain.gaps import filter_rows, gap_rows, indicator_gaps, reason
from kla.domain.progress import latest_per_year, predicate_history, stage_deltas, years_at_current
from kla.domain.risk import buffer, critical_questions, forecast
from kla.domain.sample import SAMPLE_CITIES, generate
from kla.domain.scoring import score
from kla.domain.whatif import indicator_change, what_if


@pytest.fixture(scope="module")
def serang(fw):
    """Sample credits of Kota Serang: {year: {stage: credits}}."""
    city = next(c for c in SAMPLE_CITIES if c.kode == "36.73")
    return {y.year: generate(fw, f"{city.kode}:{y.year}", y.totals) for y in city.years}


def test_what_if_recomputes_beside_the_baseline(fw, serang):
    base = serang[2025]["FINAL"]
    w = what_if(fw, base, {})
    assert w.baseline == w.scenario and w.delta == 0 and not w.predicate_changed
    w = what_if(fw, base, indicator_change(fw, "7", 1.0))
    assert w.scenario.indicators["7"] == (36, 36)
    k2 = next(r for r in w.block_rows() if r["block"] == "K2")
    assert k2["delta"] == pytest.approx(36 - w.baseline.indicators["7"][0], abs=0.011)
    assert w.delta == pytest.approx(k2["delta"], abs=0.011)
    needed = w.baseline.points_to_next
    big = {q: 1.0 for q in fw.questions if base.get(q, 0) < 1}
    w = what_if(fw, base, big)
    assert w.predicate_changed and w.scenario.total >= w.baseline.total + needed
    with pytest.raises(ValueError):
        what_if(fw, base, {"1.P1": 2})
    with pytest.raises(ValueError, match="unknown indicator"):
        indicator_change(fw, "99", 1)


def test_gap_rows_sorted_by_points_at_stake_with_reasons(fw):
    answers = {"1.P1": 0.5, "7.P2": 1.0}
    r = score(fw, answers)
    rows = gap_rows(fw, answers, r, notes={"1.P1": "bukti anggaran belum lengkap"})
    stakes = [x["at_stake"] for x in rows]
    assert stakes == sorted(stakes, reverse=True)
    p1 = next(x for x in rows if x["question_id"] == "1.P1")
    assert (p1["points"], p1["max"], p1["at_stake"]) == (6.0, 12.0, 6.0)
    assert p1["reason"] == "kredit 0,5 dari 12 poin: bukti anggaran belum lengkap"
    assert p1["opds"] == ["JDIH", "Bagian Hukum", "DPPPAPPKB"]
    assert next(x for x in rows if x["question_id"] == "7.P2")["reason"] == ""
    generic = next(x for x in rows if x["question_id"] == "26.P15")
    assert generic["reason"].startswith("kredit 0 dari 10 poin: belum semua kecamatan")
    assert reason(fw, "1.P1", 0.5, evidence=0, lang="en").startswith("credit 0.5 of 12 points")
    assert filter_rows(rows, opd="Disdukcapil")
    assert all("Disdukcapil" in x["opds"] for x in filter_rows(rows, opd="Disdukcapil"))
    assert {x["block"] for x in filter_rows(rows, block="KD")} == {"KD"}
    assert all(x["credit"] < 1 for x in filter_rows(rows, below_full_only=True))
    assert "7.P2" not in {x["question_id"] for x in filter_rows(rows, below_full_only=True)}
    assert indicator_gaps(fw, r)[0]["at_stake"] == 90.0  # indicator 1: 96 − 6


def test_gap_at_stake_respects_the_cap(fw):
    answers = dict.fromkeys(fw.indicators["19"].questions, 1.0)
    answers[fw.indicators["19"].questions[0]] = 0.0
    rows = {x["question_id"]: x for x in gap_rows(fw, answers, score(fw, answers))}
    first = rows[fw.indicators["19"].questions[0]]
    assert first["at_stake"] <= 51 - score(fw, answers).indicators["19"][0] + 1e-9


def test_progress_history_and_deltas(fw, serang):
    rows = [(y, s, score(fw, c)) for y, stages in serang.items() for s, c in stages.items()]
    hist = predicate_history(rows)
    assert [(h["year"], h["stage"], h["predicate"]) for h in hist] == [
        (2021, "FINAL", "Pratama"), (2022, "FINAL", "Pratama"), (2023, "FINAL", "Pratama"),
        (2025, "FINAL", "Madya")]
    assert years_at_current(rows) == 1
    assert years_at_current(rows[:12]) == 3  # up to 2023: three years at Pratama
    deltas = [d for d in stage_deltas(rows) if d["year"] == 2025]
    assert [(d["from"], d["to"]) for d in deltas] == [("EM", "VA"), ("VA", "VL"), ("VL", "FINAL")]
    assert all(d["total"] <= 0 for d in deltas)
    em = score(fw, serang[2025]["EM"]).total
    final = score(fw, serang[2025]["FINAL"]).total
    assert sum(d["total"] for d in deltas) == pytest.approx(final - em, abs=0.02)
    assert sum(deltas[0]["blocks"].values()) == pytest.approx(deltas[0]["total"], abs=0.05)
    assert [r[0] for r in latest_per_year(rows)] == [2021, 2022, 2023, 2025]


def test_buffer_and_critical_questions(fw, serang):
    answers = serang[2023]["FINAL"]
    r = score(fw, answers)
    assert r.predicate == "Pratama" and buffer(fw, r) == pytest.approx(r.total - 500, abs=0.001)
    assert critical_questions(fw, answers, r) == []  # no single question is worth 88 points
    answers = dict.fromkeys(fw.questions, 1.0)
    for code in ("1", "5", "6"):  # 96 + 45 + 55 points missing: 804, Utama by 3.99
        answers.update(dict.fromkeys(fw.indicators[code].questions, 0.0))
    r = score(fw, answers)
    assert (r.total, r.predicate, buffer(fw, r)) == (804, "Utama", 3.99)
    crit = critical_questions(fw, answers, r)
    assert crit and all(c["new_total"] < 800.01 and c["new_predicate"] == "Nindya" for c in crit)
    assert all(c["loss"] > 3.99 for c in crit)
    small = [q for q, x in fw.questions.items() if answers[q] and 0 < x.max < 3.99]
    assert not set(small) & {c["question_id"] for c in crit}
    losses = [c["loss"] for c in crit]
    assert losses == sorted(losses, reverse=True)
    assert buffer(fw, score(fw, {})) is None


def test_forecast_from_past_falls(fw):
    history = [(2022, "EM", 800.0), (2022, "FINAL", 650.0), (2023, "EM", 820.0),
               (2023, "VA", 700.0), (2025, "EM", 850.0)]
    f = forecast(fw, history, 2025, 850.0)
    assert f.falls == ((2022, 150.0), (2023, 120.0))
    assert f.average_fall == 135.0 and f.forecast_total == 715.0
    assert f.forecast_predicate == "Nindya"
    assert forecast(fw, [(2025, "EM", 850.0)], 2025, 850.0).average_fall is None


def test_reason_uses_evidence_only_when_it_is_tracked(fw):
    assert reason(fw, "1.P1", 0.5, evidence=0).endswith("bukti dukung belum diunggah")
    assert not reason(fw, "1.P1", 0.5, evidence=None).endswith("belum diunggah")
    assert not reason(fw, "1.P1", 0.5, evidence=2).endswith("belum diunggah")
    assert reason(fw, "1.P1", 0.5, note="perkada masih draf", evidence=0).endswith(
        "perkada masih draf")
