"""Evidence files served by our own route, only to a signed-in browser allowed to see them.

Streamlit serves the bytes handed to ``st.download_button`` / ``st.image`` / ``st.pdf`` at
``/media/<hash>.<ext>`` to anyone who has the URL. Evidence therefore never goes that way:
pages link to ``/evidence/<id>?exp=…&sig=…`` (``link``), and ``EvidenceGate`` (the ASGI
middleware ``kla.web.server`` puts in front of Streamlit) answers it:

1. **The browser.** Every HTML page the server sends to a browser without one sets
   ``kla_browser``, a random id (HttpOnly, SameSite=Strict). The WebSocket that carries the Streamlit
   session sends it back, so a script run knows its browser (``st.context.cookies``).
2. **Signed in.** Every script run records session → (browser, user) (``note_session``, from
   ``session.current_actor``); signing out, a deactivated account or a closed session removes
   it. A browser is signed in as a user while a live session of that browser is.
3. **The link** carries an expiry and an HMAC over (evidence id, user, browser, expiry). The
   route accepts it only from the browser it was made for, for a user that browser is still
   signed in as, before the expiry: a URL copied to another browser, signed out or signed in
   as someone else, is refused (403).
4. **The service decides.** The route calls ``answers.read_evidence`` with that user's
   ``Actor``, read from the database at that moment: evidence outside the user's visibility
   (or deleted, or unknown) is 404, the same answer for both, as the service gives.

``/media/…`` (everything else Streamlit hands out: CSV/Excel downloads, export ZIP/PDF) is
answered only to a browser signed in at that moment; signed-out requests get 404.

The secret is ``KLA_SECRET_KEY`` (settings); unset, a random key per process (links then
end with the process, as the sessions do). Several replicas: the same key on each, and sticky
sessions (a browser's sessions live in one process).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time
from http.cookies import SimpleCookie
from urllib.parse import quote, urlencode

COOKIE = "kla_browser"
LINK_WINDOW = 30 * 60  # links live 30 to 60 minutes, and stay the same within a window
EVIDENCE_PATH = re.compile(r"/evidence/(\d{1,18})")
_BROWSER_ID = re.compile(r"[A-Za-z0-9_-]{32}")
_INLINE = ("application/pdf", "image/png", "image/jpeg")

_process_key = secrets.token_bytes(32)
_lock = threading.Lock()
_sessions: dict[str, tuple[str, str]] = {}  # Streamlit session id -> (browser id, username)


def _key() -> bytes:
    from kla.settings import get_settings

    configured = get_settings().secret_key.get_secret_value()
    return configured.encode() if configured else _process_key


def _mac(*parts: object) -> str:
    msg = "\x1f".join(str(p) for p in parts).encode()
    digest = hmac.new(_key(), msg, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


# -- the browser cookie ----------------------------------------------------------------------

def new_browser_cookie() -> str:
    """A fresh browser id: 192 random bits (it names the browser; the links are signed)."""
    return secrets.token_urlsafe(24)


def browser_id(cookie_value: str | None) -> str | None:
    """The browser id of a well-formed cookie value, else None."""
    ok = isinstance(cookie_value, str) and _BROWSER_ID.fullmatch(cookie_value)
    return cookie_value if ok else None


# -- signed-in browsers ----------------------------------------------------------------------

def _session_alive(session_id: str) -> bool:
    try:
        from streamlit.runtime import Runtime

        return not Runtime.exists() or Runtime.instance().is_active_session(session_id)
    except Exception:  # noqa: BLE001 - no runtime: nothing to compare with
        return True


def note_session(session_id: str | None, cookie_value: str | None,
                 username: str | None) -> None:
    """Record who this Streamlit session is signed in as, from which browser (every run);
    ``username`` None (signed out) or no valid browser cookie forgets the session."""
    if not session_id:
        return
    bid = browser_id(cookie_value)
    with _lock:
        if username and bid:
            _sessions[session_id] = (bid, username)
        else:
            _sessions.pop(session_id, None)


def signed_in_users(bid: str | None) -> set[str]:
    """The users the browser ``bid`` is signed in as now (live sessions only)."""
    if not bid:
        return set()
    with _lock:
        found = [(sid, user) for sid, (b, user) in _sessions.items() if b == bid]
    users = set()
    for sid, user in found:
        if _session_alive(sid):
            users.add(user)
        else:
            with _lock:
                _sessions.pop(sid, None)
    return users


# -- links -----------------------------------------------------------------------------------

def link_expiry(now: float | None = None) -> int:
    """The end of the next window: a link made now lives LINK_WINDOW to 2×LINK_WINDOW, and is
    the same string for every run within a window (a PDF viewer is not reloaded each run)."""
    now = time.time() if now is None else now
    return (int(now) // LINK_WINDOW + 2) * LINK_WINDOW


def link_signature(evidence_id: int, username: str, bid: str, exp: int) -> str:
    return _mac("evidence", int(evidence_id), username, bid, int(exp))


def link(evidence_id: int, username: str, cookie_value: str | None, *, download: bool = False,
         now: float | None = None) -> str | None:
    """The path (from the app's base) of one evidence file for ``username`` in the browser of
    ``cookie_value``; None without a valid browser cookie (no link can work then)."""
    bid = browser_id(cookie_value)
    if bid is None:
        return None
    exp = link_expiry(now)
    query = {"exp": exp, "sig": link_signature(evidence_id, username, bid, exp)}
    if download:
        query["dl"] = 1
    return f"evidence/{int(evidence_id)}?{urlencode(query)}"


def link_user(evidence_id: int, cookie_value: str | None, exp: str | None, sig: str | None,
              now: float | None = None) -> str | None:
    """The signed-in user a link was made for, if it is valid from this browser now."""
    bid = browser_id(cookie_value)
    if bid is None or not sig or not exp or not exp.isdigit():
        return None
    now = time.time() if now is None else now
    if int(exp) < now:
        return None
    for user in sorted(signed_in_users(bid)):
        if hmac.compare_digest(sig, link_signature(evidence_id, user, bid, int(exp))):
            return user
    return None


# -- the ASGI middleware ---------------------------------------------------------------------

def _cookies(scope) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: BLE001 - a malformed header is no cookie
                continue
    return {k: m.value for k, m in jar.items()}


def _base_path() -> str:
    from streamlit import config

    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def _disposition(name: str, attachment: bool) -> str:
    ascii_name = re.sub(r"[^A-Za-z0-9._ ()-]", "_", name) or "bukti"
    kind = "attachment" if attachment else "inline"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


class EvidenceGate:
    """ASGI middleware in front of Streamlit: serves ``/evidence/<id>``, refuses ``/media/…``
    to browsers not signed in, and gives every HTML page the browser cookie."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, base = scope.get("path", ""), _base_path()
        if base and path.startswith(base):
            path = path[len(base):]
        cookie = _cookies(scope).get(COOKIE)
        m = EVIDENCE_PATH.fullmatch(path)
        if m:
            await self._evidence(scope, receive, send, int(m[1]), cookie)
            return
        if path.startswith("/media/") and not signed_in_users(browser_id(cookie)):
            await _plain(404, b"Not found")(scope, receive, send)
            return
        if browser_id(cookie) is not None:
            await self.app(scope, receive, send)
            return

        secure = scope.get("scheme") == "https"

        async def send_with_cookie(message) -> None:
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                if headers.get(b"content-type", b"").startswith(b"text/html"):
                    value = (f"{COOKIE}={new_browser_cookie()}; Path={base or '/'}; HttpOnly; "
                             f"SameSite=Strict" + ("; Secure" if secure else ""))
                    message = {**message, "headers": [*message.get("headers", []),
                                                      (b"set-cookie", value.encode())]}
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    async def _evidence(self, scope, receive, send, evidence_id: int, cookie) -> None:
        from starlette.concurrency import run_in_threadpool
        from starlette.requests import Request
        from starlette.responses import Response

        request = Request(scope, receive)
        if request.method not in ("GET", "HEAD"):
            await _plain(405, b"Method not allowed")(scope, receive, send)
            return
        q = request.query_params
        user = link_user(evidence_id, cookie, q.get("exp"), q.get("sig"))
        if user is None:
            await _plain(403, b"Forbidden: sign in and open the file from the app")(
                scope, receive, send)
            return
        try:
            found = await run_in_threadpool(_read, evidence_id, user)
        except (PermissionError, ValueError):  # PermissionDenied: not visible, or deleted;
            found = None  # EvidenceMissing (a Refusal): the row is there, its file is not
        if found is None:
            await _plain(404, b"Not found")(scope, receive, send)
            return
        name, mime, data = found
        attachment = q.get("dl") == "1" or mime not in _INLINE
        await Response(data, media_type=mime, headers={
            "Content-Disposition": _disposition(name, attachment),
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        })(scope, receive, send)


def _read(evidence_id: int, username: str) -> tuple[str, str, bytes] | None:
    """The file through the service, as ``username`` (read from the database now)."""
    from kla.services import answers, users
    from kla.store.db import get_engine

    engine = get_engine()
    actor = users.get_actor(engine, username)
    if actor is None:  # deactivated since
        return None
    return answers.read_evidence(engine, actor, evidence_id)


def _plain(status: int, body: bytes):
    from starlette.responses import Response

    return Response(body, status_code=status, media_type="text/plain",
                    headers={"Cache-Control": "no-store"})
