"""A web process leaves out Streamlit's config-file watchers (``KLA_WATCH_CONFIG``, default
off): Streamlit polls each ``config.toml`` five times a second in a pool thread, half of an
idle replica's CPU."""

import pytest
from streamlit.web import bootstrap

from kla.settings import Settings
from kla.web import server


@pytest.fixture
def watched(monkeypatch):
    """The files Streamlit's config watchers would poll (the hook restored afterwards)."""
    monkeypatch.setattr(bootstrap, "_install_config_watchers",
                        bootstrap._install_config_watchers)
    files: list[str] = []
    monkeypatch.setattr(bootstrap, "watch_file", lambda path, *a, **kw: files.append(path))
    return files


def test_the_config_files_are_not_polled_by_default(watched):
    assert Settings().watch_config is False
    assert server.skip_config_watchers() is True
    bootstrap._install_config_watchers({})  # what App.run calls before serving
    assert watched == []


def test_watching_can_be_put_back(watched):
    assert server.skip_config_watchers(watch=True) is False
    bootstrap._install_config_watchers({})
    assert watched and all(p.endswith("config.toml") for p in watched)


def test_the_setting_reads_the_environment(monkeypatch):
    monkeypatch.setenv("KLA_WATCH_CONFIG", "1")
    assert Settings().watch_config is True
    monkeypatch.setenv("KLA_WATCH_CONFIG", "0")
    assert Settings().watch_config is False
