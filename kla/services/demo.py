"""`kla demo`: load the deterministic sample assessments ("Data contoh")."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, select
from sqlmodel import Session

from kla.framework import DEFAULT_FRAMEWORK, get_framework
from kla.models import Assessment
from kla.sample import SAMPLE_CITIES, generate, sample_notes
from kla.services.assessments import save_assessment

STATUS_OF_STAGE = {"EM": "submitted", "VA": "verified", "VL": "verified", "FINAL": "final"}


def load_demo(engine: Engine, progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """(Re)load the sample. Real (non-sample) assessments are never touched: a slot already
    holding one is skipped and reported. Running it twice gives the same data."""
    say = progress or (lambda _msg: None)
    fw = get_framework(DEFAULT_FRAMEWORK)
    written = skipped = 0
    for city in SAMPLE_CITIES:
        for sy in city.years:
            stages = generate(fw, f"{city.kode}:{sy.year}", sy.totals)
            for stage, credits in stages.items():
                with Session(engine) as s:
                    other = s.exec(select(Assessment.id).where(
                        Assessment.region_kode == city.kode, Assessment.year == sy.year,
                        Assessment.stage == stage, Assessment.is_sample.is_(False))).first()
                if other is not None:
                    say(f"skipped {city.nama} {sy.year} {stage}: a real assessment exists")
                    skipped += 1
                    continue
                save_assessment(engine, region_kode=city.kode, year=sy.year, stage=stage,
                                answers=credits, framework=fw, status=STATUS_OF_STAGE[stage],
                                is_sample=True, user="kla demo",
                                notes=sample_notes(fw, credits, f"{city.kode}:{sy.year}"))
                written += 1
            say(f"{city.nama} {sy.year}: {len(stages)} stages")
    return {"written": written, "skipped": skipped}
