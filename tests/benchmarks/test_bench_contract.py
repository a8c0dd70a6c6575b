"""`kla bench --json` keeps its contract (keys, row count). No timing asserts here: the
measured ratio goes to `make bench`'s table."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.bench


def test_bench_json_contract():
    kla = shutil.which("kla", path=str(Path(sys.executable).parent)) or "kla"
    r = subprocess.run([kla, "bench", "--json"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert set(d) >= {"rows", "raw_select_s", "score_all_s", "ratio", "whatif_ms", "plan_ms",
                      "national_rows", "national_page_s", "empty_page_s"}
    assert d["whatif_ms"] > 0 and d["plan_ms"] > 0
    assert d["national_rows"] == 514 * 274 * 4 * 5
    assert d["national_page_s"] > 0 and d["empty_page_s"] > 0
    assert d["rows"] == 514 * 274 * 4
    assert d["raw_select_s"] > 0 and d["score_all_s"] > 0
    assert d["ratio"] == pytest.approx(d["score_all_s"] / d["raw_select_s"], rel=0.01)
