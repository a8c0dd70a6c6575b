"""Changes shown beside a number: which proposed credits really change, and the signed change
of a score as a metric shows it (its sign leads, so the arrow and the colour follow it). Pure."""

from __future__ import annotations

from collections.abc import Mapping

from kla.domain.predicate import round2
from kla.i18n import fmt_num

EPSILON = 1e-9


def changed_credits(current: Mapping[str, float], proposed: Mapping[str, float | None]
                    ) -> dict[str, float]:
    """The proposed credits that differ from the current ones (a question not answered counts
    as credit 0; a proposal None proposes nothing)."""
    return {q: float(c) for q, c in proposed.items()
            if c is not None and abs(float(c) - float(current.get(q) or 0.0)) > EPSILON}


def signed_delta(before: float, after: float, lang: str = "id") -> str | None:
    """The change from ``before`` to ``after`` at two decimals, written with its sign first:
    ``+1,50``, ``-16,21``; None when nothing changes. ``st.metric`` draws a green arrow up for
    a delta without a leading minus and a red arrow down for one with it."""
    change = round2(after - before)
    if change == 0:
        return None
    return ("+" if change > 0 else "") + fmt_num(change, lang)
