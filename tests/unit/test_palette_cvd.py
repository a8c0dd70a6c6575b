"""The predicate colours are safe for colour-vision deficiencies (issue 17).

ΔE is CIEDE2000 (``kla.domain.colour_vision.delta_e``) between the colours as seen with normal
vision and as simulated for protanopia, deuteranopia and tritanopia (Machado et al. 2009,
severity 1.0). docs/accessibility.md "Warna predikat / Predicate colours" lists the values.
"""

import itertools

import pytest

from kla.domain import colour_vision as cv
from kla.domain.framework import Band
from kla.domain.palette import (
    BACKDROP,
    INK,
    NO_DATA,
    NO_PREDICATE,
    SEQUENTIAL,
    WHITE,
    band_colours,
    ink_on,
    tint,
)
from kla.domain.predicate import NONE, predicate_codes

MIN_DELTA_E = 20.0
MIN_CONTRAST = 4.5  # WCAG 2 AA, normal text


def ladder() -> list[tuple[str, str]]:
    """(code, colour) from ``none`` up to the top band of the default framework."""
    colours = band_colours()
    return [(code, colours[code]) for code in predicate_codes()]


# --- the colour arithmetic itself ------------------------------------------------------------

# Sharma, Wu & Dalal (2005), "The CIEDE2000 color-difference formula: implementation notes,
# supplementary test data": a sample of the published pairs (L*a*b* and ΔE00).
SHARMA = [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, -1.3802, -84.2814), (50.0, 0.0, -82.7485), 1.0000),
    ((50.0, 2.5, 0.0), (50.0, 0.0, -2.5), 4.3065),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((50.0, 2.5, 0.0), (56.0, -27.0, -3.0), 31.9030),
    ((50.0, 2.49, -0.001), (50.0, -2.49, 0.0011), 7.2195),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((22.7233, 20.0904, -46.694), (23.0331, 14.973, -42.5619), 2.0373),
    ((90.8027, -2.0831, 1.441), (91.1528, -1.6435, 0.0447), 1.4441),
    ((2.0776, 0.0795, -1.135), (0.9033, -0.0636, -0.5514), 0.9082),
]


