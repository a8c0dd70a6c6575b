"""``tables.number_styler`` gives Streamlit the same text in every cell as pandas' own
Styler (``tables.styled``), checked through Streamlit's own marshalling: numbers in the
reader's language, missing values as "–", other columns as they are."""

import io
import math

import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.elements.lib.pandas_styler_utils import marshall_styler
from streamlit.proto.ArrowData_pb2 import ArrowData

from kla.web.tables import number_styler, styled


def _display(styler) -> list[list[str]]:
    proto = ArrowData()
    marshall_styler(proto, styler, "uuid")
    frame = pa.ipc.open_stream(io.BytesIO(proto.styler.display_values)).read_pandas()
    return frame.astype(str).values.tolist()


floats = st.one_of(st.none(), st.just(math.nan),
                   st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(st.text(max_size=12), floats, floats,
                               st.integers(-5, 3000), st.text(max_size=5)),
                     min_size=0, max_size=25),
       lang=st.sampled_from(["id", "en"]), places=st.integers(0, 3))
def test_number_styler_writes_what_pandas_styler_writes(rows, lang, places):
    df = pd.DataFrame(rows, columns=["Pertanyaan", "Kredit", "Nilai", "Tahun", "Catatan"])
    df["Kredit"] = df["Kredit"].astype(float)
    df["Nilai"] = df["Nilai"].astype(float)
    for short, decimals in (((), None), (("Kredit",), {"Nilai": places}),
                            (("Kredit",), {"Tahun": 0})):
        assert _display(number_styler(df, lang, short, decimals)) == \
            _display(styled(df, lang, short, decimals))


def test_the_readers_language_and_the_missing_mark():
    df = pd.DataFrame({"Kode": ["1.P1", "1.P2", "1.P3"], "Kredit": [0.5, None, 1.0],
                       "Maks": [12.5, 3.571, 1000.0]})
    assert _display(number_styler(df, "id", short=["Kredit"])) == [
        ["1.P1", "0,5", "12,50"], ["1.P2", "–", "3,57"], ["1.P3", "1", "1.000,00"]]
    assert _display(number_styler(df, "en", short=["Kredit"])) == [
        ["1.P1", "0.5", "12.50"], ["1.P2", "–", "3.57"], ["1.P3", "1", "1,000.00"]]


def test_a_missing_text_is_left_missing_for_the_tables_placeholder():
    """pandas' Styler writes a missing text as "None"; here it stays missing, so the table
    shows its placeholder "–" (``tables.table`` sets it), as for a missing number."""
    df = pd.DataFrame({"Catatan": [None, "ada"], "Kredit": [None, 0.5]})
    proto = ArrowData()
    marshall_styler(proto, number_styler(df, "id", short=["Kredit"]), "uuid")
    shown = pa.ipc.open_stream(io.BytesIO(proto.styler.display_values)).read_pandas()
    assert shown["Catatan"].isna().tolist() == [True, False]
    assert shown["Kredit"].tolist() == ["–", "0,5"]
