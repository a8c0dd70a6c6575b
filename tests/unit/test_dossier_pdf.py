"""The printable report (PDF) and the evidence dossier (ZIP) as a user would check them."""

import csv
import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from kla.domain.framework import get_framework
from kla.domain.gaps import gap_rows
from kla.domain.scoring import score
from kla.io import dossier
from kla.io.dossier import EvidenceFile, build_dossier_zip, sanitize_filename
from kla.io.pdf_report import build_report_pdf

MISSING = [  # the problem is a completeness code; the report names it in its language
    {"question_id": "21A.P1", "agency": "Dinas Sosial", "problem": "no_evidence"},
    {"question_id": "1.P2e", "agency": "Bagian Hukum; " + "Dinas Kependudukan " * 8,
     "problem": "unanswered"},  # a long agency list must wrap, not overflow
]


@pytest.fixture(scope="module")
def fw():
    return get_framework("kla-2024")


@pytest.fixture(scope="module")
def answers(fw):
    """Full credit on every other question, 0.3 on the rest: 666,85 points, Madya."""
    return {qid: 1.0 if i % 2 == 0 else 0.3 for i, qid in enumerate(fw.questions)}


def _pdf(fw, answers, lang="id", is_sample=True, missing=MISSING):
    result = score(fw, answers)
    gaps = gap_rows(fw, answers, result, lang=lang)
    data = build_report_pdf(fw, region_kode="3273", region_nama="Kota Bandung", year=2024,
                            stage="EM", result=result, gaps=gaps, missing=missing,
                            is_sample=is_sample, lang=lang)
    reader = PdfReader(io.BytesIO(data))
    pages = [p.extract_text() for p in reader.pages]
    return data, result, gaps, pages, " ".join(" ".join(pages).split())


# ---------------------------------------------------------------- PDF report

def test_report_shows_region_total_predicate_blocks_gaps_and_missing(fw, answers):
    data, result, gaps, pages, text = _pdf(fw, answers)
    assert data.startswith(b"%PDF")
    assert result.predicate == "Madya" and result.total == 666.85
    assert "Laporan Penilaian KLA" in text
    assert "Kota Bandung" in text and "3273" in text and "2024" in text
    assert "Evaluasi Mandiri (EM)" in text
    assert "Madya" in text and "666,85" in text and "666.85" not in text
    assert "+33,16 poin menuju Nindya" in text
    for block in fw.blocks.values():  # long names wrap inside their cell
        assert block.name("id") in text
    assert "1.000,00" in text  # the total row's maximum
    top = [g for g in gaps if g["at_stake"] > 0]
    assert "Kesenjangan terbesar" in text
    assert top[0]["question_id"] in text and top[14]["question_id"] in text
    assert "Bukti yang belum lengkap" in text
    assert "21A.P1" in text and "Dinas Sosial" in text and "Bagian Hukum" in text
    assert "bukti dukung belum diunggah" in text and "belum dijawab" in text
    assert "DATA CONTOH" in text


def test_report_has_page_numbers_and_band_labels(fw, answers):
    _, _, _, pages, text = _pdf(fw, answers)
    assert len(pages) >= 2
    for n, page in enumerate(pages, start=1):
        assert f"Halaman {n}/{len(pages)}" in page
    for label in ("Belum berpredikat", "Pratama", "Nindya", "Utama", "KLA"):
        assert label in pages[0]
    for tick in ("500", "600", "900", "1.000"):
        assert tick in pages[0]


def test_report_without_sample_flag_has_no_sample_box(fw, answers):
    *_, text = _pdf(fw, answers, is_sample=False)
    assert "DATA CONTOH" not in text and "SAMPLE DATA" not in text


def test_report_with_nothing_missing_says_so(fw, answers):
    *_, text = _pdf(fw, answers, missing=[])
    assert "Semua bukti dukung sudah lengkap." in text


