"""Parsers never throw a traceback and never accept silently (issue 14): CSV of every kind of
line ending, overlong fields, non-UTF-8, missing or semicolon headers, unbalanced quotes,
numbers in other scripts; text with control characters; registry values out of range."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kla.domain.csvtext import FIELD_MAX, CsvTextError, records
from kla.domain.numbers import NumberError, parse_decimal
from kla.domain.published import classify, regions_index
from kla.domain.text import control_char, line_text, note_text, shown, text_problem
from kla.i18n import describe
from kla.io.csv import InputError, read_answers_text
from kla.io.export import xlsx_bytes, xlsx_text
from tests.cli_runner import run_kla


def write(tmp_path, data: bytes | str, name="answers.csv"):
    p = tmp_path / name
    p.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return p


# --- numbers -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["0_1", "１", "٠.٥", "1e0", " ", "0x1", "inf", "1,2,3", "+-1",
                                  "２０２２", "0.5\u200b"])
def test_only_ascii_digits_with_a_point_or_comma_are_numbers(text):
    with pytest.raises(NumberError):
        parse_decimal(text)


@pytest.mark.parametrize("text,value", [("0,4", 0.4), ("0.4", 0.4), (" 1 ", 1.0), ("12", 12.0)])
def test_the_decimal_comma_and_point_are_both_read(text, value):
    assert parse_decimal(text) == value


# --- CSV structure -----------------------------------------------------------------------------

def test_cr_only_line_endings_are_rows():
    assert list(records("a,b\r1,2\r3,4\r")) == [(1, ["a", "b"]), (2, ["1", "2"]), (3, ["3", "4"])]


def test_an_unclosed_quote_is_reported_at_the_row_where_it_opens():
    with pytest.raises(CsvTextError) as err:
        list(records('question_id,credit\n1.P1,1\n"1.P2a,0.5\n1.P2b,1\n1.P2c,1\n'))
    assert describe(err.value, "en").startswith("row 3: a quotation mark opens a field")
    assert describe(err.value, "id").startswith("baris 3: tanda kutip dibuka")


def test_a_field_over_the_limit_is_refused_with_its_row():
    with pytest.raises(CsvTextError) as err:
        list(records("a,b\n1," + "x" * (FIELD_MAX + 5) + "\n"))
    assert "row 2" in describe(err.value, "en")


def test_too_many_rows_are_refused_but_blank_lines_at_the_end_are_not():
    assert len(list(records("a\n1\n2\n\n\n", max_rows=3))) == 3
    with pytest.raises(CsvTextError):
        list(records("a\n1\n2\n3\n", max_rows=3))


@pytest.mark.parametrize("body,expected", [
    (b"question_id,credit\r1.P1,1\r1.P2a,0,5\r", None),  # CR only: read (0,5 is two fields)
    (b"question_id;credit\r\n1.P1;0,5\r\n", None),
    (b"question_id,credit\n1.P1,0_1\n", "row 2, field Credit: '0_1' is not a number"),
    (b"question_id,credit\n1.P1,\xef\xbc\x91\n", "row 2, field Credit"),
    (b"question_id,credit\n1.P1,1\n1.P2a,caf\xe9\n", "row 3: not a UTF-8 text file"),
    (bytes(range(256)) * 8, "not a UTF-8 text file"),
    (b"question_id credit\n1.P1 1\n", "row 1 (header), field Question ID: missing column"),
    (b"", "row 1 (header), field Question ID: missing column"),
    (b'question_id,credit\n"1.P1,1\n1.P2a,1\n', "row 2: a quotation mark opens a field"),
    (b"question_id,credit\n1.P1," + b"9" * 140_000 + b"\n", "row 2"),
    (b"question_id,credit\n" + b"1.P1,1\n" * 12_000, "more than 10000 rows"),
])
def test_kla_score_reads_or_refuses_every_malformed_file_with_exit_2(tmp_path, body, expected):
    r = run_kla("score", write(tmp_path, body), "--json")
    assert "Traceback" not in r.stderr
    if expected is None:
        assert r.returncode == 0, r.stderr
    else:
        assert r.returncode == 2 and r.stdout == "", r.stderr
        assert expected in r.stderr, r.stderr


def test_kla_plan_refuses_an_effort_written_with_an_underscore(tmp_path):
    answers = write(tmp_path, "question_id,credit\n1.P1,1\n")
    effort = write(tmp_path, "question_id,effort\n1.P2a,0_5\n", "effort.csv")
    r = run_kla("plan", answers, "--effort", effort)
    assert r.returncode == 2 and "row 2, field Effort: '0_5' is not a number" in r.stderr


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_any_text_is_read_or_refused_as_input_never_another_exception(text):
    from kla.domain.framework import get_framework

    fw = get_framework()
    try:
        read_answers_text(text, fw)
    except InputError as exc:
        assert exc.errors[0].render("id") and exc.errors[0].render("en")


# --- published results ---------------------------------------------------------------------------

def regions():
    return regions_index([("36", "Banten", "provinsi"), ("36.73", "Kota Serang", "kabkota")])


@pytest.mark.parametrize("text,problem", [
    ("kab_kota;province;award_year;predicate\n", None),  # a spreadsheet's CSV: read
    ("kab_kota,province,year,predicate\n", "award_year"),
    ("nama\n", "kab_kota"),
    ('kab_kota,province,award_year,predicate\n"Kota Serang,Banten,2023,Madya\n', "row 2"),
])
def test_published_results_with_a_broken_structure_load_nothing(text, problem):
    if problem is None:
        assert classify(text, regions()) == ([], [])
        return
    with pytest.raises(CsvTextError) as err:
        classify(text, regions())
    assert problem in describe(err.value, "en")


def test_published_results_refuse_years_and_scores_in_other_scripts():
    text = ("kab_kota,province,award_year,predicate,score\r"
            "Kota Serang,Banten,２０２３,Madya,\r"
            "Kota Serang,Banten,2023,Madya,6_45\r"
            "Kota Serang,Banten,2025,Madya,645,4\r")
    ok, bad = classify(text, regions())
    assert [(b.row, b.reason.split(" '")[0]) for b in bad] == [
        (2, "unknown award year"), (3, "score")]
    assert [(r.row, r.award_year) for r in ok] == [(4, 2025)]


# --- text on the way in and out --------------------------------------------------------------------

def test_notes_keep_line_breaks_of_every_kind_and_refuse_other_control_characters():
    assert note_text("satu\x0bdua\r\ntiga\u2028empat") == "satu\ndua\ntiga\nempat"
    assert control_char("a\x00b") == "U+0000" and control_char("a\tb\nc") is None
    problem = text_problem("a\x01b", 100)
    assert problem.render("id") == "memuat karakter kendali U+0001 yang tidak dapat disimpan"
    assert text_problem("x" * 300, 255).render("en") == "300 characters; at most 255"


def test_one_line_values_and_quoted_values_are_cleaned():
    assert line_text(" Taman\tBermain\nRW 03 ") == "Taman Bermain RW 03"
    assert shown("x" * 100) == "x" * 40 + "…"
    assert shown("a\x00b") == "a\\x00b"


def test_excel_exports_survive_every_control_character():
    import io

    import pandas as pd
    from openpyxl import load_workbook

    assert xlsx_text("baris\x0bbaru\x01") == "baris\nbaru"
    assert xlsx_text("=1+1") == "'=1+1"
    df = pd.DataFrame({"\x01pengguna": ["\x01admin", "catatan\x0bdua"], "n": [1, 2]})
    wb = load_workbook(io.BytesIO(xlsx_bytes(df, "Log")))
    assert [c.value for c in wb.active[1]] == ["pengguna", "n"]
    assert wb.active["A2"].value == "admin" and wb.active["A3"].value == "catatan\ndua"
