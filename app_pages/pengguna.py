"""Pengguna: accounts (admin only)."""

import pandas as pd
import streamlit as st

from kla import ui
from kla.db import get_engine
from kla.models import ROLES
from kla.services import users
from kla.services.permissions import require_role

t = ui.t
who = ui.actor()
require_role(who, "admin")
st.title(t("users.title"))
ui.show_flash()
engine = get_engine()
ui.table(pd.DataFrame(users.list_users(engine)), key="users_table")

with st.form("users_add", clear_on_submit=True):
    st.markdown(f"**{t('users.add')}**")
    c1, c2, c3 = st.columns(3)
    username = c1.text_input(t("login.username"), key="users_name")
    role = c2.selectbox(t("users.role"), ROLES, format_func=lambda r: t(f"role.{r}"),
                        key=ui.lang_key("users_role"))
    region = c3.text_input(t("users.region"), key="users_region", help=t("users.region_help"))
    agencies = st.text_input(t("users.agencies"), key="users_agencies")
    password = st.text_input(t("login.password"), type="password", key="users_password")
    if st.form_submit_button(t("users.create"), icon=":material/person_add:"):
        try:
            users.add_user(engine, username=username, password=password, role=role,
                           region_kode=region.strip() or None,
                           agencies=[a.strip() for a in agencies.split(";") if a.strip()],
                           by=who)
            ui.flash(t("users.created", name=username))
            st.rerun()
        except ValueError as exc:
            st.error(str(exc))

names = [u["username"] for u in users.list_users(engine) if u["username"] != who.username]
if names:
    c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
    name = c1.selectbox(t("users.pick"), names, key="users_pick")
    active = next(u["active"] for u in users.list_users(engine) if u["username"] == name)
    if c2.button(t("users.deactivate") if active else t("users.activate"), key="users_toggle"):
        users.set_active(engine, name, not active, who)
        st.rerun()
