import pytest

from kla.domain.numbers import NumberError, parse_decimal


@pytest.mark.parametrize("text,value", [("0,4", 0.4), ("0.4", 0.4), (" 1 ", 1.0), (",5", 0.5),
                                        ("1,", 1.0), (0.25, 0.25), (1, 1.0)])
def test_decimal_comma_or_point(text, value):
    assert parse_decimal(text, 0, 1) == value


@pytest.mark.parametrize("text", ["0_1", "１", "٠.٥", "1e-1", "nan", "inf", "", "0,4,1", "1.000,5",
                                  "abc", True, float("nan")])
def test_only_ascii_digits_with_one_decimal_mark(text):
    with pytest.raises(NumberError) as err:
        parse_decimal(text)
    assert err.value.reason == "not_a_number"


def test_range_named():
    with pytest.raises(NumberError, match="outside 0–1") as err:
        parse_decimal("1,5", 0, 1)
    assert err.value.reason == "out_of_range"
