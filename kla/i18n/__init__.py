"""Message catalogues (Indonesian first, English second) and number formatting. Pure."""

from __future__ import annotations

import math
import tomllib
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache, lru_cache
from pathlib import Path

from babel.numbers import format_decimal

LANGS = ("id", "en")
DEFAULT_LANG = "id"
_DIR = Path(__file__).resolve().parent
_LOCALE = {"id": "id_ID", "en": "en_US"}


@cache
def catalogue(lang: str) -> dict[str, str]:
    return tomllib.loads((_DIR / f"{lang}.toml").read_text(encoding="utf-8"))


def t(key: str, lang: str = DEFAULT_LANG, **kw: object) -> str:
    """The label ``key`` in ``lang``; falls back to Indonesian, then to the key itself."""
    text = catalogue(lang if lang in LANGS else DEFAULT_LANG).get(key)
    if text is None:
        text = catalogue(DEFAULT_LANG).get(key, key)
    return text.format(**kw) if kw else text


class Msg(str):
    """A message a user may read: a catalogue key with its parameters. As a ``str`` it is the
    English text (logs, the CLI, ``"row 3" in msg``); ``render(lang)`` gives it in the reader's
    language. Parameters that are ``Msg`` render in the same language; floats are written with
    the language's decimal mark."""

    key: str
    params: dict[str, object]

    def __new__(cls, key: str, **params: object) -> Msg:
        obj = super().__new__(cls, _render(key, "en", params))
        obj.key, obj.params = key, params
        return obj

    def render(self, lang: str = DEFAULT_LANG) -> str:
        return _render(self.key, lang, self.params)

    def __reduce__(self):
        return (_rebuild, (self.key, self.params))


def _rebuild(key: str, params: dict[str, object]) -> Msg:
    return Msg(key, **params)


def _param(value: object, lang: str) -> object:
    if isinstance(value, Msg):
        return value.render(lang)
    if isinstance(value, float):
        return fmt_short(value, lang)
    if isinstance(value, list | tuple):
        return ", ".join(str(_param(v, lang)) for v in value)
    return value


def _render(key: str, lang: str, params: dict[str, object]) -> str:
    return t(key, lang, **{k: _param(v, lang) for k, v in params.items()})


class Refusal(ValueError):
    """An operation refused for one or more reasons (``Msg``), nothing written. As text:
    the English lines; ``describe`` renders them in the reader's language."""

    def __init__(self, *errors: str):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


def describe(exc: BaseException, lang: str = DEFAULT_LANG) -> str:
    """What a refused operation tells the user, in ``lang``: every ``Msg`` the exception
    carries (its ``errors`` list, or its arguments) rendered; plain text as it is."""
    parts = getattr(exc, "errors", None)
    if not isinstance(parts, list | tuple) or not parts:
        parts = [a for a in exc.args if isinstance(a, str)] or [str(exc)]
    return "\n".join(p.render(lang) if isinstance(p, Msg) else str(p) for p in parts)


def lang_from_locale(locale: str | None) -> str:
    """Indonesian unless the browser asks for English (``en-*``)."""
    return "en" if (locale or "").lower().startswith("en") else DEFAULT_LANG


def fmt_num(x: float, lang: str = DEFAULT_LANG, decimals: int = 2) -> str:
    """Number in the language's format: ``723,67`` (id), ``723.67`` (en); thousands grouped."""
    fast = _fast_format(x, lang, decimals, short=False)
    if fast is not None:
        return fast
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return _format(x, pattern, lang)


def fmt_short(x: float, lang: str = DEFAULT_LANG) -> str:
    """At most two decimals, no trailing zeros: ``0,5``, ``12``, ``1,25``."""
    fast = _fast_format(x, lang, 2, short=True)
    if fast is not None:
        return fast
    return _format(x, "#,##0.##", lang)



def fmt_bytes(n: int, lang: str = DEFAULT_LANG) -> str:
    """A size as people read it: ``850 B``, ``12,5 KB``, ``3,2 MB`` (1 KB = 1,024 bytes)."""
    size, unit = float(n), "B"
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(size) < 1024 or unit == "TB":
            break
        size /= 1024
    return f"{fmt_num(size, lang, 0 if unit == 'B' else 1)} {unit}"


_SWAP_MARKS = str.maketrans(",.", ".,")


def _fast_format(x: object, lang: str, decimals: int, short: bool) -> str | None:
    """What babel's ``format_decimal`` writes for ``#,##0.00`` / ``#,##0.##`` in Indonesian
    and English — the decimal of ``str(x)`` rounded half-even, ``-`` for a negative value
    (also one that rounds to zero) — without babel's pattern machinery, which cost 0.1 s per
    1,000 table cells (docs/deploy.md). None when babel must do it (other languages, NaN,
    infinities, very large numbers); tests/unit/test_numbers.py compares the two."""
    if lang not in ("id", "en") or isinstance(x, bool) or not isinstance(x, int | float):
        return None
    if not math.isfinite(x) or abs(x) >= 1e15:
        return None
    value = Decimal(str(x))
    negative = value.is_signed()
    value = abs(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN)
    text = f"{value:,.{decimals}f}"
    if short and "." in text:
        text = text.rstrip("0").rstrip(".")
    if negative:
        text = "-" + text
    return text.translate(_SWAP_MARKS) if lang == "id" else text


def _format(x: float, pattern: str, lang: str) -> str:
    """``x`` in ``pattern``; a number too large for babel to round (from 1e26: a value typed
    into a workbook, quoted back in a message) as Python writes it (``1e+26``)."""
    from decimal import InvalidOperation

    try:
        return format_decimal(x, format=pattern, locale=_LOCALE.get(lang, "id_ID"))
    except InvalidOperation:
        return f"{x:g}"


def plotly_separators(lang: str = DEFAULT_LANG) -> str:
    """Plotly's ``separators`` layout value: decimal mark then thousands mark."""
    return ",." if lang == "id" else ".,"


def fmt_time(dt: object, lang: str = DEFAULT_LANG, tz: object = None) -> str:
    """A time as people read it, in the configured zone with its abbreviation:
    ``30 Nov 2026 14:05 WIB`` (month names in ``lang``: ``Agu`` / ``Aug``). ``tz``: an IANA
    name or a ``tzinfo``; None reads ``KLA_TIMEZONE`` (default Asia/Jakarta). Naive datetimes
    (as the database returns them) are UTC; a ``date`` is shown without a time; None as "–"."""
    from datetime import UTC, date, datetime
    from zoneinfo import ZoneInfo

    from babel.dates import format_date

    locale = _LOCALE.get(lang, "id_ID")
    if dt is None:
        return "–"
    if not isinstance(dt, datetime):
        if isinstance(dt, date):
            return format_date(dt, "d MMM y", locale=locale)
        return str(dt)
    if tz is None:
        from kla.settings import get_settings

        tz = get_settings().timezone
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    local = (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(zone)
    return _local_time(local.replace(second=0, microsecond=0), zone, locale)


@lru_cache(maxsize=4096)
def _local_time(local: object, zone: object, locale: str) -> str:
    """babel's ``format_datetime`` cost ~1 ms a call (Isian writes one per question row):
    the same minute is written once per process."""
    from babel.dates import format_datetime

    return f"{format_datetime(local, 'd MMM y HH:mm', tzinfo=zone, locale=locale)} {local.tzname()}"
