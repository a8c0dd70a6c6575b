"""Every CSV the outside world hands us — answers (``question_id,credit``), efforts
(``question_id,effort``), published results — is read or refused with a message in both
languages, whatever its bytes; never another exception. Published results account for every
row (loaded or rejected with a reason) and load only what the store can hold."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kla.domain.csvtext import CsvTextError, records
from kla.domain.framework import get_framework
from kla.domain.published import AWARD_YEARS, STORED_TEXT, classify
from kla.domain.text import control_char
from kla.io.csv import (
    InputError,
    decode,
    parse_effort,
    read_answers_text,
    read_values_text,
)
from tests.fuzz.support import (
    REGIONS,
    assert_renders,
    fuzz,
    hostile_text,
    outcome,
    weighted,
)

FW = get_framework()
QIDS = sorted(FW.questions)[:12]
SEPARATORS = st.sampled_from([","] * 6 + [";"] * 3 + ["\t", ", "])
ENDINGS = st.sampled_from(["\n", "\r\n", "\r", "\n\n", "\r\r\n"])


def cell(values: list[str]):
    """Mostly a plausible value, else a hostile one; sometimes quoted, escaped, or with a
    quotation mark left open."""
    plain = weighted((90, st.sampled_from(values)), (10, hostile_text(24)))
    return weighted((88, plain), (5, plain.map(lambda v: f'"{v}"')),
                    (3, plain.map(lambda v: f'"{v}')),
                    (4, plain.map(lambda v: v.replace('"', '""'))))


@st.composite
def csv_text(draw, header: list[str], values: dict[str, list[str]],
             pairs: tuple[str, str, list[tuple[str, str]]] | None = None):
    """A CSV of ``header`` (mostly as it is, else shuffled or damaged) whose rows take their
    values column by column from ``values``; ``pairs``: two columns whose values go together
    (kab/kota and its province), drawn together most of the time."""
    sep = draw(SEPARATORS)
    end = draw(ENDINGS)
    head = draw(weighted((80, st.just(header)), (10, st.permutations(header)),
                         (10, st.lists(st.sampled_from([*header, "", "x", " credit "]),
                                       max_size=len(header) + 1))))
    lines = [head]
    for _ in range(draw(st.integers(0, 8))):
        row = {h: draw(cell(values.get(h, [""]))) for h in head}
        if pairs and draw(st.integers(0, 9)) < 8:
            a, b, options = pairs
            row[a], row[b] = draw(st.sampled_from(options))
        fields = [row.get(h, "") for h in head]
        cut = draw(st.sampled_from([0] * 18 + [1, -1]))
        fields = fields[:-1] if cut == 1 else fields + ([draw(hostile_text(12))] if cut else [])
        lines.append(fields)
    text = end.join(sep.join(r) for r in lines)
    return draw(st.sampled_from(["", "\ufeff"])) + text + draw(st.sampled_from(["", end]))


ANSWER_VALUES = {"question_id": [*QIDS, "1.p1", " 1.P1 ", "99.P9", ""],
                 "credit": ["0", "1", "0,5", "0.25", "1.5", "-0", "0_1", "１", "1e0", " ", "nan"]}
EFFORT_VALUES = {"question_id": ANSWER_VALUES["question_id"],
                 "effort": ["1", "2,5", "0", "-1", "1e3", "inf", "9" * 70, "３"]}


def read_or_refuse(call):
    try:
        result = call()
    except InputError as exc:
        assert_renders(exc)
        return None
    outcome("read")
    return result


@fuzz(200)
@given(csv_text(["question_id", "credit"], ANSWER_VALUES))
def test_answers_csv_is_read_or_refused(text):
    values = read_or_refuse(lambda: read_answers_text(text, FW, source="jawaban.csv"))
    if values is not None:
        assert set(values) <= set(FW.questions)
        assert all(0 <= v <= 1 for v in values.values())


@fuzz(150)
@given(csv_text(["question_id", "effort"], EFFORT_VALUES))
def test_effort_csv_is_read_or_refused(text):
    values = read_or_refuse(lambda: read_values_text(text, FW, "effort", parse_effort,
                                                     source="upaya.csv"))
    if values is not None:
        assert all(v > 0 for v in values.values())


@fuzz(150)
@given(st.one_of(st.binary(max_size=300),
                 st.text(max_size=100).map(lambda t: t.encode("utf-8")),
                 st.text(max_size=100).map(lambda t: t.encode("latin-1", "replace")),
                 st.text(max_size=100).map(lambda t: t.encode("utf-16"))))
def test_any_bytes_decode_or_are_refused_with_the_row(data):
    text = read_or_refuse(lambda: decode(data, "jawaban.csv"))
    if text is not None:
        read_or_refuse(lambda: read_answers_text(text, FW, source="jawaban.csv"))


@fuzz(150)
@given(hostile_text(200), st.sampled_from([",", ";"]), st.integers(1, 8))
def test_csv_records_are_rows_or_one_refusal(text, sep, max_rows):
    try:
        rows = list(records(text, sep, max_rows=max_rows))
    except CsvTextError as exc:
        assert_renders(exc)
        return
    assert [n for n, _ in rows] == sorted({n for n, _ in rows})
    assert all("\n" not in f for _, fields in rows for f in fields)


# --- published results ------------------------------------------------------------------------

PLACES = [("Kota Serang", "Banten"), ("Kab Pandeglang", "Banten"),
          ("Kota Jakarta Selatan", "DKI Jakarta"), ("Kota Metro", "Lampung")]
PUBLISHED_HEADER = ["kab_kota", "province", "award_year", "predicate", "score", "score_type",
                    "note", "marker", "source"]
PUBLISHED_VALUES = {
    "kab_kota": ["Kota Serang", "Kab Pandeglang", "Kota Jakarta Selatan", "kota metro",
                 "Kota  Serang", "Kota Antah"],
    "province": ["Banten", "DKI Jakarta", "Lampung", "banten", "Atlantis"],
    "award_year": [str(y) for y in AWARD_YEARS] * 3 + ["2020", "２０２３", "23", ""],
    "predicate": ["Pratama", "Madya", "Nindya", "Utama", "KLA", "none"] * 3 + ["madya", ""],
    "score": ["", "645", "645,5", "1001", "-1", "6_45", "1e3"],
    "score_type": ["", "official", "T" * 61],
    "note": ["", "catatan", "a\x00b", "baris\x0bbaru"],
    "marker": ["", "*", "M" * 9],
    "source": ["", "kemenpppa.go.id", "\x01"],
}


def data_rows(text: str) -> list[int]:
    """The rows of a published-results CSV after its header that are not blank."""
    text = text.lstrip("\ufeff")
    first = text.replace("\r", "\n").split("\n", 1)[0]
    sep = ";" if ";" in first and "," not in first else ","
    return [n for n, fields in list(records(text, sep))[1:] if any(f.strip() for f in fields)]


@fuzz(200)
@given(csv_text(PUBLISHED_HEADER, PUBLISHED_VALUES, ("kab_kota", "province", PLACES)))
def test_published_results_account_for_every_row_and_fit_the_store(text):
    try:
        ok, bad = classify(text, REGIONS)
    except CsvTextError as exc:
        assert_renders(exc)
        return
    assert sorted([r.row for r in ok] + [r.row for r in bad]) == data_rows(text)
    outcome(f"classified: {len(ok)} loaded" if ok else "classified: none loaded")
    assert all(r.reason for r in bad)
    for r in ok:  # what is loaded fits published_result (PostgreSQL refuses the rest)
        for column, limit in STORED_TEXT.items():
            value = getattr(r, column)
            assert control_char(value) is None
            assert limit is None or len(value) <= limit
