"""The "Pernyataan predikat" badge: a PNG (Pillow, the bundled DejaVu fonts) that states
exactly the predicate and year of one claim (``kla.domain.claims``), with its source.

Left: a panel in the predicate's colour (``palette.band_colours()``) with the predicate and
the year, its text in ``palette.ink_on(colour)`` (ink or white, whichever contrasts more).
Right: the full wording ("Predikat Nindya — Kabupaten/Kota Layak Anak 2023"), the kab/kota,
its province and the source line. Sample data gets a red band across the bottom.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from kla.domain.claims import Claim, badge_text
from kla.domain.palette import INK, MUTED, WHITE, band_colours, ink_on

SIZE = (1200, 630)  # the usual size of a shared link's preview image
FONTS = Path(__file__).resolve().parent / "fonts"
SAMPLE_RED = "#b91c1c"
PANEL_W = 420
MARGIN = 48


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")),
                              size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def _fit(draw: ImageDraw.ImageDraw, text: str, size: int, width: int, bold: bool = True,
         smallest: int = 20):
    """The largest font from ``size`` down whose ``text`` fits in ``width`` on one line."""
    while size > smallest and draw.textlength(text, font=_font(size, bold)) > width:
        size -= 2
    return _font(size, bold)


def _block(draw, xy: tuple[int, int], text: str, size: int, bold: bool, width: int,
           fill: str, max_lines: int = 3, spacing: float = 1.2) -> int:
    """Draw ``text`` wrapped to ``width`` in at most ``max_lines`` lines, shrinking the font
    rather than cutting the text; return the y below it."""
    x, y = xy
    font = _font(size, bold)
    lines = _wrap(draw, text, font, width)
    while len(lines) > max_lines and size > 12:
        size -= 2
        font = _font(size, bold)
        lines = _wrap(draw, text, font, width)
    for line in lines:
        draw.text((x, y), line, font=font, fill=fill)
        y += int(size * spacing)
    return y


def badge_png(claim: Claim, lang: str = "id") -> bytes:
    """The badge of ``claim`` as PNG bytes (``SIZE``); ``Refusal`` for a claim that states no
    predicate (``kla.domain.claims``)."""
    text = badge_text(claim, lang)
    colour = band_colours().get(claim.predicate)
    if colour is None:  # a band beyond the palette: badge_text has already refused others
        colour = band_colours()["none"]
    w, h = SIZE
    img = Image.new("RGB", SIZE, WHITE)
    draw = ImageDraw.Draw(img)
    bottom = h - (64 if text["sample"] else 0)

    # the predicate panel
    gap = 8 if text["sample"] else 0  # white between the panel and the sample band
    draw.rectangle((0, 0, PANEL_W, bottom - gap), fill=colour)
    ink = ink_on(colour)
    inner = PANEL_W - 2 * MARGIN
    kicker = _font(30, bold=True)
    draw.text((MARGIN, 96), text["kicker"], font=kicker, fill=ink)
    name = _fit(draw, text["predicate"], 104, inner)
    draw.text((MARGIN, 150), text["predicate"], font=name, fill=ink)
    draw.text((MARGIN, 150 + name.size + 36), text["year"], font=_font(72, bold=True), fill=ink)

    # the wording, the kab/kota, the source
    x, width = PANEL_W + MARGIN, w - PANEL_W - 2 * MARGIN
    head, dash, tail = text["title"].partition(" — ")  # "Predikat Nindya —" / "Kabupaten/…"
    y = 72
    for part in ((head + dash, tail) if dash else (head,)):
        y = _block(draw, (x, y), part, 34, True, width, INK, max_lines=2)
    draw.line((x, y + 18, x + width, y + 18), fill=colour, width=6)
    y = _block(draw, (x, y + 50), text["region"], 60, True, width, INK, max_lines=2)
    if text["province"]:
        y = _block(draw, (x, y + 4), text["province"], 32, False, width, MUTED, max_lines=1)
    lines = _wrap(draw, text["source"], _font(24), width)
    sy = bottom - 40 - len(lines) * int(24 * 1.3)
    _block(draw, (x, max(y + 16, sy)), text["source"], 24, False, width, MUTED, max_lines=3,
           spacing=1.3)

    if text["sample"]:
        draw.rectangle((0, bottom, w, h), fill=SAMPLE_RED)
        band = _fit(draw, text["sample"], 34, w - 2 * MARGIN)
        tw = draw.textlength(text["sample"], font=band)
        draw.text(((w - tw) / 2, bottom + (h - bottom - band.size) / 2 - 4), text["sample"],
                  font=band, fill=WHITE)
    draw.rectangle((0, 0, w - 1, h - 1), outline=INK, width=2)

    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()
