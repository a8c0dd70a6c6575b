"""Who may do what: the one place that decides. Every service that reads or writes city data
takes the signed-in ``Actor`` and asks here, so a page that forgets a check cannot leak or
write anything (datasette's ``allowed()`` / ``allowed_resources()`` pattern).

- Writes: ``require(actor, action, target)`` with one of ``ACTIONS``; ``allowed()`` answers the
  same question without raising (pages use it to hide controls, never to protect data).
- Reads: ``visible(actor)`` is the one visibility rule; every list, score, audit and export
  query filters with ``visible(actor).clause(column)`` or checks ``visible(actor).allows(kode)``.

Scopes: ``region_kode`` of a user is a province ("36"), a kab/kota ("36.73") or empty
(national). A region is inside a scope when its code equals the scope or starts with
"<scope>.". Published award results and the framework are public and need no actor.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kla.domain.workflow import CITY_EDIT_STATUSES
from kla.i18n import Msg


class PermissionDenied(PermissionError):
    """The actor may not do this; the message says why, in plain words."""


@dataclass(frozen=True)
class Actor:
    username: str
    role: str
    region_kode: str | None = None
    agencies: tuple[str, ...] = field(default_factory=tuple)
    display_name: str = ""

    @property
    def label(self) -> str:
        return self.display_name or self.username


# The system actor: `kla init`, `kla demo` and the command line when no `--as USER` is given.
# Named explicitly wherever it is used, so a page can never fall back to it.
SYSTEM = Actor("system", "admin", display_name="system")


@dataclass(frozen=True)
class Target:
    """What an action is done to: a region, and for answers the stage, status and agencies."""

    region_kode: str | None = None
    stage: str | None = None
    status: str | None = None
    agencies: tuple[str, ...] = ()


@dataclass(frozen=True)
class Visibility:
    """The regions an actor may read: everything (``prefix`` None) or one province/kab-kota
    subtree. ``key`` is the same for actors who see the same rows (cache sharing)."""

    prefix: str | None

    @property
    def key(self) -> str:
        return self.prefix or "*"

    def allows(self, region_kode: str | None) -> bool:
        if self.prefix is None:
            return True
        return region_kode is not None and (region_kode == self.prefix
                                            or region_kode.startswith(self.prefix + "."))

    def clause(self, column):
        """A SQL condition on a region-code column (always true when nothing is hidden)."""
        from sqlalchemy import or_, true

        if self.prefix is None:
            return true()
        return or_(column == self.prefix, column.like(self.prefix + ".%"))


def visible(actor: Actor) -> Visibility:
    """The one visibility rule: an actor reads the city data of its own scope; national
    accounts (no region) read all."""
    return Visibility(actor.region_kode or None)


def require_visible(actor: Actor, region_kode: str | None) -> None:
    if not visible(actor).allows(region_kode):
        raise PermissionDenied(Msg("err.no_access_region", user=actor.username,
                                   region=region_kode, scope=actor.region_kode))


# action → roles that may do it; every action is also limited to the actor's scope
ACTIONS: dict[str, tuple[str, ...]] = {
    "answer.edit": ("admin", "coordinator", "opd"),
    "assignment.set": ("admin", "coordinator"),
    "assessment.submit": ("admin", "coordinator"),
    "assessment.write": ("admin",),  # whole assessments: sample data, bench, migrations
    "stage.verify": ("admin", "verifier"),  # open/complete a stage, review, send back
    "planning.write": ("admin", "coordinator"),  # efforts and scenarios
    # RAD KLA action plan: create, edit, delete, add from gaps / cheapest path, apply credits
    "action.write": ("admin", "coordinator"),
    "action.status": ("admin", "coordinator", "opd"),  # status, evidence; opd: its own OPD's
    "calendar.edit": ("admin",),  # stage windows of the KLA calendar (overrides of the file)
    "digest.send": ("admin",),  # send the daily e-mail digests (`kla digest`, a timer)
    "registry.edit": ("admin", "coordinator", "opd"),
    "registry.target": ("admin", "coordinator"),
    "proposal.apply": ("admin", "coordinator"),
    "audit.read": ("admin", "coordinator", "verifier"),
    "user.manage": ("admin",),  # add, deactivate, change role/scope
    "results.import": ("admin",),  # published award results (national reference)
    "backup.make": ("admin",),  # the whole database and every evidence file, into one archive
    "backup.restore": ("admin",),  # replaces the whole database
}


def _answer_edit(actor: Actor, target: Target) -> None:
    if actor.role == "admin":
        return
    if target.stage != "EM":
        raise PermissionDenied(Msg("err.stage_of_verifiers", stage=target.stage))
    if target.status not in CITY_EDIT_STATUSES:
        raise PermissionDenied(Msg("err.locked_for_city", status=Msg(f"status.{target.status}")))
    if actor.role == "opd" and not set(actor.agencies) & set(target.agencies):
        raise PermissionDenied(Msg(
            "err.not_your_question",
            assigned=", ".join(target.agencies) or Msg("err.no_agency"),
            mine=", ".join(actor.agencies) or Msg("err.your_agency")))


def require(actor: Actor, action: str, target: Target | str | None = None) -> None:
    """Raise ``PermissionDenied`` unless ``actor`` may do ``action`` on ``target`` (a
    ``Target`` or a region code). The one write check of the service layer."""
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}")
    if isinstance(target, str) or target is None:
        target = Target(region_kode=target)
    roles = ACTIONS[action]
    if actor.role not in roles:
        raise PermissionDenied(Msg("err.role_cannot", role=Msg(f"role.{actor.role}"),
                                   action=Msg(f"err.action.{action}"),
                                   needs=" / ".join(roles)))
    if target.region_kode is not None:
        require_visible(actor, target.region_kode)
    elif actor.region_kode:  # no region: national (accounts, published results, the sample)
        raise PermissionDenied(Msg("err.needs_region", action=Msg(f"err.action.{action}"),
                                   scope=actor.region_kode))
    if action == "answer.edit":
        _answer_edit(actor, target)
    if action == "action.status" and actor.role == "opd" \
            and not set(actor.agencies) & set(target.agencies):
        raise PermissionDenied(Msg(
            "err.plan.not_your_opd", opd=", ".join(a for a in target.agencies if a) or "–",
            mine=", ".join(actor.agencies) or Msg("err.your_agency")))


def allowed(actor: Actor | None, action: str, target: Target | str | None = None) -> bool:
    """``require`` as a yes/no, for showing or hiding controls."""
    if actor is None:
        return False
    try:
        require(actor, action, target)
    except PermissionDenied:
        return False
    return True


def read_key(actor: Actor) -> str:
    """What every read depends on: role and visible scope. Actors with the same key read the
    same rows, so caches may share results between them (never across keys)."""
    return f"{actor.role}:{visible(actor).key}"
