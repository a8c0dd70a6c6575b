"""Closed tabs' sessions are let go (kla.web.session_storage): Streamlit's own store keeps an
expired session until the next tab closes and never shuts it down; 50 load-test sessions on
one replica stayed alive, +116 to +124 MB, 10 minutes after they closed."""

from __future__ import annotations

import asyncio
import threading
import time

from streamlit.runtime.app_session import AppSessionState
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.script_data import ScriptData
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.runtime.session_manager import SessionInfo
from streamlit.runtime.uploaded_file_manager import UploadedFileRec
from streamlit.runtime.websocket_session_manager import WebsocketSessionManager

from kla.web.session_storage import ReapingSessionStorage


class FakeSession:
    def __init__(self, sid: str):
        self.id = sid
        self.shut_down_in: list[str] = []

    def shutdown(self) -> None:
        self.shut_down_in.append(threading.current_thread().name)


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def info(sid: str) -> SessionInfo:
    return SessionInfo(client=None, session=FakeSession(sid))  # type: ignore[arg-type]


def in_a_thread(fn):
    """``fn()`` in a thread of its own: no event loop of the test process (Playwright's sync
    API keeps one running in the main thread) is seen by it."""
    out: dict = {}

    def run() -> None:
        try:
            out["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - raised again in the test's thread
            out["error"] = e

    t = threading.Thread(target=run)
    t.start()
    t.join(30)
    if "error" in out:
        raise out["error"]
    return out["value"]


def storage(clock: Clock, **kw) -> ReapingSessionStorage:
    kw.setdefault("reap_every_s", None)
    return ReapingSessionStorage(ttl_seconds=120, timer=clock, **kw)


def test_an_expired_session_is_shut_down_and_dropped():
    clock = Clock()
    store = storage(clock)
    infos = [info(f"s{i}") for i in range(3)]
    for i in infos:
        store.save(i)
    clock.now = 119
    assert store.reap() == 0 and len(store.list()) == 3
    clock.now = 121
    assert store.reap() == 3
    assert store.list() == [] and store.get("s0") is None
    assert all(len(i.session.shut_down_in) == 1 for i in infos)


def test_a_session_that_reconnected_is_never_shut_down():
    clock = Clock()
    store = storage(clock)
    back, gone = info("back"), info("gone")
    store.save(back)
    store.save(gone)
    assert store.get("back") is back
    store.delete("back")  # the manager took it back: the tab reconnected
    clock.now = 500
    assert store.reap() == 1
    assert back.session.shut_down_in == [] and gone.session.shut_down_in


def test_a_save_shuts_down_what_it_drops():
    """Streamlit's store drops expired sessions silently when another one is stored."""
    clock = Clock()
    store = storage(clock)
    old = info("old")
    store.save(old)
    clock.now = 200
    store.save(info("new"))
    assert old.session.shut_down_in and [i.session.id for i in store.list()] == ["new"]


def test_a_full_store_shuts_down_the_oldest():
    clock = Clock()
    store = ReapingSessionStorage(maxsize=2, ttl_seconds=120, timer=clock, reap_every_s=None)
    first, second, third = info("1"), info("2"), info("3")
    for i in (first, second, third):
        store.save(i)
    assert first.session.shut_down_in and not second.session.shut_down_in
    assert sorted(i.session.id for i in store.list()) == ["2", "3"]


def test_the_reaper_runs_on_its_own_in_the_servers_event_loop():
    """Nothing else happens after the last tab closed: the reaper still lets it go, on the
    event loop where the tab's disconnect was handled."""
    clock = Clock()

    async def main() -> tuple[str, list[str]]:
        store = storage(clock, reap_every_s=0.02)
        closed = info("closed")
        store.save(closed)  # as the session manager does, on the loop
        clock.now = 121
        for _ in range(200):
            if closed.session.shut_down_in:
                break
            await asyncio.sleep(0.01)
        return threading.current_thread().name, closed.session.shut_down_in

    loop_thread, shut_down_in = in_a_thread(lambda: asyncio.run(main()))
    assert shut_down_in == [loop_thread]


def test_the_reaper_works_without_an_event_loop():
    clock = Clock()
    store = storage(clock, reap_every_s=0.02)
    closed = info("closed")
    in_a_thread(lambda: store.save(closed))  # saved where no event loop runs
    clock.now = 121
    deadline = time.monotonic() + 5
    while not closed.session.shut_down_in and time.monotonic() < deadline:
        time.sleep(0.01)
    assert closed.session.shut_down_in == ["kla-session-reaper"]


def test_streamlits_session_manager_with_a_real_session_and_its_uploads():
    """A real AppSession through Streamlit's session manager: connected, a file uploaded,
    the tab closed; once the TTL is over the session is shut down and its upload is gone."""
    clock = Clock()

    async def main():
        store = storage(clock)
        uploads = MemoryUploadedFileManager("/_stcore/upload_file")

        class Client:
            client_context = None

            def write_forward_msg(self, msg) -> None:
                pass

        manager = WebsocketSessionManager(store, uploads, ScriptCache(), None)
        sid = manager.connect_session(Client(), ScriptData("app.py", False), {})
        session = manager.get_session_info(sid).session
        uploads.add_file(sid, UploadedFileRec("f1", "bukti.pdf", "application/pdf",
                                              b"%PDF-1.4 x"))
        manager.disconnect_session(sid)
        kept = (session._state, len(uploads.get_files(sid, ["f1"])))
        clock.now = 121
        store.reap()
        return kept, session._state, uploads.get_files(sid, ["f1"]), store.list()

    kept, state, files, left = in_a_thread(lambda: asyncio.run(main()))
    assert kept[0] != AppSessionState.SHUTDOWN_REQUESTED and kept[1] == 1  # within the TTL
    assert state == AppSessionState.SHUTDOWN_REQUESTED
    assert files == [] and left == []


def test_the_server_makes_its_runtime_with_the_reaping_store():
    from streamlit.runtime import memory_session_storage
    from streamlit.web.server import server as classic

    import kla.web.server  # noqa: F401 - installs it

    assert memory_session_storage.MemorySessionStorage is ReapingSessionStorage
    assert classic.MemorySessionStorage is ReapingSessionStorage
