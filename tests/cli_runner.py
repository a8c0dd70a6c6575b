"""Run the `kla` command line in-process (no interpreter start per call): the same `main()`
the console script runs, with its own environment, standard input and captured output.
An exception that escapes `main()` is reported as a traceback with status 1, as the
console script would."""

from __future__ import annotations

import io
import os
import sys
import traceback
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def run_kla(*args: object, env: dict[str, str] | None = None, stdin: str | None = None,
            cwd: object = None) -> Result:
    from kla.cli import main
    from kla.settings import get_settings

    saved_env, saved_stdin, saved_cwd = dict(os.environ), sys.stdin, os.getcwd()
    out, err = io.StringIO(), io.StringIO()
    try:
        os.environ.update(env or {})
        get_settings.cache_clear()
        sys.stdin = io.StringIO(stdin or "")
        if cwd is not None:
            os.chdir(str(cwd))
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main([str(a) for a in args])
            except SystemExit as exc:  # argparse errors
                code = exc.code if isinstance(exc.code, int) else 2
            except Exception:  # noqa: BLE001 - what the console script would print
                traceback.print_exc()
                code = 1
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        sys.stdin = saved_stdin
        os.chdir(saved_cwd)
        get_settings.cache_clear()
    return Result(code, out.getvalue(), err.getvalue())
