"""One palette, defined once: the colours of the predicate ladder, the grey of "no result
loaded", and the ink and bar colours shared by the web charts (``kla.web.charts``), the printable
report (``kla.io.pdf_report``) and the predicate badge (``kla.io.badge``).

Pure: plain hex strings and functions of the framework's bands. The predicate colours follow the
bands of the framework (lowest band first), so a predicate is never typed here.

The ladder is safe for colour-vision deficiencies (issue 17; ``tests/unit/test_palette_cvd.py``,
docs/accessibility.md "Warna predikat / Predicate colours"): next to each other, and each
against the grey of "no result loaded", the colours differ by CIEDE2000 ΔE ≥ 20 with normal
vision and under simulated protanopia, deuteranopia and tritanopia (``kla.domain.colour_vision``).
Lightness falls monotonically from "none" to the top band, the hue turns from sand through amber,
crimson and violet to a dark indigo. Text drawn on a band colour takes ``ink_on(colour)``.
"""

from __future__ import annotations

from collections.abc import Sequence

from kla.domain.colour_vision import contrast, parse_hex, to_hex
from kla.domain.framework import Band
from kla.domain.predicate import NONE, default_bands

INK = "#1f2937"  # text, lines, markers
WHITE = "#ffffff"  # text on the dark band colours (``ink_on``)
MUTED = "#6b7280"  # secondary text and lines; region borders on maps
BAR = "#0f766e"  # the city's own score
BAR_BG = "#d1d5db"  # maxima and baselines behind a bar
NO_PREDICATE = "#e4ecf4"  # below the first band ("none", "Belum berpredikat"): a pale blue-grey
# Lowest band to highest (Pratama, Madya, Nindya, Utama, KLA in the default framework):
# sand, amber, crimson, violet, dark indigo; each darker than the one before.
BAND_RAMP = ("#f1d6aa", "#ce8802", "#b53140", "#6e2ac3", "#252240")
# "No result loaded": a neutral mid grey, its own category on maps and in legends (never a 0,
# never "no predicate"); distinct from every band colour, also under the simulations above.
NO_DATA = "#939393"
UNKNOWN = "#f3f4f6"  # a band beyond the ramp, or a code no framework band has
BACKDROP = 0.45  # share of the band colour where bands are shaded behind a chart or a bar
# Numeric measures on maps (a share, a count: never predicates), low to high; every step
# stays apart from ``NO_DATA`` under the simulations above.
SEQUENTIAL = ((0.0, "#e0f2fe"), (0.5, "#3b82f6"), (1.0, "#1e3a8a"))
# Other chart colours (not predicates): kept here so every colour of the app has one home.
STAGE_COLOURS = {"EM": "#9ca3af", "VA": "#60a5fa", "VL": "#2563eb", "FINAL": BAR}
AT_STAKE = "#b45309"  # points at stake (gaps)
EFFORT = "#f59e0b"  # effort, outstanding, in process
LOSS = "#dc2626"  # points lost, slow handling, not standardised


def ink_on(colour: str) -> str:
    """The text colour for ``colour`` as a background: ``INK`` or ``WHITE``, whichever has
    the higher contrast (≥ 4.5:1 on every predicate colour, tested)."""
    return INK if contrast(INK, colour) >= contrast(WHITE, colour) else WHITE


def tint(colour: str, keep: float) -> str:
    """``colour`` blended with white (``keep`` = share of the colour), as an opacity of
    ``keep`` over a white page draws it."""
    return to_hex([255 - (255 - c) * keep for c in parse_hex(colour)])


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
