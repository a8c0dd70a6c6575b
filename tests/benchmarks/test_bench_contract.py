"""The bench harness (`python -m tests.benchmarks.harness --json`) keeps its contract (keys, row counts) on SQLite and, when
KLA_TEST_DATABASE_URL is set, runs the same bench on PostgreSQL, where the national page must
show the same numbers. No timing asserts here: the measured ratios go to `make bench`'s table.
The suite checks the contract on a small data set (CITIES kab/kota × YEARS years); `make bench`
measures the full national one (514 × 5 years) with the same code."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import PG_URL, ROOT

pytestmark = pytest.mark.bench
KEYS = {"rows", "raw_select_s", "score_all_s", "ratio", "whatif_ms", "plan_ms", "national_rows",
        "national_first_s", "national_app_first_s", "national_page_s", "national_views_s",
        "empty_page_s", "page_ratio", "national_overview", "national_after_write_s",
        "national_after_write_views_s", "save_answer_ms", "rescore_s", "rescore_check_s",
        "rescore_checked", "rescore_differences"}
CITIES, YEARS = 40, 2


@pytest.fixture(scope="module")
def bench() -> dict:
    """One run of the harness (SQLite, then PostgreSQL when set) in a child process: it sets
    the app's environment and Streamlit caches, which must not leak into other tests."""
    env = {**os.environ, "KLA_TEST_DATABASE_URL": PG_URL}
    r = subprocess.run([sys.executable, "-m", "tests.benchmarks.harness", "--json",
                        "--cities", str(CITIES), "--years", str(YEARS)],
                       capture_output=True, text=True, timeout=1200, env=env, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout)


def _contract(d: dict) -> None:
    assert set(d) >= KEYS
    assert d["rows"] == CITIES * 274 * 4
    assert d["national_rows"] == CITIES * 274 * 4 * YEARS
    assert d["raw_select_s"] > 0 and d["score_all_s"] > 0
    assert d["ratio"] == pytest.approx(d["score_all_s"] / d["raw_select_s"], rel=0.01)
    assert d["whatif_ms"] > 0 and d["plan_ms"] > 0
    assert set(d["national_views_s"]) == {"tab_years", "tab_provinces", "tab_map", "tab_table",
                                          "tab_movers", "tab_app", "tab_rows"}
    assert d["national_page_s"] == max(d["national_views_s"].values()) > 0
    assert set(d["national_after_write_views_s"]) == set(d["national_views_s"])
    assert d["national_after_write_s"] == max(d["national_after_write_views_s"].values()) > 0
    assert d["save_answer_ms"] > 0
    # stored scores: filled by `kla rescore`, then `kla rescore --check` finds no difference
    assert d["rescore_checked"] == CITIES * 4 * YEARS and d["rescore_differences"] == 0
    assert d["empty_page_s"] > 0
    assert d["page_ratio"] == pytest.approx(d["national_page_s"] / d["empty_page_s"], rel=0.02)
    # what the page showed: every generated kab/kota scored in each year
    app = d["national_overview"]["app"]
    assert sorted(app) == ["2024", "2025"]
    assert all(sum(v for k, v in y.items() if k != "sample") == CITIES for y in app.values())
    assert sum(d["national_overview"]["published"].values()) == 277


def test_bench_json_contract(bench):
    _contract(bench)
    assert ("postgresql" in bench) == bool(PG_URL)


@pytest.mark.skipif(not PG_URL, reason="KLA_TEST_DATABASE_URL not set")
def test_postgresql_bench_shows_the_same_national_page(bench):
    _contract(bench["postgresql"])
    assert bench["postgresql"]["national_overview"] == bench["national_overview"]
