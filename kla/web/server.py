"""The web server: Streamlit's ASGI app (``st.App``) for ``app.py``, with ``EvidenceGate`` in
front (``kla.web.evidence_access``: the ``/evidence/<id>`` route, ``/media`` only for
signed-in browsers, the browser cookie).

Started by ``kla run`` (``run`` below: the same options as ``streamlit run``), or by any ASGI
server: ``uvicorn kla.web.server:app`` (one process per port; config from
``.streamlit/config.toml`` next to ``app.py``). ``streamlit run app.py`` would start Streamlit
without the gate: evidence links are then refused (and /media open), so don't.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

from kla.web import session_storage
from kla.web.evidence_access import EvidenceGate

APP_PY = Path(__file__).resolve().parents[2] / "app.py"
M_ARENA_MAX = -8  # glibc's mallopt parameter (malloc.h)


def limit_malloc_arenas(arenas: int | None = None) -> bool:
    """At most ``arenas`` glibc malloc arenas in this process (``KLA_MALLOC_ARENAS``,
    default 2; 0 leaves glibc's default). Streamlit runs each session's script in a thread
    of its own; pandas, pyarrow and psycopg allocate outside the GIL, so glibc gives busy
    threads arenas of their own (up to 8 per core), whose freed memory it rarely returns:
    a replica kept +130 MB after 10 load-test sessions had closed, +23 MB with two arenas.
    Called when this module is imported, before the server starts its threads. True when
    the limit was set; False where there is no glibc (nothing to do)."""
    import ctypes
    import ctypes.util

    if arenas is None:
        from kla.settings import get_settings

        arenas = get_settings().malloc_arenas
    if arenas <= 0:
        return False
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        return bool(libc.mallopt(M_ARENA_MAX, int(arenas)))
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to limit
        return False


limit_malloc_arenas()

# What every page run needs, imported before the first session (see freeze_startup_objects).
PRELOAD = ("pandas", "plotly.graph_objects", "kla.web.cache", "kla.web.charts",
           "kla.web.geo", "kla.web.league_view", "kla.web.session", "kla.web.tables",
           "kla.web.widgets", "kla.domain.explain", "kla.domain.gaps", "kla.domain.whatif",
           "kla.domain.planner", "kla.domain.completeness", "kla.services.analytics",
           "kla.services.prediction", "kla.io.export")


def freeze_startup_objects(enabled: bool | None = None) -> int:
    """Import what the pages need (``PRELOAD``, the default framework) and move every object
    alive now — modules, classes, the catalogue, ≈ 215,000 in all — to the interpreter's
    permanent generation (``gc.freeze``), so that no garbage collection scans them again.
    A full collection otherwise walks them all: 0.27 s of CPU with ≈ 380,000 objects, during
    which no session's script runs (measured on a replica under the load test). Objects made
    later (sessions, caches) are collected as before. ``KLA_GC_FREEZE`` (default on); called
    when this module is imported, before any session exists, so no session's objects are
    frozen. Returns how many objects were frozen (0: off)."""
    import gc
    import importlib

    if enabled is None:
        from kla.settings import get_settings

        enabled = get_settings().gc_freeze
    if not enabled:
        return 0
    import logging

    # the cached functions these modules define warn that no runtime exists yet (it does by
    # their first call, which is when their storage is chosen): not a thing to log
    quiet = logging.getLogger("streamlit.runtime.caching.cache_data_api")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        for name in PRELOAD:
            importlib.import_module(name)
    finally:
        quiet.setLevel(level)
    from kla.domain.framework import DEFAULT_FRAMEWORK, get_framework

    get_framework(DEFAULT_FRAMEWORK)
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


freeze_startup_objects()
session_storage.install()  # closed tabs' sessions are shut down once their TTL is over

app = st.App(APP_PY, middleware=[Middleware(EvidenceGate)])


def skip_config_watchers(watch: bool | None = None) -> bool:
    """Leave out Streamlit's watchers of its config files (``KLA_WATCH_CONFIG``, default off).
    Streamlit polls every ``config.toml`` it would read (the user's and the project's, even
    one that does not exist) five times a second, each in a thread of the pool: an idle
    replica spent ≈ 0.3 % of a core on it, half its idle CPU, and a load test's replicas a
    few seconds per run. A server is restarted for a new config anyway. True when the
    watchers are left out; False when Streamlit watches as usual (or has no such hook)."""
    from streamlit.web import bootstrap

    if watch is None:
        from kla.settings import get_settings

        watch = get_settings().watch_config
    if watch or not hasattr(bootstrap, "_install_config_watchers"):
        return False
    bootstrap._install_config_watchers = lambda flag_options: None
    return True


def run(argv: list[str]) -> None:
    """Serve ``app`` with Streamlit's options (``--server.port=8600`` and so on, and the
    ``STREAMLIT_*`` variables), as ``streamlit run app.py`` would."""
    import click
    from streamlit.web.cli import configurator_options

    @click.command(context_settings={"auto_envvar_prefix": "STREAMLIT"})
    @configurator_options
    def serve(**options: object) -> None:
        from streamlit import config

        keys = {key.replace(".", "_"): key for key in config._config_options_template}
        chosen = {keys[name]: value for name, value in options.items()
                  if value is not None and value != () and name in keys}
        # App.run takes the launcher's folder as the app's folder (its .streamlit/config.toml,
        # static/, sys.path): that is app.py's, as with `streamlit run app.py`
        sys.argv = [str(APP_PY)]
        skip_config_watchers()
        app.run(config=chosen)

    serve.main(args=argv, prog_name="kla run")
