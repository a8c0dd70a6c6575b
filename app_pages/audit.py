"""Log audit: every change (who, when, what, old → new), viewable and exportable."""

import streamlit as st

from kla import ui
from kla.db import get_engine
from kla.services.audit import audit_frame

t = ui.t
who = ui.actor()
ui.header("audit")
prefix = st.text_input(t("audit.region"), value=who.region_kode or "", key="audit_region",
                       disabled=bool(who.region_kode) and who.role != "admin",
                       help=t("audit.region_help"))
scope = who.region_kode if who.role != "admin" else (prefix.strip() or None)
frame = audit_frame(get_engine(), region_prefix=scope)
actions = sorted(frame["action"].unique()) if len(frame) else []
chosen = st.multiselect(t("audit.actions"), actions, key="audit_actions")
if chosen:
    frame = frame[frame["action"].isin(chosen)]
frame = frame.rename(columns={c: t(f"audit.col.{c}") for c in frame.columns})
st.caption(t("audit.count", n=len(frame)))
ui.table(frame, key="audit_table", column_config={
    t("audit.col.change"): st.column_config.TextColumn(width="large")})
ui.downloads(frame, "audit-kla", "audit", "Audit")
