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

pages = [
    st.Page("pages/posisi.py", title=t("page.posisi"), icon=":material/leaderboard:",
            url_path="posisi", default=True),
]
st.navigation(pages).run()
