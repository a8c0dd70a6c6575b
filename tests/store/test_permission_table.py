"""Who may write what, on SQLite and PostgreSQL: every role × every write service × own or
another kab/kota (another agency for an opd, another province for a verifier), against an
explicit table; then the hostile cases a tester found, and the read scope.

The actors are built directly (``Actor(username, role, region, agencies)``); the permission
check needs no account. A permitted call may still be refused for a state reason
(``ValueError``, ``StageError``, ``GateError``…): only ``PermissionDenied`` means "denied".
Everything runs on a seeded database of this module's own (the tests write a lot)."""

from __future__ import annotations

import importlib
import inspect
import io
import itertools
import math
import pkgutil
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import delete, func, select
from sqlmodel import Session

import kla.services
from kla.domain.framework import Framework, get_framework
from kla.domain.registries import FIELDS
from kla.io.csv import InputError
from kla.services import (
    action_plan,
    analytics,
    answers,
    assessments,
    audit,
    backup,
    demo,
    evidence_meta,
    exports,
    planning,
    registries,
    results,
    scores,
    users,
    workflow,
)
from kla.services.assessments import AssessmentInfo, save_assessment
from kla.services.permissions import SYSTEM, Actor, PermissionDenied
from kla.settings import get_settings
from kla.store.db import engine_for
from kla.store.models import Assessment, AuditLog, PublishedResult, Review
from tests.conftest import BACKENDS
from tests.evidence_files import pdf_bytes, png_bytes

pytestmark = pytest.mark.store

SERANG, METRO = "36.73", "18.72"  # Kota Serang (province 36 Banten), Kota Metro (18 Lampung)
DINKES_Q = "12.P1"  # assigned to Dinkes
OTHER_Q = "1.P1"  # assigned to JDIH; Bagian Hukum; DPPPAPPKB — not to Dinkes
AGENCY_Q = "1.P2a"  # the question whose assignment set_agencies rewrites (to the same agencies)
DRAFT_YEAR = 2040
PASSWORD = "rahasia-123"
PDF = pdf_bytes()
PNG = png_bytes()

ACTORS = {
    "admin": Actor("t.admin", "admin"),  # national
    "verifier": Actor("t.verif", "verifier", "36"),  # province Banten
    "coordinator": Actor("t.koord", "coordinator", SERANG),
    "opd": Actor("t.dinkes", "opd", SERANG, ("Dinkes",)),
    "viewer": Actor("t.viewer", "viewer"),  # national, read only
}
ROLES = tuple(ACTORS)

# ----------------------------------------------------------------------------------------
# The expected table. Scopes: "own" = Kota Serang (the coordinator's and opd's kab/kota,
# inside the verifier's province; for an opd a Dinkes question), "other" = Kota Metro (another
# kab/kota, another province), "other_agency" = Kota Serang but a question of another agency
# (opd only, answer writes only), "national" = services with no region (results, sample).
# A role that is not listed may do nothing; a listed role only in the scopes given.
# ----------------------------------------------------------------------------------------
ANY = frozenset({"own", "other", "other_agency", "national"})
OWN = frozenset({"own"})

CITY_ANSWERS = {"admin": ANY, "coordinator": OWN, "opd": OWN}  # EM draft/revision; opd: own agency
CITY_COORD = {"admin": ANY, "coordinator": OWN}
VERIFY = {"admin": ANY, "verifier": OWN}  # verification in the verifier's province
PLANNING = {"admin": ANY, "coordinator": OWN}  # verifier, opd, viewer: read only
REGISTRY_EDIT = {"admin": ANY, "coordinator": OWN, "opd": OWN}
REGISTRY_COORD = {"admin": ANY, "coordinator": OWN}  # targets and proposals
ADMIN_ONLY = {"admin": ANY}
ACTION_STATUS = {"admin": ANY, "coordinator": OWN, "opd": OWN}  # opd: actions of its own OPD

EXPECTED: dict[str, dict[str, frozenset]] = {
    "answers.save_answer": CITY_ANSWERS,
    "answers.add_evidence": CITY_ANSWERS,
    "answers.delete_evidence": CITY_ANSWERS,
    "answers.set_agencies": CITY_COORD,
    "workflow.submit": CITY_COORD,
    "workflow.open_stage": VERIFY,
    "workflow.review_answer": VERIFY,
    "workflow.request_revision": VERIFY,
    "workflow.complete_stage": VERIFY,
    "exports.import_xlsx": CITY_ANSWERS,
    "planning.save_efforts": PLANNING,
    "planning.reset_efforts": PLANNING,
    "planning.save_scenario": PLANNING,
    "planning.delete_scenario": PLANNING,
    "registries.add_entries": REGISTRY_EDIT,
    "registries.update_entry": REGISTRY_EDIT,
    "registries.delete_entry": REGISTRY_EDIT,
    "registries.attach_file": REGISTRY_EDIT,
    "registries.set_target": REGISTRY_COORD,
    "registries.import_xlsx": REGISTRY_EDIT,
    "registries.apply_proposal": REGISTRY_COORD,
    "users.add_user": ADMIN_ONLY,
    "users.set_active": ADMIN_ONLY,
    "users.set_role": ADMIN_ONLY,
    "users.set_password": ADMIN_ONLY,
    "results.import_results": ADMIN_ONLY,
    "assessments.save_assessment": ADMIN_ONLY,
    "demo.load_demo": ADMIN_ONLY,
    "demo.load_registry_samples": ADMIN_ONLY,
    "backup.restore": ADMIN_ONLY,
    "scores.rescore": ADMIN_ONLY,
    "action_plan.create_action": PLANNING,
    "action_plan.update_action": PLANNING,
    "action_plan.delete_action": PLANNING,
    "action_plan.set_status": ACTION_STATUS,
    "action_plan.apply_question": ACTION_STATUS,
    "action_plan.add_from_gaps": PLANNING,
    "action_plan.add_cheapest_path": PLANNING,
    "action_plan.apply_done_credits": PLANNING,
    # @expected: evidence validity (kla.services.evidence_meta)
    "evidence_meta.set_metadata": CITY_ANSWERS,
    # @expected: inbox and digest (kla.services.inbox)
    "inbox.send_digests": ADMIN_ONLY,  # national (NATIONAL); mark_seen/set_contact: own account
    "users.set_email": ADMIN_ONLY,
    # @expected: calendar (kla.services.calendar)
    "calendar.save_window": ADMIN_ONLY,  # national (NATIONAL): the calendar has no region
    "calendar.reset_window": ADMIN_ONLY,
}
ANSWER_WRITES = {"answers.save_answer", "answers.add_evidence", "answers.delete_evidence",
                 "exports.import_xlsx", "evidence_meta.set_metadata"}
