"""The pieces of the multi-replica deployment that need no running server: the shared
evidence folder setting, the storage interface, deploy/local.py's nginx configuration and
secrets, the load test's percentile."""

import importlib.util
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kla.cli import static_root
from kla.settings import Settings, get_settings
from kla.store.evidence import EvidenceStorage, LocalStore

ROOT = Path(__file__).resolve().parents[2]


def _local():
    spec = importlib.util.spec_from_file_location("deploy_local", ROOT / "deploy" / "local.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_evidence_dir_defaults_under_the_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("KLA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("KLA_EVIDENCE_DIR", raising=False)
    assert Settings().evidence_dir == tmp_path / "evidence"
    monkeypatch.setenv("KLA_EVIDENCE_DIR", "  ")
    assert Settings().evidence_dir == tmp_path / "evidence"


def test_evidence_dir_is_configurable_and_used_by_the_services(monkeypatch, tmp_path):
    from kla.services.answers import evidence_store

    shared = tmp_path / "mount" / "evidence"
    monkeypatch.setenv("KLA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KLA_EVIDENCE_DIR", str(shared))
    get_settings.cache_clear()
    assert get_settings().evidence_dir == shared
    get_settings().ensure_dirs()
    assert shared.is_dir()
    store = evidence_store()
    assert store.root == shared
    stored = store.put(b"%PDF-1.4 bytes")
    assert (shared / stored.key).is_file()


def test_local_store_offers_the_storage_interface(tmp_path):
    store = LocalStore(tmp_path)
    wanted = {name for name in vars(EvidenceStorage) if not name.startswith("_")}
    assert wanted == {"key_for", "put", "read", "exists"}
    assert all(callable(getattr(store, name)) for name in wanted)
    stored = store.put(b"hello")
    assert store.exists(stored.key) and store.read(stored.key) == b"hello"
    assert stored.key == store.key_for(stored.sha256)
    assert not store.exists(store.key_for("0" * 64))
    assert not store.exists("../../etc/passwd")  # outside the store: not there, no error


def test_nginx_config_is_sticky_and_passes_the_websocket(tmp_path):
    local = _local()
    conf = local.render_nginx(tmp_path, 8580, [8601, 8602, 8603])
    assert "listen 127.0.0.1:8580;" in conf
    assert conf.count("server 127.0.0.1:86") == 3
    assert "hash $kla_affinity consistent;" in conf
    assert "@" not in conf.replace("$request_id", "")  # every placeholder filled in
    maps = (ROOT / "deploy" / "nginx" / "kla-maps.conf").read_text()
    locations = (ROOT / "deploy" / "nginx" / "kla-locations.conf").read_text()
    assert "kla_affinity=$request_id; Path=/; HttpOnly" in maps
    for line in ("proxy_http_version 1.1;", "proxy_set_header Upgrade $http_upgrade;",
                 "proxy_set_header Connection $kla_connection;", "proxy_read_timeout 1d;"):
        assert line in locations


@pytest.mark.skipif(not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()),
                    reason="nginx not installed")
