"""KLA dashboard — Streamlit entry point: page config, language, navigation."""

import streamlit as st

from kla.i18n import LANGS
from kla.ui import lang, t

st.set_page_config(page_title="KLA", page_icon=":material/child_care:", layout="wide")

with st.sidebar:
    st.session_state.setdefault("lang", lang())
    st.segmented_control(t("app.language"), options=list(LANGS), key="lang", required=True,
                         format_func={"id": "Indonesia", "en": "English"}.get)
    st.caption(f"**{t('app.title')}** · {t('app.subtitle')}")

pages = {
    t("nav.standing"): [
        st.Page("app_pages/posisi.py", title=t("page.posisi"), icon=":material/leaderboard:",
                url_path="posisi", default=True),
    ],
    t("nav.planning"): [
        st.Page("app_pages/kesenjangan.py", title=t("page.gaps"), icon=":material/troubleshoot:",
                url_path="kesenjangan"),
        st.Page("app_pages/perkembangan.py", title=t("page.progress"), icon=":material/timeline:",
                url_path="perkembangan"),
        st.Page("app_pages/simulasi.py", title=t("page.sim"), icon=":material/tune:",
                url_path="simulasi"),
        st.Page("app_pages/jalur.py", title=t("page.path"), icon=":material/route:",
                url_path="jalur"),
        st.Page("app_pages/risiko.py", title=t("page.risk"), icon=":material/gpp_maybe:",
                url_path="risiko"),
    ],
}
st.navigation(pages).run()
