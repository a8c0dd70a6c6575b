"""One palette, defined once: the colours of the predicate ladder and the ink and bar colours
shared by the web charts (``kla.web.charts``) and the printable report (``kla.io.pdf_report``).

Pure: plain hex strings and functions of the framework's bands. The predicate colours follow the
bands of the framework (lowest band first), so a predicate is never typed here.
"""

from __future__ import annotations

from collections.abc import Sequence

from kla.domain.framework import Band
from kla.domain.predicate import NONE, default_bands

INK = "#1f2937"  # text, lines, markers
MUTED = "#6b7280"  # secondary text and lines
BAR = "#0f766e"  # the city's own score
BAR_BG = "#d1d5db"  # maxima and baselines behind a bar
NO_PREDICATE = "#e5e7eb"  # below the first band ("none")
UNKNOWN = "#f3f4f6"  # a band beyond the ramp, or a code no framework band has
# Lowest band to highest: warm for the first steps, green in the middle, blue at the top.
BAND_RAMP = ("#fde68a", "#fdba74", "#86efac", "#5eead4", "#93c5fd")


def band_colours(bands: Sequence[Band] | None = None) -> dict[str, str]:
    """Colour per predicate code, ``none`` first, then the bands (default framework) from the
    lowest; bands beyond the ramp share ``UNKNOWN``."""
    codes = [b.code for b in (bands or default_bands())]
    return {NONE: NO_PREDICATE,
            **{c: BAND_RAMP[i] if i < len(BAND_RAMP) else UNKNOWN for i, c in enumerate(codes)}}


def band_ranges(bands: Sequence[Band], total_max: float) -> list[tuple[str, float, float]]:
    """(predicate, from, to) for every band including ``none``, covering 0 → total_max."""
    edges = [(NONE, 0.0)] + [(b.code, b.min) for b in bands]
    out = []
    for i, (code, lo) in enumerate(edges):
        hi = edges[i + 1][1] if i + 1 < len(edges) else total_max
        out.append((code, lo, hi))
    return out
