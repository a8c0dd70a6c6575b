"""The web process moves what it imports at start out of garbage collection
(``KLA_GC_FREEZE``, default on): a full collection otherwise walks every module, class and
the catalogue (0.27 s with ≈ 380,000 objects under the load test, no script running)."""

import os
import subprocess
import sys

PROBE = r"""
import gc, sys
import kla.web.server  # as `kla run` and uvicorn do
print(gc.get_freeze_count(), "pandas" in sys.modules, "kla.web.widgets" in sys.modules)
gc.collect()
print(gc.get_count()[2] == 0 and len(gc.get_objects(generation=2)) < 50_000)
"""


def _probe(freeze: str) -> tuple[list[str], str]:
    env = {**os.environ, "KLA_GC_FREEZE": freeze}
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.split(), done.stderr


def test_startup_objects_are_frozen_and_the_log_stays_quiet():
    (frozen, pandas, widgets, small), err = _probe("1")
    assert int(frozen) > 100_000 and pandas == widgets == "True"
    assert small == "True"  # a full collection now walks only what came after the start
    assert "No runtime found" not in err and "Traceback" not in err


def test_it_can_be_turned_off():
    (frozen, *_rest), _err = _probe("0")
    assert frozen == "0"
