"""AppTest of evidence validity (issue 16) on a copy of the sample: Isian shows a file's
document details and its flags and saves edited details; Kelengkapan warns (without blocking
the submission) and lists the flags; Risiko has its "Validitas bukti" section with the
tables per question and per agency."""

import os
from datetime import date

import pytest

from kla.domain import validity as v
from kla.domain.framework import get_framework
from kla.services import answers as ans
from kla.services import evidence_meta
from kla.services.assessments import save_assessment
from kla.services.permissions import SYSTEM
from kla.settings import get_settings
from kla.store.db import make_engine
from tests.evidence_files import pdf_bytes

SERANG, YEAR = "36.73", 2046
PERDA_Q, DOC_Q = "1.P1", "12.P1"  # 1.P1 asks for a Perda; 12.P1 for a document


@pytest.fixture
def world(seeded_sqlite_copy, tmp_path, monkeypatch):
    """Kota Serang YEAR EM (draft) with an expired, unsigned Perda on 1.P1 and a file without
    details on 12.P1. Returns (url, engine, assessment id, {name: evidence id})."""
    monkeypatch.setenv("KLA_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    url = seeded_sqlite_copy()
    engine = make_engine(url)
    aid = save_assessment(engine, SYSTEM, region_kode=SERANG, year=YEAR, stage="EM",
                          answers={PERDA_Q: 1.0, DOC_Q: 1.0}, status="draft",
                          framework=get_framework())
    ids = {
        "perda": ans.add_evidence(engine, SYSTEM, aid, PERDA_Q, "perda-kla.pdf",
                                  pdf_bytes("perda"),
                                  meta={"doc_type": "perda", "doc_number": "7/2019",
                                        "valid_until": date(YEAR - 1, 12, 31),
                                        "is_signed": False})["id"],
        "laporan": ans.add_evidence(engine, SYSTEM, aid, DOC_Q, "laporan.pdf",
                                    pdf_bytes("laporan"))["id"],
    }
    yield url, engine, aid, ids
    engine.dispose()
    os.environ.pop("KLA_DATA_DIR", None)


def on_serang(at):
    at.session_state["sel_region"] = SERANG
    at.session_state["sel_year"] = YEAR
    at.session_state["sel_stage"] = "EM"
    return at


def texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


def pick_question(at, qid):
    next(s for s in at.selectbox if s.key.startswith("entry_q_")).set_value(qid).run()
    assert not at.exception, at.exception


def test_isian_shows_flags_and_saves_details(app_factory, world):
    url, engine, aid, ids = world
    at = on_serang(app_factory(url, user="admin")).run()
    at.switch_page("app_pages/isian.py").run()
    assert not at.exception, at.exception
    pick_question(at, PERDA_Q)
    warning = texts(at.warning)
    assert f"berlaku sampai 31 Des {YEAR - 1}, sebelum tahun evaluasi {YEAR}" in warning
    assert "Perda belum ditandatangani" in warning
    assert any("No. 7/2019" in c.value for c in at.caption)

    pick_question(at, DOC_Q)
    assert any("Belum ada keterangan dokumen" in c.value for c in at.caption)
    key = f"entry_meta_{ids['laporan']}"
    at.selectbox(key=f"{key}_type").set_value("sk")
    at.text_input(key=f"{key}_number").set_value("188/45/2046")
    at.date_input(key=f"{key}_signed_on").set_value(date(YEAR, 1, 10))
    at.radio(key=f"{key}_is_signed").set_value(True)
    next(b for b in at.get("form_submit_button")
         if b.proto.form_id == f"entry_meta_form_{ids['laporan']}").click().run()
    assert not at.exception, at.exception
    got = evidence_meta.file_meta(engine, SYSTEM, aid)[ids["laporan"]]["meta"]
    assert got == v.Meta("sk", "188/45/2046", date(YEAR, 1, 10), None, (), True)
    assert any("188/45/2046" in c.value for c in at.caption)

    # bad details: the fields are named, nothing is written
    at.text_input(key=f"{key}_years").set_value("2046, duaribu")
    at.date_input(key=f"{key}_valid_until").set_value(date(YEAR - 1, 1, 1))
    next(b for b in at.get("form_submit_button")
         if b.proto.form_id == f"entry_meta_form_{ids['laporan']}").click().run()
    assert not at.exception, at.exception
    error = texts(at.error)
    assert "Tahun data: 'duaribu' bukan tahun" in error
    assert "Berlaku sampai" in error and "Tanggal ditandatangani" in error
    assert evidence_meta.file_meta(engine, SYSTEM, aid)[ids["laporan"]]["meta"] == got


def test_kelengkapan_warns_without_blocking(app_factory, world):
    url, _, _, _ = world
    at = on_serang(app_factory(url, user="koordinator.serang")).run()
    at.switch_page("app_pages/kelengkapan.py").run()
    assert not at.exception, at.exception
    assert any("Validitas bukti" in h.value for h in at.header)
    assert "1 pertanyaan hanya punya bukti berperingatan validitas" in texts(at.warning)
    table = next(d.value for d in at.dataframe if {"Alasan", "Peringatan"} <= set(d.value.columns))
    assert set(table["Peringatan"]) == {"Kedaluwarsa", "Belum ditandatangani"}
    assert set(table["Kode"] if "Kode" in table else table.iloc[:, 0]) == {PERDA_Q}
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Pertanyaan berperingatan"] == "1"
    assert metrics["Berkas tanpa keterangan"] == "1"
    agencies = next(d.value for d in at.dataframe if "Tanpa keterangan" in d.value.columns)
    assert "JDIH" in set(agencies["OPD"])


def test_risiko_has_the_validity_section(app_factory, world):
    url, _, _, _ = world
    at = on_serang(app_factory(url, user="koordinator.serang")).run()
    at.switch_page("app_pages/risiko.py").run()
    assert not at.exception, at.exception
    assert any("Validitas bukti" in h.value for h in at.header)
    rows = next(d.value for d in at.dataframe if {"Alasan", "Peringatan"} <= set(d.value.columns))
    assert {"Kedaluwarsa", "Belum ditandatangani"} <= set(rows["Peringatan"])
    assert "Bukti belum ada" not in set(rows["Peringatan"])  # 12.P1 has a file
    # the flag and its reason first (visible at 1360 px); agencies joined by "; " as elsewhere
    assert list(rows.columns)[:3] == ["ID", "Peringatan", "Alasan"]
    assert not rows["OPD"].str.contains(",").any()
    per_agency = next(d.value for d in at.dataframe if "Berkas berperingatan" in d.value.columns)
    assert per_agency["Berkas"].sum() >= 2
    keys = {b.proto.id for b in at.get("download_button")}
    assert any("risk_validity_dl_csv" in k for k in keys)
    assert any("risk_validity_agency_dl_xlsx" in k for k in keys)