def test_nginx_accepts_the_generated_config(tmp_path):
    local = _local()
    for sub in ("run", "logs", "nginx"):
        (tmp_path / sub).mkdir()
    conf = tmp_path / "nginx" / "nginx.conf"
    conf.write_text(local.render_nginx(tmp_path, 8580, [8601, 8602]))
    done = subprocess.run([local.nginx_binary(), "-t", "-p", str(tmp_path / "nginx"), "-c",
                           str(conf), "-e", str(tmp_path / "logs" / "error.log")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_nginx_is_given_this_installations_streamlit_files(tmp_path):
    local = _local()
    conf = local.render_nginx(tmp_path, 8580, [8601])
    root = Path(static_root())
    assert f'set $kla_static "{root}";' in conf
    assert any((root / "static" / "js").glob("*.js"))  # root + the URI /static/js/… is a file
    import streamlit

    assert root == Path(streamlit.__file__).resolve().parent / "static"
    # the app's own files (/app/static/): the project's static/ folder, which Streamlit
    # serves there too (enableStaticServing)
    assert f'set $kla_app_static "{ROOT / "static"}";' in conf
    assert (ROOT / "static" / "geo" / "kabkota.geojson").is_file()


@pytest.mark.skipif(not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()),
                    reason="nginx not installed")
def test_nginx_serves_streamlits_files_itself(tmp_path):
    """/static/ comes from disk (JavaScript type, a year's cache, gzip), not from a replica;
    a file that is not there goes to the replicas (none here: 502). /app/static/ (the map
    shapes) comes from the project's static/ folder, and nothing outside it."""
    import socket
    import time
    import urllib.error
    import urllib.request

    local = _local()
    for sub in ("run", "logs", "nginx"):
        (tmp_path / sub).mkdir()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    conf = tmp_path / "nginx" / "nginx.conf"
    conf.write_text(local.render_nginx(tmp_path, port, [1]))  # no replica listens on port 1
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / "nginx" / sub).mkdir()
    binary = local.nginx_binary()
    started = subprocess.run([binary, "-p", str(tmp_path / "nginx"), "-c", str(conf),
                              "-e", str(tmp_path / "logs" / "error.log")],
                             capture_output=True, text=True)
    assert started.returncode == 0, started.stderr
    try:
        js = sorted((Path(static_root()) / "static" / "js").glob("*.js"))[0]
        url = f"http://127.0.0.1:{port}/static/js/{js.name}"
        for _ in range(50):
            try:
                got = urllib.request.urlopen(url, timeout=5)
                break
            except OSError:
                time.sleep(0.1)
        assert got.status == 200 and got.read() == js.read_bytes()
        assert got.headers["Content-Type"] == "application/javascript"
        assert "immutable" in got.headers["Cache-Control"]
        zipped = urllib.request.urlopen(urllib.request.Request(
            url, headers={"Accept-Encoding": "gzip"}), timeout=5)
        if js.stat().st_size > 1024:
            assert zipped.headers["Content-Encoding"] == "gzip"
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/static/js/not-there.js", timeout=5)
        assert missing.value.code == 502  # passed on to the (absent) replicas
        # the map shapes (/app/static/) from the project's static/ folder, gzipped
        shapes = ROOT / "static" / "geo" / "kabkota.geojson"
        got = urllib.request.urlopen(urllib.request.Request(
            f"http://127.0.0.1:{port}/app/static/geo/kabkota.geojson",
            headers={"Accept-Encoding": "gzip"}), timeout=5)
        import gzip

        assert got.status == 200 and gzip.decompress(got.read()) == shapes.read_bytes()
        assert got.headers["Content-Type"] == "application/json"
        assert got.headers["Content-Encoding"] == "gzip"
        assert got.headers["X-Content-Type-Options"] == "nosniff"
        for outside in ("/app/static/../pyproject.toml", "/app/static/%2e%2e/pyproject.toml",
                        "/app/static/not-there.json"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{outside}", timeout=5)
            assert refused.value.code in (400, 404, 502), outside  # never the file
    finally:
        subprocess.run([binary, "-p", str(tmp_path / "nginx"), "-c", str(conf),
                        "-e", str(tmp_path / "logs" / "error.log"), "-s", "stop"],
                       capture_output=True)


def test_secrets_are_made_once_and_shared(monkeypatch, tmp_path):
    local = _local()
    for key in local.SECRET_VARS:
        monkeypatch.delenv(key, raising=False)
    first = local.secrets_env(tmp_path)
    assert set(first) == set(local.SECRET_VARS) and all(len(v) >= 32 for v in first.values())
    assert (tmp_path / "secrets.env").stat().st_mode & 0o777 == 0o600
    assert local.secrets_env(tmp_path) == first  # the next start: the same values
    monkeypatch.setenv("KLA_SECRET_KEY", "from-the-environment")
    assert local.secrets_env(tmp_path)["KLA_SECRET_KEY"] == "from-the-environment"


def test_database_names_are_checked():
    local = _local()
    with pytest.raises(local.DeployError):
        local.create_database("postgresql+psycopg://x@127.0.0.1:1/postgres", 'kla"; DROP')


def test_nearest_rank_percentile():
    from tests.load.loadtest import pct

    assert pct([3.0, 1.0, 2.0, 4.0], 50) == 2.0
    assert pct([float(i) for i in range(1, 101)], 95) == 95.0
    assert pct([5.0], 95) == 5.0


def test_proc_readings_of_this_process():
    from tests.load.loadtest import cpu_seconds, rss_mb

    assert cpu_seconds(os.getpid()) > 0
    assert 10 < rss_mb(os.getpid()) < 10_000


def test_installing_nginx_keeps_stdout_for_the_json_document(monkeypatch, tmp_path):
    """`deploy/local.py start --json` prints one JSON document on stdout, which the load test
    parses: apt's own progress, when nginx is installed on the fly, goes to stderr."""
    local = _local()
    fake = tmp_path / "nginx"
    fake.write_text("")
    calls = []

    def which(name):
        if name == "apt-get":
            return "/usr/bin/apt-get"
        return str(fake) if calls else None  # there once apt has run

    def run(cmd, **kw):
        calls.append((cmd, kw))
        return subprocess.CompletedProcess(cmd, 0)

    monkeypatch.setattr(local.shutil, "which", which)
    monkeypatch.setattr(local.os, "geteuid", lambda: 0)
    monkeypatch.setattr(local.subprocess, "run", run)
    monkeypatch.setattr(local, "Path", lambda p: Path(str(tmp_path / "absent")) if p ==
                        "/usr/sbin/nginx" else Path(p))
    assert local.nginx_binary() == str(fake)
    assert [c[0][0] for c in calls] == ["apt-get", "apt-get"]
    assert all(kw.get("stdout") is local.sys.stderr for _, kw in calls)


def test_load_test_rows_carry_the_machines_calibration(tmp_path):
    """Each row names how fast this machine is (a fixed Python workload's CPU seconds) and the
    CPU per page view in those units; a file whose last table has other columns gets a new
    header before the row, so no row lands under the wrong headings."""
    import argparse

    from tests.load import loadtest

    assert loadtest.calibration_s() > 0
    args = argparse.Namespace(label="abc1234", load_before=0.5, dataset="national", ramp=0.5,
                              browser_cpu=12.0, calibration=0.05)
    s = loadtest.Session(1, "load.001", "1.P1")
    s.times = {"Posisi": 0.4, "Kesenjangan": 0.6}
    s.open_s = 1.0
    r = loadtest.summarise([s], [{"port": 8601, "pid": 1}], {1: 0.2}, {1: (280, 300, 301)},
                           0.9, 10.0, args)
    assert r["cpu_per_view_s"] == 0.1 and r["cpu_per_view_calibrated"] == 2.0
    line = loadtest.row(r)
    assert line.count("|") == loadtest.HEADER.splitlines()[0].count("|")
    assert line.rstrip().endswith("| 0.05 | 2.0 |")
    out = tmp_path / "bench-results.md"
    out.write_text("\n## Real-browser load test (`make loadtest`)\n\n| when | commit | old |\n"
                   "|---|---|---|\n| x | y | z |\n")
    loadtest.append_results(out, r)
    loadtest.append_results(out, r)
    text = out.read_text()
    assert text.count(loadtest.HEADER) == 1  # once, after the old table, not before each row
    assert text.endswith(loadtest.HEADER + line + line)


def test_replicas_get_jemalloc_when_asked_and_installed(monkeypatch, tmp_path):
    """``--allocator auto`` preloads jemalloc where Debian's libjemalloc2 is installed and
    falls back to glibc's malloc where it is not; ``jemalloc`` asked for and missing is
    refused with the package to install; ``glibc`` (the default) sets nothing."""
    local = _local()
    lib = tmp_path / "libjemalloc.so.2"
    lib.write_bytes(b"")
    monkeypatch.setattr(local, "JEMALLOC_PATHS", (str(tmp_path / "missing.so"), str(lib)))
    name, env = local.allocator_env("auto")
    assert name == "jemalloc" and env["LD_PRELOAD"] == str(lib)
    assert "background_thread:true" in env["MALLOC_CONF"]
    assert local.allocator_env("glibc") == ("glibc", {})
    monkeypatch.setattr(local, "JEMALLOC_PATHS", (str(tmp_path / "missing.so"),))
    assert local.allocator_env("auto") == ("glibc", {})
    with pytest.raises(local.DeployError, match="apt-get install libjemalloc2") as err:
        local.allocator_env("jemalloc")
    assert err.value.code == 2
    args = local.build_parser().parse_args(["start"])
    assert args.allocator == "glibc"


def test_a_process_started_with_the_allocator_env_runs_on_jemalloc():
    import sys

    local = _local()
    if local.jemalloc_path() is None:
        pytest.skip("libjemalloc2 is not installed")
    _, env = local.allocator_env("jemalloc")
    out = subprocess.run([sys.executable, "-c",
                          "print(open('/proc/self/maps').read().count('libjemalloc'))"],
                         env={**os.environ, **env}, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and int(out.stdout) > 0, out.stderr
