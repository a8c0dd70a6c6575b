"""The trust boundary, checked so it cannot be forgotten: every public function of every
``kla.services`` module takes ``(engine, actor, ...)``, unless it is on ``ALLOW_LIST`` with
the reason it touches no city data; and every permission action is used by a service."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import kla.services
from kla.services.permissions import ACTIONS

# Functions that run inside the caller's transaction take its connection (or session) first.
CONN_FIRST = {
    "audit.record",  # writes the audit row in the same transaction as the change
    "assessments.require_assessment",  # the read check itself, on the caller's connection
}

# "module.function" (or "module.*" for a whole module) → why it needs no actor.
ALLOW_LIST = {
    # a fingerprint of indexed maxima for cache keys: no rows, no city values
    "assessments.data_version": "fingerprint of maxima, no rows",
    "assessments.results_version": "fingerprint of the published results' maxima (public)",
    # stored scores: pure conversions, and the mark a writer sets inside its own checked write
    "scores.row_of": "pure: a ScoreResult as the stored columns",
    "scores.result_of": "pure: stored columns as a ScoreResult",
    "scores.touch": "marks an assessment for rescoring in the caller's (checked) transaction",
    # published award results and national reference counts: public
    "results.results_frame": "published results (public)",
    "results.national_reference": "national reference counts shipped with the app (public)",
    "analytics.national_overview": "published results (public)",
    "analytics.region_names": "region names (public reference data)",
    # pure ordering of codes the caller already holds; reads nothing
    "analytics.home_first": "pure ordering, no store access",
    # `kla init`: migrations, frameworks, regions; the generic upsert helper
    "reference.*": "`kla init` loads framework and regions (reference data)",
    # the decider itself: pure functions of the actor, no store access
    "permissions.*": "the permission rules themselves (no engine, no data)",
    # sign-in: there is no actor yet
    "users.has_users": "sign-in: whether any account exists",
    "users.authenticate": "sign-in itself",
    "users.get_actor": "sign-in: the actor of a signed-in username",
    "users.actor_of": "turns an already loaded account row into an Actor (pure)",
    # pure checks of typed-in text (sign-up form, CLI), no store access
    "users.normalise_username": "pure text normalisation",
    "users.username_errors": "pure input check",
    "users.password_errors": "pure input check (password policy)",
    # where evidence files live; reading one goes through answers.read_evidence(actor)
    "answers.evidence_store": "file store location",
    # public region geography (kecamatan/desa of a kab/kota), no registry rows
    "registries.area": "public region geography",
    "registries.template_xlsx": "an empty template workbook",
    # the KLA calendar: the ministry's stage windows (public, no city data), read by the banner
    # of every page before anything else; its writes (save_window, reset_window) take the actor
    "calendar.effective_calendar": "the KLA calendar's stage windows (public)",
    "calendar.calendar_version": "fingerprint of the calendar's changes and file (public)",
}


def _modules():
    for info in pkgutil.iter_modules(kla.services.__path__):
        yield info.name, importlib.import_module(f"kla.services.{info.name}")


def _public_functions():
    """(short module name, function name, function) for every public function defined in a
    services module (imports from elsewhere left out)."""
    for short, module in _modules():
        for name, obj in inspect.getmembers(module, inspect.isfunction):
            if obj.__module__ == module.__name__ and not name.startswith("_"):
                yield short, name, obj


def _allowed(short: str, name: str) -> bool:
    return f"{short}.{name}" in ALLOW_LIST or f"{short}.*" in ALLOW_LIST


def _offence(short: str, name: str, fn) -> str | None:
    params = list(inspect.signature(fn).parameters)
    first = "conn" if f"{short}.{name}" in CONN_FIRST else "engine"
    if params[:2] != [first, "actor"]:
        return f"kla.services.{short}.{name}{inspect.signature(fn)}: expected ({first}, actor, …)"
    return None


def test_every_service_function_takes_engine_then_actor():
    offenders = [msg for short, name, fn in _public_functions()
                 if not _allowed(short, name) and (msg := _offence(short, name, fn))]
    assert not offenders, ("service functions without (engine, actor, …) — add the actor, or "
                           "add them to ALLOW_LIST with the reason:\n  " + "\n  ".join(offenders))


def test_the_allow_list_has_no_stale_names():
    functions = {(short, name): fn for short, name, fn in _public_functions()}
    modules = {short for short, _ in _modules()}
    stale = []
    for entry in ALLOW_LIST:
        short, name = entry.split(".", 1)
        if name == "*":
            members = [(s, n) for (s, n) in functions if s == short]
            # a module wildcard is stale when the module is gone or needs no exemption any more
            if short not in modules or all(_offence(s, n, functions[s, n]) is None
                                           for s, n in members):
                stale.append(entry)
        elif (short, name) not in functions:
            stale.append(f"{entry} (no such public function)")
        elif _offence(short, name, functions[short, name]) is None:
            stale.append(f"{entry} (already takes engine, actor: remove it)")
    for entry in CONN_FIRST:
        short, name = entry.split(".", 1)
        if (short, name) not in functions:
            stale.append(f"CONN_FIRST {entry} (no such public function)")
    assert not stale, "stale ALLOW_LIST entries:\n  " + "\n  ".join(stale)


def test_the_check_finds_an_offender():
    """The rule itself: a function without the actor is reported."""

    def leak(engine, region_kode):
        return None

    def fine(engine, actor, region_kode):
        return None

    assert _offence("planning", "leak", leak) is not None
    assert _offence("planning", "fine", fine) is None
    assert _offence("audit", "record", fine) is not None  # audit.record takes conn


REQUIRE = re.compile(r"""\b(?:require|allowed)\(\s*[\w.]+\s*,\s*["']([\w.]+)["']""")


def _required_actions() -> dict[str, set[str]]:
    """action → services modules that check it (permissions.py itself left out)."""
    root = Path(kla.services.__file__).parent
    used: dict[str, set[str]] = {}
    for path in sorted(root.glob("*.py")):
        if path.name == "permissions.py":
            continue
        for action in REQUIRE.findall(path.read_text(encoding="utf-8")):
            used.setdefault(action, set()).add(path.stem)
    return used


def test_every_action_is_checked_by_a_service():
    used = _required_actions()
    dead = sorted(set(ACTIONS) - set(used))
    assert not dead, f"actions no service checks (dead rules): {dead}"
    unknown = sorted(set(used) - set(ACTIONS))
    assert not unknown, f"services check actions missing from permissions.ACTIONS: {unknown}"
