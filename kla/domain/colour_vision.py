"""Colour arithmetic for the accessibility checks of the palette (``kla.domain.palette``).

Pure Python, no dependency:

* ``simulate(hex, kind)``: how a colour looks with a colour-vision deficiency, by the
  simulation of Machado, Oliveira & Fernandes (2009), "A Physiologically-based Model for
  Simulation of Color Vision Deficiency", IEEE TVCG 15(6), at severity 1.0 (dichromacy:
  protanopia, deuteranopia, tritanopia). The matrix is applied to linear sRGB: sRGB is
  decoded (IEC 61966-2-1), multiplied, clipped to [0, 1] and encoded again.
* ``delta_e(a, b)``: the colour difference CIEDE2000 (Sharma, Wu & Dalal 2005) between two
  sRGB colours, in CIELAB under D65. ``delta_e76`` (Euclidean distance in CIELAB) is given too.
* ``contrast(a, b)``: the WCAG 2 contrast ratio from relative luminance.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

Matrix = tuple[tuple[float, float, float], tuple[float, float, float],
               tuple[float, float, float]]

NORMAL = "normal"
# Machado et al. (2009), severity 1.0, rows applied to linear (R, G, B).
MACHADO_2009: dict[str, Matrix] = {
    "protanopia": ((0.152286, 1.052583, -0.204868),
                   (0.114503, 0.786281, 0.099216),
                   (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968),
                     (0.280085, 0.672501, 0.047413),
                     (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779),
                   (-0.078411, 0.930809, 0.147602),
                   (0.004733, 0.691367, 0.303900)),
}
VISIONS = (NORMAL, *MACHADO_2009)  # normal vision first, then the three dichromacies

# sRGB (D65) linear RGB → XYZ, and the D65 white point (Y = 1).
_RGB_TO_XYZ: Matrix = ((0.4124564, 0.3575761, 0.1804375),
                       (0.2126729, 0.7151522, 0.0721750),
                       (0.0193339, 0.1191920, 0.9503041))
_WHITE = (0.95047, 1.0, 1.08883)


def parse_hex(colour: str) -> tuple[int, int, int]:
    """``"#rrggbb"`` (or ``"#rgb"``) as three 0–255 integers."""
    h = colour.strip().lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    if len(h) != 6:
        raise ValueError(f"not a hex colour: {colour!r}")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def to_hex(rgb: Sequence[float]) -> str:
    """Three 0–255 values (rounded, clipped) as ``"#rrggbb"``."""
    return "#" + "".join(f"{min(255, max(0, round(c))):02x}" for c in rgb)


def _decode(c: float) -> float:
    """An sRGB channel 0–1 → linear light."""
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _encode(c: float) -> float:
    """Linear light 0–1 → an sRGB channel."""
    c = min(1.0, max(0.0, c))
    return 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055


def linear(colour: str) -> tuple[float, float, float]:
    """The colour in linear sRGB (each 0–1)."""
    r, g, b = (_decode(v / 255) for v in parse_hex(colour))
    return r, g, b


def _apply(m: Matrix, v: Sequence[float]) -> tuple[float, float, float]:
    return (m[0][0] * v[0] + m[0][1] * v[1] + m[0][2] * v[2],
            m[1][0] * v[0] + m[1][1] * v[1] + m[1][2] * v[2],
            m[2][0] * v[0] + m[2][1] * v[1] + m[2][2] * v[2])


def simulate(colour: str, vision: str = NORMAL) -> str:
    """The colour as seen with ``vision`` (one of ``VISIONS``), as ``"#rrggbb"``; normal vision
    returns it unchanged. Severity 1.0 (full dichromacy)."""
    if vision == NORMAL:
        return to_hex(parse_hex(colour))
    seen = _apply(MACHADO_2009[vision], linear(colour))
    return to_hex([_encode(c) * 255 for c in seen])


def lab(colour: str) -> tuple[float, float, float]:
    """CIELAB (D65, 2°) of an sRGB colour."""
    x, y, z = (v / w for v, w in zip(_apply(_RGB_TO_XYZ, linear(colour)), _WHITE))

    def f(u: float) -> float:
        return u ** (1 / 3) if u > (6 / 29) ** 3 else u / (3 * (6 / 29) ** 2) + 4 / 29

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def delta_e76(a: str, b: str) -> float:
    """CIE76: the Euclidean distance between two colours in CIELAB."""
    return math.dist(lab(a), lab(b))


def delta_e(a: str, b: str) -> float:
    """CIEDE2000 (kL = kC = kH = 1) between two sRGB colours."""
    return delta_e_lab(lab(a), lab(b))


def delta_e_lab(first: Sequence[float], second: Sequence[float]) -> float:
    """CIEDE2000 (kL = kC = kH = 1) between two CIELAB colours."""
    l1, a1, b1 = first
    l2, a2, b2 = second
    c_bar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_bar ** 7 / (c_bar ** 7 + 25 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    dl, dc = l2 - l1, c2p - c1p
    if c1p * c2p == 0:
        dh = 0.0
    elif abs(h2p - h1p) <= 180:
        dh = h2p - h1p
    else:
        dh = h2p - h1p - 360 if h2p > h1p else h2p - h1p + 360
    dhh = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))
    l_bar, cp_bar = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        hp_bar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        hp_bar = (h1p + h2p) / 2
    else:
        hp_bar = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    tt = (1 - 0.17 * math.cos(math.radians(hp_bar - 30))
          + 0.24 * math.cos(math.radians(2 * hp_bar))
          + 0.32 * math.cos(math.radians(3 * hp_bar + 6))
          - 0.20 * math.cos(math.radians(4 * hp_bar - 63)))
    d_theta = 30 * math.exp(-(((hp_bar - 275) / 25) ** 2))
    rc = 2 * math.sqrt(cp_bar ** 7 / (cp_bar ** 7 + 25 ** 7))
    sl = 1 + 0.015 * (l_bar - 50) ** 2 / math.sqrt(20 + (l_bar - 50) ** 2)
    sc = 1 + 0.045 * cp_bar
    sh = 1 + 0.015 * cp_bar * tt
    rt = -math.sin(math.radians(2 * d_theta)) * rc
    return math.sqrt((dl / sl) ** 2 + (dc / sc) ** 2 + (dhh / sh) ** 2
                     + rt * (dc / sc) * (dhh / sh))


def seen_delta_e(a: str, b: str, vision: str = NORMAL) -> float:
    """CIEDE2000 between two colours as both are seen with ``vision``."""
    return delta_e(simulate(a, vision), simulate(b, vision))


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance (0 black – 1 white)."""
    r, g, b = linear(colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio between two colours (1–21)."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
