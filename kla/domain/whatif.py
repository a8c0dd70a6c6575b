"""What-if: change credits, see total, blocks and predicate beside the baseline. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kla.domain.framework import Framework
from kla.domain.predicate import round2
from kla.domain.scoring import ScoreResult, score
from kla.i18n import Msg, Refusal


def indicator_change(fw: Framework, code: str, credit: float) -> dict[str, float]:
    """Set every question of indicator ``code`` to ``credit``."""
    if code not in fw.indicators:
        raise Refusal(Msg("err.indicator_unknown", code=code))
    return dict.fromkeys(fw.indicators[code].questions, float(credit))


def apply_changes(answers: Mapping[str, float], changes: Mapping[str, float]) -> dict[str, float]:
    return {**answers, **{q: float(c) for q, c in changes.items()}}


@dataclass(frozen=True)
class WhatIf:
    baseline: ScoreResult
    scenario: ScoreResult

    @property
    def delta(self) -> float:
        return round2(self.scenario.total - self.baseline.total + 0.0)

    def block_rows(self) -> list[dict]:
        """Per block: baseline, scenario, delta, maximum."""
        return [{"block": code, "baseline": b, "scenario": self.scenario.blocks[code][0],
                 "delta": round(self.scenario.blocks[code][0] - b, 2), "max": m}
                for code, (b, m) in self.baseline.blocks.items()]

    @property
    def predicate_changed(self) -> bool:
        return self.baseline.predicate != self.scenario.predicate


def what_if(fw: Framework, answers: Mapping[str, float], changes: Mapping[str, float]) -> WhatIf:
    """Score the baseline and the baseline with ``changes`` (question id → new credit)."""
    return WhatIf(score(fw, answers), score(fw, apply_changes(answers, changes)))
