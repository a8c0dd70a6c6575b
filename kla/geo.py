"""Boundary files for maps (shipped in data/geo)."""

from __future__ import annotations

import csv
import json
from functools import cache

from kla.settings import PROJECT_DIR

GEO_DIR = PROJECT_DIR / "data" / "geo"


@cache
def geojson(level: str) -> dict:
    """``provinsi`` or ``kabkota`` boundaries; empty when the file is absent."""
    path = GEO_DIR / f"{level}.geojson"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


@cache
def without_boundary() -> dict[str, str]:
    """kab/kota codes that have no shape (they must be listed under a map)."""
    path = GEO_DIR / "coverage.csv"
    if not path.is_file():
        return {}
    with open(path, encoding="utf-8") as fh:
        return {r["kode"]: r["nama"].strip() for r in csv.DictReader(fh)
                if r["has_boundary"] != "1"}
