"""A page asks for the same data version several times in one run (the picker, the banner,
the cached reads): ``kla.web.cache`` reads it once per script run, again in the next run,
and again at once after a write (``widgets.flash``)."""

from streamlit.testing.v1 import AppTest

from kla.services import assessments as svc
from kla.web import cache


def _script():
    import streamlit as st

    from kla.web import cache, widgets

    seen = st.session_state.setdefault("seen", [])
    seen.append((cache.region_version("36.73"), cache.region_version("36.73"),
                 cache.region_version("18.72"), cache.scope_version(), cache.scope_version()))
    if st.session_state.get("write"):
        widgets.flash("Tersimpan.")  # a write happened in this run
        seen.append((cache.region_version("36.73"),))


def test_versions_are_read_once_per_run_and_again_after_a_write(monkeypatch):
    calls: list[str] = []

    def region(engine, who, kode):
        calls.append(kode)
        return f"{kode}#{len(calls)}"

    def scope(engine, who):
        calls.append("scope")
        return f"scope#{len(calls)}"

    monkeypatch.setattr(svc, "region_version", region)
    monkeypatch.setattr(svc, "scope_version", scope)
    monkeypatch.setattr(cache, "engine", lambda: None)
    monkeypatch.setattr(cache, "actor", lambda: None)
    at = AppTest.from_function(_script)
    at.run()
    assert not at.exception
    assert calls == ["36.73", "18.72", "scope"]  # one read of each per run
    first = at.session_state["seen"][0]
    assert first[0] == first[1] and first[3] == first[4]
    at.run()  # the next run reads again
    assert calls == ["36.73", "18.72", "scope"] * 2
    at.session_state["write"] = True
    at.run()
    assert calls[-1] == "36.73" and calls.count("36.73") == 4  # read again after the write
    assert at.session_state["seen"][-1][0] != at.session_state["seen"][-2][0]


def test_outside_a_script_run_the_version_is_read_every_time(monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(svc, "results_version", lambda engine: calls.append("r") or "1")
    monkeypatch.setattr(cache, "engine", lambda: None)
    cache.results_version()
    cache.results_version()
    assert calls == ["r", "r"]
