"""AppTest: the predicted verification score on Posisi (beside the EM total) and Risiko
verifikasi (total, predicate, the questions that cost the most) on the sample data."""

from kla.domain.framework import get_framework
from kla.domain.prediction import backtest, sample_cases
from kla.i18n import fmt_num

SERANG = "36.73"


def metrics(at):
    return {m.label: m for m in at.metric}


def serang_2025():
    fw = get_framework("kla-2024")
    return next(r for r in backtest(sample_cases(fw))
                if r.nama == "Kota Serang" and r.year == 2025)


def test_posisi_shows_the_prediction_beside_the_em_total(app_factory, seeded_sqlite_url):
    row = serang_2025()
    at = app_factory(seeded_sqlite_url).run()
    at.selectbox(key="posisi_region").set_value(SERANG).run()
    at.selectbox(key="posisi_year_36.73").set_value(2025).run()
    at.selectbox(key="posisi_stage_36.73_2025.id").set_value("EM").run()
    assert not at.exception
    m = metrics(at)
    assert m["Predikat"].value == "Utama"
    shown = m["Perkiraan skor verifikasi"]
    assert shown.value == fmt_num(row.model_total, "id")  # the predicate under it, uncut
    assert shown.delta == row.model_predicate == "Nindya"
    assert "retensi" in shown.help
    assert any("Belum ada berkas bukti" in c.value for c in at.caption)
    # a verified stage: no prediction
    at.selectbox(key="posisi_stage_36.73_2025.id").set_value("FINAL").run()
    assert "Perkiraan skor verifikasi" not in metrics(at)


def test_risiko_lists_the_questions_that_cost_the_most(app_factory, seeded_sqlite_url):
    row = serang_2025()
    at = app_factory(seeded_sqlite_url).run()
    at.switch_page("app_pages/risiko.py").run()
    at.selectbox(key="risk_region").set_value(SERANG).run()
    at.selectbox(key="risk_year_36.73").set_value(2025).run()
    at.selectbox(key="risk_stage_36.73_2025.id").set_value("EM").run()
    assert not at.exception
    m = metrics(at)
    shown = m["Perkiraan skor VA per pertanyaan (dari bukti)"]
    assert (shown.value, shown.delta) == (fmt_num(row.model_total, "id"), "Nindya")  # uncut
    assert m["Total nilai"].delta == "Utama"  # the predicate under the total, not beside it
    assert m["Perkiraan poin hilang"].value == fmt_num(row.em_total - row.model_total, "id")
    assert m["Retensi riwayat"].value.endswith("%")
    assert any("Perkiraan predikat setelah verifikasi administrasi: Nindya" in w.value
               for w in at.warning)
    assert any("Belum ada berkas bukti yang diunggah" in i.value for i in at.info)
    table = next(d.value for d in at.dataframe if "Perkiraan kredit VA" in d.value.columns)
    lost = list(table["Poin hilang"])
    assert lost == sorted(lost, reverse=True) and lost[0] > 0
    assert (table["Perkiraan kredit VA"] <= table["Kredit EM"]).all()
    assert set(table["Status bukti"]) <= {"bukti lengkap", "tidak wajib bukti"}  # no file
    assert table["Alasan"].str.startswith("retensi ").all()
    keys = {b.key for b in at.get("download_button")}
    assert {"risk_predicted_dl_csv", "risk_predicted_dl_xlsx"} <= keys
    captions = " ".join(c.value for c in at.caption)
    # the chart's marks, said in words with the metrics' names, and why the two differ
    assert "Perkiraan skor VA per pertanyaan (dari bukti): " in captions
    assert "Perkiraan dari rata-rata penurunan (nilai akhir): " in captions
    assert "Mengapa dua perkiraan berbeda" in captions

    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception
    assert "Predicted VA score per question (from evidence)" in metrics(at)
    assert "Forecast from the average fall (final score)" in metrics(at)
    assert any("Why the two forecasts differ" in c.value for c in at.caption)
    table = next(d.value for d in at.dataframe if "Predicted VA credit" in d.value.columns)
    assert table["Reason"].str.contains("retention").all()
    # the numbers, the evidence state and the reason before the question's text
    columns = list(table.columns)
    assert columns.index("Reason") < columns.index("Question") < columns.index("Agency (OPD)")