NATIONAL = {"results.import_results", "demo.load_demo", "demo.load_registry_samples",
            "backup.restore", "scores.rescore", "inbox.send_digests",
            "calendar.save_window", "calendar.reset_window"}
NOT_AUDITED = {
    "assessments.save_assessment",  # the bulk writer of sample data and the bench: no audit row
    "results.import_results",  # the shipped file again: nothing changes, nothing to record
    "scores.rescore",  # every stored score is right: nothing written, nothing to record
}


def scopes(service: str, role: str) -> tuple[str, ...]:
    if service in NATIONAL:
        return ("national",)
    if (service in ANSWER_WRITES or service in ("action_plan.set_status",
                                                "action_plan.apply_question")) and role == "opd":
        return ("own", "other", "other_agency")
    return ("own", "other")


CASES = [(svc, role, scope) for svc in EXPECTED for role in ROLES for scope in scopes(svc, role)]


# ----------------------------------------------------------------------------------------
# The database of this module: `kla init` + `kla demo`, plus real (non-sample) assessments.
# ----------------------------------------------------------------------------------------
@dataclass
class World:
    engine: object
    fw: Framework
    draft: dict[str, int] = field(default_factory=dict)  # region → EM draft of DRAFT_YEAR
    evidence: int = 0  # a file on Kota Serang's draft
    years: itertools.count = field(default_factory=lambda: itertools.count(2050))
    serial: itertools.count = field(default_factory=lambda: itertools.count(1))

    def info(self, region: str) -> AssessmentInfo:
        return exports.find_assessment(self.engine, SYSTEM, region, DRAFT_YEAR, "EM")

    def stage(self, region: str, *, va: bool = True) -> tuple[int, int | None]:
        """A fresh year: EM submitted and (``va``) VA open for review. (year, VA id)."""
        year = next(self.years)
        base = {DINKES_Q: 0.5, OTHER_Q: 0.5, AGENCY_Q: 0.5}
        save_assessment(self.engine, SYSTEM, region_kode=region, year=year, stage="EM",
                        answers=base, framework=self.fw, status="submitted")
        va_id = save_assessment(self.engine, SYSTEM, region_kode=region, year=year, stage="VA",
                                answers=base, framework=self.fw, status="in_review") if va else None
        return year, va_id

    def kha_row(self) -> dict:
        return {"provider_kind": "paud", "provider_name": f"PAUD Uji {next(self.serial)}",
                "people_trained": 4, "training_date": "2025-08-01"}

    def entry(self, region: str) -> tuple[int, dict]:
        row = self.kha_row()
        registries.add_entries(self.engine, SYSTEM, region, "kha_training", [row])
        eid = next(e["id"] for e in registries.entries(self.engine, SYSTEM, region, "kha_training")
                   if e["provider_name"] == row["provider_name"])
        return eid, row

    def account(self, region: str) -> str:
        name = f"uji.{next(self.serial)}"
        users.add_user(self.engine, SYSTEM, username=name, password=PASSWORD, role="viewer",
                       region_kode=region)
        return name

    def workbook(self, info: AssessmentInfo, changes: dict[str, float],
                 data: bytes | None = None) -> bytes:
        """The exported workbook of ``info`` (or ``data``) with some credits changed."""
        wb = load_workbook(io.BytesIO(data or exports.export_xlsx(self.engine, SYSTEM, info)))
        ws = wb["Penilaian"]
        for row in ws.iter_rows(min_row=2):
            qid = row[2].value
            if qid in changes:
                row[5].value = changes[qid]
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, seeded_copy, tmp_path_factory):
    url = seeded_copy(request.param)
    env = pytest.MonkeyPatch()
    env.setenv("KLA_DATA_DIR", str(tmp_path_factory.mktemp("data")))  # evidence files
    get_settings.cache_clear()
    engine = engine_for(url)
    w = World(engine, get_framework())
    for region in (SERANG, METRO):
        w.draft[region] = save_assessment(
            engine, SYSTEM, region_kode=region, year=DRAFT_YEAR, stage="EM", framework=w.fw,
            answers={DINKES_Q: 0.25, OTHER_Q: 0.25, AGENCY_Q: 0.25}, status="draft")
    w.evidence = answers.add_evidence(engine, SYSTEM, w.draft[SERANG], DINKES_Q, "awal.pdf",
                                      PDF)["id"]
    planning.save_scenario(engine, SYSTEM, w.info(SERANG), "awal", {DINKES_Q: 1.0})
    yield w
    env.undo()


def audit_rows(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(AuditLog)).scalar_one()


def region_of(scope: str) -> str:
    return METRO if scope == "other" else SERANG


def qid_of(scope: str) -> str:
    return OTHER_Q if scope == "other_agency" else DINKES_Q


# ----------------------------------------------------------------------------------------
# One case per write service: set up as the system actor, return the call made as ``actor``.
# ----------------------------------------------------------------------------------------
Call = Callable[[], object]


def _save_answer(w: World, actor: Actor, scope: str) -> Call:
    aid, qid = w.draft[region_of(scope)], qid_of(scope)
    state = answers.answer_states(w.engine, SYSTEM, aid)[qid]
    credit = 0.75 if state.credit != 0.75 else 0.5
    return lambda: answers.save_answer(w.engine, actor, aid, qid, credit, "uji", state.version)


def _add_evidence(w: World, actor: Actor, scope: str) -> Call:
    aid, qid = w.draft[region_of(scope)], qid_of(scope)
    data = PDF + f"% {actor.username} {scope}\n".encode()  # the same file twice is one row
    return lambda: answers.add_evidence(w.engine, actor, aid, qid, "bukti.pdf", data)


