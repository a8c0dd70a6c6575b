"""Masuk: local account login (throttled), or the first-run hint when no account exists.

Every refused login shows the same text (unknown user, wrong password, inactive or locked
account alike), so the page never tells which usernames exist."""

import streamlit as st

from kla.services import users
from kla.settings import get_settings
from kla.web import session

t = session.t
st.title(t("login.title"))
st.caption(t("app.subtitle"))
engine = session.engine()
if not users.has_users(engine):
    st.info(t("login.no_users"), icon=":material/person_add:")
    st.code("kla user add admin --role admin\nkla demo   # or: the sample data and accounts",
            language="bash")
    st.stop()


def sign_in() -> None:
    """The form's callback: it runs before the script, so a correct password opens the
    first page in this same run (no second run of the app for it)."""
    try:
        who = users.authenticate(engine, st.session_state.get("login_username") or "",
                                 st.session_state.get("login_password") or "")
    except users.LoginError:
        st.session_state["login_refused"] = True
    else:
        st.session_state["auth_user"] = who.username


with st.form("login_form"):
    st.text_input(t("common.username"), key="login_username")
    st.text_input(t("common.password"), type="password", key="login_password")
    st.form_submit_button(t("login.submit"), icon=":material/login:", type="primary",
                          on_click=sign_in)
if st.session_state.pop("login_refused", False):  # shown once, after the refused try
    cfg = get_settings()
    st.error(t("login.denied", n=cfg.login_max_failures, minutes=cfg.login_lock_minutes))
try:
    sso = "auth" in st.secrets  # OIDC configured in .streamlit/secrets.toml
except Exception:  # noqa: BLE001 - no secrets file at all
    sso = False
if sso:
    st.button(t("login.sso"), on_click=st.login, icon=":material/key:", key="login_sso")
else:
    st.caption(t("login.oidc_hint"))
