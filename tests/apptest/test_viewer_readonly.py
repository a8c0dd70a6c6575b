"""AppTest: the viewer reads the planning pages but is given no control that writes (save,
reset, delete), while Kota Serang's coordinator is; and every page in each sample account's
menu renders without an exception."""

import pytest
import streamlit as st

from kla.domain.framework import get_framework
from kla.domain.sample import DEMO_USERS
from kla.i18n import t
from kla.services import exports, planning
from kla.services.permissions import SYSTEM
from kla.store.db import make_engine

SERANG, YEAR = "36.73", 2025


@pytest.fixture(scope="module")
def url(seeded_sqlite_copy):
    """This module's own copy of the sample, with stored efforts and a saved scenario for Kota
    Serang 2025 (so the reset and delete controls have something to act on)."""
    url = seeded_sqlite_copy()
    engine = make_engine(url)
    fw = get_framework()
    info = exports.find_assessment(engine, SYSTEM, SERANG, YEAR, "FINAL")
    qid = next(q for q in fw.questions if fw.questions[q].max > 0)
    planning.save_efforts(engine, SYSTEM, SERANG, fw, {qid: 2.5})
    planning.save_scenario(engine, SYSTEM, info, "skenario uji", {qid: 1.0})
    engine.dispose()
    return url


def open_page(app_factory, url, user, page, prefix):
    at = app_factory(url, user=user).run()
    at.switch_page(page).run()
    at.selectbox(key=f"{prefix}_region").set_value(SERANG).run()
    at.selectbox(key=f"{prefix}_year_{SERANG}").set_value(YEAR).run()
    # the stage the scenario was saved on (a coordinator's default is the self-assessment)
    at.selectbox(key=f"{prefix}_stage_{SERANG}_{YEAR}.id").set_value("FINAL").run()
    assert not at.exception
    return at


def controls(at):
    """(labels, form ids, keys) of every button on the page, form submit buttons included."""
    return ({b.label for b in at.button}, {b.form_id for b in at.button if b.form_id},
            {b.key for b in at.button})


def read_only_caption(at) -> bool:
    return t("planning.read_only") in [c.value for c in at.caption]


def test_path_page_viewer_reads_only(app_factory, url):
    at = open_page(app_factory, url, "pengamat", "app_pages/jalur.py", "path")
    labels, forms, keys = controls(at)
    assert t("path.save_efforts") not in labels and f"path_effort_form_{SERANG}" not in forms
    assert t("path.reset_efforts") not in labels and "path_reset_efforts" not in keys
    assert read_only_caption(at)
    assert any(t("path.default_effort") in d.value.columns for d in at.dataframe)  # to read


def test_path_page_coordinator_edits(app_factory, url):
    at = open_page(app_factory, url, "koordinator.serang", "app_pages/jalur.py", "path")
    labels, forms, keys = controls(at)
    assert t("path.save_efforts") in labels and f"path_effort_form_{SERANG}" in forms
    assert "path_reset_efforts" in keys
    assert not read_only_caption(at)


def test_simulation_page_viewer_reads_only(app_factory, url):
    at = open_page(app_factory, url, "pengamat", "app_pages/simulasi.py", "sim")
    labels, forms, keys = controls(at)
    assert t("sim.save") not in labels and "sim_save_form" not in forms
    assert "sim_delete" not in keys and t("sim.delete") not in labels
    assert read_only_caption(at)
    assert at.selectbox(key="sim_pick").value == "skenario uji"  # saved scenarios: readable
    assert "sim_load" in keys  # and loadable to try them


def test_simulation_page_coordinator_edits(app_factory, url):
    at = open_page(app_factory, url, "koordinator.serang", "app_pages/simulasi.py", "sim")
    labels, forms, keys = controls(at)
    assert t("sim.save") in labels and "sim_save_form" in forms
    assert "sim_delete" in keys
    assert not read_only_caption(at)


@pytest.fixture
def menu(monkeypatch):
    """Records the pages app.py registers (st.Page paths passed to st.navigation)."""
    made, shown = [], []
    real_page, real_navigation = st.Page, st.navigation

    def page(path, *args, **kwargs):
        obj = real_page(path, *args, **kwargs)
        made.append((obj, path))
        return obj

    def navigation(pages, *args, **kwargs):
        flat = pages if isinstance(pages, list) else [p for ps in pages.values() for p in ps]
        shown[:] = [next(path for obj, path in made if obj is p) for p in flat]
        return real_navigation(pages, *args, **kwargs)

    monkeypatch.setattr(st, "Page", page)
    monkeypatch.setattr(st, "navigation", navigation)
    return shown


@pytest.mark.parametrize("username,role", [(u[0], u[1]) for u in DEMO_USERS])
def test_every_page_of_the_menu_renders(app_factory, url, menu, username, role):
    at = app_factory(url, user=username).run()
    assert not at.exception
    pages = list(menu)
    assert "app_pages/posisi.py" in pages and "app_pages/login.py" not in pages
    assert ("app_pages/pengguna.py" in pages) == (role == "admin")
    assert ("app_pages/verifikasi.py" in pages) == (role in ("admin", "verifier"))
    assert ("app_pages/isian.py" in pages) == (role in ("admin", "coordinator", "opd"))
    failed, titles = [], set()
    for page in pages:
        at.switch_page(page).run()
        if at.exception:
            failed.append(f"{page}: {at.exception[0].message}")
        elif not at.title:
            failed.append(f"{page}: no title")
        else:
            titles.add(at.title[0].value)
    assert not failed, f"{username} ({role}):\n" + "\n".join(failed)
    assert len(titles) == len(pages)  # each page its own (no silent fallback to another)
