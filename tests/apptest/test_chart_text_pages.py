"""Every chart the pages draw has its text alternative right under it (issue 17): a caption
computed from the chart's data, in the reader's language; and its table one click away (the
registry charts' "Tabel data" expanders, drawn only while open)."""

import pytest

from kla.domain.registries import PLAY_STANDARDS
from kla.i18n import t
from kla.services import registries as reg
from kla.services.permissions import SYSTEM
from kla.store.db import make_engine

CHART_PAGES = ("posisi", "kesenjangan", "perkembangan", "simulasi", "risiko", "jalur",
               "ruang_bermain", "lembaga_anak", "kasus_ppa", "pelatihan_kha", "nasional",
               "provinsi")


def reader_language(monkeypatch, lang: str) -> None:
    """AppTest formats translated selectbox options again outside the script run, in the
    default language: make that the reader's (as in test_formula_panel)."""
    import kla.i18n

    monkeypatch.setattr(kla.i18n, "DEFAULT_LANG", lang)


def after_each_chart(node) -> list:
    """For every plotly chart in the element tree: the element drawn right after it in the
    same block (None when it is the last one)."""
    out = []
    kids = getattr(node, "children", None) or {}
    kids = list(kids.values()) if isinstance(kids, dict) else list(kids)
    for i, kid in enumerate(kids):
        if getattr(kid, "type", None) == "plotly_chart":
            out.append(kids[i + 1] if i + 1 < len(kids) else None)
        out += after_each_chart(kid)
    return out


def test_every_chart_drawn_is_followed_by_its_caption(app_factory, seeded_sqlite_url):
    at = app_factory(seeded_sqlite_url).run()  # admin: every page
    drawn = {}
    for page in CHART_PAGES:
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, (page, at.exception)
        following = after_each_chart(at.main)
        drawn[page] = len(following)
        for element in following:
            assert element is not None and element.type == "caption", (page, element)
            assert element.value.strip().endswith((".", ")")), (page, element.value)
    assert all(drawn.values()), drawn  # each page draws at least one chart in the sample
    assert sum(drawn.values()) >= 15, drawn  # Risiko draws its falls only with a history


@pytest.mark.parametrize("lang,standing,blocks", [
    ("id", "Kota Serang 645,40 — Madya; 54,61 poin menuju Nindya.", "Blok terkuat: "),
    ("en", "Kota Serang 645.40 — Madya; 54.61 points to Nindya.", "Strongest block: ")])
def test_posisi_says_what_its_charts_show(app_factory, seeded_sqlite_url, monkeypatch, lang,
                                          standing, blocks):
    reader_language(monkeypatch, lang)
    at = app_factory(seeded_sqlite_url, locale="en-US" if lang == "en" else "id-ID",
                     user="koordinator.serang").run()
    at.selectbox(key="posisi_region").set_value("36.73").run()
    at.selectbox(key="posisi_year_36.73").set_value(2025).run()
    at.selectbox(key=f"posisi_stage_36.73_2025.{lang}").set_value("FINAL").run()
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert standing in captions
    assert any(c.startswith(blocks) for c in captions)


@pytest.mark.parametrize("page,key,first", [
    ("ruang_bermain", "play_chart_table", "reg.f.kecamatan_kode"),
    ("pelatihan_kha", "kha_chart_table", "reg.f.provider_kind")])
def test_registry_chart_table_is_one_click_away(app_factory, seeded_sqlite_url, page, key,
                                                first):
    at = app_factory(seeded_sqlite_url, user="koordinator.metro").run()
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception
    label = t("chart.table")
    assert [e.label for e in at.expander].count(label) == 1
    assert not [d for d in at.dataframe if d.value.columns[0] == t(first)]  # closed
    at.session_state[f"{key}.id"] = True  # the reader opens it
    at.run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if d.value.columns[0] == t(first))
    if page == "ruang_bermain":
        rows = reg.entries(make_engine(seeded_sqlite_url), SYSTEM, "18.72", "play_area")
        statuses = [t(f"reg.o.{s}") for s in PLAY_STANDARDS]
        assert int(table[statuses].to_numpy().sum()) == len(rows) > 0
        for s in PLAY_STANDARDS:
            assert int(table[t(f"reg.o.{s}")].sum()) == sum(r["standard"] == s for r in rows)
    else:
        assert len(table) >= 1
        assert {t("reg.kha_certified"), t("reg.kha_outstanding"), t("reg.target")} <= \
            set(table.columns)
