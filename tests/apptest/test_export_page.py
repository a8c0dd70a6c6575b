"""Ekspor: "Siapkan" prepares the PDF report and the evidence ZIP and offers them for download
(it once crashed: the prepared file and its download button shared one session key)."""


def test_prepare_pdf_and_zip_then_download(app_factory, seeded_sqlite_url):
    at = app_factory(seeded_sqlite_url, user="koordinator.serang").run()
    at.switch_page("app_pages/ekspor.py").run()
    assert not at.exception
    at.button(key="export_pdf_make").click().run()
    assert not at.exception
    at.button(key="export_zip_make").click().run()
    assert not at.exception, at.exception
    keys = {d.proto.id for d in at.get("download_button")}
    assert len(at.get("download_button")) == 3  # Excel, PDF and ZIP
    assert keys
    at.run()  # a rerun after preparing (the page once failed on the next run)
    assert not at.exception
    assert len(at.get("download_button")) == 3
    assert at.header  # the import section is still drawn below the cards