def _delete_evidence(w: World, actor: Actor, scope: str) -> Call:
    ev = answers.add_evidence(w.engine, SYSTEM, w.draft[region_of(scope)], qid_of(scope),
                              "hapus.pdf", PDF + f"% hapus {actor.username} {scope}\n".encode()
                              )["id"]
    return lambda: answers.delete_evidence(w.engine, actor, ev)


def _set_agencies(w: World, actor: Actor, scope: str) -> Call:
    same = list(w.fw.questions[AGENCY_Q].opds)  # rewrites the assignment, changes nothing
    return lambda: answers.set_agencies(w.engine, actor, region_of(scope), w.fw, AGENCY_Q, same)


def _submit(w: World, actor: Actor, scope: str) -> Call:
    # the draft is incomplete: a permitted submit stops at the gate (GateError)
    return lambda: workflow.submit(w.engine, actor, w.draft[region_of(scope)])


def _open_stage(w: World, actor: Actor, scope: str) -> Call:
    year, _ = w.stage(region_of(scope), va=False)
    return lambda: workflow.open_stage(w.engine, actor, region_of(scope), year, "VA")


def _review_answer(w: World, actor: Actor, scope: str) -> Call:
    _, va = w.stage(region_of(scope))
    return lambda: workflow.review_answer(w.engine, actor, va, DINKES_Q, "accept")


def _request_revision(w: World, actor: Actor, scope: str) -> Call:
    _, va = w.stage(region_of(scope))
    return lambda: workflow.request_revision(w.engine, actor, va, hours=24)


def _complete_stage(w: World, actor: Actor, scope: str) -> Call:
    _, va = w.stage(region_of(scope))
    return lambda: workflow.complete_stage(w.engine, actor, va)


def _import_answers(w: World, actor: Actor, scope: str) -> Call:
    info, qid = w.info(region_of(scope)), qid_of(scope)
    now = answers.answer_states(w.engine, SYSTEM, info.id)[qid].credit
    data = w.workbook(info, {qid: 1.0 if now != 1.0 else 0.5})
    return lambda: exports.import_xlsx(w.engine, actor, info, data)


def _save_efforts(w: World, actor: Actor, scope: str) -> Call:
    return lambda: planning.save_efforts(w.engine, actor, region_of(scope), w.fw, {DINKES_Q: 3.0})


def _reset_efforts(w: World, actor: Actor, scope: str) -> Call:
    return lambda: planning.reset_efforts(w.engine, actor, region_of(scope))


def _save_scenario(w: World, actor: Actor, scope: str) -> Call:
    info = w.info(region_of(scope))
    return lambda: planning.save_scenario(w.engine, actor, info, "uji", {DINKES_Q: 1.0})


def _delete_scenario(w: World, actor: Actor, scope: str) -> Call:
    info = w.info(region_of(scope))
    planning.save_scenario(w.engine, SYSTEM, info, "hapus", {DINKES_Q: 1.0})
    return lambda: planning.delete_scenario(w.engine, actor, info.id, "hapus")


def _add_entries(w: World, actor: Actor, scope: str) -> Call:
    row = w.kha_row()
    return lambda: registries.add_entries(w.engine, actor, region_of(scope), "kha_training",
                                          [row])


def _update_entry(w: World, actor: Actor, scope: str) -> Call:
    eid, row = w.entry(region_of(scope))
    return lambda: registries.update_entry(w.engine, actor, eid, {**row, "people_trained": 5})


def _delete_entry(w: World, actor: Actor, scope: str) -> Call:
    eid, _ = w.entry(region_of(scope))
    return lambda: registries.delete_entry(w.engine, actor, eid)


def _attach_file(w: World, actor: Actor, scope: str) -> Call:
    eid, _ = w.entry(region_of(scope))
    return lambda: registries.attach_file(w.engine, actor, eid, "foto.png", PNG)


def _set_target(w: World, actor: Actor, scope: str) -> Call:
    return lambda: registries.set_target(w.engine, actor, region_of(scope), "school", 10)


def _import_registry(w: World, actor: Actor, scope: str) -> Call:
    wb = Workbook()
    ws = wb.active
    names = [f for f, _, _ in FIELDS["kha_training"]]
    row = w.kha_row()
    ws.append(names)
    ws.append([row.get(f) for f in names])
    buf = io.BytesIO()
    wb.save(buf)
    return lambda: registries.import_xlsx(w.engine, actor, region_of(scope), "kha_training",
                                          buf.getvalue())


def _apply_proposal(w: World, actor: Actor, scope: str) -> Call:
    region = region_of(scope)
    proposal = next(p for p in registries.proposals(w.engine, SYSTEM, region)
                    if p.credit is not None)
    return lambda: registries.apply_proposal(w.engine, actor, w.draft[region], proposal,
                                             proposal.credit)


def _add_user(w: World, actor: Actor, scope: str) -> Call:
    name = f"uji.{next(w.serial)}"
    return lambda: users.add_user(w.engine, actor, username=name, password=PASSWORD,
                                  role="viewer", region_kode=region_of(scope))


def _set_active(w: World, actor: Actor, scope: str) -> Call:
    name = w.account(region_of(scope))
    return lambda: users.set_active(w.engine, actor, name, False)


def _set_role(w: World, actor: Actor, scope: str) -> Call:
    name, region = w.account(region_of(scope)), region_of(scope)
    return lambda: users.set_role(w.engine, actor, name, "coordinator", region)


def _set_password(w: World, actor: Actor, scope: str) -> Call:
    name = w.account(region_of(scope))
    return lambda: users.set_password(w.engine, actor, name, "kata-sandi-baru-9")


def _import_results(w: World, actor: Actor, scope: str) -> Call:
    return lambda: results.import_results(w.engine, actor, results.SHIPPED)


def _save_assessment(w: World, actor: Actor, scope: str) -> Call:
    year = next(w.years)
    return lambda: save_assessment(w.engine, actor, region_kode=region_of(scope), year=year,
                                   stage="EM", answers={DINKES_Q: 0.5}, framework=w.fw)


def _load_demo(w: World, actor: Actor, scope: str) -> Call:
    return lambda: demo.load_demo(w.engine, actor)


