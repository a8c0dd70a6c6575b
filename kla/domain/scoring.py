"""Scoring: credits (0–1 per question) → indicator, block and total points, predicate.

Pure. Two paths with bit-identical results:
- ``score``: one assessment, plain Python, the readable reference;
- ``score_matrix`` / ``score_long``: many assessments at once with numpy. Sums run in the same
  order (question by question inside an indicator, indicator by indicator inside a block, block by
  block for the total), so every float comes out the same as in ``score``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kla.domain.framework import Framework
from kla.domain.predicate import next_predicate, predicate, predicate_array, round2, round2_array
from kla.i18n import Msg, Refusal


@dataclass(frozen=True)
class ScoreResult:
    framework: str
    total: float
    predicate: str
    next_predicate: str | None
    points_to_next: float | None
    all_implemented: bool
    blocks: dict[str, tuple[float, float]]  # code -> (score, max)
    indicators: dict[str, tuple[float, float]]

    @property
    def unimplemented(self) -> list[str]:
        return [code for code, (score, _) in self.indicators.items() if score <= 0]

    def to_dict(self) -> dict:
        """The ``kla score --json`` object."""
        return {
            "total": self.total,
            "predicate": self.predicate,
            "next_predicate": self.next_predicate,
            "points_to_next": self.points_to_next,
            "blocks": {c: {"score": s, "max": m} for c, (s, m) in self.blocks.items()},
            "indicators": {c: {"score": s, "max": m} for c, (s, m) in self.indicators.items()},
        }


def check_credits(fw: Framework, answers: Mapping[str, float]) -> None:
    for qid, credit in answers.items():
        if qid not in fw.questions:
            raise Refusal(Msg("err.question_unknown_in", qid=qid, code=fw.code))
        if not (isinstance(credit, int | float) and math.isfinite(credit) and 0 <= credit <= 1):
            raise Refusal(Msg("err.credit_range", qid=qid, value=str(credit)))


def raw_indicator_sums(fw: Framework, answers: Mapping[str, float]) -> dict[str, float]:
    """Sum of question points per indicator, before the indicator cap."""
    return {code: sum(float(answers.get(q, 0.0)) * fw.questions[q].max for q in ind.questions)
            for code, ind in fw.indicators.items()}


def headrooms(fw: Framework, result: ScoreResult) -> dict[str, float]:
    """Points each indicator can still gain (its maximum minus its capped score)."""
    return {code: max(0.0, ind.max - result.indicators[code][0])
            for code, ind in fw.indicators.items()}


def score(fw: Framework, answers: Mapping[str, float]) -> ScoreResult:
    """Score one assessment. A missing answer counts as credit 0."""
    check_credits(fw, answers)
    raw_ind: dict[str, float] = {}
    for code, ind in fw.indicators.items():
        s = 0.0
        for qid in ind.questions:
            s += float(answers.get(qid, 0.0)) * fw.questions[qid].max
        raw_ind[code] = min(s, ind.max)
    raw_blk: dict[str, float] = {}
    total = 0.0
    for code, blk in fw.blocks.items():
        b = 0.0
        for ic in blk.indicators:
            b += raw_ind[ic]
        raw_blk[code] = b
        total += b
    all_impl = all(v > 0 for v in raw_ind.values())
    nxt, pts = next_predicate(total, all_impl, fw.bands)
    return ScoreResult(
        framework=fw.code,
        total=round2(total),
        predicate=predicate(total, all_impl, fw.bands),
        next_predicate=nxt,
        points_to_next=pts,
        all_implemented=all_impl,
        blocks={c: (round2(v), fw.blocks[c].max) for c, v in raw_blk.items()},
        indicators={c: (round2(v), fw.indicators[c].max) for c, v in raw_ind.items()},
    )


@dataclass(frozen=True)
class MatrixResult:
    """Scores of n assessments; arrays are rounded to two decimals like ``ScoreResult``."""

    total: np.ndarray  # (n,)
    blocks: np.ndarray  # (n, n_blocks) in framework order
    indicators: np.ndarray  # (n, n_indicators) in framework order
    all_implemented: np.ndarray  # (n,) bool
    predicate: np.ndarray  # (n,) object


def score_matrix(fw: Framework, credits: np.ndarray) -> MatrixResult:
    """Score many assessments: ``credits`` is (n, questions) in ``fw.question_ids`` order."""
    c = np.asarray(credits, dtype=float)
    if c.ndim != 2 or c.shape[1] != len(fw.questions):
        raise Refusal(Msg("err.credits_shape", n=len(fw.questions), shape=str(c.shape)))
    if c.size and (np.isnan(c).any() or c.min() < 0 or c.max() > 1):
        raise Refusal(Msg("err.credits_range"))
    col = {qid: i for i, qid in enumerate(fw.questions)}
    maxes = np.array([q.max for q in fw.questions.values()], dtype=float)
    pts = c * maxes
    n = c.shape[0]
    ind = np.empty((n, len(fw.indicators)))
    for j, indicator in enumerate(fw.indicators.values()):
        s = np.zeros(n)
        for qid in indicator.questions:
            s = s + pts[:, col[qid]]
        ind[:, j] = np.minimum(s, indicator.max)
    ind_pos = {code: j for j, code in enumerate(fw.indicators)}
    blk = np.empty((n, len(fw.blocks)))
    total = np.zeros(n)
    for k, block in enumerate(fw.blocks.values()):
        b = np.zeros(n)
        for ic in block.indicators:
            b = b + ind[:, ind_pos[ic]]
        blk[:, k] = b
        total = total + b
    all_impl = (ind > 0).all(axis=1)
    return MatrixResult(
        total=round2_array(total), blocks=round2_array(blk), indicators=round2_array(ind),
        all_implemented=all_impl, predicate=predicate_array(total, all_impl, fw.bands),
    )


def credit_matrix(fw: Framework, keys: np.ndarray, question_ids: np.ndarray,
                  credits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Long rows (key, question id, credit) → (unique keys, (n, questions) credit matrix)."""
    col = pd.Index(list(fw.questions))
    qpos = col.get_indexer(pd.Index(question_ids))
    if (qpos < 0).any():
        bad = pd.Index(question_ids)[qpos < 0][0]
        raise Refusal(Msg("err.question_unknown_in", qid=bad, code=fw.code))
    ukeys, rows = np.unique(np.asarray(keys), return_inverse=True)
    mat = np.zeros((len(ukeys), len(col)))
    mat[rows, qpos] = np.asarray(credits, dtype=float)
    return ukeys, mat


def score_long(fw: Framework, df: pd.DataFrame, key: str = "assessment_id") -> pd.DataFrame:
    """Score long rows (``key``, ``question_id``, ``credit``); one output row per key.

    Columns: key, total, predicate, all_implemented, then one column per block code.
    """
    keys, mat = credit_matrix(fw, df[key].to_numpy(), df["question_id"].to_numpy(),
                              df["credit"].to_numpy())
    res = score_matrix(fw, mat)
    out = pd.DataFrame({key: keys, "total": res.total, "predicate": res.predicate,
                        "all_implemented": res.all_implemented})
    for k, code in enumerate(fw.blocks):
        out[code] = res.blocks[:, k]
    return out
