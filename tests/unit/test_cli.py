"""The `kla` console script: exact output contracts and exit status 2 on bad input."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_runner import run_kla

KLA = shutil.which("kla", path=str(Path(sys.executable).parent)) or "kla"


def run(*args, cwd=None):
    return run_kla(*args, cwd=cwd)


@pytest.mark.parametrize("score,flag,expected", [
    ("499.99", [], "none"), ("500", [], "Pratama"), ("600", [], "Pratama"),
    ("600.01", [], "Madya"), ("723.67", [], "Nindya"), ("895", [], "Utama"),
    ("950", [], "KLA"), ("950", ["--not-all-implemented"], "Utama"),
])
def test_predicate(score, flag, expected):
    r = run("predicate", score, *flag)
    assert r.returncode == 0 and r.stdout == expected + "\n"


def test_predicate_rejects_garbage():
    r = run("predicate", "banyak")
    assert r.returncode == 2 and r.stdout == "" and "SCORE" in r.stderr


def write(tmp_path, text, name="answers.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_score_json(tmp_path):
    p = write(tmp_path, "question_id,credit\n1.P1,1\n21A.P3,0.5\n26.P17,1\n")
    r = run("score", p, "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert set(d) == {"total", "predicate", "next_predicate", "points_to_next", "blocks",
                      "indicators"}
    assert d["predicate"] == "none" and d["next_predicate"] == "Pratama"
    assert d["total"] == d["blocks"]["KEL"]["score"] + d["blocks"]["K5"]["score"]
    assert d["blocks"]["KEL"] == {"score": 12.0, "max": 164.0}
    assert len(d["indicators"]) == 31 and d["indicators"]["1"]["score"] == 12.0
    assert d["points_to_next"] == round(500 - d["total"], 2)


def test_score_text_and_full_credit(tmp_path, fw):
    p = write(tmp_path, "question_id,credit\n" + "".join(f"{q},1\n" for q in fw.questions))
    r = run("score", p)
    assert r.returncode == 0
    assert "total: 1000.00 / 1000" in r.stdout and "predicate: KLA" in r.stdout


def test_score_accepts_spreadsheet_csv_with_semicolons(tmp_path):
    p = write(tmp_path, "\ufeffquestion_id;credit\n1.P1;0,5\n")
    d = json.loads(run("score", p, "--json").stdout)
    assert d["total"] == 6.0


@pytest.mark.parametrize("body,expected", [
    ("question_id,credit\n1.P1,1\n9.P99,1\n", "row 3, field Question ID: unknown question id '9.P99'"),
    ("question_id,credit\n1.P1,1\n2.P1,1\n1.P1,0.5\n", "row 4, field Question ID: duplicate id '1.P1' (first on row 2)"),
    ("question_id,credit\n1.P1,1.5\n", "row 2, field Credit: 1.5 is outside 0–1"),
    ("question_id,credit\n1.P1,-0.1\n", "row 2, field Credit: -0.1 is outside 0–1"),
    ("question_id,credit\n1.P1,ya\n", "row 2, field Credit: 'ya' is not a number"),
    ("question_id,credit\n1.P1,nan\n", "row 2, field Credit: 'nan' is not a number"),
    ("question_id,credit\n1.P1,\n", "row 2, field Credit: empty"),
    ("question_id,nilai\n1.P1,1\n", "row 1 (header), field Credit: missing column"),
    ("id,credit\n1.P1,1\n", "row 1 (header), field Question ID: missing column"),
])
def test_score_bad_rows_exit_2_and_print_nothing(tmp_path, body, expected):
    r = run("score", write(tmp_path, body), "--json")
    assert r.returncode == 2
    assert r.stdout == ""
    assert expected in r.stderr


def test_score_reports_every_bad_row(tmp_path):
    r = run("score", write(tmp_path, "question_id,credit\nX,1\n1.P1,2\n1.P2a,0.5\n"))
    assert r.returncode == 2 and r.stdout == ""
    assert "row 2, field Question ID" in r.stderr and "row 3, field Credit" in r.stderr
    assert "row 4" not in r.stderr


def test_score_missing_file_and_unknown_framework(tmp_path):
    r = run("score", tmp_path / "nope.csv")
    assert r.returncode == 2 and "file not found" in r.stderr and r.stdout == ""
    p = write(tmp_path, "question_id,credit\n1.P1,1\n")
    r = run("score", p, "--framework", "kla-1999")
    assert r.returncode == 2 and "unknown framework 'kla-1999'" in r.stderr


def test_framework_json():
    r = run("framework", "--json")
    d = json.loads(r.stdout)
    assert d["code"] == "kla-2024" and d["total"] == 1000 and d["questions"] == 274
    assert [(b["code"], b["max"]) for b in d["blocks"]] == [
        ("KEL", 164), ("K1", 115), ("K2", 156), ("K3", 150), ("K4", 110), ("K5", 205), ("KD", 100)]
    assert sum(b["questions"] for b in d["blocks"]) == 274
    i19 = next(i for i in d["indicators"] if i["code"] == "19")
    assert (i19["max"], i19["question_max_sum"]) == (51, 54)
    assert "capped" in run("framework").stdout


def test_run_passes_options_to_streamlit(monkeypatch):
    from kla import cli

    seen = {}
    monkeypatch.setattr(cli, "cmd_run", lambda args: seen.setdefault("a", args.streamlit_args))
    assert cli.main(["run", "--server.port=8600", "--server.headless=true"]) == 0
    assert seen["a"] == ["--server.port=8600", "--server.headless=true"]
    r = run("predicate", "500", "--bogus")
    assert r.returncode == 2 and "unrecognized arguments: --bogus" in r.stderr


def test_plan_json_contract_and_optimality(tmp_path, fw):
    answers = write(tmp_path, "question_id,credit\n" + "".join(
        f"{q},{0.5 if i % 3 else 1}\n" for i, q in enumerate(fw.questions)))
    r = run("plan", answers, "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert list(d) == ["total", "target", "points_needed", "actions", "total_effort", "new_total"]
    assert d["target"] == "Nindya"  # the next predicate by default
    assert d["new_total"] >= 700.01
    assert d["total_effort"] == len(d["actions"])  # default effort 1 per question
    assert set(d["actions"][0]) == {"question_id", "from_credit", "points", "effort"}
    assert sum(a["points"] for a in d["actions"]) >= d["points_needed"] - 0.01
    # the least number of questions: fewer actions cannot reach the points needed
    gains = sorted(((1 - (0.5 if i % 3 else 1)) * q.max for i, q in
                    enumerate(fw.questions.values())), reverse=True)
    k = len(d["actions"])
    assert sum(gains[: k - 1]) < d["points_needed"]


def test_plan_with_efforts_and_target(tmp_path, fw):
    answers = write(tmp_path, "question_id,credit\n1.P1,0\n")
    effort = write(tmp_path, "question_id,effort\n1.P1,100\n", "effort.csv")
    d = json.loads(run("plan", answers, "--effort", effort, "--target", "Pratama",
                       "--json").stdout)
    assert d["target"] == "Pratama" and d["points_needed"] == 500
    assert "1.P1" not in {a["question_id"] for a in d["actions"]}
    assert all(a["effort"] == 1 for a in d["actions"])
    text = run("plan", answers, "--target", "Pratama").stdout
    assert "points needed: 500.00" in text and "total effort:" in text


@pytest.mark.parametrize("args,expected", [
    (["--target", "Emas"], "--target: unknown predicate 'Emas'"),
    (["--effort", "EFFORT"], "row 2, field Effort: 0 must be a positive number"),
])
def test_plan_bad_input_exit_2(tmp_path, args, expected):
    answers = write(tmp_path, "question_id,credit\n1.P1,1\n")
    effort = write(tmp_path, "question_id,effort\n1.P1,0\n", "effort.csv")
    r = run("plan", answers, *[str(effort) if a == "EFFORT" else a for a in args], "--json")
    assert r.returncode == 2 and r.stdout == "" and expected in r.stderr
    r = run("plan", write(tmp_path, "question_id,credit\n1.P1,7\n", "bad.csv"))
    assert r.returncode == 2 and "row 2, field Credit" in r.stderr


def test_plan_unreachable_exit_3(tmp_path):

    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "frameworks"
    answers = write(tmp_path, "question_id,credit\nX1.Q1,1\n")
    r = run_kla("plan", answers, "--framework", "mini-2099", "--target", "Platinum", "--json",
                env={"KLA_FRAMEWORKS_DIR": str(fixtures)})
    assert r.returncode == 3 and r.stdout == ""
    assert "target Platinum cannot be reached" in r.stderr


def test_bench_says_when_the_postgresql_server_cannot_be_reached(monkeypatch, capsys):
    from tests.benchmarks.harness import main

    monkeypatch.setenv("KLA_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:9/x")
    assert main(["--json"]) == 2
    out = capsys.readouterr()
    assert out.out == ""  # before the SQLite part: nothing measured
    assert out.err.startswith("bench: cannot use the database of KLA_TEST_DATABASE_URL:")
    assert "Traceback" not in out.err

def test_the_console_script_itself():
    """The other tests call `main()` in-process; this one runs the installed `kla` once."""
    r = subprocess.run([KLA, "predicate", "600.01"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout == "Madya\n"