def _load_registry_samples(w: World, actor: Actor, scope: str) -> Call:
    return lambda: demo.load_registry_samples(w.engine, actor)


def _restore(w: World, actor: Actor, scope: str) -> Call:
    # a permitted restore stops at the archive check (ValueError): the world stays as it is
    path = get_settings().data_dir / "not-an-archive.zip"
    path.write_bytes(b"not an archive")
    return lambda: backup.restore(w.engine, actor, path)


def _rescore(w: World, actor: Actor, scope: str) -> Call:
    return lambda: scores.rescore(w.engine, actor)


def _new_action(w: World, scope: str) -> int:
    opd = "Disdik" if scope == "other_agency" else "Dinkes"
    return action_plan.create_action(w.engine, SYSTEM, region_of(scope), DRAFT_YEAR, w.fw, {
        "title": f"Kegiatan uji {next(w.serial)}", "opd": opd}, {DINKES_Q: 1.0})


def _create_action(w: World, actor: Actor, scope: str) -> Call:
    return lambda: action_plan.create_action(w.engine, actor, region_of(scope), DRAFT_YEAR,
                                             w.fw, {"title": "Uji"}, {DINKES_Q: 1.0})


def _update_action(w: World, actor: Actor, scope: str) -> Call:
    aid = _new_action(w, scope)
    return lambda: action_plan.update_action(w.engine, actor, aid, w.fw, {"title": "Ubah"},
                                             {DINKES_Q: 0.75}, 1)


def _delete_action(w: World, actor: Actor, scope: str) -> Call:
    aid = _new_action(w, scope)
    return lambda: action_plan.delete_action(w.engine, actor, aid, 1)


def _set_action_status(w: World, actor: Actor, scope: str) -> Call:
    aid = _new_action(w, scope)
    return lambda: action_plan.set_status(w.engine, actor, aid, "berjalan", 1, "uji")


def _apply_question(w: World, actor: Actor, scope: str) -> Call:
    aid = _new_action(w, scope)
    action_plan.set_status(w.engine, SYSTEM, aid, "selesai", 1)
    info = w.info(region_of(scope))
    state = answers.answer_states(w.engine, SYSTEM, info.id).get(DINKES_Q)
    if state is not None and state.credit >= 1.0:  # raised by an earlier case: lower it again
        answers.save_answer(w.engine, SYSTEM, info.id, DINKES_Q, 0.5, state.note, state.version)
        state = answers.answer_states(w.engine, SYSTEM, info.id).get(DINKES_Q)
    version = state.version if state else None
    return lambda: action_plan.apply_question(w.engine, actor, aid, DINKES_Q, version)


def _add_from_gaps(w: World, actor: Actor, scope: str) -> Call:
    qid = f"5.P{next(w.serial) % 9 + 1}"  # planned questions are skipped: a permitted call
    return lambda: action_plan.add_from_gaps(w.engine, actor, region_of(scope), DRAFT_YEAR,
                                             w.fw, [qid])   # still writes its audit row


def _add_cheapest_path(w: World, actor: Actor, scope: str) -> Call:
    info = w.info(region_of(scope))
    return lambda: action_plan.add_cheapest_path(w.engine, actor, info)


def _apply_done_credits(w: World, actor: Actor, scope: str) -> Call:
    # no action of the draft's year is done (set_status above sets "berjalan"): a permitted
    # call writes no answer, only its audit row
    return lambda: action_plan.apply_done_credits(w.engine, actor, region_of(scope), DRAFT_YEAR)


# @functions: evidence validity (kla.services.evidence_meta)
def _set_metadata(w: World, actor: Actor, scope: str) -> Call:
    ev = answers.add_evidence(w.engine, SYSTEM, w.draft[region_of(scope)], qid_of(scope),
                              "sk.pdf", PDF + f"% meta {actor.username} {scope}\n".encode()
                              )["id"]
    number = f"188/{next(w.serial)}/2040"  # a change each time: a permitted call is audited
    return lambda: evidence_meta.set_metadata(w.engine, actor, ev, doc_type="sk",
                                              doc_number=number, is_signed=True)


# @functions: inbox and digest (kla.services.inbox)
def _send_digests(w: World, actor: Actor, scope: str) -> Call:
    # a mail server is configured (nobody listens on it): a permitted run with no one
    # subscribed sends nothing and writes its audit row
    from kla.services import inbox

    def call():
        with pytest.MonkeyPatch.context() as env:
            for name, value in (("HOST", "127.0.0.1"), ("PORT", "9"), ("TIMEOUT", "1"),
                                ("FROM", "kla@localhost")):
                env.setenv(f"KLA_SMTP_{name}", value)
            get_settings.cache_clear()
            try:
                return inbox.send_digests(w.engine, actor)
            finally:
                get_settings.cache_clear()

    return call


def _set_email(w: World, actor: Actor, scope: str) -> Call:
    name = w.account(region_of(scope))
    return lambda: users.set_email(w.engine, actor, name, f"{name}@kla.go.id")


# @functions: calendar (kla.services.calendar)
def _in_2026(fn: Callable[[], object]) -> object:
    """``fn`` on 1 March 2026 (the sample's current evaluation year, the one that may change)."""
    from datetime import date

    from kla.services import calendar

    with pytest.MonkeyPatch.context() as env:
        env.setattr(calendar, "local_today", lambda: date(2026, 3, 1))
        return fn()


def _save_window(w: World, actor: Actor, scope: str) -> Call:
    from datetime import date

    from kla.services import calendar

    source = f"uji {next(w.serial)}"  # a change each time: a permitted call is audited
    return lambda: _in_2026(lambda: calendar.save_window(
        w.engine, actor, 2026, "EM", date(2026, 2, 2), date(2026, 3, 31), "assumed", source))


def _reset_window(w: World, actor: Actor, scope: str) -> Call:
    from datetime import date

    from kla.services import calendar

    _in_2026(lambda: calendar.save_window(w.engine, SYSTEM, 2026, "VA", date(2026, 4, 1),
                                          date(2026, 4, 30), "assumed",
                                          f"uji {next(w.serial)}"))
    return lambda: _in_2026(lambda: calendar.reset_window(w.engine, actor, 2026, "VA"))


