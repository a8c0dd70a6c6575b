"""Child-service and facility registries and the credits they propose. Pure.

Four registries a city keeps all year, one module and one ``Registry`` class each: play areas
(RBRA, SNI 9169:2023; ``play_area``), KHA training of service providers (``kha_training``),
child-participation bodies per kecamatan / desa-kelurahan (Puspaga, Forum Anak, PATBM, RIRA,
LPKS; ``village_body``), and UPTD PPA cases without personal data (``ppa_case``). The shared
pieces are in ``base``.

Which instrument question each registry informs is not in the code: it is the framework's
``registry_links.csv`` (``Framework.registry_links``), handed to ``propose_all``. Each rule
proposes a credit with its reasoning for the questions it is linked to; the coordinator accepts
or overrides it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from kla.domain.registries.base import (
    AREA_LEVELS,
    Area,
    Proposal,
    Registry,
    RegistryError,
    what_if_more,
)
from kla.domain.registries.kha_training import PROVIDER_KINDS, KhaTraining
from kla.domain.registries.play_area import PLAY_KINDS, PLAY_STANDARDS, PlayArea
from kla.domain.registries.ppa_case import (
    AGE_BANDS,
    CASE_CATEGORIES,
    SEXES,
    PpaCase,
    time_to_handling,
)
from kla.domain.registries.village_body import BODIES, VillageBody, coverage_by_kecamatan
from kla.i18n import Msg

__all__ = ["AGE_BANDS", "AREA_LEVELS", "BODIES", "CASE_CATEGORIES", "DATE_FIELDS", "DEFAULTS",
           "FIELDS", "KINDS", "LINK_KEYS", "PLAY_KINDS", "PLAY_STANDARDS", "PROVIDER_KINDS",
           "REGISTRIES", "SEXES", "Area", "Proposal", "Registry", "RegistryError",
           "coverage_by_kecamatan", "from_json", "key_of", "propose_all", "propose_bodies",
           "propose_kha", "propose_play_areas", "time_to_handling", "to_json", "validate",
           "what_if_more"]

# Every kind, in the order of the pages and the store (the order of KINDS).
REGISTRIES: dict[str, Registry] = {
    r.kind: r for r in (PlayArea(), KhaTraining(), VillageBody(), PpaCase())}
KINDS = tuple(REGISTRIES)
# Form and Excel columns per registry: (field, type, options). Types: text, choice, date, int,
# bool, kecamatan, desa, area (kecamatan or desa).
FIELDS = {kind: r.FIELDS for kind, r in REGISTRIES.items()}
# The keys each registry understands in registry_links.csv (empty: it proposes no credit).
LINK_KEYS = {kind: r.LINK_KEYS for kind, r in REGISTRIES.items()}
# Form defaults where the first option would demand more fields (a certificate).
DEFAULTS = {f: v for r in REGISTRIES.values() for f, v in r.DEFAULTS.items()}
DATE_FIELDS = {kind: r.date_fields for kind, r in REGISTRIES.items()}


def _registry(kind: str) -> Registry:
    try:
        return REGISTRIES[kind]
    except KeyError:
        raise ValueError(Msg("err.reg.unknown_kind", kind=kind)) from None


def validate(kind: str, rows: Sequence[Mapping[str, object]], area: Area,
             existing_keys: set[tuple] = frozenset(), first_row: int = 2,
             form: bool = False, row_numbers: Sequence[int] | None = None) -> list[dict]:
    """Check rows of registry ``kind`` for kab/kota ``area``; clean rows or RegistryError.

    Row numbers start at ``first_row`` (2 = the first data row under a header row), or are
    ``row_numbers`` (each row's number in its sheet, blank rows skipped); a row typed into a
    form (``form``) is refused without a row number, its fields named."""
    return _registry(kind).validate(rows, area, existing_keys, first_row, form, row_numbers)


def key_of(kind: str, row: Mapping[str, object]) -> tuple:
    """The identity of a row (a second row with the same key is a duplicate); names compare
    without case and surrounding spaces, as validation stores them."""
    return _registry(kind).key(row)


def to_json(kind: str, row: Mapping[str, object]) -> dict:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.items()}


def from_json(kind: str, data: Mapping[str, object]) -> dict:
    return {k: (date.fromisoformat(v) if k in DATE_FIELDS[kind] and v else v)
            for k, v in data.items() if k not in ("file_sha256", "file_key", "file_type")}


def propose_play_areas(rows: Sequence[Mapping], area: Area,
                       links: Mapping[str, str]) -> list[Proposal]:
    return REGISTRIES["play_area"].propose(rows, area, {}, links)


def propose_bodies(rows: Sequence[Mapping], area: Area,
                   links: Mapping[str, str]) -> list[Proposal]:
    return REGISTRIES["village_body"].propose(rows, area, {}, links)


def propose_kha(rows: Sequence[Mapping], targets: Mapping[str, int],
                links: Mapping[str, str]) -> list[Proposal]:
    return REGISTRIES["kha_training"].propose(rows, None, targets, links)


def propose_all(entries: Mapping[str, Sequence[Mapping]], area: Area,
                targets: Mapping[str, int],
                links: Mapping[str, Mapping[str, str]]) -> list[Proposal]:
    """Every proposal the registries can make for a kab/kota under a framework's ``links``
    (registry → link key → question id, ``Framework.registry_links``), in the links' order;
    a registry or link key the framework does not list gives no proposal."""
    return [p for kind, of_kind in links.items()
            for p in _registry(kind).propose(entries.get(kind, ()), area, targets, of_kind)]
