"""Text as people type or paste it, checked before it is stored. Pure.

One rule for every free-text value that reaches the store (answer notes, registry fields),
whatever the path (form, Excel workbook, CLI):

- Line breaks of every kind (``\\r\\n``, ``\\r``, Word's manual line break ``\\x0b``, form feed,
  U+0085, U+2028, U+2029) become ``\\n`` in a note and a space in a one-line field; a tab stays in a
  note and becomes a space in a one-line field.
- Any other control character (NUL and the rest of C0, DEL, C1) and lone surrogates are refused,
  the character named (``U+0000``): they are never typed, PostgreSQL refuses NUL, Excel refuses
  the others — accepting them would store a value that cannot be exported.
- Lengths are counted after that, surrounding spaces removed; each field has its maximum.
"""

from __future__ import annotations

import re

from kla.i18n import Msg

NOTE_MAX = 2000  # an answer's note (Catatan)
TEXT_MAX = 255  # a one-line field, unless the field says less
SHOWN_MAX = 40  # characters of a refused value quoted back in a message

_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
_ONE_LINE = re.compile("[\t\n\r\x0b\x0c\x85\u2028\u2029]")
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff]")


def note_text(value: object) -> str:
    """A note as it is stored: line breaks normalised to ``\\n``, surrounding spaces removed."""
    return _BREAKS.sub("\n", "" if value is None else str(value)).strip()


def line_text(value: object) -> str:
    """A one-line value as it is stored: tabs and line breaks as spaces, stripped."""
    return _ONE_LINE.sub(" ", "" if value is None else str(value)).strip()


def control_char(text: str) -> str | None:
    """The first refused control character of ``text`` as ``U+0000``, or None."""
    found = _CONTROL.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def text_problem(text: str, max_len: int) -> Msg | None:
    """Why a cleaned value cannot be stored (a control character, too long), or None."""
    char = control_char(text)
    if char:
        return Msg("err.text.control", char=char)
    if len(text) > max_len:
        return Msg("err.text.too_long", n=len(text), max=max_len)
    return None


def note_problem(text: str) -> Msg | None:
    """Why a cleaned note (``note_text``) cannot be stored, or None."""
    return text_problem(text, NOTE_MAX)


def shown(value: object, limit: int = SHOWN_MAX) -> str:
    """A refused value as a message quotes it: control characters escaped (``\\x00``), at most
    ``limit`` characters, then ``…``."""
    text = "" if value is None else str(value)
    cut = text[:limit]
    cut = _CONTROL.sub(lambda m: m.group().encode("unicode_escape", "backslashreplace")
                       .decode("ascii"), cut)
    cut = _ONE_LINE.sub(" ", cut)
    return cut + ("…" if len(text) > limit else "")


def decimal(value: object, low: float | None = None, high: float | None = None) -> float:
    """``parse_decimal`` (ASCII digits, ``.`` or ``,`` as the decimal mark, within ``low``–
    ``high``) whose ``NumberError`` quotes at most ``SHOWN_MAX`` characters of the value."""
    from kla.domain.numbers import NumberError, parse_decimal

    try:
        return parse_decimal(value, low, high)
    except NumberError as exc:
        if len(exc.text) <= SHOWN_MAX and not control_char(exc.text):
            raise
        raise NumberError(shown(exc.text), exc.reason, exc.low, exc.high) from None
