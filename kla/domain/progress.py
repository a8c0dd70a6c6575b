"""One city across years and stages: history, stage-to-stage deltas, predicate history. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from kla.domain.framework import STAGES
from kla.domain.scoring import ScoreResult

Row = tuple[int, str, ScoreResult]  # (year, stage, result)


def _sorted(rows: Sequence[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: (r[0], STAGES.index(r[1])))


def latest_per_year(rows: Sequence[Row]) -> list[Row]:
    """The most verified stage of every year (FINAL if present), oldest year first."""
    best: dict[int, Row] = {}
    for row in _sorted(rows):
        best[row[0]] = row
    return [best[y] for y in sorted(best)]


def stage_deltas(rows: Sequence[Row]) -> list[dict]:
    """Per year, every step between consecutive stages: total and per-block change."""
    out = []
    by_year: dict[int, list[Row]] = {}
    for row in _sorted(rows):
        by_year.setdefault(row[0], []).append(row)
    for year, items in by_year.items():
        for (_, s1, r1), (_, s2, r2) in zip(items, items[1:]):
            out.append({"year": year, "from": s1, "to": s2,
                        "total": round(r2.total - r1.total, 2),
                        "blocks": {c: round(r2.blocks[c][0] - r1.blocks[c][0], 2)
                                   for c in r1.blocks}})
    return out


def predicate_history(rows: Sequence[Row]) -> list[dict]:
    return [{"year": y, "stage": s, "total": r.total, "predicate": r.predicate}
            for y, s, r in latest_per_year(rows)]


def years_at_current(rows: Sequence[Row]) -> int:
    """How many evaluated years in a row (most recent back) hold the latest predicate."""
    hist = predicate_history(rows)
    if not hist:
        return 0
    current = hist[-1]["predicate"]
    n = 0
    for h in reversed(hist):
        if h["predicate"] != current:
            break
        n += 1
    return n
