"""Posisi's "Cara menghitung nilai" panel (issue 17): closed until opened; then the indicator
with the most points missing, its questions and steps, the chain to the predicate — the numbers
of the service, in the reader's language; choosing another indicator changes them."""

import pytest

from kla.domain.explain import chain_lines, indicator_lines, question_table
from kla.services import analytics
from kla.services.assessments import list_assessments
from kla.services.users import get_actor
from kla.store.db import engine_for

PICK = {"id": "Indikator yang dijelaskan", "en": "Indicator to explain"}
PANEL = {"id": "Cara menghitung nilai", "en": "How the score is computed"}


def expected(url: str, code: str | None, lang: str):
    """What the service says for Kota Serang 2025 FINAL, as the coordinator."""
    engine = engine_for(url)
    who = get_actor(engine, "koordinator.serang")
    info = next(i for i in list_assessments(engine, who, "36.73")
                if (i.year, i.stage) == (2025, "FINAL"))
    expl = analytics.score_explanation(engine, who, info)
    code = code or expl.most_missing
    return info, expl, code


def reader_language(monkeypatch, lang: str) -> None:
    """AppTest formats the translated options of every selectbox again between runs, outside
    the script run, where the app's language falls back to the default: make that the
    reader's, as a browser sends back the label it shows."""
    import kla.i18n

    monkeypatch.setattr(kla.i18n, "DEFAULT_LANG", lang)  # lang_from_locale(None) outside


def open_posisi(app_factory, monkeypatch, url: str, lang: str):
    reader_language(monkeypatch, lang)
    at = app_factory(url, locale="en-US" if lang == "en" else "id-ID",
                     user="koordinator.serang").run()
    at.selectbox(key="posisi_region").set_value("36.73").run()
    at.selectbox(key="posisi_year_36.73").set_value(2025).run()
    at.selectbox(key=f"posisi_stage_36.73_2025.{lang}").set_value("FINAL").run()
    assert not at.exception
    assert [e.label for e in at.expander].count(PANEL[lang]) == 1
    assert not [s for s in at.selectbox if s.label == PICK[lang]]  # closed: nothing drawn
    at.session_state[f"posisi_formula.{lang}"] = True  # the reader opens it
    return at.run()


def choose(at, lang: str, code: str) -> None:
    next(s for s in at.selectbox if s.label == PICK[lang]).set_value(code).run()


def shown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def check_panel(at, url: str, code: str | None, lang: str) -> str:
    info, expl, code = expected(url, code, lang)
    assert not at.exception
    pick = next(s for s in at.selectbox if s.label == PICK[lang])
    assert pick.value == code
    text = shown(at)
    for line in indicator_lines(expl, code, lang) + chain_lines(expl, lang):
        assert line.text in text, line.text
        assert f"`{line.source.ref}`" in text
    head, rows = question_table(expl.indicator(code), lang)
    table = next(d.value for d in at.dataframe if list(d.value.columns) == head)
    assert table.values.tolist() == rows
    return code


@pytest.mark.parametrize("lang", ["id", "en"])
def test_panel_walks_the_most_missing_indicator_then_another(app_factory, monkeypatch,
                                                              seeded_sqlite_url, lang):
    at = open_posisi(app_factory, monkeypatch, seeded_sqlite_url, lang)
    code = check_panel(at, seeded_sqlite_url, None, lang)
    assert code == "1"  # 41,00 points missing: the most
    text = shown(at)
    if lang == "id":
        assert "Nilai indikator 1: 55,00 dari 96 (57,3 %), belum diraih 41,00 poin" in text
        assert "645,40 berada pada rentang Madya: 600,01–700,00." in text
        assert "645.40" not in text
    else:
        assert "Indicator 1 scores 55.00 of 96 (57.3 %), 41.00 points still missing" in text
        assert "645.40 lies in the Madya band: 600.01–700.00." in text
        assert "645,40" not in text
    bands = next(d.value for d in at.dataframe if len(d.value) == 6)  # none … KLA
    assert bands.iloc[2, 0] == "Madya" and "645" in bands.iloc[2, 4]

    choose(at, lang, "19")  # the capped indicator
    check_panel(at, seeded_sqlite_url, "19", lang)
    text = shown(at)
    assert ("Batas indikator 19: min(31,65; 51) = 31,65 (maksimum pertanyaannya berjumlah 54, "
            "indikator dibatasi 51)" if lang == "id" else
            "Cap of indicator 19: min(31.65, 51) = 31.65 (its question maxima add up to 54, "
            "the indicator is capped at 51)") in text
    assert "Nilai indikator 1:" not in text and "Indicator 1 scores" not in text


def test_language_switch_keeps_the_panel_and_the_indicator(app_factory, monkeypatch,
                                                           seeded_sqlite_url):
    at = open_posisi(app_factory, monkeypatch, seeded_sqlite_url, "id")
    choose(at, "id", "21B")
    at.session_state["lang"] = "en"
    at.run()
    reader_language(monkeypatch, "en")
    check_panel(at, seeded_sqlite_url, "21B", "en")
    assert "Sum of the points of 2 questions: " in shown(at)