@pytest.mark.parametrize(("lab1", "lab2", "expected"), SHARMA)
def test_ciede2000_matches_the_published_test_data(lab1, lab2, expected):
    assert cv.delta_e_lab(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert cv.delta_e_lab(lab2, lab1) == pytest.approx(expected, abs=1e-4)  # symmetric


def test_lab_and_contrast_of_known_colours():
    assert cv.lab("#ffffff") == pytest.approx((100.0, 0.0, 0.0), abs=1e-3)
    assert cv.lab("#000000") == pytest.approx((0.0, 0.0, 0.0), abs=1e-3)
    assert cv.lab("#ff0000") == pytest.approx((53.24, 80.09, 67.20), abs=0.01)
    assert cv.contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert cv.contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert cv.delta_e76("#ffffff", "#000000") == pytest.approx(100.0, abs=1e-3)


def test_simulation_keeps_greys_and_folds_the_confusion_axes():
    for vision in cv.VISIONS:  # each matrix row sums to 1: greys stay grey
        for grey in ("#000000", "#777777", "#ffffff"):
            assert cv.simulate(grey, vision) == grey
    assert cv.simulate("#b53140") == "#b53140"  # normal vision: unchanged
    # red and green collapse for the red-green dichromacies, not for tritanopia
    red, green = "#d62728", "#2ca02c"
    for vision in ("protanopia", "deuteranopia"):
        assert cv.seen_delta_e(red, green, vision) < 0.5 * cv.delta_e(red, green)
    # blue and green collapse for tritanopia, not for the red-green dichromacies
    blue, teal = "#1f77b4", "#17becf"
    assert (cv.seen_delta_e(blue, teal, "tritanopia")
            < cv.seen_delta_e(blue, teal, "deuteranopia"))
    # Machado et al. (2009), severity 1.0, on pure red (linear RGB: one matrix column)
    assert cv.simulate("#ff0000", "deuteranopia") == cv.to_hex(
        [cv._encode(c) * 255 for c in (0.367322, 0.280085, -0.011820)])


# --- the palette -----------------------------------------------------------------------------

@pytest.mark.parametrize("vision", cv.VISIONS)
def test_adjacent_predicates_differ_by_delta_e_20(vision):
    steps = ladder()
    for (lo, a), (hi, b) in itertools.pairwise(steps):
        d = cv.seen_delta_e(a, b, vision)
        assert d >= MIN_DELTA_E, f"{lo} {a} / {hi} {b} under {vision}: ΔE00 {d:.1f}"


@pytest.mark.parametrize("vision", cv.VISIONS)
def test_every_two_predicates_differ_by_delta_e_20(vision):
    """Not only neighbours on the ladder: on a map any two predicates can share a border."""
    for (p, a), (q, b) in itertools.combinations(ladder(), 2):
        d = cv.seen_delta_e(a, b, vision)
        assert d >= MIN_DELTA_E, f"{p} {a} / {q} {b} under {vision}: ΔE00 {d:.1f}"


@pytest.mark.parametrize("vision", cv.VISIONS)
def test_no_result_grey_differs_from_every_predicate_and_from_none(vision):
    assert band_colours()[NONE] == NO_PREDICATE
    for code, colour in ladder():  # "none" included
        d = cv.seen_delta_e(NO_DATA, colour, vision)
        assert d >= MIN_DELTA_E, f"no data {NO_DATA} / {code} {colour} under {vision}: {d:.1f}"


@pytest.mark.parametrize("vision", cv.VISIONS)
def test_no_result_grey_differs_from_the_numeric_map_scale(vision):
    """The share map (Nasional, per province) draws "no result loaded" in the same grey."""
    stops = [(float(p), c) for p, c in SEQUENTIAL]
    for i in range(41):
        x = i / 40
        (p0, c0), (p1, c1) = next((a, b) for a, b in itertools.pairwise(stops)
                                  if a[0] <= x <= b[0])
        k = (x - p0) / (p1 - p0)
        colour = cv.to_hex([u + (v - u) * k for u, v in zip(cv.parse_hex(c0), cv.parse_hex(c1))])
        assert cv.seen_delta_e(NO_DATA, colour, vision) >= MIN_DELTA_E, (x, colour)


def test_lightness_falls_monotonically_up_the_ladder():
    lightness = [cv.lab(c)[0] for _, c in ladder()]
    assert lightness == sorted(lightness, reverse=True)
    assert all(a - b >= 5 for a, b in itertools.pairwise(lightness))


@pytest.mark.parametrize(("code", "colour"), ladder())
def test_text_on_every_band_colour_is_readable(code, colour):
    """Text on a band takes ``ink_on``: ink on the light bands, white on the dark ones."""
    text = ink_on(colour)
    assert text in (INK, WHITE)
    assert cv.contrast(text, colour) >= MIN_CONTRAST, (code, colour, text)


@pytest.mark.parametrize(("code", "colour"), ladder())
def test_ink_is_readable_on_the_shaded_bands(code, colour):
    """Bands shaded behind a chart (``BACKDROP``) carry ink: values, labels, markers."""
    assert cv.contrast(INK, tint(colour, BACKDROP)) >= MIN_CONTRAST, (code, colour)


def test_ink_on_picks_the_higher_contrast():
    assert ink_on("#ffffff") == INK and ink_on("#000000") == WHITE
    assert ink_on(NO_PREDICATE) == INK
    assert ink_on(band_colours()["KLA"]) == WHITE


def test_a_shorter_ladder_keeps_the_steps_from_the_bottom():
    """Another framework with three bands: the same first steps, still ΔE ≥ 20 apart."""
    other = (Band("Bronze", 50), Band("Silver", 70), Band("Gold", 90))
    colours = list(band_colours(other).values())
    assert colours == [c for _, c in ladder()][:4]
    for vision in cv.VISIONS:
        assert all(cv.seen_delta_e(a, b, vision) >= MIN_DELTA_E
                   for a, b in itertools.pairwise(colours))
