"""The vocabulary of the submission workflow, defined once: stages, statuses, roles, review
decisions and credit grades. The store builds its SQL check constraints from these tuples and
the services and pages read them from here."""

from __future__ import annotations

from datetime import datetime, timedelta

# Stages of one evaluation year, in order: self-assessment (evaluasi mandiri), administrative
# verification, field verification, final.
STAGES = ("EM", "VA", "VL", "FINAL")
# draft: the city fills it in; submitted: locked for the city; in_review: a verifier works on a
# verification stage; revision: the city may fix rejected answers until the deadline;
# verified / final: closed.
STATUSES = ("draft", "submitted", "in_review", "revision", "verified", "final")
CITY_EDIT_STATUSES = ("draft", "revision")
ROLES = ("admin", "verifier", "coordinator", "opd", "viewer")
DECISIONS = ("accept", "adjust", "reject")
LEVELS = ("provinsi", "kabkota", "kecamatan", "desa_kelurahan")
# The credit grades a city usually gives (the instrument accepts any value from 0 to 1).
GRADES = (0.0, 0.25, 0.5, 0.75, 1.0)


def sql_in(column: str, values: tuple[str, ...]) -> str:
    """``column IN ('a','b',…)`` for a check constraint built from one of the tuples above."""
    return f"{column} IN ({','.join(repr(v) for v in values)})"


def time_left(deadline: datetime | None, now: datetime) -> timedelta | None:
    """Time until ``deadline`` (naive datetimes are read in ``now``'s zone)."""
    if deadline is None:
        return None
    if deadline.tzinfo is None:
        deadline = deadline.replace(tzinfo=now.tzinfo)
    return deadline - now
