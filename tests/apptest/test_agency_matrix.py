"""AppTest of Matriks OPD (issue 16) on the sample data (Kota Serang): the coordinator sees
every agency, an agency account only its own row; the numbers are the domain's; both languages."""

import json

import pytest

from kla.services.agencies import agency_matrix_of
from kla.services.assessments import list_assessments
from kla.services.users import get_actor
from kla.store.db import make_engine

PAGE = "app_pages/matriks_opd.py"


def frame(at, *columns):
    for d in at.dataframe:
        if all(c in d.value.columns for c in columns):
            return d.value
    raise AssertionError(f"no table with columns {columns}")


def open_matrix(app_factory, url, user, locale="id-ID", year=2025, stage="FINAL"):
    at = app_factory(url, locale=locale, user=user).run()
    at.switch_page(PAGE).run()
    at.selectbox(key="matrix_region").set_value("36.73").run()
    at.selectbox(key="matrix_year_36.73").set_value(year).run()
    lang = locale[:2]
    at.selectbox(key=f"matrix_stage_36.73_{year}.{lang}").set_value(stage).run()
    assert not at.exception
    return at


def expected(url, user, year=2025, stage="FINAL"):
    engine = make_engine(url)
    try:
        who = get_actor(engine, user)
        info = next(i for i in list_assessments(engine, who, "36.73")
                    if (i.year, i.stage) == (year, stage))
        return agency_matrix_of(engine, who, info.id)
    finally:
        engine.dispose()


def test_coordinator_sees_every_agency_with_the_domains_numbers(app_factory, seeded_sqlite_url):
    at = open_matrix(app_factory, seeded_sqlite_url, "koordinator.serang")
    view = expected(seeded_sqlite_url, "koordinator.serang")
    table = frame(at, "OPD", "Poin dipertaruhkan", "Poin penghalang predikat berikutnya")
    # questions without an agency are one row, named in words ("–" read as a dash before)
    assert list(table["OPD"]) == ["(tanpa OPD)" if r.agency == "–" else r.agency
                                  for r in view.matrix.rows]
    assert len(table) > 20
    assert list(table["Pertanyaan ditugaskan"]) == [r.assigned for r in view.matrix.rows]
    assert list(table["Poin dipertaruhkan"]) == pytest.approx(
        [r.at_stake for r in view.matrix.rows])
    assert list(table["Poin penghalang predikat berikutnya"]) == pytest.approx(
        [r.blocking for r in view.matrix.rows])
    assert "Aksi terlambat" not in table.columns  # no action plan yet: no column
    assert view.matrix.total.at_stake == pytest.approx(view.headline)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Poin dipertaruhkan"] == "354,60"  # 1.000 − 645,40
    assert len(at.get("plotly_chart")) == 1
    captions = [c.value for c in at.caption]
    assert any(c.startswith(f"{len(view.matrix.rows)} OPD, 354,60 poin dipertaruhkan")
               and "dihitung di tiap OPD" in c for c in captions)
    assert len(at.get("download_button")) == 4  # the matrix and the agency list, CSV + Excel
    # click-through: the agency's own questions
    at.selectbox(key="matrix_opd_" + str(view.info.id) + ".id").set_value("Dinkes").run()
    listing = frame(at, "ID", "Keputusan verifikator")
    assert list(listing["ID"]) == [q.question_id for q in view.matrix.questions["Dinkes"]]
    assert listing["OPD"].str.contains("Dinkes").all()


def test_agency_account_sees_only_its_own_row(app_factory, seeded_sqlite_url):
    at = open_matrix(app_factory, seeded_sqlite_url, "dinkes.serang", stage="EM")
    table = frame(at, "OPD", "Poin dipertaruhkan")
    assert list(table["OPD"]) == ["Dinkes"]
    view = expected(seeded_sqlite_url, "dinkes.serang", stage="EM")
    assert table["Poin dipertaruhkan"].iloc[0] == pytest.approx(view.matrix.rows[0].at_stake)
    assert any("Hanya baris OPD Anda: Dinkes" in i.value for i in at.info)
    # another agency of the same city signs in in this session: its own row, not a cached one
    at.session_state["auth_user"] = "dp3a.serang"
    at.run()
    assert not at.exception
    assert list(frame(at, "OPD", "Poin dipertaruhkan")["OPD"]) == ["DPPPAPPKB"]


def test_english(app_factory, seeded_sqlite_url):
    at = open_matrix(app_factory, seeded_sqlite_url, "pengamat", locale="en-US")
    table = frame(at, "Agency (OPD)", "Points at stake", "Points blocking the next predicate",
                  "Evidence missing", "Rejected at verification")
    assert len(table) > 20
    assert any("points at stake (each question counted once)" in c.value for c in at.caption)
    assert at.header[0].value == "Heatmap"


def widths(table) -> dict:
    """Column → its configured width in pixels (``st.column_config``)."""
    return {c: v.get("width") for c, v in json.loads(table.proto.columns).items()
            if not c.startswith("_")}


def test_every_column_fits_a_1360_px_window(app_factory, seeded_sqlite_url):
    """At 1,360 px the main area is ~900 px wide: the last columns (Aksi terlambat, "Poin
    di…") were behind a sideways scroll and the metric's label was cut. Short headers (the
    full name as help) and widths that add up to at most 900 px; the points come right after
    the question."""
    at = open_matrix(app_factory, seeded_sqlite_url, "koordinator.serang")
    metric = next(m for m in at.metric if m.proto.help == "Poin penghalang predikat berikutnya")
    assert metric.label == "Poin penghalang"
    matrix = next(d for d in at.dataframe if d.value.columns[0] == "OPD")
    view = expected(seeded_sqlite_url, "koordinator.serang")
    at.selectbox(key=f"matrix_opd_{view.info.id}.id").set_value("Dinkes").run()
    listing = next(d for d in at.dataframe if d.value.columns[0] == "ID")
    for table in (matrix, listing):
        sizes = widths(table)
        assert set(sizes) == set(table.value.columns) and all(sizes.values())
        assert sum(sizes.values()) <= 900
    config = json.loads(matrix.proto.columns)["Poin penghalang predikat berikutnya"]
    assert (config["label"], config["help"]) == ("Penghalang",
                                                  "Poin penghalang predikat berikutnya")
    assert list(listing.value.columns[:4]) == ["ID", "Pertanyaan", "Poin dipertaruhkan",
                                               "Poin penghalang predikat berikutnya"]
