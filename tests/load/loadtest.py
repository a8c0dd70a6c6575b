"""Real-browser load test: N Chromium sessions at once against the app behind nginx.

    python -m tests.load.loadtest [--sessions 10] [--replicas 1 | --url URL] [--dataset sample]

(`make loadtest SESSIONS=10 REPLICAS=2`, or `make loadtest URL=http://127.0.0.1:8580` against
a running `make deploy-local`.) One browser, one context per session; each session signs in
as its own account (``load.001`` …: coordinators of Kota Serang, created here with the sample
password when missing) and clicks through

    sign-in (lands on Posisi) → Kesenjangan → Simulasi → one what-if change (a credit, then
    Terapkan) → Isian → its own question → a credit → Simpan jawaban → Nasional → Provinsi
    → Posisi

Every click is timed from the click to Streamlit's idle state (the app's
``data-test-script-state`` back to ``notRunning`` after a script run, seen by a
MutationObserver in the page, *and* the step's own sign on the page: the new page's heading,
"Perubahan (1)", "disimpan (versi …)"). Every wait is bounded (``--timeout``); a step that
fails ends its session and is counted with its reason (a screenshot goes to
test-artifacts/load/). Loopback only.

Printed, and appended to ``bench-results.md``: p50 / p95 / max of all clicks, per step, the
failures, the server's CPU seconds (utime + stime of every replica from /proc/<pid>/stat,
over the run) per page view, each replica's memory (RSS) before the run, at its end and after
the sessions closed, and how busy the machine was (the browsers share its cores).

``--replicas N`` starts its own deployment (deploy/local.py: N replicas + nginx on free
loopback ports, database ``kla_load_<dataset>`` on ``--server-url``, kept for the next run
unless ``--fresh``) and stops it afterwards; ``--url`` uses one already running
(``--runtime`` is its folder, for the replicas' pids and database).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("KLA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = ROOT / "test-artifacts" / "load"
REGION = "36.73"  # Kota Serang: its 2026 self-assessment is a draft the accounts may edit
PAGE_STEPS = ("sign-in", "Kesenjangan", "Simulasi", "Isian", "Nasional", "Provinsi", "Posisi")
CLK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")

# Counts the ends of script runs (data-test-script-state → notRunning) and when the last one
# happened (wall clock, ms), installed in every document before its scripts run. Under load a
# browser may take several queued messages in one render, so that a short run never shows as
# running: the wait then also accepts the step's own sign with the app idle (DONE_JS).
OBSERVER_JS = """(() => {
  const k = window.__kla = {ends: 0, lastEnd: 0, doneAt: 0};
  const attr = 'data-test-script-state';
  const obs = new MutationObserver(records => {
    records.forEach((r, i) => {
      const next = records.slice(i + 1).find(n => n.target === r.target);
      const now = next ? next.oldValue : r.target.getAttribute(attr);
      if (now === 'notRunning' && r.oldValue !== 'notRunning') {
        k.ends += 1; k.lastEnd = Date.now();
      }
    });
  });
  obs.observe(document, {subtree: true, attributes: true, attributeFilter: [attr],
                         attributeOldValue: true});
})();"""
# the app is idle and connected; records when that was first seen
DONE_JS = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  const idle = app && app.getAttribute('data-test-script-state') === 'notRunning'
    && app.getAttribute('data-test-connection-state') === 'CONNECTED';
  if (idle && window.__kla) window.__kla.doneAt = Date.now();
  return !!idle;
}"""


# -- the server's side: /proc ----------------------------------------------------------------

REPLICA_PIDS: list[int] = []  # the replicas measured (set by main, read per click)


