"""Ekspor & impor: Excel workbook (round-trip), dossier ZIP, PDF report."""

import io

import streamlit as st

from kla.i18n import fmt_bytes
from kla.io.csv import InputError
from kla.services import exports
from kla.services.permissions import PermissionDenied
from kla.web import session, widgets

t, lang = session.t, session.lang()
who = session.actor()
widgets.header("export")
engine = session.engine()

info = widgets.pick_assessment("export")
stem = f"kla-{info.region_kode}-{info.year}-{info.stage}"

c1, c2, c3 = st.columns(3)
with c1.container(border=True):
    st.markdown(f"**{t('export.xlsx')}**")
    st.caption(t("export.xlsx_caption"))
    st.download_button(t("export.download"), lambda: exports.export_xlsx(engine, who, info),
                       file_name=f"{stem}.xlsx", key="export_xlsx", icon=":material/table:",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       on_click="ignore")  # a download changes nothing: no rerun
with c2.container(border=True):
    st.markdown(f"**{t('export.pdf')}**")
    st.caption(t("export.pdf_caption"))
    if st.button(t("export.prepare"), key="export_pdf_make", icon=":material/picture_as_pdf:"):
        with st.spinner(t("export.working")):
            # the prepared file is kept under its own key: "export_pdf" is the button's
            st.session_state["export_pdf_file"] = (info.id, lang, exports.export_pdf(
                engine, who, info, lang))
    made = st.session_state.get("export_pdf_file")
    if made and made[:2] == (info.id, lang):
        st.download_button(t("export.download"), made[2], file_name=f"{stem}.pdf",
                           mime="application/pdf", key="export_pdf", icon=":material/download:",
                           on_click="ignore")  # a download changes nothing: no rerun
with c3.container(border=True):
    st.markdown(f"**{t('export.zip')}**")
    st.caption(t("export.zip_caption"))
    if st.button(t("export.prepare"), key="export_zip_make", icon=":material/folder_zip:"):
        buf = io.BytesIO()
        bar = st.progress(0.0, text=t("export.working"))

        def packed(done: int, total: int) -> None:  # a dossier can be hundreds of MB
            bar.progress(min(done / total, 1.0) if total else 1.0, text=t(
                "export.zip_progress", done=fmt_bytes(done, lang), total=fmt_bytes(total, lang)))

        summary = exports.export_zip(engine, who, info, buf, progress=packed)
        bar.empty()
        st.session_state["export_zip_file"] = (info.id, buf.getvalue(), summary["files"],
                                               len(summary["missing"]))
    made = st.session_state.get("export_zip_file")
    if made and made[0] == info.id:
        st.caption(t("export.zip_files", n=made[2]))
        if made[3]:  # rows whose files are gone from the store: listed in the index
            st.warning(t("export.zip_missing", n=made[3]), icon=":material/report:")
        st.download_button(t("export.download"), made[1], file_name=f"{stem}-dossier.zip",
                           mime="application/zip", key="export_zip", icon=":material/download:",
                           on_click="ignore")  # a download changes nothing: no rerun

if session.can("assessment.submit", info.region_kode):  # coordinator or admin imports
    st.header(t("export.import_title"))
    st.caption(t("export.import_caption"))
    upload = st.file_uploader(t("export.import_file"), type=["xlsx"], key="export_import_file")
    if upload is not None and st.button(t("export.import"), key="export_import",
                                        icon=":material/upload:", type="primary"):
        try:
            res = exports.import_xlsx(engine, who, info, upload.getvalue(), source=upload.name)
            widgets.flash(t("export.imported", changed=res["changed"], unchanged=res["unchanged"]))
            st.rerun()
        except InputError as exc:
            widgets.problems(exc, key="export_errors")
        except PermissionDenied as exc:
            widgets.refused(exc)
