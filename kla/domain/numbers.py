"""Numbers as people type them: ASCII digits with a decimal comma or point. Nothing else —
Python's ``float()`` would also take ``0_1`` (as 1), full-width ``１`` and Arabic-Indic digits."""

from __future__ import annotations

import math
import re

from kla.i18n import Msg

_DECIMAL = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")


class NumberError(ValueError):
    """Not a number as typed here; ``reason`` is ``not_a_number`` or ``out_of_range``. Its
    argument is the message (``Msg`` ``err.<reason>``): ``'x' is not a number``,
    ``1.5 is outside 0–1``."""

    def __init__(self, text: str, reason: str, low: float | None = None,
                 high: float | None = None):
        self.text, self.reason, self.low, self.high = text, reason, low, high
        super().__init__(Msg("err.not_a_number", value=text) if reason == "not_a_number"
                         else Msg("err.out_of_range", value=text, low=as_shown(low),
                                  high=as_shown(high)))


def as_shown(value: object) -> object:
    """A number as a message shows it: a float with at most two decimals stays a float (the
    reader's decimal mark, ``1,5``), a longer one its exact text (``1.001``, not ``1``)."""
    if isinstance(value, float) and math.isfinite(value) and round(value, 2) != value:
        return repr(value)
    return value


def parse_decimal(text: object, low: float | None = None, high: float | None = None) -> float:
    """``"0,4"`` and ``"0.4"`` → 0.4; a number already is one. Raises ``NumberError``."""
    if isinstance(text, bool):
        raise NumberError(str(text), "not_a_number")
    if isinstance(text, int | float):
        value, shown = float(text), f"{text}"
    else:
        shown = str(text or "").strip()
        if not _DECIMAL.fullmatch(shown) or not shown.isascii():
            raise NumberError(shown, "not_a_number")
        value = float(shown.replace(",", "."))
    if not math.isfinite(value):
        raise NumberError(shown, "not_a_number")
    if (low is not None and value < low) or (high is not None and value > high):
        raise NumberError(shown, "out_of_range", low, high)
    return value
