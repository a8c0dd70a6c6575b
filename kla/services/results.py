"""Published results in the store: idempotent import with a full report, and read-outs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, select
from sqlmodel import Session

from kla.domain.csvtext import CsvTextError
from kla.domain.published import Rejected, classify, national_counts, reason_counts, regions_index
from kla.i18n import Msg
from kla.io.csv import InputError, read_text_file
from kla.services import audit
from kla.services.permissions import Actor, require
from kla.settings import PROJECT_DIR
from kla.store.models import PublishedResult, Region, utcnow

PUBLISHED_DIR = PROJECT_DIR / "data" / "published"
SHIPPED = PUBLISHED_DIR / "kla_published_results.csv"
NATIONAL = PUBLISHED_DIR / "national_counts.csv"


@dataclass
class ImportReport:
    loaded: int = 0  # new rows
    updated: int = 0  # rows whose content changed
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"loaded": self.loaded, "updated": self.updated, "unchanged": self.unchanged,
                "rejected": len(self.rejected), "reasons": dict(reason_counts(self.rejected)),
                "rejected_rows": [{"row": r.row, "kab_kota": r.kab_kota, "reason": r.reason}
                                  for r in self.rejected]}


def import_results(engine: Engine, actor: Actor, path: Path) -> ImportReport:
    """Load the clean rows of a published-results CSV (same columns as the shipped file);
    report every other row with its reason. Running it twice changes nothing. Admin only
    (the national reference every page shows). A file that cannot be read as that CSV
    (missing, too big, not UTF-8, a required column missing, an unclosed quote…) raises
    ``InputError`` and loads nothing."""
    require(actor, "results.import")
    text = read_text_file(path)  # InputError: missing, too big, not UTF-8
    with engine.connect() as conn:
        regions = regions_index([tuple(r) for r in conn.execute(
            select(Region.kode, Region.nama, Region.level)
            .where(Region.level.in_(("provinsi", "kabkota"))))])
    try:
        ok, bad = classify(text, regions)
    except CsvTextError as exc:  # not this CSV at all: nothing is loaded
        raise InputError([Msg("err.in_file", source=Path(path).name, problem=exc.args[0])]
                         ) from None
    report = ImportReport(rejected=bad)
    with Session(engine) as s:
        existing = {(r.region_kode, r.award_year): r for r in s.exec(
            select(PublishedResult)).scalars()}
        for r in ok:
            values = {"predicate": r.predicate, "score": r.score, "score_type": r.score_type,
                      "marker": r.marker, "source": r.source, "note": r.note}
            row = existing.get((r.region_kode, r.award_year))
            if row is None:
                s.add(PublishedResult(region_kode=r.region_kode, award_year=r.award_year,
                                      source_file=Path(path).name, **values))
                report.loaded += 1
            elif any(getattr(row, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(row, k, v)
                row.source_file, row.loaded_at = Path(path).name, utcnow()
                s.add(row)
                report.updated += 1
            else:
                report.unchanged += 1
        if report.loaded or report.updated:
            audit.record(s.connection(), actor, "results.import", "published_result",
                         Path(path).name, loaded=report.loaded, updated=report.updated,
                         rejected=len(bad))
        s.commit()
    return report


def results_frame(engine: Engine) -> pd.DataFrame:
    """Every loaded result with region names and province (plain data for pages/exports)."""
    prov = select(Region.kode, Region.nama).where(Region.level == "provinsi").subquery()
    stmt = (select(PublishedResult.region_kode, Region.nama, PublishedResult.award_year,
                   PublishedResult.predicate, PublishedResult.score,
                   PublishedResult.score_type, PublishedResult.marker,
                   PublishedResult.source)
            .join(Region, Region.kode == PublishedResult.region_kode))
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
        provinces = dict(conn.execute(select(prov.c.kode, prov.c.nama)).all())
    frame = pd.DataFrame(rows, columns=["kode", "nama", "award_year", "predicate", "score",
                                        "score_type", "marker", "source"])
    frame.insert(2, "province", [provinces.get(k.split(".")[0], "") for k in frame["kode"]])
    return frame.sort_values(["award_year", "province", "nama"]).reset_index(drop=True)


def national_reference() -> dict[int, dict]:
    return national_counts(NATIONAL.read_text(encoding="utf-8"))
