"""Predicate bands on the total (two decimals), the KLA gate, and the next predicate."""

import numpy as np
import pytest

from kla.domain.predicate import next_predicate, predicate, predicate_array, round2


@pytest.mark.parametrize("total,expected", [
    (0, "none"), (499.99, "none"), (499.994, "none"), (499.995, "Pratama"), (500, "Pratama"),
    (600, "Pratama"), (600.004, "Pratama"), (600.01, "Madya"), (700, "Madya"),
    (723.67, "Nindya"), (732.65, "Nindya"), (800, "Nindya"), (800.01, "Utama"), (895, "Utama"),
    (900, "Utama"), (900.01, "KLA"), (1000, "KLA"),
])
def test_bands(total, expected):
    assert predicate(total) == expected


def test_kla_needs_every_indicator_implemented():
    assert predicate(950, all_implemented=False) == "Utama"
    assert predicate(850, all_implemented=False) == "Utama"
    assert predicate(950, all_implemented=True) == "KLA"


@pytest.mark.parametrize("total,impl,expected", [
    (0, True, ("Pratama", 500.0)),
    (488.5, True, ("Pratama", 11.5)),
    (500, True, ("Madya", 100.01)),
    (645.4, True, ("Nindya", 54.61)),
    (899.99, True, ("KLA", 0.02)),
    (950, False, ("KLA", 0.0)),
    (950, True, (None, None)),
])
def test_next_predicate(total, impl, expected):
    assert next_predicate(total, impl) == expected


def test_round2_is_half_up_and_array_matches():
    xs = np.array([0.005, 1.005, 723.665, 599.995, 600.005, 12.344999])
    assert [round2(x) for x in xs] == list(np.floor(xs * 100 + 0.5) / 100)
    totals = np.array([0, 500, 600, 600.01, 900.01, 950])
    impl = np.array([True, True, True, True, True, False])
    assert list(predicate_array(totals, impl)) == [predicate(x, i) for x, i in zip(totals, impl)]
