"""The signed-in session: language, the actor of this run, the engine. Pages never import the
store: they get the engine here and pass ``actor()`` to the services, which decide."""

from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st
from sqlalchemy import Engine

from kla.i18n import DEFAULT_LANG, LANGS, describe, lang_from_locale
from kla.i18n import t as _t
from kla.services import users
from kla.services.permissions import Actor, allowed
from kla.web import evidence_access


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
    _note_browser(found)
    return found


def _session_id() -> str | None:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx else None


def _browser_cookie() -> str | None:
    try:
        value = st.context.cookies.get(evidence_access.COOKIE)
    except Exception:  # noqa: BLE001 - no request context (bare mode)
        return None
    return value if isinstance(value, str) else None


def _note_browser(found: Actor | None) -> None:
    """Tell the evidence gate who this session's browser is signed in as (or no longer)."""
    evidence_access.note_session(_session_id(), _browser_cookie(),
                                 found.username if found else None)


def evidence_url(evidence_id: int, *, download: bool = False) -> str | None:
    """The URL of an evidence file for the signed-in user in this browser (served by
    ``kla.web.evidence_access``, never through Streamlit's /media); absolute, as ``st.pdf``
    and ``st.image`` need. None when this browser has no cookie (nothing could open it)."""
    who = _actor_now()
    path = evidence_access.link(evidence_id, who.username, _browser_cookie(),
                                download=download) if who else None
    if path is None:
        return None
    try:
        page = st.context.url
    except Exception:  # noqa: BLE001 - no request context
        page = None
    from streamlit import config

    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    prefix = f"/{base}/" if base else "/"
    if page:
        parts = urlsplit(page)
        return f"{parts.scheme}://{parts.netloc}{prefix}{path}"
    return f"{prefix}{path}"


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
    evidence_access.note_session(_session_id(), None, None)
