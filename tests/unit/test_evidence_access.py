"""The evidence gate (kla.web.evidence_access) without a server: links are bound to the
user, the browser and an expiry; the browser must be signed in now; the service decides what
the user may see; /media answers only signed-in browsers; HTML pages get the browser cookie.
The end-to-end version, with the real server and Chromium: tests/browser/test_evidence_access.py.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from kla.services.permissions import PermissionDenied
from kla.web import evidence_access as ea

OWNER, OTHER = "koordinator.serang", "koordinator.metro"


@pytest.fixture(autouse=True)
def _clean(monkeypatch):
    monkeypatch.setenv("KLA_SECRET_KEY", "unit-test-key")
    monkeypatch.setattr(ea, "_session_alive", lambda sid: sid != "closed")
    ea._sessions.clear()
    yield
    ea._sessions.clear()


def query(path: str) -> tuple[int, str, str]:
    """(evidence id, exp, sig) of a link path."""
    from urllib.parse import parse_qs, urlsplit

    parts = urlsplit(path)
    q = parse_qs(parts.query)
    return int(parts.path.rsplit("/", 1)[1]), q["exp"][0], q["sig"][0]


def test_a_link_works_only_from_its_browser_for_a_signed_in_user():
    mine, theirs = ea.new_browser_cookie(), ea.new_browser_cookie()
    assert mine != theirs and ea.browser_id(mine) == mine
    ea.note_session("s1", mine, OWNER)
    path = ea.link(7, OWNER, mine)
    assert path.startswith("evidence/7?")
    ev, exp, sig = query(path)
    assert ea.link_user(ev, mine, exp, sig) == OWNER
    assert ea.link_user(ev, theirs, exp, sig) is None  # copied to another browser
    assert ea.link_user(ev, None, exp, sig) is None  # no cookie at all
    assert ea.link_user(8, mine, exp, sig) is None  # another file
    assert ea.link_user(ev, mine, exp, sig[:-2] + "AA") is None
    assert ea.link_user(ev, mine, str(int(exp) + ea.LINK_WINDOW), sig) is None
    assert ea.link_user(ev, mine, exp, sig, now=int(exp) + 1) is None  # expired
    # another user signed in in that browser does not turn the owner's link into theirs
    ea.note_session("s1", mine, OTHER)
    assert ea.link_user(ev, mine, exp, sig) is None
    ea.note_session("s1", mine, None)  # signed out
    assert ea.link_user(ev, mine, exp, sig) is None


def test_a_closed_session_signs_its_browser_out():
    cookie = ea.new_browser_cookie()
    ea.note_session("closed", cookie, OWNER)
    assert ea.signed_in_users(cookie) == set()
    assert "closed" not in ea._sessions


def test_links_are_stable_within_a_window_and_live_at_least_one():
    now = 1_800_000_000.0
    exp = ea.link_expiry(now)
    assert ea.LINK_WINDOW <= exp - now <= 2 * ea.LINK_WINDOW
    assert ea.link_expiry(now + 1) == exp
    cookie = ea.new_browser_cookie()
    assert ea.link(1, OWNER, cookie, now=now) == ea.link(1, OWNER, cookie, now=now + 1)


def test_no_cookie_no_link_and_malformed_cookies_are_no_browser():
    assert ea.link(1, OWNER, None) is None
    for bad in ("", "short", "x" * 31, "x" * 33, "a/b" + "x" * 29, "é" * 32):
        assert ea.browser_id(bad) is None


def test_the_key_signs(monkeypatch):
    cookie = ea.new_browser_cookie()
    first = ea.link(1, OWNER, cookie, now=0)
    monkeypatch.setenv("KLA_SECRET_KEY", "another-key")
    from kla.settings import get_settings

    get_settings.cache_clear()
    assert ea.link(1, OWNER, cookie, now=0) != first


# -- the middleware -----------------------------------------------------------------------------

def call(path: str, cookie: str | None = None, method: str = "GET"):
    """Run EvidenceGate over a stub app that answers HTML for "/" and bytes otherwise;
    returns (status, headers, body, whether the stub was reached)."""
    reached = []

    async def stub(scope, receive, send):
        reached.append(scope["path"])
        kind = b"text/html; charset=utf-8" if scope["path"] == "/" else b"application/pdf"
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", kind)]})
        await send({"type": "http.response.body", "body": b"stub"})

    path, _, qs = path.partition("?")
    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(),
             "query_string": qs.encode(), "scheme": "http", "server": ("t", 80),
             "headers": [(b"cookie", f"{ea.COOKIE}={cookie}".encode())] if cookie else []}
    out: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        out.append(message)

    with ThreadPoolExecutor(1) as pool:  # a loop of its own (the browser tests run one here)
        pool.submit(asyncio.run, ea.EvidenceGate(stub)(scope, receive, send)).result()
    start = next(m for m in out if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in out if m["type"] == "http.response.body")
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, body, bool(reached)


def test_html_pages_give_a_browser_cookie_once():
    status, headers, _, _ = call("/")
    assert status == 200
    value = headers["set-cookie"]
    assert value.startswith(f"{ea.COOKIE}=") and "HttpOnly" in value and "SameSite=Strict" in value
    assert ea.browser_id(value.split(";")[0].split("=", 1)[1])
    assert "set-cookie" not in call("/", cookie=ea.new_browser_cookie())[1]
    assert "set-cookie" not in call("/static/js/main.js")[1]  # not HTML


def test_media_only_for_signed_in_browsers():
    cookie = ea.new_browser_cookie()
    assert call("/media/abc.pdf")[0] == 404
    assert call("/media/abc.pdf", cookie=cookie)[:1] == (404,)
    ea.note_session("s1", cookie, OWNER)
    status, _, body, reached = call("/media/abc.pdf", cookie=cookie)
    assert (status, body, reached) == (200, b"stub", True)


def test_the_route_asks_the_service_as_the_signed_in_user(monkeypatch):
    asked = []

    def read(evidence_id, username):
        asked.append((evidence_id, username))
        if username != OWNER:
            raise PermissionDenied("not yours")
        return "SK Tim – 2024.pdf", "application/pdf", b"%PDF-bytes"

    monkeypatch.setattr(ea, "_read", read)
    owner, other = ea.new_browser_cookie(), ea.new_browser_cookie()
    ea.note_session("s1", owner, OWNER)
    ea.note_session("s2", other, OTHER)
    path = "/" + ea.link(5, OWNER, owner, download=True)

    status, headers, body, reached = call(path, cookie=owner)
    assert (status, body, reached) == (200, b"%PDF-bytes", False)
    assert headers["content-type"] == "application/pdf"
    assert headers["content-disposition"] == ("attachment; filename=\"SK Tim _ 2024.pdf\"; "
                                              "filename*=UTF-8''SK%20Tim%20%E2%80%93%202024.pdf")
    assert headers["cache-control"] == "private, no-store"
    assert call(path.replace("&dl=1", ""), cookie=owner)[1]["content-disposition"] \
        .startswith("inline;")
    assert call(path, cookie=other)[0] == 403  # copied to another signed-in browser
    assert call(path)[0] == 403  # signed out
    assert call(path, cookie=owner, method="POST")[0] == 405
    assert asked == [(5, OWNER), (5, OWNER)]
    # a valid link of the other city's user: the service refuses, 404 (no existence oracle)
    assert call("/" + ea.link(5, OTHER, other), cookie=other)[0] == 404
    assert asked[-1] == (5, OTHER)
    ea.note_session("s1", owner, None)  # the owner signs out
    assert call(path, cookie=owner)[0] == 403
