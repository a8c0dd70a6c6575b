"""Unggah bukti massal: one ZIP of evidence files, checked (step 1, nothing written), then
attached at once (step 2, one transaction). The service decides; this page only shows."""

import pandas as pd
import streamlit as st

from kla.services import bulk_evidence as bulk
from kla.services.permissions import PermissionDenied
from kla.settings import get_settings
from kla.web import session, widgets

t, lang = session.t, session.lang()
who = session.actor()
widgets.header("bulk")

info = widgets.pick_assessment("bulk", prefer_stage="EM")
widgets.status_banner(info)
if info.stage != "EM":
    st.info(t("bulk.not_em"), icon=":material/info:")
limit = get_settings().max_upload_mb
total_mb = bulk.TOTAL_FACTOR * limit
st.markdown(t("bulk.howto", mb=limit, total=total_mb, entries=bulk.MAX_ENTRIES))


def progress_bar():
    """An ``st.progress`` bar and the service's ``on_progress`` callback that moves it."""
    bar = st.progress(0.0, text=t("bulk.reading"))

    def report(phase: str, done: int, total: int) -> None:
        text = (t("bulk.checking", done=done, total=total) if phase == "check"
                else t("bulk.storing", done=done, total=total))
        bar.progress(done / total if total else 1.0, text=text)

    return bar, report


def preview_table(rows: list[dict]) -> pd.DataFrame:
    """The preview: one row per file of the archive, reasons in the reader's language."""
    return pd.DataFrame({
        t("bulk.col_file"): [r["file"] for r in rows],
        t("col.question_id"): [r["question_id"] or "–" for r in rows],
        t("col.question"): [r["question"] for r in rows],
        t("bulk.col_size"): [round(r["size"] / 1024, 1) for r in rows],
        t("bulk.col_status"): [t("bulk.status_attach") if r["status"] == bulk.ATTACH
                               else t("bulk.status_refused") for r in rows],
        t("bulk.col_reason"): [r["reason"].render(lang) if r["reason"] is not None else ""
                               for r in rows],
    })


engine = session.engine()
round_key = f"bulk_round_{info.id}"  # a fresh uploader after each attach
upload = st.file_uploader(t("bulk.upload", mb=total_mb), type=["zip"],
                          key=f"bulk_upload_{info.id}_{st.session_state.get(round_key, 0)}",
                          max_upload_size=total_mb)
st.page_link("app_pages/isian.py", label=t("bulk.back"), icon=":material/edit_note:")
if upload is None:
    st.stop()

# step 1: the preview, once per uploaded file (the rows keep their reasons as messages, so a
# change of language shows them anew)
preview_key = f"bulk_preview_{info.id}"
kept = st.session_state.get(preview_key)
if kept is None or kept[0] != upload.file_id:
    bar, report = progress_bar()
    try:
        rows = bulk.preview(engine, who, info.id, upload.getvalue(), on_progress=report)
    except (PermissionDenied, ValueError) as exc:
        bar.empty()
        widgets.refused(exc)
        st.stop()
    bar.empty()
    kept = st.session_state[preview_key] = (upload.file_id, rows)
rows = kept[1]
if not rows:
    st.info(t("bulk.empty_zip"), icon=":material/info:")
    st.stop()
ready = sum(r["status"] == bulk.ATTACH for r in rows)
st.caption(t("bulk.summary", ok=ready, refused=len(rows) - ready))
widgets.table(preview_table(rows), key="bulk_table")

# step 2: attach; the service checks everything again
if st.button(t("bulk.attach", n=ready), key="bulk_attach", type="primary",
             icon=":material/attach_file:", disabled=not ready):
    bar, report = progress_bar()
    try:
        n = bulk.attach(engine, who, info.id, upload.getvalue(), on_progress=report)
    except (PermissionDenied, ValueError) as exc:
        bar.empty()
        widgets.refused(exc)
    else:
        st.session_state.pop(preview_key, None)
        st.session_state[round_key] = st.session_state.get(round_key, 0) + 1
        widgets.flash(t("bulk.attached", n=n))
        st.rerun()
