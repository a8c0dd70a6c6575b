"""fmt_num / fmt_short write numbers without babel's pattern machinery (it cost 0.1 s per
1,000 table cells, docs/deploy.md); what they write must stay exactly what babel writes."""

import pytest
from babel.numbers import format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st

from kla.i18n import _LOCALE, fmt_num, fmt_short

EDGES = [0.0, -0.0, -0.001, 0.005, 0.015, 2.675, 999.995, 0.125, 0.375, 12, -12, 1e14,
         -1234567.891, 1e15, float("nan"), float("inf")]


def babel(x, lang, pattern):
    return format_decimal(x, format=pattern, locale=_LOCALE[lang])


def check(x):
    for lang in ("id", "en"):
        for d in (0, 1, 2, 3):
            pattern = "#,##0" + ("." + "0" * d if d else "")
            assert fmt_num(x, lang, d) == babel(x, lang, pattern), (x, lang, d)
        assert fmt_short(x, lang) == babel(x, lang, "#,##0.##"), (x, lang)


@pytest.mark.parametrize("x", EDGES)
def test_edges_as_babel_writes_them(x):
    check(x)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.floats(min_value=-1e14, max_value=1e14, allow_nan=False),
                 st.integers(min_value=-10**14, max_value=10**14),
                 st.decimals(min_value=-1000, max_value=1000, places=3,
                             allow_nan=False).map(float)))
def test_any_number_as_babel_writes_it(x):
    check(x)


def test_reader_language():
    assert fmt_num(1234567.891, "id") == "1.234.567,89"
    assert fmt_num(1234567.891, "en") == "1,234,567.89"
    assert fmt_short(0.5, "id") == "0,5" and fmt_short(12.0, "en") == "12"


def test_too_large_for_babel_written_as_python_does():
    assert fmt_num(1e26, "id") == "1e+26"