SETUP: dict[str, Callable[[World, Actor, str], Call]] = {
    "answers.save_answer": _save_answer,
    "answers.add_evidence": _add_evidence,
    "answers.delete_evidence": _delete_evidence,
    "answers.set_agencies": _set_agencies,
    "workflow.submit": _submit,
    "workflow.open_stage": _open_stage,
    "workflow.review_answer": _review_answer,
    "workflow.request_revision": _request_revision,
    "workflow.complete_stage": _complete_stage,
    "exports.import_xlsx": _import_answers,
    "planning.save_efforts": _save_efforts,
    "planning.reset_efforts": _reset_efforts,
    "planning.save_scenario": _save_scenario,
    "planning.delete_scenario": _delete_scenario,
    "registries.add_entries": _add_entries,
    "registries.update_entry": _update_entry,
    "registries.delete_entry": _delete_entry,
    "registries.attach_file": _attach_file,
    "registries.set_target": _set_target,
    "registries.import_xlsx": _import_registry,
    "registries.apply_proposal": _apply_proposal,
    "users.add_user": _add_user,
    "users.set_active": _set_active,
    "users.set_role": _set_role,
    "users.set_password": _set_password,
    "results.import_results": _import_results,
    "assessments.save_assessment": _save_assessment,
    "demo.load_demo": _load_demo,
    "demo.load_registry_samples": _load_registry_samples,
    "backup.restore": _restore,
    "scores.rescore": _rescore,
    "action_plan.create_action": _create_action,
    "action_plan.update_action": _update_action,
    "action_plan.delete_action": _delete_action,
    "action_plan.set_status": _set_action_status,
    "action_plan.apply_question": _apply_question,
    "action_plan.add_from_gaps": _add_from_gaps,
    "action_plan.add_cheapest_path": _add_cheapest_path,
    "action_plan.apply_done_credits": _apply_done_credits,
    # @setup: evidence validity (kla.services.evidence_meta)
    "evidence_meta.set_metadata": _set_metadata,
    # @setup: inbox and digest (kla.services.inbox)
    "inbox.send_digests": _send_digests,
    "users.set_email": _set_email,
    # @setup: calendar (kla.services.calendar)
    "calendar.save_window": _save_window,
    "calendar.reset_window": _reset_window,
}

# exports.import_xlsx reports a refused row as an InputError naming the row (it checks every
# changed row before writing any); these are the permission refusals among such rows.
REFUSED_ROW = re.compile(r"cannot edit answers|no access to region|belongs to the verifiers"
                         r"|locked for the city|is assigned to")


def outcome(call: Call) -> tuple[str, Exception | None]:
    try:
        call()
    except PermissionDenied as exc:
        return "denied", exc
    except InputError as exc:
        if exc.errors and all(REFUSED_ROW.search(e) for e in exc.errors):
            return "denied", exc
        return "permitted", exc
    except ValueError as exc:  # StageError, GateError, PlanningError, RegistryError…
        return "permitted", exc
    return "permitted", None


# services that check a permission but only read
READ_CHECKS = {"users.list_users", "audit.audit_frame",
               "backup.backup"}  # reads the database (writes an archive file, not the store)


def _checking_services() -> set[str]:
    """Public service functions whose own code checks a write permission."""
    checks = re.compile(r"\b(?:require|_check_edit)\(")
    found = set()
    for info in pkgutil.iter_modules(kla.services.__path__):
        if info.name == "permissions":
            continue
        module = importlib.import_module(f"kla.services.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and not name.startswith("_") \
                    and checks.search(inspect.getsource(fn)):
                found.add(f"{info.name}.{name}")
    return found


def test_the_table_covers_every_write_service_and_role():
    """A new write service must be added to the table (or to READ_CHECKS if it only reads)."""
    assert set(SETUP) == set(EXPECTED)
    missing = _checking_services() - set(EXPECTED) - READ_CHECKS
    assert not missing, f"write services missing from the permission table: {sorted(missing)}"
    assert READ_CHECKS <= _checking_services()
    assert all(set(roles) <= set(ROLES) for roles in EXPECTED.values())
    assert len(CASES) == len({(s, r, sc) for s, r, sc in CASES})


@pytest.mark.parametrize("service,role,scope", CASES,
                         ids=[f"{s}-{r}-{sc}" for s, r, sc in CASES])
def test_permission_table(world, service, role, scope):
    expected = "permitted" if scope in EXPECTED[service].get(role, ()) else "denied"
    call = SETUP[service](world, ACTORS[role], scope)
    before = audit_rows(world.engine)
    got, exc = outcome(call)
    assert got == expected, f"{service} by {role} ({scope}): {got}, expected {expected} ({exc!r})"
    if got == "denied":
        assert audit_rows(world.engine) == before, "a denied call left an audit row"
    elif exc is None and service not in NOT_AUDITED:
        assert audit_rows(world.engine) > before, "a permitted write left no audit row"


# ----------------------------------------------------------------------------------------
# Hostile cases.
# ----------------------------------------------------------------------------------------
def sample_actor(w: World, username: str) -> Actor:
    actor = users.get_actor(w.engine, username)
    assert actor is not None, f"sample account {username} missing"
    return actor


def audit_by(w: World, username: str) -> int:
    with w.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(AuditLog)
                            .where(AuditLog.actor == username)).scalar_one()


