"""N replicas of the app behind nginx on this machine, on one PostgreSQL database.

    python deploy/local.py start [--replicas 2] [--port 8580] [--database kla_deploy] …
    python deploy/local.py status
    python deploy/local.py stop [--drop-database]

(`make deploy-local REPLICAS=2`, `make deploy-stop`.) What ``start`` does, in order:

1. the database: ``--database`` (default ``kla_deploy``) on the PostgreSQL server of
   ``--server-url`` (``KLA_DEPLOY_SERVER_URL``, default the local server as ``postgres``),
   created when missing, then ``kla init`` (creates or upgrades the schema: once, before any
   replica starts) and, for a new database, ``kla demo`` (``--dataset national`` first adds the
   bench's national data set: 514 kab/kota × 274 questions × 4 stages × 5 years);
2. the secrets every replica shares: ``KLA_SECRET_KEY`` (evidence links) and
   ``STREAMLIT_SERVER_COOKIE_SECRET`` (Streamlit's cookies), from the environment or else made
   once into ``<runtime>/secrets.env`` (mode 600);
3. the replicas: ``kla run`` on 127.0.0.1:``--app-port``, +1, … (0: free ports), each with
   the same database, secrets and evidence folder (``KLA_EVIDENCE_DIR``, default
   ``<runtime>/evidence``: a network mount in production); pid files in ``<runtime>/run``,
   logs in ``<runtime>/logs``. ``--allocator`` (default ``glibc``): ``jemalloc`` preloads
   Debian's ``libjemalloc2`` (``LD_PRELOAD``, ``MALLOC_CONF``), ``auto`` does where it is
   installed (measured against glibc in docs/deploy.md);
4. nginx (Debian's package), as the current user, with its own prefix and configuration in
   ``<runtime>/nginx`` (from deploy/nginx/local.conf.in): 127.0.0.1:``--port``, sticky by
   cookie (deploy/nginx/kla-maps.conf), WebSocket passed through
   (deploy/nginx/kla-locations.conf). ``--no-nginx`` leaves it out (the coherence test talks
   to each replica directly);
5. waits until every replica and nginx answer ``/_stcore/health`` with ``ok`` and prints the
   address. ``<runtime>/state.json`` records what runs (the load test reads it).

Nothing outside ``<runtime>`` (default ``var/deploy``) and the database is touched: no system
nginx configuration, no root-owned paths. Exit status: 0 ok, 1 a step failed (message on
stderr; what was started is stopped again), 2 bad input or already running.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent
ROOT = DEPLOY.parent
DEFAULT_RUNTIME = ROOT / "var" / "deploy"
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SECRET_VARS = ("KLA_SECRET_KEY", "STREAMLIT_SERVER_COOKIE_SECRET")
START_TIMEOUT = 120  # seconds for every replica to answer its health check


class DeployError(Exception):
    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def say(msg: str) -> None:
    print(f"deploy: {msg}", file=sys.stderr, flush=True)


# -- database ---------------------------------------------------------------------------------

def database_url(server_url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def _admin(server_url: str):
    from sqlalchemy import create_engine

    return create_engine(server_url, isolation_level="AUTOCOMMIT")


def create_database(server_url: str, name: str, fresh: bool = False) -> bool:
    """Create ``name`` when missing (``fresh``: drop it first). True when it was created."""
    from sqlalchemy import text

    if not name.replace("_", "").isalnum():
        raise DeployError(f"--database {name!r}: letters, digits and _ only", 2)
    admin = _admin(server_url)
    try:
        with admin.connect() as conn:
            if fresh:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                  {"n": name}).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            return not exists
    finally:
        admin.dispose()


def drop_database(server_url: str, name: str) -> None:
    from sqlalchemy import text

    admin = _admin(server_url)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def kla(args: list[str], env: dict[str, str], log: Path) -> None:
    """One `kla` command (this venv's), its output appended to ``log``."""
    with open(log, "a") as out:
        out.write(f"$ kla {' '.join(args)}\n")
        out.flush()
        done = subprocess.run([sys.executable, "-m", "kla.cli", *args], cwd=ROOT, env=env,
                              stdout=out, stderr=subprocess.STDOUT)
    if done.returncode:
        raise DeployError(f"kla {' '.join(args)} failed (exit {done.returncode}); see {log}")


def seed_national(db_url: str) -> None:
    """The bench's national data set (tests/benchmarks/harness.populate), every year."""
    sys.path.insert(0, str(ROOT))
    from kla.store.db import make_engine
    from tests.benchmarks.harness import NATIONAL_YEARS, populate

    engine = make_engine(db_url)
    try:
        for year in NATIONAL_YEARS:
            say(f"national data set: {year} (514 kab/kota × 274 questions × 4 stages) …")
            populate(engine, year=year, seed=year)
    finally:
        engine.dispose()


def prepare_database(args: argparse.Namespace, env: dict[str, str], log: Path) -> bool:
    created = create_database(args.server_url, args.database, fresh=args.fresh)
    say(f"database {args.database}: {'created' if created else 'exists'}; kla init …")
    kla(["init"], env, log)
    if created:
        if args.dataset == "national":
            seed_national(env["KLA_DATABASE_URL"])
        say("kla demo (sample data and accounts) …")
        kla(["demo"], env, log)
        if args.dataset == "national" and _has_command("rescore"):
            say("kla rescore …")  # stored scores for the rows written without the services
            kla(["rescore"], env, log)
    return created


def _has_command(name: str) -> bool:
    """``kla NAME`` exists in this checkout (``kla rescore`` comes with stored scores)."""
    from kla.cli import build_parser as kla_parser

    sub = next(a for a in kla_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return name in sub.choices


# -- processes --------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_free(port: int) -> bool:
    """Nothing listens on 127.0.0.1:``port`` (connections in TIME_WAIT do not count: the
    servers bind with SO_REUSEADDR)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
            return r.read() == b"ok"
    except OSError:
        return False


def alive(pid: int) -> bool:
    """``pid`` runs (a zombie, exited but not yet reaped, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X")


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def stop_pid(pid: int, expect: str, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
    """Stop ``pid`` if it is still the process we started (its command line has ``expect``)."""
    if not alive(pid) or expect not in _cmdline(pid):
        return
    os.kill(pid, sig)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid) or expect not in _cmdline(pid):
            return
        time.sleep(0.2)
    say(f"pid {pid} did not stop in {timeout:g} s: killing it")
    os.kill(pid, signal.SIGKILL)


def secrets_env(runtime: Path) -> dict[str, str]:
    """The secrets every replica shares: from the environment, else from (or made once into)
    ``<runtime>/secrets.env``."""
    path = runtime / "secrets.env"
    saved: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            key, _, value = line.partition("=")
            if key in SECRET_VARS and value:
                saved[key] = value
    out = {}
    for key in SECRET_VARS:
        out[key] = os.environ.get(key) or saved.get(key) or secrets.token_urlsafe(32)
    if any(saved.get(k) != out[k] for k in SECRET_VARS if not os.environ.get(k)):
        path.touch(mode=0o600)
        path.chmod(0o600)
        path.write_text("".join(f"{k}={out[k]}\n" for k in SECRET_VARS
                                if not os.environ.get(k)))
    return out


# Streamlit's runner.postScriptGC (default true) runs a full gc.collect(2) after every script
# run: with this app's objects in memory that was 3/4 of the server's CPU under load
# (docs/deploy.md, "Where a page run spends its time"). Off here, on every replica; Python's
# own collector still runs. `--streamlit=--runner.postScriptGC=true` puts it back (the last
# value of an option wins).
REPLICA_OPTIONS = ("--server.headless=true", "--server.fileWatcherType=none",
                   "--server.runOnSave=false", "--browser.gatherUsageStats=false",
                   "--runner.postScriptGC=false")


# jemalloc instead of glibc's malloc for the replicas, to measure (docs/deploy.md): it gives
# freed pages back to the system after a few seconds (a background thread purges them, so an
# idle replica shrinks too), where glibc keeps them. The systemd unit has the same two
# variables, commented out.
JEMALLOC_PATHS = ("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
                  "/usr/lib/aarch64-linux-gnu/libjemalloc.so.2",
                  "/usr/lib64/libjemalloc.so.2", "/usr/lib/libjemalloc.so.2")
JEMALLOC_CONF = "background_thread:true,dirty_decay_ms:5000,muzzy_decay_ms:0"


def jemalloc_path() -> str | None:
    return next((p for p in JEMALLOC_PATHS if Path(p).is_file()), None)


def allocator_env(choice: str) -> tuple[str, dict[str, str]]:
    """The allocator the replicas get (``auto``: jemalloc if installed, else glibc) and the
    environment that sets it (nothing for glibc: what the environment has is kept)."""
    if choice == "glibc":
        return "glibc", {}
    lib = jemalloc_path()
    if lib is None:
        if choice == "jemalloc":
            raise DeployError("--allocator jemalloc: libjemalloc.so.2 not found "
                              "(apt-get install libjemalloc2)", 2)
        return "glibc", {}
    return "jemalloc", {"LD_PRELOAD": lib, "MALLOC_CONF": JEMALLOC_CONF}


def replica_command(port: int, extra: list[str] = ()) -> list[str]:
    return [sys.executable, "-m", "kla.cli", "run", f"--server.port={port}",
            "--server.address=127.0.0.1", *REPLICA_OPTIONS, *extra]


def start_replica(index: int, port: int, env: dict[str, str], runtime: Path,
                  extra: list[str] = ()) -> int:
    log = runtime / "logs" / f"replica-{index}.log"
    with open(log, "a") as out:
        proc = subprocess.Popen(replica_command(port, extra), cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    (runtime / "run" / f"replica-{index}.pid").write_text(f"{proc.pid}\n")
    return proc.pid


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists()
                                      else None)
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("nginx not found: installing Debian's package (apt-get install -y nginx) …")
        # apt's own output goes to stderr: stdout carries only ``--json``'s document
        subprocess.run(["apt-get", "update", "-qq"], check=False, stdout=sys.stderr)
        subprocess.run(["apt-get", "install", "-y", "-qq", "nginx"], check=False,
                       stdout=sys.stderr,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        found = shutil.which("nginx") or "/usr/sbin/nginx"
        if Path(found).exists():
            return found
    raise DeployError("nginx not found: install it (sudo apt-get install -y nginx) or use "
                      "--no-nginx", 2)


def render_nginx(runtime: Path, port: int, app_ports: list[int]) -> str:
    from kla.cli import static_root  # Streamlit's front-end folder, as `kla static-root`

    text = (DEPLOY / "nginx" / "local.conf.in").read_text()
    # as root, the workers run as root too (loopback only; production uses the package's
    # own user, see deploy/README.md); as another user, nginx cannot switch users anyway
    user = "user root root;" if os.geteuid() == 0 else ""
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in app_ports)
    for key, value in {"@RUNTIME@": str(runtime), "@DEPLOY@": str(DEPLOY), "@USER@": user,
                       "@SERVERS@": servers, "@PORT@": str(port),
                       "@STATIC@": static_root(), "@APP_STATIC@": str(ROOT / "static")
                       }.items():
        text = text.replace(key, value)
    return text


def start_nginx(runtime: Path, port: int, app_ports: list[int]) -> int:
    binary = nginx_binary()
    prefix = runtime / "nginx"
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    conf.write_text(render_nginx(runtime, port, app_ports))
    base = [binary, "-p", str(prefix), "-c", str(conf), "-e",
            str(runtime / "logs" / "nginx-error.log")]
    check = subprocess.run([*base, "-t"], capture_output=True, text=True)
    if check.returncode:
        raise DeployError(f"nginx -t refused {conf}:\n{check.stderr.strip()}")
    started = subprocess.run(base, capture_output=True, text=True)  # daemonizes itself
    if started.returncode:
        raise DeployError(f"nginx did not start:\n{started.stderr.strip()}")
    pid_file = runtime / "run" / "nginx.pid"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not pid_file.exists():
        time.sleep(0.1)
    if not pid_file.exists():
        raise DeployError(f"nginx wrote no pid file; see {runtime / 'logs' / 'nginx-error.log'}")
    return int(pid_file.read_text().split()[0])


def wait_healthy(bases: list[str], timeout: float, procs: dict[str, int]) -> None:
    deadline = time.monotonic() + timeout
    waiting = list(bases)
    while waiting and time.monotonic() < deadline:
        waiting = [b for b in waiting if not healthy(b)]
        for name, pid in procs.items():
            if not alive(pid):
                raise DeployError(f"{name} (pid {pid}) exited during start")
        if waiting:
            time.sleep(0.5)
    if waiting:
        raise DeployError(f"not healthy after {timeout:g} s: {', '.join(waiting)}")


# -- commands ---------------------------------------------------------------------------------

def read_state(runtime: Path) -> dict | None:
    path = runtime / "state.json"
    return json.loads(path.read_text()) if path.exists() else None


def running(state: dict | None) -> bool:
    if not state:
        return False
    pids = [r["pid"] for r in state["replicas"]] + ([state["nginx_pid"]]
                                                     if state.get("nginx_pid") else [])
    return any(alive(p) for p in pids)


def cmd_start(args: argparse.Namespace) -> dict:
    runtime = Path(args.runtime).resolve()
    if running(read_state(runtime)):
        raise DeployError(f"already running from {runtime} (make deploy-stop first)", 2)
    if args.replicas < 1:
        raise DeployError("--replicas must be at least 1", 2)
    for sub in ("run", "logs"):
        (runtime / sub).mkdir(parents=True, exist_ok=True)
    for old in (runtime / "run").glob("*.pid"):
        old.unlink()
    evidence = Path(os.environ.get("KLA_EVIDENCE_DIR") or runtime / "evidence").resolve()
    evidence.mkdir(parents=True, exist_ok=True)
    if args.port == 0 and not args.no_nginx:
        args.port = free_port()
    app_ports = ([free_port() for _ in range(args.replicas)] if args.app_port == 0
                 else [args.app_port + i for i in range(args.replicas)])
    wanted = app_ports + ([] if args.no_nginx else [args.port])
    taken = [p for p in wanted if not port_free(p)]
    if taken:
        raise DeployError(f"port(s) in use: {', '.join(map(str, taken))}", 2)
    db_url = database_url(args.server_url, args.database)
    env = {**os.environ, **secrets_env(runtime), "KLA_DATABASE_URL": db_url,
           "KLA_DATA_DIR": str(runtime / "data"), "KLA_EVIDENCE_DIR": str(evidence),
           "PYTHONUNBUFFERED": "1"}
    allocator, malloc_env = allocator_env(args.allocator)
    log = runtime / "logs" / "setup.log"
    created = prepare_database(args, env, log)
    state = {"runtime": str(runtime), "server_url": args.server_url,
             "database": args.database, "database_url": db_url, "created": created,
             "dataset": args.dataset, "evidence_dir": str(evidence), "replicas": [],
             "allocator": allocator,
             "streamlit_options": args.streamlit,
             "nginx_pid": None, "url": None, "started_at": time.time()}
    try:
        for i, port in enumerate(app_ports, start=1):
            pid = start_replica(i, port, {**env, **malloc_env}, runtime, args.streamlit)
            state["replicas"].append({"index": i, "port": port, "pid": pid,
                                      "url": f"http://127.0.0.1:{port}",
                                      "log": str(runtime / "logs" / f"replica-{i}.log")})
        write_state(runtime, state)
        say(f"{args.replicas} replica(s) starting on {', '.join(map(str, app_ports))} …")
        wait_healthy([r["url"] for r in state["replicas"]], args.timeout,
                     {f"replica {r['index']}": r["pid"] for r in state["replicas"]})
        if not args.no_nginx:
            state["nginx_pid"] = start_nginx(runtime, args.port, app_ports)
            state["url"] = f"http://127.0.0.1:{args.port}"
            write_state(runtime, state)
            wait_healthy([state["url"]], 20, {"nginx": state["nginx_pid"]})
        else:
            state["url"] = state["replicas"][0]["url"]
        write_state(runtime, state)
    except BaseException:
        stop_all(state)
        raise
    return state


def write_state(runtime: Path, state: dict) -> None:
    tmp = runtime / "state.json.tmp"
    tmp.write_text(json.dumps(state, indent=2))
    tmp.replace(runtime / "state.json")


def stop_all(state: dict) -> None:
    runtime = Path(state["runtime"])
    if state.get("nginx_pid"):
        stop_pid(state["nginx_pid"], "nginx", signal.SIGQUIT)  # graceful: lets requests end
    for r in state["replicas"]:
        stop_pid(r["pid"], "kla.cli")
    for pid_file in (runtime / "run").glob("*.pid"):
        pid_file.unlink()


def cmd_stop(args: argparse.Namespace) -> None:
    runtime = Path(args.runtime).resolve()
    state = read_state(runtime)
    if state is None:
        say(f"nothing started from {runtime}")
        return
    stop_all(state)
    say(f"stopped {len(state['replicas'])} replica(s)"
        + (" and nginx" if state.get("nginx_pid") else ""))
    if args.drop_database:
        drop_database(state["server_url"], state["database"])
        say(f"database {state['database']} dropped")
    (runtime / "state.json").unlink()


def cmd_status(args: argparse.Namespace) -> int:
    state = read_state(Path(args.runtime).resolve())
    if state is None:
        print("not started")
        return 1
    print(f"{state['url']}  database {state['database']}  evidence {state['evidence_dir']}")
    ok = True
    for r in state["replicas"]:
        up = alive(r["pid"]) and healthy(r["url"])
        ok &= up
        print(f"  replica {r['index']}  {r['url']}  pid {r['pid']}  {'ok' if up else 'DOWN'}")
    if state.get("nginx_pid"):
        up = alive(state["nginx_pid"]) and healthy(state["url"])
        ok &= up
        print(f"  nginx      {state['url']}  pid {state['nginx_pid']}  {'ok' if up else 'DOWN'}")
    return 0 if ok else 1


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="deploy/local.py", description=__doc__.split("\n")[0])
    p.add_argument("--runtime", default=str(DEFAULT_RUNTIME),
                   help="folder of pid files, logs, nginx prefix, secrets (default var/deploy)")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("start", help="create the database, start the replicas and nginx")
    s.add_argument("--replicas", type=int, default=int(os.environ.get("REPLICAS", 2)))
    s.add_argument("--port", type=int, default=8580, help="nginx port (127.0.0.1; 0: a free one)")
    s.add_argument("--app-port", type=int, default=8601,
                   help="first replica's port, then +1 each (0: free ports)")
    s.add_argument("--database", default="kla_deploy")
    s.add_argument("--server-url", default=os.environ.get("KLA_DEPLOY_SERVER_URL",
                                                          DEFAULT_SERVER),
                   help="a URL of the PostgreSQL server (its database is used to create ours)")
    s.add_argument("--dataset", choices=("sample", "national"), default="sample",
                   help="what a new database is filled with (national: + 514 kab/kota × 5 "
                        "years, a few minutes)")
    s.add_argument("--fresh", action="store_true", help="drop and recreate the database")
    s.add_argument("--no-nginx", action="store_true", help="replicas only")
    s.add_argument("--streamlit", action="append", default=[], metavar="OPTION",
                   help="one more option for every replica's `kla run`, e.g. "
                        "--streamlit=--runner.postScriptGC=true")
    s.add_argument("--allocator", choices=("auto", "jemalloc", "glibc"),
                   default=os.environ.get("KLA_DEPLOY_ALLOCATOR", "glibc"),
                   help="malloc of the replicas (default glibc; auto: jemalloc when "
                        "libjemalloc2 is installed)")
    s.add_argument("--timeout", type=float, default=START_TIMEOUT)
    s.add_argument("--json", action="store_true", help="print the state as JSON")
    sub.add_parser("status", help="what runs, and whether it answers")
    s = sub.add_parser("stop", help="stop nginx and the replicas (pid files)")
    s.add_argument("--drop-database", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "start":
            state = cmd_start(args)
            if args.json:
                print(json.dumps(state))
            else:
                from kla.domain.sample import DEMO_PASSWORD

                print(f"KLA runs at {state['url']} ({len(state['replicas'])} replica(s), "
                      f"{'behind nginx' if state['nginx_pid'] else 'no proxy'}; database "
                      f"{state['database']}; logs in {Path(state['runtime']) / 'logs'}).\n"
                      f"Sample accounts (admin, koordinator.serang, …) use the password "
                      f"{DEMO_PASSWORD}. Stop it all with: make deploy-stop")
            return 0
        if args.command == "stop":
            cmd_stop(args)
            return 0
        return cmd_status(args)
    except DeployError as exc:
        say(str(exc))
        return exc.code


if __name__ == "__main__":
    sys.exit(main())
