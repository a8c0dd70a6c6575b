"""Published results in the store and on the command line (SQLite and PostgreSQL)."""

import json

import pytest

from kla.services.assessments import data_version
from kla.services.permissions import SYSTEM as CLI
from kla.services.results import SHIPPED, import_results, results_frame
from kla.store.db import engine_for

pytestmark = pytest.mark.store
from tests.cli_runner import run_kla


def test_init_loaded_the_shipped_results_and_a_rerun_changes_nothing(seeded_url):
    engine = engine_for(seeded_url)
    before = len(results_frame(engine))
    assert before >= 277  # the shipped rows (a later test may add its own)
    again = import_results(engine, CLI, SHIPPED)
    assert (again.loaded, len(again.rejected)) == (0, 9)
    assert again.loaded + again.updated + again.unchanged == 277
    assert len(results_frame(engine)) == before


def test_a_users_own_csv_updates_and_reports(seeded_url, tmp_path):
    own = tmp_path / "hasil.csv"
    own.write_text("kab_kota,province,award_year,predicate,score,score_type,note,marker,source\n"
                   "Kota Metro,Lampung,2025,Utama,812.5,final,,C,https://contoh\n"
                   "Kota Metro,Lampung,2022,Nindya,,,,C,https://contoh\n"
                   "Kab Entah,Lampung,2025,Madya,,,,C,https://contoh\n", encoding="utf-8")
    env = {"KLA_DATABASE_URL": seeded_url}
    version = data_version(engine_for(seeded_url))
    r = run_kla("import-results", own, "--json", env=env)
    assert r.returncode == 0, r.stderr
    assert data_version(engine_for(seeded_url)) != version  # the pages' caches refresh
    report = json.loads(r.stdout)
    # 2025 is new; 2022 was loaded from the shipped file with another source: updated
    assert (report["loaded"], report["updated"], report["rejected"]) == (1, 1, 1)
    assert report["rejected_rows"] == [{"row": 4, "kab_kota": "Kab Entah",
                                        "reason": "unknown region 'Kab Entah' in Lampung"}]
    r = run_kla("export", "results", "--json", env=env)
    payload = json.loads(r.stdout)
    metro = [x for x in payload["results"] if x["kode"] == "18.72"]
    assert {(x["award_year"], x["predicate"], x["score"]) for x in metro} == {
        (2022, "Nindya", None), (2025, "Utama", 812.5)}
    assert payload["national_counts"]["2023"]["total"] == 360
