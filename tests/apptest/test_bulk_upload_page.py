"""AppTest of page Unggah bukti massal as an agency: upload a ZIP, read the preview table (in
Indonesian), attach the accepted files."""

import io
import zipfile

import pytest

from kla.services import answers as ans
from kla.services.permissions import SYSTEM
from kla.store.db import engine_for
from tests.evidence_files import pdf_bytes

PAGE = "app_pages/unggah_bukti.py"


def pdf(tag: str) -> bytes:
    return pdf_bytes(tag)


def preview_table(at):
    """The preview table (the only table with a "Status" column), or None."""
    return next((d.value for d in at.dataframe if "Status" in d.value.columns), None)


def make_zip(entries) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.fixture
def page(app_factory, seeded_sqlite_copy, tmp_path, monkeypatch):
    """The page as Dinkes of Kota Serang on the 2026 draft, on its own database and store."""
    url = seeded_sqlite_copy()
    monkeypatch.setenv("KLA_DATA_DIR", str(tmp_path))

    def open_page(user="dinkes.serang"):
        at = app_factory(url, user=user).run()
        at.switch_page(PAGE).run()
        at.selectbox(key="bulk_region").set_value("36.73").run()
        at.selectbox(key="bulk_year_36.73").set_value(2026).run()
        assert not at.exception, at.exception
        return at

    return url, open_page


def the_draft(url):
    from kla.services.assessments import list_assessments

    engine = engine_for(url)
    info = next(a for a in list_assessments(engine, SYSTEM, "36.73")
                if a.year == 2026 and a.stage == "EM")
    return engine, info.id


def test_agency_previews_and_attaches_a_zip(page):
    url, open_page = page
    engine, aid = the_draft(url)
    answered = ans.answer_states(engine, SYSTEM, aid)
    mine = "1.P2l"  # a Dinkes question the sample draft has answered
    assert mine in answered and "1.P1" in answered
    before = len(ans.list_evidence(engine, SYSTEM, aid))
    data = make_zip([(f"bukti/{mine} laporan.pdf", pdf("a")), (f"{mine}_foto.pdf", pdf("b")),
                     ("1.P1 Perda.pdf", pdf("c")), ("catatan.pdf", pdf("d")),
                     ("__MACOSX/._catatan.pdf", b"x")])

    at = open_page()
    assert at.title[0].value == "Unggah bukti massal"
    at.file_uploader[0].set_value(("bukti.zip", data, "application/zip")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    table = preview_table(at)
    assert list(table.columns) == ["Berkas", "ID", "Pertanyaan", "Ukuran (KB)", "Status",
                                   "Alasan penolakan"]
    rows = table.set_index("Berkas")
    assert len(rows) == 4  # the __MACOSX entry is skipped
    assert rows.loc[f"bukti/{mine} laporan.pdf", "ID"] == mine
    assert rows.loc[f"{mine}_foto.pdf", "Status"] == "akan dilampirkan"
    assert rows.loc["1.P1 Perda.pdf", "Status"] == "ditolak"
    assert "bukan kepada OPD Anda" in rows.loc["1.P1 Perda.pdf", "Alasan penolakan"]
    assert rows.loc["catatan.pdf", "ID"] == "–"
    assert "Tidak ada pertanyaan yang cocok" in rows.loc["catatan.pdf", "Alasan penolakan"]
    assert len(ans.list_evidence(engine, SYSTEM, aid)) == before  # the preview wrote nothing

    button = at.button(key="bulk_attach")
    assert button.label == "Lampirkan 2 berkas"
    button.click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [t.value for t in at.toast] == ["2 berkas dilampirkan."]
    files = [e for e in ans.list_evidence(engine, SYSTEM, aid)][before:]
    assert {(f["question_id"], f["name"], f["uploaded_by"]) for f in files} == {
        (mine, f"{mine} laporan.pdf", "dinkes.serang"), (mine, f"{mine}_foto.pdf",
                                                         "dinkes.serang")}
    assert preview_table(at) is None
    assert at.file_uploader[0].value is None  # a fresh uploader: no second attach by accident


def test_the_preview_reads_in_english_and_a_bad_archive_is_refused(page):
    _url, open_page = page
    at = open_page()
    at.file_uploader[0].set_value(("bukti.zip", make_zip([("catatan.pdf", pdf("x"))]),
                                   "application/zip")).run()
    assert preview_table(at)["Status"].tolist() == ["ditolak"]
    at.session_state["lang"] = "en"  # the kept preview is shown anew in the other language
    at.run()
    table = preview_table(at)
    assert table["Status"].tolist() == ["refused"]
    assert table["Reason refused"].iloc[0].startswith("No question matched")
    assert at.button(key="bulk_attach").disabled

    at = open_page()
    at.file_uploader[0].set_value(("bukti.zip", b"bukan zip", "application/zip")).run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Berkas ini bukan arsip ZIP yang dapat dibaca."]


def test_the_page_is_only_for_roles_that_upload(app_factory, seeded_sqlite_url):
    for user in ("koordinator.serang", "admin"):
        at = app_factory(seeded_sqlite_url, user=user).run()
        at.switch_page(PAGE).run()
        assert not at.exception and at.title[0].value == "Unggah bukti massal"
    for user in ("verifikator.banten", "pengamat"):
        at = app_factory(seeded_sqlite_url, user=user).run()
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(PAGE)
