"""`kla demo`: load the deterministic sample assessments ("Data contoh")."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, delete, select
from sqlmodel import Session

from kla.domain.framework import DEFAULT_FRAMEWORK, get_framework
from kla.domain.sample import (
    DEMO_PASSWORD,
    DEMO_USERS,
    DRAFT,
    SAMPLE_CITIES,
    draft_answers,
    generate,
    sample_notes,
)
from kla.services.assessments import save_assessment
from kla.services.permissions import Actor, require
from kla.store.models import Assessment

STATUS_OF_STAGE = {"EM": "submitted", "VA": "verified", "VL": "verified", "FINAL": "final"}


def load_demo(engine: Engine, actor: Actor, progress: Callable[[str], None] | None = None
              ) -> dict[str, int]:
    """(Re)load the sample as ``actor`` (an admin; `kla demo` passes the system actor). Real
    (non-sample) assessments are never touched: a slot already holding one is skipped and
    reported. Running it twice gives the same data."""
    require(actor, "assessment.write")
    say = progress or (lambda _msg: None)
    fw = get_framework(DEFAULT_FRAMEWORK)
    written = skipped = 0
    for city in SAMPLE_CITIES:
        for sy in city.years:
            stages = generate(fw, f"{city.kode}:{sy.year}", sy.totals)
            for stage, credits in stages.items():
                if _real_exists(engine, city.kode, sy.year, stage):
                    say(f"skipped {city.nama} {sy.year} {stage}: a real assessment exists")
                    skipped += 1
                    continue
                save_assessment(engine, actor, region_kode=city.kode, year=sy.year, stage=stage,
                                answers=credits, framework=fw, status=STATUS_OF_STAGE[stage],
                                is_sample=True,
                                notes=sample_notes(fw, credits, f"{city.kode}:{sy.year}"))
                written += 1
            say(f"{city.nama} {sy.year}: {len(stages)} stages")
    kode, year, _, _ = DRAFT
    credits, notes = draft_answers(fw)
    if _real_exists(engine, kode, year, "EM"):
        skipped += 1
    else:
        save_assessment(engine, actor, region_kode=kode, year=year, stage="EM", answers=credits,
                        framework=fw, status="draft", is_sample=True,
                        notes=notes)
        written += 1
        say(f"Kota Serang {year}: self-assessment in progress (draft)")
    registry_rows = load_registry_samples(engine, actor)
    say(f"sample registries: {registry_rows} rows")
    made = demo_users(engine, actor)
    if made:
        say(f"sample accounts (password {DEMO_PASSWORD}): {', '.join(made)}")
    return {"written": written, "skipped": skipped, "users": len(made)}


def _real_exists(engine: Engine, kode: str, year: int, stage: str) -> bool:
    with Session(engine) as s:
        return s.exec(select(Assessment.id).where(
            Assessment.region_kode == kode, Assessment.year == year,
            Assessment.stage == stage, Assessment.is_sample.is_(False))).first() is not None


def demo_users(engine: Engine, actor: Actor) -> list[str]:
    """Create the sample accounts that do not exist yet."""
    from kla.services.users import add_user, get_actor

    made = []
    for username, role, region, agencies, name in DEMO_USERS:
        if get_actor(engine, username) is None:
            add_user(engine, actor, username=username, password=DEMO_PASSWORD, role=role,
                     region_kode=region, agencies=list(agencies), display_name=name)
            made.append(username)
    return made


def load_registry_samples(engine: Engine, actor: Actor) -> int:
    """(Re)load the sample registries of the sample cities; real entries are kept."""
    from kla.domain.sample import registry_samples
    from kla.services import registries
    from kla.store.models import RegistryEntry, RegistryTarget

    require(actor, "assessment.write")

    total = 0
    for city in SAMPLE_CITIES:
        with Session(engine) as s:
            s.exec(delete(RegistryEntry).where(RegistryEntry.region_kode == city.kode,
                                               RegistryEntry.is_sample.is_(True)))
            s.commit()
        rows, targets = registry_samples(registries.area(engine, city.kode))
        for kind, items in rows.items():
            existing = {registries.key_of(kind, e)
                        for e in registries.entries(engine, actor, city.kode, kind)}
            items = [r for r in items if registries.key_of(kind, r) not in existing]
            total += registries.add_entries(engine, actor, city.kode, kind, items,
                                            is_sample=True, source="kla demo")
        with Session(engine) as s:
            have = set(s.exec(select(RegistryTarget.name)
                              .where(RegistryTarget.region_kode == city.kode)).scalars().all())
        for name, value in targets.items():
            if name not in have:
                registries.set_target(engine, actor, city.kode, name, value)
    return total
