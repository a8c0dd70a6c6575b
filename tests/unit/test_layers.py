"""The layers hold: `lint-imports` checks the contracts of pyproject.toml [tool.importlinter].

kla.domain is pure (no store, services, web, io, CLI, Streamlit or database); kla.services
imports no Streamlit and no kla.web; kla.store no services, web or Streamlit; kla.io no web,
services, store or Streamlit; the pages (app_pages/*.py) never import kla.store.
"""

from __future__ import annotations

import subprocess
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sysconfig.get_path("scripts")) / "lint-imports"


def test_import_contracts_are_kept():
    assert LINT_IMPORTS.exists(), f"{LINT_IMPORTS} missing: pip install -e '.[test]'"
    r = subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo"], check=False, cwd=ROOT,
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        print(r.stdout, r.stderr)
    assert r.returncode == 0, f"lint-imports failed:\n{r.stdout}\n{r.stderr}"
    assert "0 broken" in r.stdout


def test_the_pages_contract_sees_every_page(monkeypatch):
    """app_pages is a folder of scripts (no __init__.py): import-linter reads it as a namespace
    package. Every page must be in the graph, or the pages contract would pass vacuously."""
    import grimp

    monkeypatch.syspath_prepend(str(ROOT))
    graph = grimp.build_graph("kla", "app_pages", cache_dir=None)
    pages = {f"app_pages.{p.stem}" for p in (ROOT / "app_pages").glob("*.py")}
    assert pages and pages <= graph.modules
    assert "kla.services.exports" in graph.find_modules_directly_imported_by("app_pages.ekspor")
