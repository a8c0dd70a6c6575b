"""Log audit: every change (who, when, what, old → new), viewable and exportable."""

import streamlit as st

from kla.services.audit import audit_frame
from kla.web import session, widgets
from kla.web.audit_text import action_label, change_text

t = session.t
who = session.actor()
widgets.header("audit")
prefix = st.text_input(t("audit.region"), value=who.region_kode or "", key="audit_region",
                       help=t("audit.region_help"))
# the service shows only the rows of the user's scope; the prefix narrows further
frame = audit_frame(session.engine(), who, region_prefix=prefix.strip() or None)
lang = session.lang()
labels = {a: action_label(a, lang) for a in frame["action"].unique()} if len(frame) else {}
chosen = st.multiselect(t("audit.actions"), sorted(labels, key=labels.get), key="audit_actions",
                        format_func=labels.get, placeholder=t("audit.actions_all"))
if chosen:
    frame = frame[frame["action"].isin(chosen)]
frame["at"] = [widgets.when(x) for x in frame["at"]]  # KLA_TIMEZONE, e.g. "… 14:05 WIB"
frame["action"] = [labels[a] for a in frame["action"]]
frame["change"] = [change_text(d, lang) for d in frame["detail"]]
frame["assessment"] = [str(int(x)) if x == x and x is not None else "–"
                       for x in frame["assessment"]]
frame = frame.drop(columns=["detail"])
frame = frame.rename(columns={c: t(f"audit.col.{c}") for c in frame.columns})
st.caption(t("audit.count", n=len(frame)))
widgets.table(frame, key="audit_table", column_config={
    t("audit.col.change"): st.column_config.TextColumn(width="large")})
widgets.downloads(frame, "audit-kla", "audit", "Audit")
