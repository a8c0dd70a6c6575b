"""The `kla` commands that touch the store, on SQLite and PostgreSQL: export, import, user."""

import zipfile

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from kla.services.answers import answer_states
from kla.services.exports import find_assessment
from kla.services.permissions import SYSTEM
from kla.store.db import engine_for
from tests.cli_runner import run_kla

pytestmark = pytest.mark.store


def kla(url, tmp_path, *args, stdin=None):
    return run_kla(*args, env={"KLA_DATABASE_URL": url, "KLA_DATA_DIR": str(tmp_path / "data")},
                   stdin=stdin)


ARGS = ("--region", "36.73", "--year", "2026", "--stage", "EM")


def test_export_three_formats(seeded_url, tmp_path):
    for kind in ("xlsx", "zip", "pdf"):
        out = tmp_path / f"out.{kind}"
        r = kla(seeded_url, tmp_path, "export", kind, *ARGS, out)
        assert r.returncode == 0, r.stderr
    wb = load_workbook(tmp_path / "out.xlsx")
    ws = wb["Penilaian"]
    assert [c.value for c in ws[1]][:6] == ["Blok", "Indikator", "ID Pertanyaan", "Pertanyaan",
                                            "Maks", "Kredit"]
    assert ws.max_row == 275 and ws["C2"].value == "1.P1" and wb["_meta"].sheet_state == "hidden"
    assert ws.protection.sheet and not ws["F2"].protection.locked
    assert "index.xlsx" in zipfile.ZipFile(tmp_path / "out.zip").namelist()
    text = PdfReader(tmp_path / "out.pdf").pages[0].extract_text()
    assert "Kota Serang" in text and "DATA CONTOH" in text
    r = kla(seeded_url, tmp_path, "export", "pdf", "--region", "36.73", "--year", "1999",
            "--stage", "EM", tmp_path / "x.pdf")
    assert r.returncode == 2 and "no assessment for region 36.73, year 1999" in r.stderr


def test_import_round_trip_and_all_or_nothing(seeded_url, tmp_path):
    engine = engine_for(seeded_url)
    info = find_assessment(engine, SYSTEM, "36.73", 2026, "EM")
    out = tmp_path / "isian.xlsx"
    assert kla(seeded_url, tmp_path, "export", "xlsx", *ARGS, out).returncode == 0
    before = answer_states(engine, SYSTEM, info.id)
    wb = load_workbook(out)
    ws = wb["Penilaian"]
    ws["F2"], ws["I2"] = 0.75, "=HYPERLINK(\"x\")"   # a note that looks like a formula
    ws["F3"] = 2                                     # bad row
    wb.save(out)
    r = kla(seeded_url, tmp_path, "import", "xlsx", out, *ARGS)
    assert r.returncode == 2 and r.stdout == ""
    assert "row 3, column Kredit: 2 is outside 0–1" in r.stderr
    assert answer_states(engine, SYSTEM, info.id) == before  # nothing applied
    ws["F3"] = 0.25
    wb.save(out)
    r = kla(seeded_url, tmp_path, "import", "xlsx", out, *ARGS)
    assert r.returncode == 0, r.stderr
    after = answer_states(engine, SYSTEM, info.id)
    assert after["1.P1"].credit == 0.75 and after["1.P1"].note == '=HYPERLINK("x")'
    assert after["1.P1"].updated_by == "system"  # the command line acts as the system actor
    # exported again, the formula-looking note is neutralised for spreadsheets
    assert kla(seeded_url, tmp_path, "export", "xlsx", *ARGS, out).returncode == 0
    assert load_workbook(out)["Penilaian"]["I2"].value == "'=HYPERLINK(\"x\")"
    r = kla(seeded_url, tmp_path, "import", "xlsx", out, "--region", "18.72", "--year", "2025",
            "--stage", "EM")
    assert r.returncode == 2 and "the workbook is for another regency/city: '36.73'" in r.stderr


def test_user_add_and_list(seeded_url, tmp_path):
    r = kla(seeded_url, tmp_path, "user", "add", "cli.koord", "--role", "coordinator",
            "--region", "36.73", "--password-stdin", stdin="sandi-rahasia\n")
    assert r.returncode == 0, r.stderr
    r = kla(seeded_url, tmp_path, "user", "add", "cli.koord", "--role", "opd",
            "--password-stdin", stdin="pendek\n")
    assert r.returncode == 2 and "already exists" in r.stderr and "at least 10" in r.stderr
    listed = kla(seeded_url, tmp_path, "user", "list").stdout
    assert "cli.koord" in listed and "coordinator" in listed and "admin" in listed


def test_demo_twice_keeps_one_set_of_accounts(seeded_url, tmp_path):
    first = kla(seeded_url, tmp_path, "user", "list").stdout.count("\n")
    assert kla(seeded_url, tmp_path, "demo").returncode == 0
    assert kla(seeded_url, tmp_path, "user", "list").stdout.count("\n") == first