def test_report_in_english(fw, answers):
    *_, pages, text = _pdf(fw, answers, lang="en")
    assert "KLA assessment report" in text and "Laporan Penilaian" not in text
    assert "SAMPLE DATA" in text and "DATA CONTOH" not in text
    assert "666.85" in text and "+33.16 points to Nindya" in text
    assert "Institutional strengthening" in text and "Largest gaps" in text
    assert "Incomplete evidence" in text and "Self-assessment (EM)" in text
    assert f"Page 1/{len(pages)}" in pages[0]


def test_problem_texts_come_from_the_catalogue_in_the_report_language(fw, answers):
    from kla.i18n import t

    *_, en = _pdf(fw, answers, lang="en")
    assert "no supporting evidence uploaded" in en and "unanswered" in en
    assert "belum dijawab" not in en and "bukti dukung belum diunggah" not in en
    assert "Problem" in en and "Agency" in en
    *_, id_ = _pdf(fw, answers, lang="id")
    assert "belum dijawab" in id_ and "bukti dukung belum diunggah" in id_
    assert "no supporting evidence" not in id_ and "unanswered" not in id_
    for code in ("unanswered", "no_evidence"):
        assert t(f"pdf.problem.{code}", "en") in en and t(f"pdf.problem.{code}", "id") in id_


@pytest.mark.parametrize("lang", ["id", "en"])
def test_no_label_is_missing_from_the_catalogue(fw, answers, lang):
    """A key missing from the catalogue would print as itself ("pdf.…"): none does, whatever
    the report shows (gaps and problems, the top predicate, nothing missing, no predicate)."""
    from kla.i18n import t
    from kla.io import pdf_report

    assert not hasattr(pdf_report, "LABELS")  # one translation mechanism: the catalogue
    full = {qid: 1.0 for qid in fw.questions}
    gated = {**full, **{q: 0.0 for q in fw.indicators["23B"].questions}}  # 996, not all done
    for a, missing in ((answers, MISSING), (full, []), (gated, []), ({}, [])):
        *_, text = _pdf(fw, a, lang=lang, missing=missing)
        assert "pdf." not in text and "predicate." not in text and "stage." not in text
        if a is gated:
            assert t("pdf.gate", lang, nxt="KLA") in text


def test_unknown_problem_code_is_refused(fw, answers):
    with pytest.raises(ValueError, match="unknown completeness problem"):
        _pdf(fw, answers, missing=[{"question_id": "1.P1", "agency": "x",
                                     "problem": "belum dijawab"}])


def test_report_at_the_top_and_with_no_predicate(fw):
    full = {qid: 1.0 for qid in fw.questions}
    *_, text = _pdf(fw, full, missing=[])
    assert "KLA" in text and "predikat tertinggi telah tercapai" in text
    assert "Tidak ada poin yang hilang." in text
    *_, text = _pdf(fw, {}, missing=[])
    assert "Belum berpredikat" in text and "menuju Pratama" in text


# ---------------------------------------------------------------- evidence dossier

def _file(tmp_path: Path, qid: str, name: str, content: bytes, media="application/pdf",
          stored: str | None = None) -> EvidenceFile:
    p = tmp_path / "store" / (stored or hashlib.sha256(content).hexdigest())
    p.parent.mkdir(exist_ok=True)
    p.write_bytes(content)
    return EvidenceFile(question_id=qid, original_filename=name,
                        sha256=hashlib.sha256(content).hexdigest(), size=len(content),
                        media_type=media, path=p)


@pytest.fixture
def evidence(tmp_path, fw):
    q21a = fw.indicators["21A"].questions[0]
    return q21a, [
        _file(tmp_path, q21a, "SK Gugus Tugas.pdf", b"sk gugus tugas"),
        _file(tmp_path, q21a, "../../etc/passwd", b"root:x:0:0"),
        _file(tmp_path, q21a, "=cmd|' /C calc'!A0.pdf", b"formula"),
        _file(tmp_path, q21a, "CON.pdf", b"reserved"),
        _file(tmp_path, q21a, "laporan:2024.pdf", b"first report"),
        _file(tmp_path, q21a, "laporan?2024.pdf", b"second report"),
        _file(tmp_path, "1.P2e", "Perda\x07 KLA.pdf", b"perda", stored="perda"),
        _file(tmp_path, fw.indicators["25"].questions[0], "foto.jpg", b"\xff\xd8photo",
              media="image/jpeg"),
    ]


