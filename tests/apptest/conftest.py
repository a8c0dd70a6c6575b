from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "app.py"


@pytest.fixture
def app_factory(monkeypatch):
    """AppTest of the entry point against a given database URL, with clean Streamlit caches."""

    def make(url: str, locale: str = "id-ID", user: str | None = "admin") -> AppTest:
        """``user``: a sample account (`kla demo`) already signed in; None: signed out."""
        from kla.settings import get_settings

        monkeypatch.setenv("KLA_DATABASE_URL", url)
        get_settings.cache_clear()  # settings read before (e.g. by `kla init`) are stale now
        st.cache_data.clear()
        st.cache_resource.clear()
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.context["locale"] = locale
        if user:
            at.session_state["auth_user"] = user
        return at

    return make


@pytest.fixture(scope="session")
def seeded_sqlite_url(seeded_sqlite_copy):
    """The AppTests' own copy of the seeded SQLite database (seeded once per session)."""
    return seeded_sqlite_copy()
