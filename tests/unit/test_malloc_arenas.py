"""The web process limits glibc's malloc arenas (``KLA_MALLOC_ARENAS``, default 2): each
Streamlit session runs in a thread of its own, and with glibc's default (8 per core) busy
threads get arenas that keep their freed memory (+130 MB kept after 10 load-test sessions,
+23 MB with two arenas; docs/deploy.md)."""

import subprocess
import sys

import pytest
from pydantic import ValidationError

from kla.settings import Settings

PROBE = r"""
import ctypes, os, re, sys, tempfile, threading
import kla.web.server  # sets the limit when imported, as `kla run` and uvicorn do
import numpy as np

def work():
    # numpy allocates and fills outside the GIL: threads meet in malloc at the same time
    keep = [np.ones(20_000) for _ in range(40)]
    del keep

threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
libc = ctypes.CDLL("libc.so.6")
libc.fopen.restype = ctypes.c_void_p
path = tempfile.mktemp()
fp = libc.fopen(path.encode(), b"w")
libc.malloc_info(0, ctypes.c_void_p(fp))
libc.fclose(ctypes.c_void_p(fp))
print(len(re.findall(r"<heap nr=", open(path).read())))
os.unlink(path)
"""


def _heaps(arenas: str) -> int:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          env={"KLA_MALLOC_ARENAS": arenas, "PATH": "/usr/bin:/bin"},
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_the_web_process_uses_at_most_the_configured_arenas():
    assert _heaps("1") == 1  # glibc's default gives this probe several (6 on 2 cores)


def test_the_setting_is_checked():
    assert Settings().malloc_arenas == 2
    assert Settings(malloc_arenas=0).malloc_arenas == 0  # glibc's default
    with pytest.raises(ValidationError):
        Settings(malloc_arenas=-1)
    with pytest.raises(ValidationError):
        Settings(malloc_arenas=65)
