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
    assert shown.delta.startswith(f"{row.model_predicate} · ") and "Nindya" in shown.delta
    assert "riwayat" in shown.help and "Belum ada berkas bukti" in shown.help
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
    assert m["Perkiraan skor VA"].value == f"{fmt_num(row.model_total, 'id')} · Nindya"
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
    assert "Perkiraan VA" in captions  # the chart's mark, said in words

    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception
    assert "Predicted VA score" in metrics(at)
    table = next(d.value for d in at.dataframe if "Predicted VA credit" in d.value.columns)
    assert table["Reason"].str.contains("retention").all()
