"""Who may do what. Enforced here, in the service layer, not only by hiding pages.

Scopes: `region_kode` of a user is a province ("36"), a kab/kota ("36.73") or empty (national).
A kab/kota is inside a scope when its code equals the scope or starts with "<scope>.".
"""

from __future__ import annotations

from dataclasses import dataclass, field

CITY_EDIT_STATUSES = ("draft", "revision")


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


SYSTEM = Actor("system", "admin")
CLI = Actor("cli", "admin")


def in_scope(actor: Actor, region_kode: str) -> bool:
    scope = actor.region_kode
    return not scope or region_kode == scope or region_kode.startswith(scope + ".")


def require_scope(actor: Actor, region_kode: str) -> None:
    if not in_scope(actor, region_kode):
        raise PermissionDenied(f"{actor.username} has no access to region {region_kode} "
                               f"(scope {actor.region_kode})")


def require_answer_edit(actor: Actor, region_kode: str, stage: str, status: str,
                        agencies: list[str] | tuple[str, ...]) -> None:
    """City-side editing of an answer (credit, note, evidence) of a self-assessment."""
    if actor.role not in ("admin", "coordinator", "opd"):
        raise PermissionDenied(f"role {actor.role} cannot edit answers")
    require_scope(actor, region_kode)
    if actor.role != "admin":
        if stage != "EM":
            raise PermissionDenied(f"stage {stage} belongs to the verifiers; the city edits EM")
        if status not in CITY_EDIT_STATUSES:
            raise PermissionDenied(f"the assessment is {status}: locked for the city")
    if actor.role == "opd" and not set(actor.agencies) & set(agencies):
        raise PermissionDenied(
            f"this question is assigned to {', '.join(agencies) or 'no agency'}, not to "
            f"{', '.join(actor.agencies) or 'your agency'}")


def require_role(actor: Actor, *roles: str) -> None:
    if actor.role not in roles:
        raise PermissionDenied(f"role {actor.role} cannot do this (needs {' or '.join(roles)})")


def require_coordinator(actor: Actor, region_kode: str) -> None:
    require_role(actor, "admin", "coordinator")
    require_scope(actor, region_kode)


def require_verifier(actor: Actor, region_kode: str) -> None:
    require_role(actor, "admin", "verifier")
    require_scope(actor, region_kode)