def _zip(fw, answers, files, out):
    return build_dossier_zip(fw, region_kode="3273", region_nama="Kota Bandung", year=2024,
                             stage="EM", answers=answers, files=files, out=out)


def test_dossier_uses_the_official_folder_structure(tmp_path, fw, answers, evidence):
    q21a, files = evidence
    out = tmp_path / "dossier.zip"
    summary = _zip(fw, answers, files, out)
    assert summary == {"files": len(files), "bytes": sum(f.size for f in files)}
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        sk = [n for n in names if n.endswith("SK Gugus Tugas.pdf")]
        assert sk == [f"06 K5 - Klaster V Perlindungan Khusus/"
                      f"21A - Pencegahan dalam Perlindungan Khusus/{q21a}/SK Gugus Tugas.pdf"]
        assert zf.read(sk[0]) == b"sk gugus tugas"
        assert any(n.startswith("01 KEL - Kelembagaan/1 - ") and n.endswith("/1.P2e/Perda KLA.pdf")
                   for n in names)
        assert {"index.xlsx", "index.csv"} <= set(names)
        assert zf.testzip() is None
        for n in names:  # every component is safe to extract anywhere
            parts = n.split("/")
            assert ".." not in parts and not n.startswith("/")
            assert all(len(p) <= 100 and not set(p) & set('<>:"|?*\\') for p in parts)
        assert len(names) == len(files) + 2


def test_dossier_index_lists_every_file_with_its_hash(tmp_path, fw, answers, evidence):
    _, files = evidence
    buf = io.BytesIO()
    _zip(fw, answers, files, buf)
    with zipfile.ZipFile(buf) as zf:
        names = set(zf.namelist())
        raw_csv = zf.read("index.csv")
        wb = load_workbook(io.BytesIO(zf.read("index.xlsx")))
    assert raw_csv.startswith(b"\xef\xbb\xbf")
    csv_rows = list(csv.DictReader(io.StringIO(raw_csv.decode("utf-8-sig"))))
    sheet = wb["Berkas"]
    header = [c.value for c in sheet[1]]
    xlsx_rows = [dict(zip(header, (c.value for c in row))) for row in sheet.iter_rows(min_row=2)]
    for rows in (csv_rows, xlsx_rows):
        assert sorted(r["SHA-256"] for r in rows) == sorted(f.sha256 for f in files)
        assert all(r["Path dalam ZIP"] in names for r in rows)
        for row in rows:  # no cell a spreadsheet would run as a formula
            assert not any(isinstance(v, str) and v[:1] in "=+-@" for v in row.values())
    row = next(r for r in xlsx_rows if r["Nama berkas asli"] == "SK Gugus Tugas.pdf")
    assert row["Blok"] == "K5" and row["Indikator"] == "21A"
    assert row["Kredit"] == answers[row["ID pertanyaan"]]
    assert row["Ukuran (byte)"] == len(b"sk gugus tugas")
    assert row["Jenis media"] == "application/pdf"
    assert any(r["Nama berkas asli"] == "'=cmd|' /C calc'!A0.pdf" for r in csv_rows)
    summary = {r[0].value: r[1].value for r in wb["Ringkasan"].iter_rows()}
    assert summary["Wilayah"] == "Kota Bandung" and summary["Tahun"] == 2024
    assert summary["Tahap"] == "EM" and summary["Jumlah berkas"] == len(files)
    assert summary["Dibuat pada"].endswith(" WIB")  # the deployment's zone, as on the pages


def test_dossier_sanitises_malicious_and_colliding_names(tmp_path, fw, answers, evidence):
    q21a, files = evidence
    buf = io.BytesIO()
    _zip(fw, answers, files, buf)
    with zipfile.ZipFile(buf) as zf:
        leaves = {n.rsplit("/", 1)[-1]: zf.read(n) for n in zf.namelist() if f"/{q21a}/" in n}
    assert leaves["etc passwd"] == b"root:x:0:0"
    assert leaves["_CON.pdf"] == b"reserved"
    assert "=cmd ' C calc'!A0.pdf" in leaves
    # two different files that sanitise to the same name both survive
    assert leaves["laporan 2024.pdf"] == b"first report"
    assert leaves["laporan 2024 (2).pdf"] == b"second report"


