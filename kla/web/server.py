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

from kla.web.evidence_access import EvidenceGate

APP_PY = Path(__file__).resolve().parents[2] / "app.py"

app = st.App(APP_PY, middleware=[Middleware(EvidenceGate)])


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
        app.run(config=chosen)

    serve.main(args=argv, prog_name="kla run")