def test_the_viewer_cannot_save_efforts_or_scenarios(world):
    w = world
    viewer = sample_actor(w, "pengamat")
    assert viewer.role == "viewer"
    info = w.info(SERANG)
    planning.save_efforts(w.engine, SYSTEM, SERANG, w.fw, {OTHER_Q: 2.0})
    planning.save_scenario(w.engine, SYSTEM, info, "milik kota", {DINKES_Q: 1.0})
    efforts = planning.stored_efforts(w.engine, SYSTEM, SERANG, w.fw)
    scenarios = planning.list_scenarios(w.engine, SYSTEM, info.id)
    before = audit_rows(w.engine)
    attempts = [
        lambda: planning.save_efforts(w.engine, viewer, SERANG, w.fw, {DINKES_Q: 9.0}),
        lambda: planning.reset_efforts(w.engine, viewer, SERANG),
        lambda: planning.save_scenario(w.engine, viewer, info, "milik kota", {DINKES_Q: 0.0}),
        lambda: planning.save_scenario(w.engine, viewer, info, "pengamat", {DINKES_Q: 1.0}),
        lambda: planning.delete_scenario(w.engine, viewer, info.id, "milik kota"),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    assert planning.stored_efforts(w.engine, SYSTEM, SERANG, w.fw) == efforts
    assert planning.list_scenarios(w.engine, SYSTEM, info.id) == scenarios
    assert audit_rows(w.engine) == before and audit_by(w, "pengamat") == 0


def test_a_coordinator_cannot_manage_accounts(world):
    w = world
    koord = sample_actor(w, "koordinator.serang")
    viewer = sample_actor(w, "pengamat")
    before = audit_rows(w.engine)
    with pytest.raises(PermissionDenied):
        users.set_active(w.engine, koord, "admin", False)
    with pytest.raises(PermissionDenied):
        users.set_role(w.engine, koord, "koordinator.serang", "admin")  # no self-promotion
    for actor in (koord, viewer):
        with pytest.raises(PermissionDenied):
            users.add_user(w.engine, actor, username="uji.jahat", password=PASSWORD,
                           role="admin")
        with pytest.raises(PermissionDenied):
            users.list_users(w.engine, actor)
    assert sample_actor(w, "admin").role == "admin"
    assert sample_actor(w, "koordinator.serang").role == "coordinator"
    assert users.get_actor(w.engine, "uji.jahat") is None
    assert audit_rows(w.engine) == before


def _active_admins(w: World) -> list[str]:
    return [u["username"] for u in users.list_users(w.engine, SYSTEM)
            if u["role"] == "admin" and u["active"]]


def test_nobody_removes_the_last_active_admin(world):
    w = world
    others = [u for u in _active_admins(w) if u != "admin"]
    for name in others:
        users.set_active(w.engine, SYSTEM, name, False)
    try:
        assert _active_admins(w) == ["admin"]
        admin = sample_actor(w, "admin")
        before = audit_rows(w.engine)
        for actor in (SYSTEM, admin, ACTORS["admin"]):
            with pytest.raises(PermissionDenied, match="last active admin"):
                users.set_active(w.engine, actor, "admin", False)
            for role, region in (("viewer", None), ("verifier", "36"),
                                 ("coordinator", SERANG)):
                with pytest.raises(PermissionDenied, match="last active admin"):
                    users.set_role(w.engine, actor, "admin", role, region)
        assert _active_admins(w) == ["admin"] and audit_rows(w.engine) == before
        # with a second admin, either may go (so the rule is about the last one only)
        users.add_user(w.engine, admin, username="uji.admin2", password=PASSWORD, role="admin")
        users.set_active(w.engine, admin, "admin", False)
        users.set_active(w.engine, SYSTEM, "admin", True)
        users.set_role(w.engine, admin, "uji.admin2", "viewer")
        assert _active_admins(w) == ["admin"]
    finally:
        for name in others:
            users.set_active(w.engine, SYSTEM, name, True)


def test_a_scoped_admin_stays_in_its_scope(world):
    """An admin account with a region (possible: add_user accepts it) acts only inside that
    region: it may not manage accounts, which are national (it could otherwise create a
    national admin and sign in as it), nor load the national published results."""
    w = world
    banten = Actor("t.admin36", "admin", "36")
    before = audit_rows(w.engine)
    with pytest.raises(PermissionDenied):
        users.add_user(w.engine, banten, username="uji.nasional", password=PASSWORD,
                       role="admin")
    for attempt in (lambda: users.list_users(w.engine, banten),
                    lambda: users.set_active(w.engine, banten, "admin", False),
                    lambda: users.set_role(w.engine, banten, "pengamat", "admin"),
                    lambda: results.import_results(w.engine, banten, results.SHIPPED),
                    lambda: demo.load_demo(w.engine, banten)):
        with pytest.raises(PermissionDenied):
            attempt()
    assert users.get_actor(w.engine, "uji.nasional") is None
    assert sample_actor(w, "pengamat").role == "viewer"
    assert audit_rows(w.engine) == before
    # inside its province it is an admin; outside it is nobody
    planning.save_efforts(w.engine, banten, SERANG, w.fw, {DINKES_Q: 4.0})
    with pytest.raises(PermissionDenied):
        planning.save_efforts(w.engine, banten, METRO, w.fw, {DINKES_Q: 4.0})


def test_two_admins_removing_each_other_keep_one(world, monkeypatch):
    """Admin A deactivates admin B while B demotes A: one of them must be refused. The
    interleaving is forced (both count the other active admins before either writes)."""
    w = world
    users.add_user(w.engine, SYSTEM, username="uji.admin3", password=PASSWORD, role="admin")
    assert sorted(_active_admins(w)) == ["admin", "uji.admin3"]
    real = users._other_active_admins
    both_counted = threading.Barrier(2)

    def counted(s, username):
        n = real(s, username)
        try:
            both_counted.wait(timeout=3)  # a correct lock makes the other wait: time out
        except threading.BrokenBarrierError:
            pass
        return n

    outcomes: dict[str, str] = {}

    def run(name: str, call: Callable[[], object]) -> None:
        try:
            call()
            outcomes[name] = "done"
        except PermissionDenied:
            outcomes[name] = "refused"
        except Exception as exc:  # noqa: BLE001
            outcomes[name] = repr(exc)

    a, b = sample_actor(w, "admin"), sample_actor(w, "uji.admin3")
    monkeypatch.setattr(users, "_other_active_admins", counted)
    try:
        threads = [threading.Thread(target=run, args=("deactivate", lambda: users.set_active(
                       w.engine, a, "uji.admin3", False))),
                   threading.Thread(target=run, args=("demote", lambda: users.set_role(
                       w.engine, b, "admin", "viewer")))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        monkeypatch.undo()
        left = _active_admins(w)
        users.set_role(w.engine, SYSTEM, "admin", "admin")  # restore for the other tests
        users.set_active(w.engine, SYSTEM, "uji.admin3", False)
    assert len(left) == 1, f"active admins left: {left} ({outcomes})"
    assert sorted(outcomes.values()) == ["done", "refused"], outcomes


def test_a_viewer_cannot_import_results(world):
    w = world
    viewer = sample_actor(w, "pengamat")
    with Session(w.engine) as s:
        first = s.exec(select(PublishedResult).order_by(PublishedResult.id)).scalars().first()
        key = (first.region_kode, first.award_year)
        s.exec(delete(PublishedResult).where(PublishedResult.id == first.id))
        s.commit()

    def count() -> int:
        with w.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(PublishedResult)).scalar_one()

    n, before = count(), audit_rows(w.engine)
    with pytest.raises(PermissionDenied):
        results.import_results(w.engine, viewer, results.SHIPPED)
    assert count() == n and audit_rows(w.engine) == before  # nothing loaded
    report = results.import_results(w.engine, sample_actor(w, "admin"), results.SHIPPED)
    assert report.loaded == 1 and count() == n + 1  # the file did hold a row to load
    frame = results.results_frame(w.engine)
    assert ((frame["kode"] == key[0]) & (frame["award_year"] == key[1])).any()


@pytest.mark.parametrize("hours", [-5, 0, 10**6, math.inf, math.nan, True, "24"])
def test_a_revision_window_out_of_range_is_refused(world, hours):
    w = world
    year, va = w.stage(SERANG)
    verifier = sample_actor(w, "verifikator.banten")
    before = audit_rows(w.engine)
    with pytest.raises(ValueError, match="hours"):
        workflow.request_revision(w.engine, verifier, va, hours=hours)
    with Session(w.engine) as s:
        em = s.exec(select(Assessment).where(Assessment.region_kode == SERANG,
                                             Assessment.year == year,
                                             Assessment.stage == "EM")).scalars().one()
        assert (em.status, em.revision_deadline) == ("submitted", None)
    assert audit_rows(w.engine) == before


def _reviews(w: World, assessment_id: int) -> int:
    with w.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Review)
                            .where(Review.assessment_id == assessment_id)).scalar_one()


