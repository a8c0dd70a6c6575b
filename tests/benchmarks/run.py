"""`make bench`: run the benchmarks and write a table to bench-results.md (and stdout).

Timings are ratios against a baseline measured in the same run, never absolute asserts.
"""

from __future__ import annotations

import json
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from tests.benchmarks.harness import run_all

ROOT = Path(__file__).resolve().parents[2]
GOALS = {"ratio": 2.0, "whatif_ms": 20.0, "plan_ms": 100.0, "national_page_s": 1.0,
         "page_ratio": 4.0, "national_after_write_s": 0.2, "save_answer_ms": 50.0}


def main() -> int:
    result = run_all(progress=lambda m: print(m, file=sys.stderr))
    pg = result.pop("postgresql", None)
    lines = [
        f"# Benchmarks — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{platform.machine()}",
        "",
        "| measure | value | goal |",
        "|---|---|---|",
        f"| answer rows (514 kab/kota × 274 × 4 stages) | {result['rows']:,} | |",
        f"| raw SELECT of every answer (s, best of 3) | {result['raw_select_s']} | baseline |",
        f"| fetch + score all assessments (s, best of 3) | {result['score_all_s']} | |",
        f"| ratio | {result['ratio']} | ≤ {GOALS['ratio']} |",
        f"| what-if recompute of one city (ms, median) | {result['whatif_ms']} | "
        f"< {GOALS['whatif_ms']:g} |",
        f"| cheapest-path solve of one city (ms, median) | {result['plan_ms']} | "
        f"< {GOALS['plan_ms']:g} |",
        f"| national data set (514 × 274 × 4 stages × 5 years) | {result['national_rows']:,} | |",
        f"| Nasional page, first visit (s, fills the caches) | {result['national_first_s']} | |",
        f"| Nasional, first opening of the stored assessments (s, reads their stored scores) | "
        f"{result['national_app_first_s']} | |",
        *[f"| Nasional view {k} rerun (s, best of 7) | {v} | |"
          for k, v in result["national_views_s"].items()],
        f"| Nasional page rerun, slowest view (s) | {result['national_page_s']} | "
        f"≤ {GOALS['national_page_s']:g} |",
        f"| empty page rerun (s, best of 7) | {result['empty_page_s']} | baseline |",
        f"| Nasional ÷ empty page | {result['page_ratio']} | ≤ {GOALS['page_ratio']:g} |",
        *[f"| Nasional view {k} rerun right after one answer saved (s, median of 3) | {v} | |"
          for k, v in result["national_after_write_views_s"].items()],
        f"| Nasional after a write, slowest view (s) | {result['national_after_write_s']} | "
        f"≤ {GOALS['national_after_write_s']:g} |",
        f"| one answer saved with its stored score (ms, median) | {result['save_answer_ms']} | "
        f"< {GOALS['save_answer_ms']:g} |",
        f"| `kla rescore`: every stored score written (s) | {result['rescore_s']} | |",
        f"| `kla rescore --check` (s) | {result['rescore_check_s']} | |",
        f"| stored scores differing from the answers | {result['rescore_differences']} | 0 |",
        "",
        "```json",
        json.dumps({k: v for k, v in result.items() if k != "national_overview"}),
        "```",
    ]
    if pg:
        lines += ["", "## PostgreSQL (KLA_TEST_DATABASE_URL, temporary database)", "",
                  "| measure | SQLite | PostgreSQL |", "|---|---|---|"]
        lines += [f"| {k} | {result[k]} | {pg.get(k)} |" for k in result
                  if k not in ("national_overview", "national_views_s",
                               "national_after_write_views_s")]
        lines += [f"| {views}.{k} | {v} | {pg[views].get(k)} |"
                  for views in ("national_views_s", "national_after_write_views_s")
                  for k, v in result[views].items()]
        same = pg["national_overview"] == result["national_overview"]
        lines += ["", f"National page numbers identical on both databases: "
                      f"{'yes' if same else 'NO'}"]
    text = "\n".join(lines) + "\n"
    (ROOT / "bench-results.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
