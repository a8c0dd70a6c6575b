"""RAD KLA action plan: the vocabulary of an action (kegiatan) and the plan's progress. Pure.

An action raises some questions of one city's year to an expected credit. Its progress rule:
the score with the expected credits of the *done* actions (status ``selesai``) applied, and
with every action that is not cancelled applied, both from ``kla.domain.scoring.score`` of the
current credits where a planned credit only ever raises a question (never lowers it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from kla.domain.framework import Framework
from kla.domain.predicate import predicate_codes, round2
from kla.domain.scoring import score
from kla.domain.workflow import GRADES

# rencana (planned), berjalan (under way), selesai (done), batal (cancelled)
ACTION_STATUSES = ("rencana", "berjalan", "selesai", "batal")
DONE = "selesai"
CLOSED = ("selesai", "batal")
# expected credits an action may promise: the usual grades above 0
ACTION_GRADES = tuple(g for g in GRADES if g > 0)
TITLE_MAX = 200
TEXT_MAX = 200
NOTE_MAX = 1000
BUDGET_MAX = 10**15  # Rp; a bigint, far above any kab/kota budget


def is_overdue(status: str, due: date | None, today: date) -> bool:
    """Overdue: a due date before today and the action neither done nor cancelled."""
    return due is not None and due < today and status not in CLOSED


def raised(credits: Mapping[str, float], planned: Mapping[str, float]) -> dict[str, float]:
    """The credits with each planned credit applied where it raises the question."""
    out = dict(credits)
    for qid, c in planned.items():
        if float(c) > float(out.get(qid, 0.0)):
            out[qid] = float(c)
    return out


def planned_credits(actions: Iterable[Mapping], statuses: Iterable[str]) -> dict[str, float]:
    """Question → the highest expected credit among the actions in ``statuses``
    (each action a mapping with ``status`` and ``credits``: question → expected credit)."""
    keep = set(statuses)
    out: dict[str, float] = {}
    for a in actions:
        if a["status"] in keep:
            for qid, c in a["credits"].items():
                out[qid] = max(out.get(qid, 0.0), float(c))
    return out


def to_apply(credits: Mapping[str, float], actions: Iterable[Mapping]) -> dict[str, float]:
    """What applying the done actions writes: question → credit, only where it raises."""
    done = planned_credits(actions, (DONE,))
    return {q: c for q, c in done.items() if c > float(credits.get(q, 0.0))}


@dataclass(frozen=True)
class PlanProgress:
    target: str
    threshold: float  # the lowest two-decimal total of the target predicate
    total: float  # now
    predicate: str
    done_total: float  # with the done actions applied
    done_predicate: str
    all_total: float  # with every action that is not cancelled applied
    all_predicate: str
    points_needed: float  # from now to the target (0 when reached)
    points_secured: float  # what the done actions add
    points_planned: float  # what all actions (not cancelled) add
    points_remaining: float  # from the done total to the target (0 when reached)

    @property
    def reached_with_done(self) -> bool:
        return self.points_remaining <= 0

    @property
    def reached_with_all(self) -> bool:
        return round2(self.threshold - self.all_total) <= 0


def progress(fw: Framework, credits: Mapping[str, float], actions: Iterable[Mapping],
             target: str | None = None) -> PlanProgress:
    """The plan's progress to ``target`` (default: the next predicate, or the current one at
    the top), from the real scoring of the current credits and the planned ones."""
    from kla.domain.planner import target_threshold  # scipy: only when progress is asked

    actions = list(actions)
    now = score(fw, credits)
    order = predicate_codes(fw.bands)
    if target is None:
        target = now.next_predicate or now.predicate
    if target == order[0]:  # "no predicate" has no threshold
        target = order[1]
    bar = target_threshold(fw, target)
    done = score(fw, raised(credits, planned_credits(actions, (DONE,))))
    everything = score(fw, raised(credits, planned_credits(
        actions, [s for s in ACTION_STATUSES if s != "batal"])))
    return PlanProgress(
        target=target, threshold=bar, total=now.total, predicate=now.predicate,
        done_total=done.total, done_predicate=done.predicate,
        all_total=everything.total, all_predicate=everything.predicate,
        points_needed=max(0.0, round2(bar - now.total)),
        points_secured=round2(done.total - now.total),
        points_planned=round2(everything.total - now.total),
        points_remaining=max(0.0, round2(bar - done.total)))
