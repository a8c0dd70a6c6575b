"""Message catalogues (Indonesian first, English second) and number formatting. Pure."""

from __future__ import annotations

import tomllib
from functools import cache
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


def lang_from_locale(locale: str | None) -> str:
    """Indonesian unless the browser asks for English (``en-*``)."""
    return "en" if (locale or "").lower().startswith("en") else DEFAULT_LANG


def fmt_num(x: float, lang: str = DEFAULT_LANG, decimals: int = 2) -> str:
    """Number in the language's format: ``723,67`` (id), ``723.67`` (en); thousands grouped."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(x, format=pattern, locale=_LOCALE.get(lang, "id_ID"))


def fmt_short(x: float, lang: str = DEFAULT_LANG) -> str:
    """At most two decimals, no trailing zeros: ``0,5``, ``12``, ``1,25``."""
    return format_decimal(x, format="#,##0.##", locale=_LOCALE.get(lang, "id_ID"))


def plotly_separators(lang: str = DEFAULT_LANG) -> str:
    """Plotly's ``separators`` layout value: decimal mark then thousands mark."""
    return ",." if lang == "id" else ".,"
