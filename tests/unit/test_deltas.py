"""Usulan nilai: the change beside the total follows its sign (a fall is a red arrow down,
never a green "↑ Utama"), and only questions whose credit really changes are counted."""

from kla.domain.deltas import changed_credits, signed_delta
from kla.domain.sample import SAMPLE_CITIES, generate
from kla.domain.whatif import what_if


def test_signed_delta_follows_the_sign():
    assert signed_delta(783.49, 767.28) == "-16,21"  # st.metric: red arrow down
    assert signed_delta(767.28, 783.49) == "+16,21"
    assert signed_delta(700.0, 1700.5, "en") == "+1,000.50"
    assert signed_delta(712.5, 712.5) is None and signed_delta(712.5, 712.504) is None
    assert signed_delta(0.0, -0.006) == "-0,01"


def test_changed_credits_counts_only_real_changes():
    current = {"25.P2": 0.5, "25.P12": 1.0, "26.P4": 0.77}
    proposed = {"25.P2": 0.8, "25.P12": 1.0, "26.P4": 0.77, "26.P14": 0.0, "26.P15": None,
                "26.P11": 1.0}
    # 25.P12 and 26.P4 unchanged; 26.P14 proposes 0 for an unanswered question (0 already);
    # 26.P15 proposes nothing; 26.P11 unanswered → 1
    assert changed_credits(current, proposed) == {"25.P2": 0.8, "26.P11": 1.0}


def test_rollup_on_the_sample_falls_with_a_red_delta(fw):
    """Proposals below the current Kelana/Dekela credits: the total falls, and the delta says
    so with its sign; the unchanged proposals do not count as changes."""
    metro = next(c for c in SAMPLE_CITIES if c.kode == "18.72")
    year = metro.years[-1]
    credits = generate(fw, f"{metro.kode}:{year.year}", year.totals)["FINAL"]
    kd = [q for q, x in fw.questions.items() if x.block == "KD" and x.max > 0]
    proposed = {q: 0.0 if i % 3 == 0 else credits.get(q, 0.0) for i, q in enumerate(kd)}
    changes = changed_credits(credits, proposed)
    assert 0 < len(changes) < len(proposed)
    assert all(credits.get(q, 0.0) != c for q, c in changes.items())
    w = what_if(fw, credits, changes)
    assert w.scenario.total < w.baseline.total
    assert signed_delta(w.baseline.total, w.scenario.total).startswith("-")
    assert what_if(fw, credits, proposed).scenario == w.scenario  # same result, fewer changes
