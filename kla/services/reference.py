"""`kla init`: migrate the database, load the frameworks and the regions. Idempotent."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from kla.domain.framework import Framework, FrameworkError, available_frameworks, load_framework
from kla.domain.framework import frameworks_root as default_frameworks_root
from kla.services import scores
from kla.settings import PROJECT_DIR
from kla.store import migrate
from kla.store.models import (
    Answer,
    Assessment,
    Block,
    Indicator,
    Question,
    RefData,
    Region,
    utcnow,
)
from kla.store.models import Framework as FrameworkRow

REGIONS_DIR = PROJECT_DIR / "data" / "regions"
LEVEL_ORDER = {"provinsi": 0, "kabkota": 1, "kecamatan": 2, "desa_kelurahan": 3}
CHUNK = 2000

Progress = Callable[[str], None]


@dataclass
class InitReport:
    frameworks: dict[str, str] = field(default_factory=dict)  # code -> "loaded" | "unchanged"
    regions: str = ""
    region_rows: int = 0
    results: str = ""

    def lines(self) -> list[str]:
        out = [f"framework {c}: {s}" for c, s in self.frameworks.items()]
        out.append(f"regions: {self.regions} ({self.region_rows} rows)")
        out.append(f"published results: {self.results}")
        return out


def init_db(engine: Engine, progress: Progress | None = None,
            frameworks_root: Path | None = None, regions_dir: Path = REGIONS_DIR
            ) -> InitReport:
    say = progress or (lambda _msg: None)
    say("migrating database schema …")
    migrate.upgrade(engine)
    report = InitReport()
    root = frameworks_root or default_frameworks_root()
    for code in available_frameworks(root):
        fw = load_framework(root / code)  # the files as they are now, not a cached copy
        report.frameworks[code] = load_framework_rows(engine, fw)
        say(f"framework {code}: {report.frameworks[code]}")
    say("loading regions …")
    report.regions, report.region_rows = load_regions(engine, regions_dir)
    say(f"regions: {report.regions} ({report.region_rows} rows)")
    from kla.services.permissions import SYSTEM
    from kla.services.results import SHIPPED, import_results

    res = import_results(engine, SYSTEM, SHIPPED)
    report.results = f"{res.loaded} loaded, {res.updated} updated, {res.unchanged} unchanged, " \
                     f"{len(res.rejected)} not loaded (see `kla import-results`)"
    say(f"published results: {report.results}")
    return report


def load_framework_rows(engine: Engine, fw: Framework) -> str:
    """Insert or update framework ``fw`` (matched by codes). Never deletes answered questions.
    An update scores every assessment of the framework again (its stored score) in the same
    transaction."""
    with Session(engine) as s:
        row = s.exec(select(FrameworkRow).where(FrameworkRow.code == fw.code)).scalars().first()
        if row is not None and row.checksum == fw.checksum:
            return "unchanged"
        status = "loaded" if row is None else "updated"
        if row is None:
            row = FrameworkRow(code=fw.code, version=fw.version, year=fw.year, name_id=fw.name_id,
                               name_en=fw.name_en, total_max=fw.total_max, checksum="")
            s.add(row)
            s.flush()
        row.version, row.year, row.total_max = fw.version, fw.year, fw.total_max
        row.name_id, row.name_en, row.checksum = fw.name_id, fw.name_en, fw.checksum
        row.meta = {"provenance": fw.provenance, "quirks": list(fw.quirks),
                    "bands": [b.__dict__ for b in fw.bands]}
        row.loaded_at = utcnow()
        blocks = {b.code: b for b in s.exec(
            select(Block).where(Block.framework_id == row.id)).scalars()}
        for blk in fw.blocks.values():
            b = blocks.get(blk.code) or Block(framework_id=row.id, code=blk.code, position=0,
                                              name_id="", name_en="", max_points=0)
            b.position, b.name_id, b.name_en, b.max_points = (blk.order, blk.name_id, blk.name_en,
                                                              blk.max)
            s.add(b)
            blocks[blk.code] = b
        s.flush()
        inds = {i.code: i for i in s.exec(
            select(Indicator).where(Indicator.framework_id == row.id)).scalars()}
        for ind in fw.indicators.values():
            i = inds.get(ind.code) or Indicator(framework_id=row.id, block_id=0, code=ind.code,
                                                name="", max_points=0, position=0)
            i.block_id, i.name, i.max_points, i.position = (blocks[ind.block].id, ind.name,
                                                            ind.max, ind.order)
            s.add(i)
            inds[ind.code] = i
        s.flush()
        qs = {q.qid: q for q in s.exec(
            select(Question).where(Question.framework_id == row.id)).scalars()}
        gone = [q for qid, q in qs.items() if qid not in fw.questions]
        if gone:
            answered = s.exec(select(Question.qid).join(Answer, Answer.question_id == Question.id)
                              .where(Question.id.in_([q.id for q in gone])).distinct()
                              ).scalars().all()
            if answered:
                s.rollback()
                raise FrameworkError(
                    f"framework {fw.code}: question(s) {', '.join(sorted(answered))} are no longer "
                    f"in the framework files but have stored answers; nothing was changed. Keep "
                    f"them in questions.csv or move their answers first.")
            for q in gone:
                s.delete(q)
        for pos, q in enumerate(fw.questions.values(), start=1):
            r = qs.get(q.id) or Question(framework_id=row.id, indicator_id=0, qid=q.id, code=q.code,
                                         max_points=0, position=0)
            r.indicator_id, r.code, r.max_points, r.position = (inds[q.indicator].id, q.code,
                                                                q.max, pos)
            r.for_kecamatan, r.for_desa = q.for_kecamatan, q.for_desa
            r.opds, r.text = ";".join(q.opds), q.text
            s.add(r)
        for a in s.exec(select(Assessment.id).where(Assessment.framework_id == row.id)
                        ).scalars().all():  # maxima may have moved: scored again, same commit
            scores.touch(s, a, fw)
        s.commit()
        return status


def _file_digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.read_bytes())
    return h.hexdigest()


def read_regions(regions_dir: Path = REGIONS_DIR) -> list[dict]:
    """Region rows with parent link, population and area, parents before children."""
    def table(name: str) -> dict[str, dict]:
        with open(regions_dir / name, newline="", encoding="utf-8") as fh:
            return {r["kode"].strip(): r for r in csv.DictReader(fh)}

    pop, area = table("wilayah_penduduk.csv"), table("wilayah_luas_km2.csv")
    rows = []
    for kode, r in table("wilayah.csv").items():
        p, a = pop.get(kode), area.get(kode)
        rows.append({
            "kode": kode, "nama": r["nama"].strip(), "level": r["level"].strip(),
            "parent_kode": kode.rsplit(".", 1)[0] if "." in kode else None,
            "population": int(p["total"]) if p and p["total"].strip() else None,
            "population_male": int(p["pria"]) if p and p["pria"].strip() else None,
            "population_female": int(p["wanita"]) if p and p["wanita"].strip() else None,
            "area_km2": float(a["luas_km2"]) if a and a["luas_km2"].strip() else None,
        })
    rows.sort(key=lambda r: (LEVEL_ORDER[r["level"]], r["kode"]))
    return rows


def upsert(conn, table, rows: list[dict], keys: list[str]) -> None:
    """Insert rows, updating the non-key columns of rows that already exist (both dialects)."""
    dialect = conn.dialect.name
    ins = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        stmt = ins(table)
        cols = [c for c in chunk[0] if c not in keys]
        stmt = stmt.on_conflict_do_update(index_elements=keys,
                                          set_={c: stmt.excluded[c] for c in cols})
        conn.execute(stmt, chunk)


def load_regions(engine: Engine, regions_dir: Path = REGIONS_DIR) -> tuple[str, int]:
    files = [regions_dir / n for n in ("wilayah.csv", "wilayah_penduduk.csv",
                                       "wilayah_luas_km2.csv")]
    digest = _file_digest(files)
    with Session(engine) as s:
        ref = s.get(RefData, "regions")
        count = s.exec(select(func.count()).select_from(Region)).scalar_one()
        if ref is not None and ref.checksum == digest and ref.rows == count:
            return "unchanged", count
    rows = read_regions(regions_dir)
    with engine.begin() as conn:
        upsert(conn, Region.__table__, rows, ["kode"])
        conn.execute(delete(RefData).where(RefData.name == "regions"))
        conn.execute(RefData.__table__.insert().values(name="regions", checksum=digest,
                                                       rows=len(rows), loaded_at=utcnow()))
    return "loaded", len(rows)
