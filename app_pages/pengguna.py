"""Pengguna: accounts (admin only; the service refuses everyone else)."""

import streamlit as st

from kla.domain.workflow import ROLES
from kla.services import users
from kla.services.permissions import PermissionDenied
from kla.web import session, widgets

t = session.t
who = session.actor()
st.title(t("users.title"))
widgets.show_flash()
engine = session.engine()
try:
    accounts = users.list_users(engine, who)
except PermissionDenied:
    st.error(t("users.admin_only"), icon=":material/block:")
    st.stop()
shown = [{**u, "role": t(f"role.{u['role']}"), "region": u["region"] or t("users.national"),
          "active": t("common.yes") if u["active"] else t("common.no"),
          "digest_daily": t("common.yes") if u["digest_daily"] else t("common.no")}
         for u in accounts]
widgets.table(widgets.labelled(shown, {
    "username": "common.username", "display_name": "users.col.display_name",
    "role": "users.role", "region": "users.col.region", "agencies": "users.col.agencies",
    "email": "users.col.email", "digest_daily": "users.col.digest",
    "active": "users.col.active"}), key="users_table")


def agencies_of(text: str) -> list[str]:
    return [a.strip() for a in text.split(";") if a.strip()]


with st.form("users_add", clear_on_submit=True):
    st.markdown(f"**{t('users.add')}**")
    c1, c2, c3 = st.columns(3)
    username = c1.text_input(t("common.username"), key="users_name")
    role = c2.selectbox(t("users.role"), ROLES, format_func=lambda r: t(f"role.{r}"),
                        key=session.lang_key("users_role"))
    region = c3.text_input(t("users.region"), key="users_region", help=t("users.region_help"))
    agencies = st.text_input(t("users.agencies"), key="users_agencies")
    password = st.text_input(t("common.password"), type="password", key="users_password",
                             help=t("users.password_help"))
    if st.form_submit_button(t("users.create"), icon=":material/person_add:"):
        try:
            users.add_user(engine, who, username=username, password=password, role=role,
                           region_kode=region.strip() or None, agencies=agencies_of(agencies))
            widgets.flash(t("users.created", name=username))
            st.rerun()
        except (ValueError, PermissionDenied) as exc:
            widgets.refused(exc)

names = [u["username"] for u in accounts if u["username"] != who.username]
if names:
    c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
    name = c1.selectbox(t("users.pick"), names, key="users_pick")
    chosen = next(u for u in accounts if u["username"] == name)
    if c2.button(t("users.deactivate") if chosen["active"] else t("users.activate"),
                 key="users_toggle"):
        try:
            users.set_active(engine, who, name, not chosen["active"])
            st.rerun()
        except (ValueError, PermissionDenied) as exc:
            widgets.refused(exc)
    with st.form("users_role_form"):
        st.markdown(f"**{t('users.change_role', name=name)}**")
        r1, r2, r3 = st.columns(3)
        new_role = r1.selectbox(t("users.role"), ROLES, index=ROLES.index(chosen["role"]),
                                format_func=lambda r: t(f"role.{r}"),
                                key=session.lang_key(f"users_new_role_{name}", carry=False))
        new_region = r2.text_input(t("users.region"), value=chosen["region"],
                                   key=f"users_new_region_{name}")
        new_agencies = r3.text_input(t("users.agencies"),
                                     value=chosen["agencies"].replace(", ", "; "),
                                     key=f"users_new_agencies_{name}")
        if st.form_submit_button(t("users.save_role"), icon=":material/manage_accounts:"):
            try:
                users.set_role(engine, who, name, new_role, new_region.strip() or None,
                               agencies_of(new_agencies))
                widgets.flash(t("users.role_saved", name=name))
                st.rerun()
            except (ValueError, PermissionDenied) as exc:
                widgets.refused(exc)
    with st.form("users_email_form"):
        e1, e2 = st.columns([3, 1], vertical_alignment="bottom")
        new_email = e1.text_input(t("users.email", name=name), value=chosen["email"],
                                  key=f"users_email_{name}", placeholder="nama@dinas.go.id")
        if e2.form_submit_button(t("users.save_email"), icon=":material/mail:"):
            try:
                users.set_email(engine, who, name, new_email)
                widgets.flash(t("users.email_saved", name=name))
                st.rerun()
            except (ValueError, PermissionDenied) as exc:
                widgets.refused(exc)
