"""Workbooks handed to us — the answers workbook (``kla.io.excel.read_xlsx``) and registry
workbooks (``kla.services.registries.import_xlsx``) — are read or refused with a message in
both languages whatever their cells or bytes: cell values of every type written into an
exported workbook, random bytes, and archives whose bytes or parts are damaged."""

from __future__ import annotations

import functools
import io
from datetime import date, datetime, time, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import func, select

from kla.domain.registries import FIELDS, KINDS, RegistryError
from kla.io import excel
from kla.io.csv import InputError
from kla.services import registries as reg
from kla.services.permissions import SYSTEM
from kla.store.models import RegistryEntry
from tests.fuzz.support import (
    WORKBOOK_AT,
    assert_renders,
    fuzz,
    hostile_text,
    mini_framework,
    mini_workbook,
    mutate,
    mutate_part,
    mutations,
    outcome,
    weighted,
)

FW = mini_framework()
QIDS = list(FW.questions)


def storable(text: str) -> str:
    """What openpyxl can write into a cell (it refuses C0 controls but tab and breaks)."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def cell_values():
    """A value of any type a cell holds, plausible and hostile."""
    return st.one_of(
        st.none(), st.just(""), st.booleans(),
        st.integers(-10**20, 10**20), st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([0, 1, 0.5, "0,5", "0.5", " 1 ", "１", "0_1", "1e0", "'=1+1", "=1/0",
                         "#N/A", *QIDS, " " + QIDS[0], QIDS[0].lower(), "99.P9"]),
        hostile_text(80).map(storable),
        st.text(min_size=2001, max_size=2100).map(storable),
        st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 12, 31)),
        st.dates(min_value=date(1900, 3, 1)), st.times(),
        st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)))


def read(data: bytes):
    try:
        return excel.read_xlsx(data, FW, **WORKBOOK_AT, source="penilaian.xlsx")
    except InputError as exc:
        assert_renders(exc)
        return None


# the answers workbook's columns (1-based) and its hidden sheet's values
COLUMNS = {name: i for i, name in enumerate(excel.COLUMNS, start=1)}
META_ROWS = 8


@fuzz(120)
@given(st.lists(st.tuples(st.integers(1, len(QIDS) + 3),
                          st.sampled_from(["ID Pertanyaan", "Maks", "Kredit", "Catatan",
                                           "Kredit", "Catatan", "Blok"]),
                          cell_values()), min_size=1, max_size=6),
       st.lists(st.tuples(st.integers(1, META_ROWS + 1), st.integers(1, 2), cell_values()),
                max_size=2))
def test_any_cell_values_in_the_answers_workbook_are_read_or_refused(cells, meta):
    wb = load_workbook(io.BytesIO(mini_workbook()))
    ws = wb[excel.SHEET]
    for row, column, value in cells:
        ws.cell(row + 1, COLUMNS[column]).value = value
    for row, column, value in meta:
        wb[excel.META].cell(row, column).value = value
    buf = io.BytesIO()
    try:
        wb.save(buf)
    except (ValueError, TypeError, OverflowError):
        assume(False)  # a value openpyxl cannot write (a date before its epoch, …)
    rows = read(buf.getvalue())
    if rows is not None:
        outcome("read")
        assert set(rows) <= set(QIDS)
        for r in rows.values():
            assert r.credit is None or 0 <= r.credit <= 1
            assert len(r.note) <= 2000


@fuzz(150)
@given(st.one_of(st.binary(max_size=2000),
                 st.binary(max_size=500).map(lambda b: b"PK\x03\x04" + b)))
def test_random_bytes_are_not_a_workbook(data):
    assert read(data) is None


@fuzz(150)
@given(mutations(4))
def test_a_damaged_archive_is_read_or_refused(ops):
    read(mutate(mini_workbook(), ops))


@fuzz(150)
@given(st.integers(0, 50), mutations(4))
def test_a_damaged_part_of_the_workbook_is_read_or_refused(index, ops):
    read(mutate_part(mini_workbook(), index, ops))


# --- registry workbooks ------------------------------------------------------------------------

CITY = "18.72"


@functools.cache
def field_values(engine, kind: str):
    """A value for each field of ``kind``: mostly valid for its type, else hostile."""
    area = reg.area(engine, CITY)
    by_type = {
        "text": weighted((90, st.sampled_from(["Taman Melati", "SK 12/2025", "  Posyandu  ",
                                                "Forum Anak RW 03"])),
                         (10, st.text(min_size=250, max_size=300).map(storable))),
        "kecamatan": st.sampled_from(sorted(area.kecamatan) + ["18.72.99", "36.73.01"]),
        "desa": st.sampled_from(sorted(area.desa)[:4] + ["", "18.72.01.9999"]),
        "area": st.sampled_from(sorted(area.kecamatan)[:2] + sorted(area.desa)[:2] + ["18"]),
        "date": weighted((70, st.sampled_from(["2025-08-01", "2024-02-29", "2025-01-15"])),
                         (20, st.sampled_from(["2023-02-29", "9999-12-31", "1999-12-31",
                                               "01/08/2025", "2025-08-01T10:00"])),
                         (10, st.datetimes(min_value=datetime(1900, 3, 1)))),
        "int": weighted((80, st.integers(0, 50)), (10, st.integers(-5, 2_000_000)),
                        (10, st.sampled_from([1e20, 2.5, "1e20", "4", "0_5", "１"]))),
        "bool": st.sampled_from(["ya", "", "x", "tidak", True, 1]),
    }
    out = {}
    for f, kind_, options in FIELDS[kind]:
        base = st.sampled_from(options) if kind_ == "choice" else by_type[kind_]
        out[f] = weighted((92, base), (8, cell_values()))
    return out


@st.composite
def registry_workbook(draw, engine):
    kind = draw(st.sampled_from(KINDS))
    fields = [f for f, _, _ in FIELDS[kind]]
    header = draw(weighted((80, st.just(fields)), (10, st.permutations(fields)),
                           (5, st.just([*fields, "nama_anak"])), (5, st.just(fields[1:]))))
    values = field_values(engine, kind)
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for _ in range(draw(st.integers(0, 4))):
        ws.append([draw(values.get(h, cell_values())) for h in header])
    if draw(st.booleans()):
        ws.append([None] * len(header))  # a blank row before the last
        ws.append([draw(values.get(h, cell_values())) for h in header])
    buf = io.BytesIO()
    try:
        wb.save(buf)
    except (ValueError, TypeError, OverflowError):
        assume(False)
    return kind, buf.getvalue()


def entries(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(RegistryEntry)).scalar_one()


def import_or_refuse(engine, kind: str, data: bytes) -> None:
    before = entries(engine)
    try:
        n = reg.import_xlsx(engine, SYSTEM, CITY, kind, data, source="registri.xlsx")
    except RegistryError as exc:
        assert_renders(exc)
        assert entries(engine) == before  # all or nothing
        return
    assert entries(engine) == before + n
    outcome(f"imported {n}")


@fuzz(100)
@given(st.data())
def test_any_registry_workbook_is_imported_or_refused(registry_engine, data):
    kind, workbook = data.draw(registry_workbook(registry_engine))
    import_or_refuse(registry_engine, kind, workbook)


@fuzz(100)
@given(st.sampled_from(KINDS), st.integers(0, 50), mutations(4), st.booleans())
def test_a_damaged_registry_workbook_is_refused(registry_engine, kind, index, ops, by_part):
    wb = Workbook()
    wb.active.append([f for f, _, _ in FIELDS[kind]])
    buf = io.BytesIO()
    wb.save(buf)
    data = mutate_part(buf.getvalue(), index, ops) if by_part else mutate(buf.getvalue(), ops)
    import_or_refuse(registry_engine, kind, data)


def test_cell_values_cover_what_openpyxl_reads_back():
    """The strategy's types survive a round trip (the fuzz reaches the parsers with them)."""
    wb = Workbook()
    wb.active.append([datetime(2025, 8, 1), date(2025, 8, 1), time(10, 0), timedelta(hours=5),
                      1e20, True, "x"])
    buf = io.BytesIO()
    wb.save(buf)
    assert len(next(load_workbook(buf).active.iter_rows(values_only=True))) == 7