def test_a_review_of_an_older_version_is_a_conflict(world):
    w = world
    _, va = w.stage(SERANG)
    verifier = sample_actor(w, "verifikator.banten")
    judged = answers.answer_states(w.engine, verifier, va)[DINKES_Q]
    answers.save_answer(w.engine, ACTORS["admin"], va, DINKES_Q, 0.75, "diperbaiki",
                        judged.version)
    stored = answers.answer_states(w.engine, SYSTEM, va)[DINKES_Q]
    before = audit_rows(w.engine)
    with pytest.raises(answers.Conflict) as err:
        workflow.review_answer(w.engine, verifier, va, DINKES_Q, "reject", reason="tidak ada SK",
                               expected_version=judged.version)
    assert (err.value.version, err.value.credit, err.value.by) == (stored.version, 0.75, "t.admin")
    assert answers.answer_states(w.engine, SYSTEM, va)[DINKES_Q] == stored
    assert _reviews(w, va) == 0 and audit_rows(w.engine) == before


def test_reviews_racing_answer_saves_lose_nothing(world):
    """4 threads save as an admin and 4 review as a verifier on one open VA answer; each
    retries on Conflict with the fresh version. Every accepted write is one new version with
    one audit row."""
    w = world
    _, va = w.stage(SERANG)
    admin, verifier = ACTORS["admin"], sample_actor(w, "verifikator.banten")
    writes_each, max_tries = 4, 400
    accepted: list[tuple[str, int]] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def work(kind: str, n: int) -> None:
        start.wait()
        for r in range(writes_each):
            for _ in range(max_tries):
                version = answers.answer_states(w.engine, SYSTEM, va)[DINKES_Q].version
                credit = ((n + r) % 4 + 1) / 4
                try:
                    if kind == "save":
                        new = answers.save_answer(w.engine, admin, va, DINKES_Q, credit,
                                                  f"s{n}r{r}", version)
                    else:
                        new = workflow.review_answer(w.engine, verifier, va, DINKES_Q, "adjust",
                                                     credit=credit, reason=f"v{n}r{r}",
                                                     expected_version=version)
                except answers.Conflict:
                    continue
                except Exception as exc:  # noqa: BLE001
                    with lock:
                        errors.append(f"{kind}{n}: {exc!r}")
                    return
                with lock:
                    accepted.append((kind, new))
                break
            else:
                with lock:
                    errors.append(f"{kind}{n}: no write accepted in {max_tries} tries")

    threads = [threading.Thread(target=work, args=(kind, n))
               for kind in ("save", "review") for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(accepted) == 8 * writes_each
    final = answers.answer_states(w.engine, SYSTEM, va)[DINKES_Q]
    versions = sorted(v for _, v in accepted)
    assert final.version == 1 + len(accepted)
    assert versions == list(range(2, final.version + 1))  # each accepted write: a new version
    with w.engine.connect() as conn:
        rows = conn.execute(select(AuditLog.action, AuditLog.detail).where(
            AuditLog.assessment_id == va, AuditLog.entity == "answer",
            AuditLog.entity_id == DINKES_Q)).all()
    assert sorted(d["version"][1] for _, d in rows) == versions  # one audit row per write
    assert sum(a == "answer.save" for a, _ in rows) == sum(k == "save" for k, _ in accepted)
    assert _reviews(w, va) == sum(k == "review" for k, _ in accepted)


def test_a_stale_workbook_is_refused(world):
    w = world
    koord = sample_actor(w, "koordinator.serang")
    dinkes = sample_actor(w, "dinkes.serang")
    info = w.info(SERANG)
    exported = exports.export_xlsx(w.engine, koord, info)
    state = answers.answer_states(w.engine, SYSTEM, info.id)[DINKES_Q]
    answers.save_answer(w.engine, dinkes, info.id, DINKES_Q, 1.0 if state.credit != 1.0 else 0.5,
                        "diperbarui Dinkes", state.version)
    stale = w.workbook(info, {OTHER_Q: 1.0}, data=exported)  # the coordinator's own edit
    rowno = next(i for i, row in enumerate(load_workbook(io.BytesIO(stale))["Penilaian"]
                                           .iter_rows(values_only=True), start=1)
                 if row[2] == DINKES_Q)
    before = (answers.answer_states(w.engine, SYSTEM, info.id), audit_rows(w.engine))
    with pytest.raises(InputError) as err:
        exports.import_xlsx(w.engine, koord, info, stale)
    text = str(err.value)
    assert f"row {rowno}" in text and "changed by dinkes.serang" in text
    assert (answers.answer_states(w.engine, SYSTEM, info.id), audit_rows(w.engine)) == before


# ----------------------------------------------------------------------------------------
# Read scope: the coordinator of Kota Metro never gets Kota Serang's data.
# ----------------------------------------------------------------------------------------
def _serang_ids(w: World) -> set[int]:
    return {a.id for a in assessments.list_assessments(w.engine, SYSTEM, SERANG)}


def _sample_info(w: World) -> AssessmentInfo:
    return next(a for a in assessments.list_assessments(w.engine, SYSTEM, SERANG)
                if a.year == 2025 and a.stage == "FINAL")


def _df_region(df, column: str = "region_kode") -> bool:
    return bool(df[column].astype(str).str.startswith(SERANG).any())


# name → (call as ``actor``, does the result show Kota Serang's data?)
READS: dict[str, tuple[Callable, Callable]] = {
    "assessments.list_assessments": (
        lambda w, a: assessments.list_assessments(w.engine, a, SERANG), lambda r: len(r) > 0),
    "answers.answer_states": (
        lambda w, a: answers.answer_states(w.engine, a, w.draft[SERANG]), lambda r: len(r) > 0),
    "planning.answer_details": (
        lambda w, a: planning.answer_details(w.engine, a, w.draft[SERANG]),
        lambda r: len(r.credits) > 0),
    "audit.audit_frame": (
        lambda w, a: audit.audit_frame(w.engine, a, region_prefix=SERANG), lambda r: len(r) > 0),
    "audit.audit_frame (unfiltered)": (
        lambda w, a: audit.audit_frame(w.engine, a), lambda r: _df_region(r, "region")),
    "registries.entries": (
        lambda w, a: registries.entries(w.engine, a, SERANG, "kha_training"),
        lambda r: len(r) > 0),
    "registries.targets": (
        lambda w, a: registries.targets(w.engine, a, SERANG), lambda r: len(r) > 0),
    "registries.proposals": (
        lambda w, a: registries.proposals(w.engine, a, SERANG), lambda r: len(r) > 0),
    "assessments.answers_of": (
        lambda w, a: assessments.answers_of(w.engine, a, w.draft[SERANG]), lambda r: len(r) > 0),
    "assessments.score_assessment": (
        lambda w, a: assessments.score_assessment(w.engine, a, _sample_info(w)),
        lambda r: r.total > 0),
    "assessments.stored_score": (
        lambda w, a: assessments.stored_score(w.engine, a, _sample_info(w)),
        lambda r: r.total > 0),
    "assessments.stored_scores": (
        lambda w, a: set(assessments.stored_scores(w.engine, a, w.fw)["assessment_id"])
        & _serang_ids(w), lambda r: len(r) > 0),
    "assessments.assessed_regions": (
        lambda w, a: assessments.assessed_regions(w.engine, a),
        lambda r: any(x["kode"] == SERANG for x in r)),
    "assessments.score_all": (
        lambda w, a: set(assessments.score_all(w.engine, a, w.fw)["assessment_id"])
        & _serang_ids(w), lambda r: len(r) > 0),
    "analytics.app_scores": (
        lambda w, a: analytics.app_scores(w.engine, a), _df_region),
    "answers.assessment_status": (
        lambda w, a: answers.assessment_status(w.engine, a, w.draft[SERANG]), bool),
    "answers.agencies_for": (
        lambda w, a: answers.agencies_for(w.engine, a, SERANG, w.fw), lambda r: len(r) > 0),
    "answers.list_evidence": (
        lambda w, a: answers.list_evidence(w.engine, a, w.draft[SERANG]), lambda r: len(r) > 0),
    "answers.read_evidence": (
        lambda w, a: answers.read_evidence(w.engine, a, w.evidence), bool),
    "planning.stored_efforts": (
        lambda w, a: planning.stored_efforts(w.engine, a, SERANG, w.fw), lambda r: len(r) > 0),
    "planning.list_scenarios": (
        lambda w, a: planning.list_scenarios(w.engine, a, w.draft[SERANG]),
        lambda r: len(r) > 0),
    "planning.city_history": (
        lambda w, a: planning.city_history(w.engine, a, SERANG), lambda r: len(r) > 0),
    "workflow.completeness": (
        lambda w, a: workflow.completeness(w.engine, a, w.draft[SERANG]), lambda r: len(r) > 0),
    "workflow.reviews_for_year": (
        lambda w, a: workflow.reviews_for_year(w.engine, a, SERANG, 2025), lambda r: len(r) > 0),
    "exports.find_assessment": (
        lambda w, a: exports.find_assessment(w.engine, a, SERANG, 2025, "FINAL"), bool),
    "exports.export_xlsx": (
        lambda w, a: exports.export_xlsx(w.engine, a, _sample_info(w)), bool),
    "exports.export_zip": (
        lambda w, a: exports.export_zip(w.engine, a, _sample_info(w), io.BytesIO()), bool),
}
# proof the checks see data at all: what Kota Serang's coordinator gets (never empty)
OWN_DATA_OPTIONAL = {"planning.stored_efforts",  # the table's reset_efforts may clear them
                     "workflow.reviews_for_year"}  # the sample has no reviews


@pytest.mark.parametrize("name", list(READS))
def test_another_city_reads_nothing(world, name):
    w = world
    call, shows = READS[name]
    metro = Actor("t.metro", "coordinator", METRO)
    try:
        got = call(w, metro)
    except PermissionDenied:
        got = None
    assert got is None or not shows(got), f"{name}: the Kota Metro coordinator sees Kota Serang"
    own = call(w, ACTORS["coordinator"])  # the same call for Kota Serang's own coordinator
    if name not in OWN_DATA_OPTIONAL:
        assert shows(own), f"{name}: the check is vacuous (no data for the city itself)"
