"""The signed-in session: language, the actor of this run, the engine. Pages never import the
store: they get the engine here and pass ``actor()`` to the services, which decide."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from kla.i18n import DEFAULT_LANG, LANGS, describe, lang_from_locale
from kla.i18n import t as _t
from kla.services import users
from kla.services.permissions import Actor, allowed


def engine() -> Engine:
    from kla.store.db import get_engine

    return get_engine()


def lang() -> str:
    value = st.session_state.get("lang")
    if value in LANGS:
        return value
    try:
        return lang_from_locale(st.context.locale)
    except Exception:  # noqa: BLE001  (no request context, e.g. bare mode)
        return DEFAULT_LANG


def t(key: str, **kw: object) -> str:
    return _t(key, lang(), **kw)


def say(exc: BaseException) -> str:
    """A refused operation's message in the reader's language (``kla.i18n.describe``)."""
    return describe(exc, lang())


def lang_key(key: str, carry: bool = True) -> str:
    """The widget key of a selectbox whose options are shown translated. A keyed selectbox
    keeps showing the label it was chosen with, so after a language switch it would still
    show the old language: one key per language draws it anew. With ``carry`` the choice
    moves over (only for widgets given no ``index``; others keep it by their own means)."""
    mine = f"{key}.{lang()}"
    if carry and mine not in st.session_state:
        for other in LANGS:
            old = st.session_state.get(f"{key}.{other}")
            if old is not None:
                st.session_state[mine] = old
                break
    return mine


_ACTOR = "_actor_this_run"


def current_actor() -> Actor | None:
    """The logged-in actor: a local login (session) or Streamlit's OIDC login (``st.login``,
    matched on the user's e-mail as username). Re-read on every run, so a deactivated account
    or a changed role takes effect at once."""
    username = st.session_state.get("auth_user")
    if not username:
        try:
            if getattr(st.user, "is_logged_in", False):
                username = getattr(st.user, "email", None)
        except Exception:  # noqa: BLE001 - st.user unavailable without auth configured
            username = None
    found = users.get_actor(engine(), username) if username else None
    st.session_state[_ACTOR] = found
    return found


def _actor_now() -> Actor | None:
    """The actor ``current_actor`` found at the start of this run (app.py calls it first on
    every run), without reading the database again."""
    if _ACTOR in st.session_state:
        return st.session_state[_ACTOR]
    return current_actor()


def actor() -> Actor:
    """The logged-in actor; pages are only reachable after login."""
    a = _actor_now()
    if a is None:
        st.stop()
    return a


def can(action: str, target: object = None) -> bool:
    """Whether the signed-in actor may do ``action`` (to show or hide a control; the service
    checks again on every write)."""
    return allowed(_actor_now(), action, target)


def login(username: str) -> None:
    st.session_state["auth_user"] = username


def logout() -> None:
    st.session_state.pop("auth_user", None)
    st.session_state.pop(_ACTOR, None)