def test_sanitize_filename_rules():
    assert sanitize_filename("../../etc/passwd") == "etc passwd"
    assert sanitize_filename("..\\..\\boot.ini") == "boot.ini"
    assert sanitize_filename("CON.pdf") == "_CON.pdf"
    assert sanitize_filename("lpt1") == "_lpt1"
    assert sanitize_filename("com9.tar.gz") == "_com9.tar.gz"
    assert sanitize_filename("  laporan \t akhir\n.PDF") == "laporan akhir.PDF"
    assert sanitize_filename(".htaccess") == "berkas.htaccess"
    assert sanitize_filename("") == "berkas" and sanitize_filename("...") == "berkas"
    assert sanitize_filename('a<b>c:d"e|f?g*h.pdf') == "a b c d e f g h.pdf"
    assert sanitize_filename("a\x00b\x1fc.docx") == "abc.docx"
    long = sanitize_filename("x" * 300 + ".docx")
    assert len(long) == 100 and long.endswith(".docx")
    assert sanitize_filename("Foto (1).jpeg") == "Foto (1).jpeg"


def test_missing_source_file_raises_and_leaves_no_zip(tmp_path, fw, answers, evidence):
    q21a, files = evidence
    gone = EvidenceFile(question_id=q21a, original_filename="hilang.pdf", sha256="0" * 64,
                        size=10, media_type="application/pdf", path=tmp_path / "nope.pdf")
    out = tmp_path / "out" / "dossier.zip"
    out.parent.mkdir()
    with pytest.raises(FileNotFoundError, match=rf"{q21a}.*hilang\.pdf"):
        _zip(fw, answers, [*files, gone], out)
    assert list(out.parent.iterdir()) == []  # neither the ZIP nor a temporary file


def test_file_vanishing_while_zipping_leaves_old_zip_untouched(tmp_path, fw, answers, evidence,
                                                               monkeypatch):
    _, files = evidence
    out = tmp_path / "dossier.zip"
    out.write_bytes(b"previous dossier")
    doomed = tmp_path / "doomed.pdf"
    doomed.write_bytes(b"x")
    late = EvidenceFile(files[0].question_id, "late.pdf", "0" * 64, 1, "application/pdf", doomed)
    real_write = dossier._write_zip

    def delete_then_write(target, plan, xlsx, csv_data, progress=None):  # gone after the check
        doomed.unlink()
        return real_write(target, plan, xlsx, csv_data, progress)

    monkeypatch.setattr(dossier, "_write_zip", delete_then_write)
    with pytest.raises(FileNotFoundError, match="late.pdf"):
        _zip(fw, answers, [*files, late], out)
    assert out.read_bytes() == b"previous dossier"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dossier.zip", "store"]


def test_dossier_reports_its_progress_file_by_file(tmp_path, fw, answers, evidence):
    """Ekspor draws a bar from these calls while a dossier of hundreds of MB is packed."""
    _, files = evidence
    calls = []
    build_dossier_zip(fw, region_kode="3273", region_nama="Kota Bandung", year=2024,
                      stage="EM", answers=answers, files=files, out=io.BytesIO(),
                      progress=lambda done, total: calls.append((done, total)))
    total = sum(f.size for f in files)
    assert len(calls) == len(files) and {t for _, t in calls} == {total}
    assert [d for d, _ in calls] == sorted(d for d, _ in calls) and calls[-1][0] == total


def test_report_is_dated_in_the_deployment_zone(monkeypatch):
    """At 06:30 WIB (23:30 UTC the day before) the report carries the Jakarta date."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from kla.settings import get_settings, local_today

    monkeypatch.setenv("KLA_TIMEZONE", "Asia/Jakarta")
    get_settings.cache_clear()
    try:
        assert local_today() == datetime.now(ZoneInfo("Asia/Jakarta")).date()
    finally:
        get_settings.cache_clear()
