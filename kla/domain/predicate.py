"""Predicates from totals: pure functions over the bands of a framework.

Totals are compared with two decimals (as published): ``round2`` is applied first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from kla.domain.framework import Band, get_framework

NONE = "none"


def round2(x: float) -> float:
    """Round half up to two decimals; bit-identical to ``round2_array`` element by element."""
    return math.floor(x * 100.0 + 0.5) / 100.0


def round2_array(x: np.ndarray) -> np.ndarray:
    return np.floor(np.asarray(x, dtype=float) * 100.0 + 0.5) / 100.0


def default_bands() -> tuple[Band, ...]:
    return get_framework().bands


def predicate_codes(bands: Sequence[Band] | None = None) -> list[str]:
    """All predicate codes from the lowest (``none``) to the highest."""
    return [NONE, *(b.code for b in (bands or default_bands()))]


def predicate_rank(bands: Sequence[Band] | None = None) -> dict[str, int]:
    """Each predicate code's step on the ladder: ``none`` 0, the lowest band 1, and so on."""
    return {code: i for i, code in enumerate(predicate_codes(bands))}


def tiers(bands: Sequence[Band] | None = None) -> tuple[str, ...]:
    """The band codes from the highest down (``none`` excluded), as tables list them."""
    return tuple(reversed(predicate_codes(bands)[1:]))


def predicate(total: float, all_implemented: bool = True,
              bands: Sequence[Band] | None = None) -> str:
    """The predicate of a total: the highest band reached, honouring ``requires_all_implemented``."""
    t = round2(total)
    result = NONE
    for band in bands or default_bands():
        if not band.reached_by(t):
            break
        if band.requires_all_implemented and not all_implemented:
            break
        result = band.code
    return result


def threshold(band: Band) -> float:
    """The lowest two-decimal total that reaches ``band``."""
    return round2(band.min + 0.01) if band.min_exclusive else band.min


def next_predicate(total: float, all_implemented: bool = True,
                   bands: Sequence[Band] | None = None) -> tuple[str | None, float | None]:
    """The next predicate above the current one and the points still needed to reach it.

    Returns ``(None, None)`` at the top. When the total already clears the next band but a gate
    (every indicator implemented) holds the city back, the points needed are 0.
    """
    bands = tuple(bands or default_bands())
    current = predicate(total, all_implemented, bands)
    codes = [b.code for b in bands]
    idx = codes.index(current) + 1 if current != NONE else 0
    if idx >= len(bands):
        return None, None
    nxt = bands[idx]
    return nxt.code, max(0.0, round2(threshold(nxt) - round2(total)))


def predicate_array(totals: np.ndarray, all_implemented: np.ndarray,
                    bands: Sequence[Band] | None = None) -> np.ndarray:
    """Vectorised ``predicate``: same result element by element."""
    bands = tuple(bands or default_bands())
    t = round2_array(totals)
    impl = np.asarray(all_implemented, dtype=bool)
    out = np.full(t.shape, NONE, dtype=object)
    still = np.ones(t.shape, dtype=bool)
    for band in bands:
        ok = (t > band.min) if band.min_exclusive else (t >= band.min)
        if band.requires_all_implemented:
            ok &= impl
        still &= ok
        out[still] = band.code
    return out
