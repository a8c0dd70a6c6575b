"""Boundary files for maps.

The shapes live in ``static/geo/`` (served by Streamlit at ``app/static/geo/``): a map names
its file by URL, so the browser fetches and caches the boundaries once instead of receiving
them inside every chart on every rerun. ``data/geo/`` holds their provenance and the list of
kab/kota without a shape.
"""

from __future__ import annotations

import csv
from functools import cache

from kla.settings import PROJECT_DIR

GEO_DIR = PROJECT_DIR / "data" / "geo"
SHAPES_DIR = PROJECT_DIR / "static" / "geo"
SHAPES_URL = "app/static/geo/"  # relative, like plotly's topojsonURL: works under a base path


def geojson_url(level: str) -> str | None:
    """Where the browser fetches the ``level`` boundaries; None when the file is absent."""
    return f"{SHAPES_URL}{level}.geojson" if (SHAPES_DIR / f"{level}.geojson").is_file() else None


@cache
def without_boundary() -> dict[str, str]:
    """kab/kota codes that have no shape (they must be listed under a map)."""
    path = GEO_DIR / "coverage.csv"
    if not path.is_file():
        return {}
    with open(path, encoding="utf-8") as fh:
        return {r["kode"]: r["nama"].strip() for r in csv.DictReader(fh)
                if r["has_boundary"] != "1"}
