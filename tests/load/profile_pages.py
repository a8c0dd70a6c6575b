"""Where a page run spends its time: pyinstrument over one run of each page of the load
test's click-through, in-process (Streamlit's AppTest, the whole app.py with its navigation),
signed in as a sample coordinator.

    python -m tests.load.profile_pages --db URL [--page kesenjangan …] [--html DIR]

Each page is run twice after the caches are emptied: ``cold`` (the first visit after any
answer was saved anywhere: the caches are keyed by the data version) and ``warm`` (a rerun).
The profiler runs in the script's own thread (AppTest, like the server, runs the script in a
thread of its own: a profiler on the main thread would see it sleep). Prints the time of each
run and, for each cold run, the heaviest frames (pyinstrument's text report, trimmed);
``--html`` also writes one HTML report per page. Needs pyinstrument (``pip install
pyinstrument``); the database is only read.

What this does not see: the server's own work around a script run (the WebSocket, static
files, sign-in's password hash), which the load test's CPU per page view includes.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

PAGES = ("posisi", "kesenjangan", "simulasi", "isian", "nasional", "provinsi")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.load.profile_pages")
    p.add_argument("--db", required=True, help="database URL (e.g. the load test's)")
    p.add_argument("--user", default="koordinator.serang")
    p.add_argument("--page", action="append", choices=PAGES, help="default: all six")
    p.add_argument("--html", default=None, help="folder for HTML reports")
    p.add_argument("--depth", type=int, default=40, help="lines of each text report")
    p.add_argument("--warm", action="store_true",
                   help="report the warm run (a rerun, caches full) instead of the cold one")
    args = p.parse_args(argv)
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("profile_pages: pip install pyinstrument", file=sys.stderr)
        return 2
    os.environ["KLA_DATABASE_URL"] = args.db
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from kla.settings import PROJECT_DIR, get_settings

    get_settings.cache_clear()
    out = Path(args.html) if args.html else None
    if out:
        out.mkdir(parents=True, exist_ok=True)
    from streamlit.runtime.scriptrunner import script_runner

    runs: list = []  # (seconds, profiler) of each script run while profiling
    real_exec = script_runner.exec_func_with_error_handling

    def profiled_exec(func, ctx):
        prof = Profiler(interval=0.0005)
        t0 = time.perf_counter()
        prof.start()
        try:
            return real_exec(func, ctx)
        finally:
            prof.stop()
            runs.append((time.perf_counter() - t0, prof))

    script_runner.exec_func_with_error_handling = profiled_exec
    for page in args.page or PAGES:
        st.cache_data.clear()
        at = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=600)
        at.session_state["auth_user"] = args.user
        at.run()
        at.switch_page(f"app_pages/{page}.py")
        runs.clear()
        at.run()
        cold_s, cold = runs[-1]
        at.run()
        warm_s, warm = runs[-1]
        if at.exception:
            print(f"{page}: exception {at.exception[0].message}", file=sys.stderr)
        print(f"\n=== {page}: cold {cold_s:.3f} s, warm {warm_s:.3f} s (script run)")
        shown = warm if args.warm else cold
        text = shown.output_text(unicode=True, color=False, show_all=False)
        print("\n".join(text.splitlines()[:args.depth]))
        if out:
            (out / f"{page}.html").write_text(shown.output_html())
    import gc

    t0 = time.perf_counter()
    gc.collect(2)  # what Streamlit's runner.postScriptGC (default on) does after every run
    print(f"\none gc.collect(2) in this process ({len(gc.get_objects()):,} tracked objects): "
          f"{time.perf_counter() - t0:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
