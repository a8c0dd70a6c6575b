"""Registries in the store, on SQLite and PostgreSQL."""

from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from kla.domain.framework import get_framework, load_framework
from kla.domain.registries import KINDS, RegistryError
from kla.services import registries as reg
from kla.services.demo import load_registry_samples
from kla.services.permissions import SYSTEM, Actor, PermissionDenied
from kla.store.db import engine_for
from kla.store.models import RegistryEntry
from tests.evidence_files import pdf_bytes

pytestmark = pytest.mark.store
KOORD = Actor("reg.koord", "coordinator", "18.72")
MINI = Path(__file__).resolve().parents[1] / "fixtures" / "frameworks" / "mini-2099"


def test_real_denominators(seeded_url):
    area = reg.area(engine_for(seeded_url), "18.72")
    assert (len(area.kecamatan), len(area.desa)) == (5, 22)
    with pytest.raises(ValueError, match="not a kab/kota"):
        reg.area(engine_for(seeded_url), "18")


def test_add_validates_everything_and_writes_all_or_nothing(seeded_url):
    engine = engine_for(seeded_url)
    before = len(reg.entries(engine, SYSTEM, "18.72", "kha_training"))
    good = {"provider_kind": "paud", "provider_name": "PAUD Melati", "people_trained": 4,
            "training_date": "2025-08-01"}
    with pytest.raises(RegistryError) as err:
        reg.add_entries(engine, KOORD, "18.72", "kha_training",
                        [good, {**good, "provider_name": "PAUD Mawar", "people_trained": -1}])
    assert err.value.errors == ["row 3, field People trained: -1 must be a whole number ≥ 0"]
    assert len(reg.entries(engine, SYSTEM, "18.72", "kha_training")) == before
    assert reg.add_entries(engine, KOORD, "18.72", "kha_training", [good]) == 1
    with pytest.raises(RegistryError, match="already in the registry"):
        reg.add_entries(engine, KOORD, "18.72", "kha_training", [good])


def test_permissions(seeded_url):
    engine = engine_for(seeded_url)
    row = {"area_kode": "18.72.01", "body": "rira"}
    for actor in (Actor("x", "coordinator", "36.73"), Actor("v", "viewer", "18.72"),
                  Actor("ver", "verifier", "18")):
        with pytest.raises(PermissionDenied):
            reg.add_entries(engine, actor, "18.72", "village_body", [row])
    with pytest.raises(PermissionDenied):
        reg.set_target(engine, Actor("o", "opd", "18.72", ("Dinkes",)), "18.72", "school", 9)


def test_targets_and_proposals(seeded_url):
    engine = engine_for(seeded_url)
    reg.set_target(engine, KOORD, "18.72", "paud", 4)
    by_q = {p.question_id: p for p in reg.proposals(engine, SYSTEM, "18.72")}
    assert by_q["26.P4"].credit == 0.77  # the sample: Forum Anak in 17 of 22 kelurahan
    assert by_q["9.P2"].credit is not None
    with pytest.raises(ValueError):
        reg.set_target(engine, KOORD, "18.72", "paud", -2)


def test_sample_registries_reload_without_duplicates(seeded_url):
    engine = engine_for(seeded_url)
    counts = {k: len(reg.entries(engine, SYSTEM, "36.73", k)) for k in reg.FIELDS}
    load_registry_samples(engine, SYSTEM)
    assert {k: len(reg.entries(engine, SYSTEM, "36.73", k)) for k in reg.FIELDS} == counts
    assert all(r["is_sample"] for r in reg.entries(engine, SYSTEM, "36.73", "play_area"))


def test_proposals_follow_the_frameworks_links(seeded_url):
    engine = engine_for(seeded_url)
    props = reg.proposals(engine, SYSTEM, "18.72")
    links = get_framework().registry_links
    assert [(p.registry, p.question_id) for p in props] == [
        (kind, qid) for kind, of_kind in links.items() for qid in of_kind.values()]
    assert reg.proposals(engine, SYSTEM, "18.72", framework=get_framework()) == props
    # A framework without registry_links.csv: the registries propose nothing for it.
    assert reg.proposals(engine, SYSTEM, "18.72", framework=load_framework(MINI)) == []


def test_the_database_refuses_an_unknown_registry_kind(seeded_url):
    engine = engine_for(seeded_url)
    row = {"region_kode": "18.72", "key": "x", "data": {}, "updated_by": "test"}
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(RegistryEntry).values(kind="playground", **row))
    with engine.connect() as conn:  # every kind of the domain is allowed (not committed)
        for kind in KINDS:
            conn.execute(insert(RegistryEntry).values(kind=kind, **row))
    leftovers = [e for k in KINDS for e in reg.entries(engine, SYSTEM, "18.72", k)
                 if set(e) == {"id", "is_sample"}]  # a row with empty data
    assert leftovers == []


def test_another_citys_entry_reads_as_missing(seeded_url):
    """Updating, deleting or attaching to an entry of another city is refused with the
    message of an id that does not exist: ids cannot be probed."""
    from kla.i18n import describe

    engine = engine_for(seeded_url)
    eid = reg.entries(engine, SYSTEM, "18.72", "village_body")[0]["id"]
    other = Actor("x", "coordinator", "36.73")
    calls = {"update": lambda i: reg.update_entry(engine, other, i, {"body": "rira"}),
             "delete": lambda i: reg.delete_entry(engine, other, i),
             "attach": lambda i: reg.attach_file(engine, other, i, "a.pdf", pdf_bytes())}
    for name, call in calls.items():
        texts = []
        for i in (eid, 10**9):
            with pytest.raises(PermissionDenied) as exc:
                call(i)
            texts.append(describe(exc.value, "id").replace(str(i), "#"))
        assert texts[0] == texts[1], name
        assert "tidak ditemukan atau tidak dapat Anda akses" in texts[0]
    assert any(e["id"] == eid for e in reg.entries(engine, SYSTEM, "18.72", "village_body"))
