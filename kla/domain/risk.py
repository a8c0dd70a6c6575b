"""Verification risk: buffer above the predicate's lower bound, single questions whose loss
drops a predicate, and a forecast of the verified total from past falls. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kla.domain.framework import Framework
from kla.domain.predicate import NONE, predicate, round2, threshold
from kla.domain.scoring import ScoreResult, raw_indicator_sums

VERIFIED_STAGES = ("FINAL", "VL", "VA")  # most verified first


def buffer(fw: Framework, result: ScoreResult) -> float | None:
    """Points above the lowest total of the current predicate (None without a predicate)."""
    if result.predicate == NONE:
        return None
    band = next(b for b in fw.bands if b.code == result.predicate)
    return round2(result.total - threshold(band))


def critical_questions(fw: Framework, answers: Mapping[str, float],
                       result: ScoreResult) -> list[dict]:
    """Questions whose loss alone at verification (credit → 0) would drop the predicate,
    biggest loss first. The loss honours indicator caps."""
    out = []
    raw = raw_indicator_sums(fw, answers)
    for qid, q in fw.questions.items():
        pts = float(answers.get(qid, 0.0)) * q.max
        if pts <= 0:
            continue
        ind = fw.indicators[q.indicator]
        now = result.indicators[q.indicator][0]
        after = min(raw[q.indicator] - pts, ind.max)
        loss = round2(now - after)
        if loss <= 0:
            continue
        new_total = round2(result.total - loss)
        still = all(v[0] > 0 for c, v in result.indicators.items() if c != q.indicator) \
            and after > 0
        new_pred = predicate(new_total, still, fw.bands)
        if new_pred != result.predicate:
            out.append({"question_id": qid, "indicator": q.indicator, "block": q.block,
                        "credit": float(answers.get(qid, 0.0)), "loss": loss,
                        "new_total": new_total, "new_predicate": new_pred})
    out.sort(key=lambda r: (-r["loss"], fw.questions[r["question_id"]].order))
    return out


@dataclass(frozen=True)
class Forecast:
    falls: tuple[tuple[int, float], ...]  # (year, EM total − verified total)
    average_fall: float | None
    forecast_total: float | None
    forecast_predicate: str | None


def verification_falls(history: Sequence[tuple[int, str, float]],
                       before: int | None = None) -> tuple[tuple[int, float], ...]:
    """Per year (before ``before``, if given): EM total − the most verified total.
    ``history`` rows: (year, stage, total)."""
    by_year: dict[int, dict[str, float]] = {}
    for y, stage, total in history:
        by_year.setdefault(y, {})[stage] = total
    falls = []
    for y in sorted(by_year):
        stages = by_year[y]
        verified = next((stages[s] for s in VERIFIED_STAGES if s in stages), None)
        if (before is None or y < before) and "EM" in stages and verified is not None:
            falls.append((y, round2(stages["EM"] - verified)))
    return tuple(falls)


def average(values: Sequence[float]) -> float | None:
    return round2(sum(values) / len(values)) if values else None


def forecast(fw: Framework, history: Sequence[tuple[int, str, float]], year: int,
             em_total: float) -> Forecast:
    """Average fall from EM to the most verified stage in years before ``year``, and the
    verified total it predicts for ``em_total``."""
    falls = verification_falls(history, before=year)
    avg = average([f for _, f in falls])
    if avg is None:
        return Forecast((), None, None, None)
    total = round2(max(0.0, em_total - avg))
    return Forecast(falls, avg, total, predicate(total, True, fw.bands))
