"""The Risiko charts: nothing written where a line runs (the falls chart's values sit inside
the bars at their base, the average is named in the legend), and the labels of two marks on
the standing chart never share a row."""

from kla.web.charts import falls_figure, standing_figure

FALLS = [(2021, 154.38), (2022, 158.74), (2023, 168.88)]


def test_falls_average_is_in_the_legend_not_over_the_bars():
    fig = falls_figure(FALLS, 160.67, "id")
    bars, average = fig.data
    assert list(bars.text) == ["154,38", "158,74", "168,88"]
    assert (bars.textposition, bars.insidetextanchor) == ("inside", "start")  # at the base
    assert not fig.layout.annotations  # no label on the plot where the dashed line runs
    assert [s.line.dash for s in fig.layout.shapes] == ["dash"]
    assert fig.layout.shapes[0].y0 == 160.67
    assert average.name == "Rata-rata turun saat verifikasi: 160,67"
    assert average.line.dash == "dash" and list(average.x) == [None]
    assert falls_figure(FALLS, 160.67, "en").data[1].name == \
        "Average fall at verification: 160.67"


def test_falls_without_an_average_has_no_line():
    fig = falls_figure(FALLS, None, "id")
    assert len(fig.data) == 1 and not fig.layout.shapes


def test_two_marks_take_two_rows_and_run_towards_the_middle(fw):
    marks = [("Perkiraan dari rata-rata penurunan (nilai akhir)", 668.13),
             ("Perkiraan skor VA per pertanyaan (dari bukti)", 712.59)]
    fig = standing_figure(828.8, "Utama", fw.bands, fw.total_max, "id", marks)
    notes = {a.text: a for a in fig.layout.annotations if ": " in a.text}
    first = notes["Perkiraan dari rata-rata penurunan (nilai akhir): 668,13"]
    second = notes["Perkiraan skor VA per pertanyaan (dari bukti): 712,59"]
    assert (first.yanchor, second.yanchor) == ("bottom", "top")  # below the bar / above it
    assert first.xanchor == second.xanchor == "right"  # right of the middle: text to the left
    low = standing_figure(435.58, "none", fw.bands, fw.total_max, "id",
                          [("a", 269.23), ("b", 35.94)])
    assert {a.xanchor for a in low.layout.annotations if ": " in a.text} == {"left"}