def cpu_seconds(pid: int, waited_children: bool = False) -> float:
    """utime + stime of ``pid`` (its threads included) in seconds; with ``waited_children``
    also cutime + cstime: the children it has waited for after they ended."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = int(fields[11]) + int(fields[12])
    return (own + (int(fields[13]) + int(fields[14]) if waited_children else 0)) / CLK


def _workload() -> int:
    """A fixed piece of the kind of work a page run does (dicts, JSON, sorting, formatting)."""
    rows = [{"id": i, "qid": f"{i % 31}.P{i % 9}", "credit": (i % 5) / 4, "max": i % 7}
            for i in range(20_000)]
    back = json.loads(json.dumps(rows))
    back.sort(key=lambda r: (r["credit"], r["qid"], -r["id"]))
    text = "".join(f"{r['qid']}:{r['credit'] * r['max']:.2f};" for r in back)
    return len(text) + sum(len(str(r)) for r in back[:5_000])


def calibration_s() -> float:
    """This machine's speed: the CPU seconds of ``_workload`` (best of five, one thread).
    The server CPU per page view divided by it compares runs on different machines (the
    same commit measured 0.155–0.186 s per view on one 2-core machine, 0.08–0.09 on
    another)."""
    best = float("inf")
    for _ in range(5):
        t0 = time.thread_time()
        _workload()
        best = min(best, time.thread_time() - t0)
    return round(best, 4)


def rss_mb(pid: int) -> float:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE / 2**20


def own_processes_cpu() -> float:
    """CPU seconds of this process's descendants now alive, with the children they waited
    for after those ended (a closed context's renderer): the Playwright driver and the
    Chromium it runs (the replicas are not among them: deploy/local.py detached them)."""
    parent: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(stat.parent.name)] = int(fields[1])
    mine, total = {os.getpid()}, 0.0
    changed = True
    while changed:
        changed = False
        for pid, ppid in parent.items():
            if ppid in mine and pid not in mine:
                mine.add(pid)
                changed = True
    for pid in mine - {os.getpid()}:
        try:
            total += cpu_seconds(pid, waited_children=True)
        except OSError:
            pass
    return total


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all cores since boot."""
    vals = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = vals[3] + vals[4]
    return sum(vals) - idle, sum(vals)


# -- one session ------------------------------------------------------------------------------

class StepFailed(Exception):
    pass


@dataclass
class Session:
    n: int
    username: str
    qid: str
    times: dict[str, float] = field(default_factory=dict)  # step -> seconds
    cpu: dict[str, float] = field(default_factory=dict)  # step -> the replicas' CPU s meanwhile
    failure: tuple[str, str] | None = None  # (step, reason)
    open_s: float | None = None
    context: object = None  # its browser context, closed after the end-of-run measurement


async def click_and_wait(page, step: str, session: Session, click, sign, timeout_ms: float):
    """Click, then wait until ``sign`` (a locator only the step's result shows: the new page's
    heading, "Perubahan (1)", "disimpan (versi …)") is visible and the app idle; record the
    time from the click to the end of the last script run (or, when the browser never showed
    the run, to the moment the idle app was seen)."""
    t0 = await page.evaluate("() => { window.__kla.ends = 0; return Date.now(); }")
    cpu0 = sum(cpu_seconds(pid) for pid in REPLICA_PIDS)
    try:
        await click()
        await sign.first.wait_for(state="visible", timeout=timeout_ms)
        await page.wait_for_function(DONE_JS, timeout=timeout_ms, polling=50)
        exc = page.locator("[data-testid='stException']")
        if await exc.count():
            raise StepFailed(f"exception box: {(await exc.first.inner_text())[:200]}")
    except StepFailed:
        raise
    except Exception as e:  # a bounded wait ran out, or the page went away
        raise StepFailed(f"{type(e).__name__}: {str(e).splitlines()[0][:160]}; "
                         f"{await _state(page)}") from None
    ends, last, done = await page.evaluate(
        "[window.__kla.ends, window.__kla.lastEnd, window.__kla.doneAt]")
    session.times[step] = max(0.0, ((last if ends else done) - t0) / 1000)
    # the replicas' CPU during this click: its own cost when one session runs (--sessions 1),
    # a share of everyone's otherwise
    session.cpu[step] = sum(cpu_seconds(pid) for pid in REPLICA_PIDS) - cpu0


async def _state(page) -> str:
    """What the page showed when a wait ran out (for the failure's reason)."""
    try:
        return await page.evaluate("""() => {
          const app = document.querySelector("[data-testid='stApp']");
          return `url ${location.pathname}, script ${app && app.getAttribute(
            'data-test-script-state')}, connection ${app && app.getAttribute(
            'data-test-connection-state')}`;
        }""")
    except Exception as e:
        return f"page unreadable ({type(e).__name__})"


def heading(page, name: str):
    return page.get_by_role("heading", name=name, exact=True)


async def run_session(browser, base: str, s: Session, password: str, timeout_ms: float,
                      start_delay: float) -> None:
    await asyncio.sleep(start_delay)
    ctx = await browser.new_context(locale="id-ID", viewport={"width": 1360, "height": 1000})
    await ctx.add_init_script(OBSERVER_JS)
    page = await ctx.new_page()
    step = "open"
    try:
        t0 = time.perf_counter()
        try:
            await page.goto(base, timeout=timeout_ms)
            await page.get_by_label("Nama pengguna").wait_for(timeout=timeout_ms)
            await page.wait_for_function(DONE_JS, timeout=timeout_ms, polling=50)
        except Exception as e:
            raise StepFailed(f"{type(e).__name__}: {str(e).splitlines()[0][:200]}") from None
        s.open_s = time.perf_counter() - t0
        await page.get_by_label("Nama pengguna").fill(s.username)
        await page.get_by_label("Kata sandi").fill(password)

        async def nav(name: str):
            return await page.get_by_role("link", name=name, exact=True).click(
                timeout=timeout_ms)

        step = "sign-in"
        await click_and_wait(page, step, s,
                             lambda: page.get_by_role("button", name="Masuk").click(),
                             heading(page, "Posisi Predikat"), timeout_ms)
        for step, link, title in (("Kesenjangan", "Kesenjangan", "Kesenjangan"),
                                  ("Simulasi", "Simulasi", "Simulasi")):
            await click_and_wait(page, step, s, lambda link=link: nav(link),
                                 heading(page, title), timeout_ms)
        # what-if: the first question panel's credit "1" (its question has a gap), then
        # Terapkan; timed from Terapkan (the credit's own rerun shows nothing to wait for)
        step = "sim: apply"
        try:
            await page.get_by_role("radio", name="1", exact=True).first.click(
                timeout=timeout_ms)
        except Exception as e:
            raise StepFailed(f"credit: {type(e).__name__}: {str(e).splitlines()[0][:160]}")
        await click_and_wait(page, step, s, lambda: page.get_by_role(
            "button", name="Terapkan", exact=True).click(timeout=timeout_ms),
            page.get_by_text("Perubahan (1)"), timeout_ms)
        step = "Isian"
        await click_and_wait(page, step, s, lambda: nav("Isian"), heading(page, "Isian"),
                             timeout_ms)
        step = "isian: question"
        box = page.get_by_role("combobox", name="Pertanyaan", exact=True)

        async def choose_question():
            await box.click(timeout=timeout_ms)
            await box.fill(s.qid)
            await page.get_by_role("option").filter(has_text=f" {s.qid} · ").first.click(
                timeout=timeout_ms)

        form = page.locator("[data-testid='stForm']")
        shown = page.locator("strong").filter(has_text=re.compile(f"^{re.escape(s.qid)}$"))
        if not await shown.count():  # the first question is chosen already: no click
            await click_and_wait(page, step, s, choose_question, shown, timeout_ms)
        step = "isian: save"
        radios = form.get_by_role("radio")
        checked = await radios.evaluate_all(
            "els => els.map(e => e.getAttribute('aria-checked') === 'true')")
        if not checked:
            raise StepFailed("no credit control in the answer form (the question is locked?)")
        pick = next(i for i, c in enumerate(checked) if not c)
        try:
            await radios.nth(pick).click(timeout=timeout_ms)
        except Exception as e:
            raise StepFailed(f"credit: {type(e).__name__}: {str(e).splitlines()[0][:200]}")
        # the sign: the confirmation (a toast, gone after 10 s: a browser starved of CPU may
        # never see it) or the question's "last saved" line with this user and the next version
        last = page.get_by_text(re.compile(r"^Terakhir disimpan oleh .*\(versi (\d+)\)\.$"))
        before = await last.first.inner_text() if await last.count() else ""
        version = int(m.group(1)) if (m := re.search(r"versi (\d+)", before)) else 0
        saved = page.get_by_text(f"Jawaban {s.qid} disimpan (versi", exact=False).or_(
            page.get_by_text(re.compile(rf"^Terakhir disimpan oleh {re.escape(s.username)},"
                                        rf" .*\(versi {version + 1}\)\.$")))
        await click_and_wait(page, step, s, lambda: form.get_by_role(
            "button", name="Simpan jawaban").click(timeout=timeout_ms), saved, timeout_ms)
        for step, link, title in (("Nasional", "Nasional", "Hasil KLA nasional"),
                                  ("Provinsi", "Provinsi", "Provinsi"),
                                  ("Posisi", "Posisi Predikat", "Posisi Predikat")):
            await click_and_wait(page, step, s, lambda link=link: nav(link),
                                 heading(page, title), timeout_ms)
    except StepFailed as e:
        s.failure = (step, str(e))
        try:
            SHOTS.mkdir(parents=True, exist_ok=True)
            name = step.replace(" ", "").replace(":", "-")
            await page.screenshot(path=str(SHOTS / f"session-{s.n:03d}-{name}.png"),
                                  timeout=10_000)
        except Exception:
            pass
    finally:
        s.context = ctx


async def drive(base: str, sessions: list[Session], warmups: list[tuple[str, Session]],
                password: str, timeout_ms: float, ramp: float, mark) -> None:
    """Warm-up sessions first (one straight to each replica, not measured: imports and
    caches), then ``mark("start")``, the sessions through ``base``, ``mark("end")`` while
    their contexts are still open, and the contexts closed."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        await asyncio.gather(*(run_session(browser, url, s, password, timeout_ms, 0)
                               for url, s in warmups))
        for _url, s in warmups:
            await s.context.close()
        mark("start")
        await asyncio.gather(*(run_session(browser, base, s, password, timeout_ms, i * ramp)
                               for i, s in enumerate(sessions)))
        mark("end")
        for s in sessions:
            await s.context.close()
        await browser.close()


# -- setup ------------------------------------------------------------------------------------

def ensure_accounts(db_url: str, n: int) -> list[str]:
    """``load.001`` … ``load.<n>``: coordinators of Kota Serang with the sample password."""
    from kla.domain.sample import DEMO_PASSWORD
    from kla.services import users
    from kla.services.permissions import SYSTEM
    from kla.store.db import make_engine

    engine = make_engine(db_url)
    names = [f"load.{i:03d}" for i in range(1, n + 1)]
    try:
        for name in names:
            if users.get_actor(engine, name) is None:
                users.add_user(engine, SYSTEM, username=name, password=DEMO_PASSWORD,
                               role="coordinator", region_kode=REGION,
                               display_name=f"Uji beban {name[-3:]}")
    finally:
        engine.dispose()
    return names


def questions(n: int) -> list[str]:
    """One question per session (no two sessions save the same answer at once)."""
    from kla.domain.framework import DEFAULT_FRAMEWORK, get_framework

    qids = [q for q, spec in get_framework(DEFAULT_FRAMEWORK).questions.items() if spec.max > 0]
    return [qids[i % len(qids)] for i in range(n)]


def deploy(args: argparse.Namespace, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "deploy" / "local.py"), "--runtime",
                           str(args.runtime), *extra], cwd=ROOT, capture_output=True,
                          text=True)


def start_deployment(args: argparse.Namespace) -> dict:
    extra = ["start", "--replicas", str(args.replicas), "--port", "0", "--app-port", "0",
             "--database", args.database or f"kla_load_{args.dataset}",
             "--dataset", args.dataset,
             "--server-url", args.server_url, "--json"]
    if args.fresh:
        extra.append("--fresh")
    extra += [f"--streamlit={option}" for option in args.streamlit]
    if args.allocator:
        extra += ["--allocator", args.allocator]
    print(f"starting {args.replicas} replica(s) + nginx ({args.dataset} data) …",
          file=sys.stderr, flush=True)
    done = deploy(args, *extra)
    if done.returncode:
        raise SystemExit(f"loadtest: deploy/local.py start failed:\n{done.stderr}")
    try:
        return json.loads(done.stdout)
    except ValueError:
        raise SystemExit("loadtest: deploy/local.py start printed no JSON document on stdout "
                         f"(stop it with deploy/local.py --runtime {args.runtime} stop):\n"
                         f"{done.stdout[-2000:]}") from None


# -- report -----------------------------------------------------------------------------------

def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summarise(sessions: list[Session], replicas: list[dict], cpu: dict, rss: dict,
              busy: float, wall: float, args: argparse.Namespace) -> dict:
    clicks = [v for s in sessions for v in s.times.values()]
    views = sum(1 for s in sessions for k in s.times if k in PAGE_STEPS)
    per_step: dict[str, list[float]] = {}
    for s in sessions:
        for k, v in s.times.items():
            per_step.setdefault(k, []).append(v)
    server_cpu = sum(cpu.values())
    return {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": args.label or commit(), "load_before": args.load_before,
        "dataset": args.dataset, "replicas": len(replicas),
        "allocator": getattr(args, "malloc", None) or "glibc",
        "sessions": len(sessions), "ramp_s": args.ramp,
        "clicks": len(clicks), "page_views": views,
        "failures": [{"session": s.username, "step": s.failure[0], "reason": s.failure[1]}
                     for s in sessions if s.failure],
        "p50_s": round(pct(clicks, 50), 2), "p95_s": round(pct(clicks, 95), 2),
        "max_s": round(max(clicks), 2) if clicks else None,
        "open_p50_s": round(statistics.median([s.open_s for s in sessions if s.open_s]), 2)
        if any(s.open_s for s in sessions) else None,
        "steps": {k: {"n": len(v), "p50_s": round(pct(v, 50), 2), "p95_s": round(pct(v, 95), 2),
                      "max_s": round(max(v), 2),
                      "cpu_s": round(statistics.median(
                          [s.cpu[k] for s in sessions if k in s.cpu] or [0.0]), 3)}
                  for k, v in per_step.items()},
        "server_cpu_s": round(server_cpu, 1),
        "cpu_per_view_s": round(server_cpu / views, 3) if views else None,
        "cpu_per_click_s": round(server_cpu / len(clicks), 3) if clicks else None,
        "rss_mb": {str(r["port"]): rss[r["pid"]] for r in replicas},
        "machine_busy": round(busy, 2), "wall_s": round(wall, 1),
        "browser_cpu_s": round(args.browser_cpu, 1),
        "calibration_s": args.calibration,
        "cpu_per_view_calibrated": round(server_cpu / views / args.calibration, 2)
        if views and args.calibration else None,
    }


def commit() -> str:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                             capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=ROOT, capture_output=True, text=True,
                               timeout=10).stdout.strip()
        return (rev + ("+changes" if dirty else "")) or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


HEADER = ("| when | commit | data | replicas | sessions | clicks | failures | p50 s | p95 s | "
          "max s | server CPU s | CPU s / page view | browsers' CPU s | RSS MB per replica (before → end → "
          "after close) | machine busy | load before | wall s | calibration s | CPU per view "
          "/ calibration |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")


def row(r: dict) -> str:
    rss = f"{r.get('allocator', 'glibc')}: " + "; ".join(
        f"{b:.0f} → {e:.0f} → {a:.0f}" for b, e, a in r["rss_mb"].values())
    return (f"| {r['when']} | {r['commit']} | {r['dataset']} | {r['replicas']} | "
            f"{r['sessions']} | {r['clicks']} | {len(r['failures'])} | {r['p50_s']} | "
            f"{r['p95_s']} | {r['max_s']} | {r['server_cpu_s']} | {r['cpu_per_view_s']} | "
            f"{r['browser_cpu_s']} | "
            f"{rss} | {r['machine_busy']:.0%} | {r['load_before']} | {r['wall_s']} | "
            f"{r['calibration_s']} | {r['cpu_per_view_calibrated']} |\n")


def report(r: dict) -> str:
    lines = [f"{r['sessions']} sessions, {r['replicas']} replica(s), {r['dataset']} data: "
             f"{r['clicks']} clicks, {len(r['failures'])} failed sessions",
             f"click → idle: p50 {r['p50_s']} s, p95 {r['p95_s']} s, max {r['max_s']} s "
             f"(first page p50 {r['open_p50_s']} s)",
             f"load average before the run: {r['load_before']} (other work on the machine)",
             f"server CPU {r['server_cpu_s']} s = {r['cpu_per_view_s']} s per page view "
             f"({r['page_views']} views), {r['cpu_per_click_s']} s per click; the browsers "
             f"{r['browser_cpu_s']} s; machine busy {r['machine_busy']:.0%} over "
             f"{r['wall_s']} s",
             f"this machine: a fixed Python workload takes {r['calibration_s']} s of CPU "
             f"(calibration); CPU per page view = {r['cpu_per_view_calibrated']} × that"]
    for port, (b, e, a) in r["rss_mb"].items():
        lines.append(f"replica :{port} ({r.get('allocator', 'glibc')}) RSS {b:.0f} MB before → {e:.0f} MB at the end → "
                     f"{a:.0f} MB after the sessions closed")
    lines.append("per step (n, p50 / p95 / max s, median server CPU s during the click — the "
                 "step's own cost with --sessions 1):")
    for k, v in r["steps"].items():
        lines.append(f"  {k:<16} {v['n']:>3}  {v['p50_s']} / {v['p95_s']} / {v['max_s']}"
                     f"   cpu {v['cpu_s']}")
    for f in r["failures"]:
        lines.append(f"FAILED {f['session']} at {f['step']}: {f['reason']}")
    return "\n".join(lines)


def append_results(path: Path, r: dict) -> None:
    new = not path.exists() or "## Real-browser load test" not in path.read_text()
    with open(path, "a") as out:
        if new:
            out.write("\n## Real-browser load test (`make loadtest`)\n\n"
                      "Browsers and server share this machine's cores; the capacity figure is "
                      "the server's CPU seconds per page view.\n\n" + HEADER)
        else:  # a new table when the last one has other columns (an older load test)
            headers = [line for line in path.read_text().splitlines()
                       if line.startswith("| when |")]
            if not headers or headers[-1] + "\n" != HEADER.splitlines(True)[0]:
                out.write("\n" + HEADER)
        out.write(row(r))


# -- main -------------------------------------------------------------------------------------

def _interrupted(_signum, _frame) -> None:
    raise KeyboardInterrupt

def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.load.loadtest",
                                description=__doc__.split("\n")[0])
    p.add_argument("--sessions", type=int, default=10)
    target = p.add_mutually_exclusive_group()
    target.add_argument("--replicas", type=int, default=None,
                        help="start N replicas + nginx for the run (default 1)")
    target.add_argument("--url", default=None, help="a running deployment (make deploy-local)")
    p.add_argument("--runtime", default=None,
                   help="the deployment's folder (default var/deploy with --url, "
                        "var/loadtest otherwise)")
    p.add_argument("--dataset", choices=("sample", "national"), default="sample")
    p.add_argument("--server-url", default=os.environ.get(
        "KLA_DEPLOY_SERVER_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    p.add_argument("--database", default=None,
                   help="with --replicas: the database (default kla_load_<dataset>, kept for "
                        "the next run)")
    p.add_argument("--fresh", action="store_true", help="recreate the load-test database")
    p.add_argument("--streamlit", action="append", default=[], metavar="OPTION",
                   help="with --replicas: one more `kla run` option for every replica, e.g. "
                        "--streamlit=--runner.postScriptGC=true (Streamlit's default)")
    p.add_argument("--timeout", type=float, default=90, help="seconds, every wait")
    p.add_argument("--ramp", type=float, default=0.5,
                   help="seconds between session starts (default 0.5)")
    p.add_argument("--settle", type=float, default=130,
                   help="seconds after the sessions close before memory is read again "
                        "(default 130: closed sessions are kept 120 s)")
    p.add_argument("--allocator", choices=("auto", "jemalloc", "glibc"), default=None,
                   help="malloc of the replicas this run starts (deploy/local.py's "
                        "default: glibc)")
    p.add_argument("--out", default=str(ROOT / "bench-results.md"))
    p.add_argument("--label", default=None,
                   help="what was measured, for the table (default: the git commit)")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    if args.sessions < 1:
        p.error("--sessions must be at least 1")
    if not Path(CHROMIUM).exists():
        print(f"loadtest: Chromium not found at {CHROMIUM} (make chromium)", file=sys.stderr)
        return 2
    # SIGTERM (a timeout, a stop from outside) ends the run through `finally`: the
    # deployment this run started is stopped, not left behind
    signal.signal(signal.SIGTERM, _interrupted)
    own = args.url is None
    args.runtime = Path(args.runtime or ROOT / "var" / ("loadtest" if own else "deploy"))
    if own:
        args.replicas = args.replicas or 1
        deploy(args, "stop")  # what a run that was killed left running in its own folder
        state = start_deployment(args)
    else:
        path = args.runtime / "state.json"
        if not path.exists():
            print(f"loadtest: no deployment state in {path}: replicas unknown (start it with "
                  f"make deploy-local, or give --runtime)", file=sys.stderr)
            return 2
        state = json.loads(path.read_text())
        if state.get("dataset", "sample") != args.dataset:
            args.dataset = state.get("dataset", "sample")
    base = args.url or state["url"]
    replicas = state["replicas"]
    args.malloc = state.get("allocator", "glibc")  # what the replicas run with
    try:
        from kla.domain.sample import DEMO_PASSWORD

        args.calibration = calibration_s()  # before the browsers start
        names = ensure_accounts(state["database_url"], args.sessions)
        sessions = [Session(i + 1, name, qid)
                    for i, (name, qid) in enumerate(zip(names, questions(args.sessions)))]
        pids = [r["pid"] for r in replicas]
        REPLICA_PIDS[:] = pids
        warmups = [(r["url"], Session(0, names[i % len(names)], qid))
                   for i, (r, qid) in enumerate(zip(replicas, questions(400)[-len(replicas):]))]
        marks: dict[str, dict] = {}

        def mark(name: str) -> None:
            marks[name] = {"cpu": {pid: cpu_seconds(pid) for pid in pids},
                           "rss": {pid: rss_mb(pid) for pid in pids},
                           "busy": machine_busy(), "t": time.perf_counter(),
                           "browser_cpu": own_processes_cpu(),
                           "load": float(Path("/proc/loadavg").read_text().split()[0])}

        print(f"warm-up ({len(warmups)} session(s), one per replica), then {args.sessions} "
              f"sessions against {base} …", file=sys.stderr, flush=True)
        asyncio.run(drive(base, sessions, warmups, DEMO_PASSWORD, args.timeout * 1000,
                          args.ramp, mark))
        failed_warmups = [s.failure for _u, s in warmups if s.failure]
        if failed_warmups:
            print(f"warning: warm-up failed: {failed_warmups}", file=sys.stderr)
        print(f"sessions closed; memory is read again in {args.settle:g} s (Streamlit keeps "
              f"a closed session for server.disconnectedSessionTTL, 120 s) …", file=sys.stderr,
              flush=True)
        try:
            time.sleep(args.settle)
        except KeyboardInterrupt:  # stopped while waiting: read memory now, say so
            print("settle cut short: memory after close read early", file=sys.stderr)
        mark("after")
        start, end, after = marks["start"], marks["end"], marks["after"]
        args.load_before = start["load"]
        cpu = {pid: after["cpu"][pid] - start["cpu"][pid] for pid in pids}
        rss = {pid: (round(start["rss"][pid], 1), round(end["rss"][pid], 1),
                     round(after["rss"][pid], 1)) for pid in pids}
        busy = ((end["busy"][0] - start["busy"][0])
                / max(1, end["busy"][1] - start["busy"][1]))
        args.browser_cpu = end["browser_cpu"] - start["browser_cpu"]
        result = summarise(sessions, replicas, cpu, rss, busy, end["t"] - start["t"], args)
    finally:
        if own:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second TERM must not stop the stop
            deploy(args, "stop")
    print(report(result))
    append_results(Path(args.out), result)
    if args.json:
        print(json.dumps(result))
    print(f"appended to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
