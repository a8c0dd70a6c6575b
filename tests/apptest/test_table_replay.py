"""``tables.table`` styles a table once per content and options and replays the finished
element afterwards (pandas' Styler writes every cell, ≈ 0.1 s for 274 questions): the
reader sees the same table, in their language, and a change of content shows at once."""

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from kla.web import tables


def _script():
    import pandas as pd
    import streamlit as st

    from kla.web import tables

    credits = st.session_state.get("credits", [0.5, 1.0])
    lang = st.session_state.get("lang", "id")
    frame = pd.DataFrame({"Pertanyaan": ["1.P1", "1.P2"], "Kredit": credits})
    with st.columns(2)[1]:
        tables.table(frame, lang, short=["Kredit"], key="t_hash")
    tables.table(lambda: frame, lang, short=["Kredit"], key="t_keyed",
                 content_key=("demo", lang, tuple(credits)))


def _cells(at, index: int) -> list[str]:
    import io

    import pyarrow as pa

    proto = at.dataframe[index].proto.arrow_data
    shown = pa.ipc.open_stream(io.BytesIO(proto.styler.display_values)).read_pandas()
    return [str(v) for v in shown.iloc[:, -1]]


@pytest.fixture
def styled_calls(monkeypatch):
    calls: list[int] = []
    real = tables.number_styler

    def counting(df, *a, **kw):
        calls.append(len(df))
        return real(df, *a, **kw)

    monkeypatch.setattr(tables, "number_styler", counting)
    tables._table_of.clear()
    return calls


def test_a_table_is_styled_once_and_replayed(styled_calls):
    at = AppTest.from_function(_script)
    at.run()
    assert not at.exception and len(at.dataframe) == 2
    assert _cells(at, 0) == ["0,5", "1"] and _cells(at, 1) == ["0,5", "1"]
    assert len(styled_calls) == 2
    at.run()  # a rerun: both replayed, in their places (the first inside a column)
    assert len(styled_calls) == 2
    assert len(at.columns[1].dataframe) == 1 and len(at.dataframe) == 2
    assert _cells(at, 0) == ["0,5", "1"] and _cells(at, 1) == ["0,5", "1"]


def test_new_content_or_language_is_styled_again(styled_calls):
    at = AppTest.from_function(_script)
    at.run()
    at.session_state["credits"] = [0.25, 0.0]
    at.run()
    assert len(styled_calls) == 4
    assert _cells(at, 0) == ["0,25", "0"] and _cells(at, 1) == ["0,25", "0"]
    at.session_state["lang"] = "en"
    at.run()
    assert _cells(at, 0) == ["0.25", "0"] and _cells(at, 1) == ["0.25", "0"]


def test_the_frame_is_not_built_when_its_table_is_cached(styled_calls):
    built: list[int] = []
    frame = pd.DataFrame({"Kredit": [0.5]})

    def build():
        built.append(1)
        return frame

    def script(build):
        from kla.web import tables

        tables.table(build, "id", short=["Kredit"], content_key=("built-once",))

    at = AppTest.from_function(script, args=(build,))
    at.run()
    at.run()
    assert not at.exception
    assert built == [1]


def _chart_script(built):
    import streamlit as st

    from kla.web import cache

    def bars(values, lang):
        import plotly.graph_objects as go

        built.append(tuple(values))
        return go.Figure(go.Bar(x=list(range(len(values))), y=list(values)))

    values = st.session_state.get("values", [1, 2])
    with st.columns(2)[0]:
        cache.plotly_chart(bars, values, "id", config={"displayModeBar": False})


def test_a_chart_is_built_once_and_replayed_until_its_data_changes():
    cache_module = __import__("kla.web.cache", fromlist=["cache"])
    cache_module._plotly_element.clear()
    cache_module._CHARTS.clear()
    built: list = []
    at = AppTest.from_function(_chart_script, args=(built,))
    at.run()
    assert not at.exception
    first = at.get("plotly_chart")[0].proto.spec
    assert '"y":[1,2]' in first.replace(" ", "") and built == [(1, 2)]
    assert not cache_module._CHARTS  # the element is kept, not a second copy of the figure
    at.run()  # replayed: no figure built, the same chart drawn in its column
    assert built == [(1, 2)] and len(at.columns[0].get("plotly_chart")) == 1
    assert at.get("plotly_chart")[0].proto.spec == first
    at.session_state["values"] = [3, 4]
    at.run()
    assert built == [(1, 2), (3, 4)]
    assert '"y":[3,4]' in at.get("plotly_chart")[0].proto.spec.replace(" ", "")
