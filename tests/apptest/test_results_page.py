"""AppTest of the national results page."""


def test_national_page(app_factory, seeded_sqlite_url):
    at = app_factory(seeded_sqlite_url, user="pengamat").run()
    at.switch_page("app_pages/nasional.py").run()
    assert not at.exception
    assert at.title[0].value == "Hasil KLA nasional"
    cov = next(d.value for d in at.dataframe if "Baris dimuat" in d.value.columns)
    row = cov[cov["Tahun penghargaan"] == 2023].iloc[0]
    assert row["Jumlah nasional (resmi)"] == 360 and 0 < row["Baris dimuat"] <= 360
    assert row["Kelengkapan (%)"] == round(100 * row["Baris dimuat"] / 360, 1)
    assert any("Belum ada kabupaten/kota yang pernah meraih" in i.value for i in at.info)
    assert len(at.get("download_button")) == 2 and at.get("plotly_chart")
    m = {x.label: x.value for x in at.metric}
    assert int(m["Naik predikat"]) > 0
