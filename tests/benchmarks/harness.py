"""The bench harness (`make bench`, `python -m tests.benchmarks.harness [--json]`): national-scale scoring from the store, as a ratio to a raw SELECT.

Builds a fresh database (SQLite in a temporary folder unless a URL is given; also a temporary
PostgreSQL database when KLA_TEST_DATABASE_URL is set, see ``run_all``) with every kab/kota
× every question × 4 stages, then times, in the same run:
- ``raw_select_s``: a raw SELECT fetching every answer row;
- ``score_all_s``: the same rows fetched and scored (all indicators, blocks, totals, predicates).
Each is the best of ``repeat`` runs; ``ratio`` = score_all_s / raw_select_s.
Planner timings (median of many runs, milliseconds):
- ``whatif_ms``: one city's what-if recompute (baseline and scenario, one credit changed);
- ``plan_ms``: one city's exact cheapest-path solve to its next predicate.
Stored scores (``kla.services.scores``; the generated answers are written in bulk, so their
stored scores are written afterwards by ``kla rescore``):
- ``rescore_s``: `kla rescore` filling every stored score of the data set;
- ``rescore_check_s`` / ``rescore_differences``: `kla rescore --check` on it (0 expected);
- ``save_answer_ms``: one answer saved through the service with its stored score (median).
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, select

from kla.domain.framework import DEFAULT_FRAMEWORK, get_framework
from kla.domain.planner import plan
from kla.domain.whatif import what_if
from kla.services.assessments import _raw_answer_rows, score_all
from kla.services.permissions import SYSTEM
from kla.services.reference import init_db
from kla.services.scores import rescore
from kla.store.db import make_engine
from kla.store.models import STAGES, Answer, Assessment, Question, Region, utcnow
from kla.store.models import Framework as FrameworkRow

GRADES = (0.0, 0.25, 0.33, 0.5, 0.66, 0.75, 1.0)


def populate(engine: Engine, year: int = 2025, stages: tuple[str, ...] = STAGES,
             seed: int = 7, cities: int | None = None) -> int:
    """Every kab/kota (or the first ``cities`` by code) × ``stages`` × every question of the
    default framework. Returns rows."""
    fw = get_framework(DEFAULT_FRAMEWORK)
    rng = random.Random(seed)
    now = utcnow()
    with engine.begin() as conn:
        fw_id = conn.execute(select(FrameworkRow.id).where(FrameworkRow.code == fw.code)
                             ).scalar_one()
        # every SELECT ordered: the same seed gives the same answers on SQLite and PostgreSQL
        qids = conn.execute(select(Question.id).where(Question.framework_id == fw_id)
                            .order_by(Question.position, Question.id)).scalars().all()
        kabkota = conn.execute(select(Region.kode).where(Region.level == "kabkota")
                               .order_by(Region.kode)).scalars().all()[:cities]
        conn.execute(Assessment.__table__.insert(), [
            {"region_kode": k, "framework_id": fw_id, "year": year, "stage": st,
             "status": "final", "is_sample": True, "created_at": now, "updated_at": now}
            for k in kabkota for st in stages])
        ass_ids = conn.execute(select(Assessment.id).where(Assessment.year == year)
                               .order_by(Assessment.region_kode, Assessment.stage)
                               ).scalars().all()
        rows = [{"assessment_id": a, "question_id": q, "credit": rng.choice(GRADES), "note": "",
                 "version": 1, "updated_by": "bench", "updated_at": now}
                for a in ass_ids for q in qids]
        for start in range(0, len(rows), 50_000):
            conn.execute(Answer.__table__.insert(), rows[start:start + 50_000])
    return len(rows)


def bench_assessments(engine: Engine, n: int) -> list[int]:
    """The first ``n`` generated assessments (by id): where the timed writes go."""
    with engine.connect() as conn:
        return conn.execute(select(Assessment.id).order_by(Assessment.id).limit(n)
                            ).scalars().all()


class Writer:
    """Saves one answer at a time through the service (``answers.save_answer``, as the system
    actor: the bench's data are final stages), each a real change (the credit flips), each on
    the next question of the next of a few assessments."""

    def __init__(self, engine: Engine, assessments: int = 5):
        self.engine = engine
        self.ids = bench_assessments(engine, assessments)
        self.qids = get_framework(DEFAULT_FRAMEWORK).question_ids
        self.n = 0

    def prepare(self) -> Callable[[], object]:
        """The next write, its current version read (not part of the write)."""
        from kla.services import answers

        a = self.ids[self.n % len(self.ids)]
        qid = self.qids[(self.n * 7) % len(self.qids)]
        self.n += 1
        state = answers.answer_states(self.engine, SYSTEM, a)[qid]
        credit = 1.0 if state.credit < 1.0 else 0.0
        return lambda: answers.save_answer(self.engine, SYSTEM, a, qid, credit, "",
                                           state.version)

    def __call__(self) -> None:
        self.prepare()()


def save_answer_timing(engine: Engine, runs: int = 31) -> float:
    """``save_answer_ms``: median time of one answer saved with its stored score update
    (the page's read of the current version before it is not timed)."""
    write = Writer(engine)
    times = []
    for _ in range(runs):
        save = write.prepare()
        t = time.perf_counter()
        save()
        times.append(time.perf_counter() - t)
    return round(statistics.median(times) * 1000, 3)


def stored_score_timings(engine: Engine) -> dict:
    """`kla rescore` filling the stored scores of the bulk-generated data set, then `kla
    rescore --check` on it."""
    t = time.perf_counter()
    rescore(engine, SYSTEM)
    fill = time.perf_counter() - t
    t = time.perf_counter()
    report = rescore(engine, SYSTEM, check=True)
    check = time.perf_counter() - t
    return {"rescore_s": round(fill, 3), "rescore_check_s": round(check, 3),
            "rescore_checked": report.checked, "rescore_differences": len(report.differences)}


def _best(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return round(statistics.median(times) * 1000, 3)


def planner_timings(seed: int = 11, runs: int = 25) -> dict[str, float]:
    """What-if and cheapest-path timings on generated cities (graded credits, ~Pratama–Madya)."""
    fw = get_framework(DEFAULT_FRAMEWORK)
    rng = random.Random(seed)
    cities = [{q: rng.choice(GRADES) for q in fw.questions} for _ in range(5)]
    qids = list(fw.questions)
    whatif = statistics.median(
        _median_ms(lambda c=c: what_if(fw, c, {rng.choice(qids): 1.0}), runs * 4) for c in cities)
    solve = statistics.median(_median_ms(lambda c=c: plan(fw, c), runs) for c in cities)
    return {"whatif_ms": round(whatif, 3), "plan_ms": round(solve, 3)}


NATIONAL_YEARS = (2021, 2022, 2023, 2024, 2025)
# The same app frame as app.py (signed-in actor, language switch, sidebar, navigation) around
# a page that draws nothing but its title: the baseline the Nasional page is compared with.
EMPTY_PAGE = """
import streamlit as st
from kla.i18n import LANGS
from kla.web.session import current_actor, lang, t

st.set_page_config(page_title="KLA", layout="wide")
actor = current_actor()
with st.sidebar:
    st.session_state.setdefault("lang", lang())
    st.segmented_control(t("app.language"), options=list(LANGS), key="lang", required=True)
    st.caption(f"{actor.label if actor else ''}")


def empty() -> None:
    st.title("KLA")


st.navigation([st.Page(empty, title="KLA", default=True)]).run()
"""


# The Nasional page draws one view at a time (lazy tabs): every view is timed.
NATIONAL_VIEWS = (("nasional_view", "results.tab_years"),
                  ("nasional_view", "results.tab_provinces"),  # ranked bar
                  ("nasional_province_view", "province.tab_map"),
                  ("nasional_province_view", "results.tab_table"),
                  ("nasional_view", "results.tab_movers"),
                  ("nasional_view", "results.tab_app"),
                  ("nasional_view", "results.tab_rows"))


def page_timings(url: str, repeat: int = 7) -> dict:
    """Server time of the Nasional page (AppTest, whole app, rerun with warm caches) and of an
    empty page, in the same process. The database must hold the national data set.

    ``national_first_s``: first visit (fills the caches of the first view);
    ``national_app_first_s``: first opening of the view of stored assessments (reads their
    stored scores, once per version of the user's scope);
    ``national_views_s``: rerun of each view of the page (best of ``repeat``: a rerun takes
    milliseconds, so a few more runs steady the baseline), and
    ``national_page_s``: the slowest of them;
    ``national_after_write_views_s``: each view rerun right after one answer was saved in one
    city (through the service: its stored score and its city's version move), and
    ``national_after_write_s``: the slowest of them; ``empty_page_s``: an empty page in the same app
    frame; ``page_ratio`` = national_page_s / empty_page_s; ``national_overview``: what the
    page shows, to compare databases (predicates per award year loaded, assessments in the app
    per year and predicate)."""
    import os

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from kla.i18n import t
    from kla.services import users
    from kla.settings import PROJECT_DIR, get_settings

    os.environ["KLA_DATABASE_URL"] = url
    get_settings.cache_clear()
    st.cache_data.clear()
    st.cache_resource.clear()
    engine = make_engine(url)
    if users.get_actor(engine, "bench.admin") is None:
        users.add_user(engine, SYSTEM, username="bench.admin", password="bench-password-1",
                       role="admin")
    engine.dispose()
    at = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=600)
    at.session_state["auth_user"] = "bench.admin"
    at.run()
    at.switch_page("app_pages/nasional.py")
    t0 = time.perf_counter()
    at.run()  # first visit: fills the caches of the first view
    first = time.perf_counter() - t0
    views: dict[str, float] = {}
    for key, label in NATIONAL_VIEWS:
        if key != "nasional_view":
            at.session_state["nasional_view"] = t("results.tab_provinces")
        at.session_state[key] = t(label)
        t0 = time.perf_counter()
        at.run()
        if label == "results.tab_app":  # first opening: reads every stored score
            app_first = time.perf_counter() - t0
        if at.exception:
            raise RuntimeError(f"national page ({label}) failed: {at.exception[0].message}")
        views[label.split(".")[-1]] = round(_best(lambda: at.run(), repeat), 4)
    after_write = _after_write_timings(at, make_engine(url))
    overview = _overview_check()
    empty = AppTest.from_string(EMPTY_PAGE, default_timeout=60)
    empty.session_state["auth_user"] = "bench.admin"
    empty.run()
    empty_s = round(_best(lambda: empty.run(), repeat), 5)
    national = max(views.values())
    return {"national_first_s": round(first, 3), "national_app_first_s": round(app_first, 3),
            "national_page_s": national,
            "national_after_write_s": max(after_write.values()),
            "national_after_write_views_s": after_write,
            "national_views_s": views, "empty_page_s": empty_s,
            "page_ratio": round(national / empty_s, 2), "national_overview": overview}


def _after_write_timings(at, engine: Engine, repeat: int = 3) -> dict[str, float]:
    """Per view of the Nasional page: one answer saved in one city, then the view rerun,
    timed (the first rerun after the write; the median of ``repeat`` such pairs)."""
    from kla.i18n import t

    write = Writer(engine)
    out: dict[str, float] = {}
    try:
        for key, label in NATIONAL_VIEWS:
            if key != "nasional_view":
                at.session_state["nasional_view"] = t("results.tab_provinces")
            at.session_state[key] = t(label)
            at.run()  # the view open, caches warm
            times = []
            for _ in range(repeat):
                write()
                t0 = time.perf_counter()
                at.run()
                times.append(time.perf_counter() - t0)
                if at.exception:
                    raise RuntimeError(f"national page ({label}) after a write failed: "
                                       f"{at.exception[0].message}")
            out[label.split(".")[-1]] = round(statistics.median(times), 4)
    finally:
        engine.dispose()
    return out


def _overview_check() -> dict:
    """The numbers behind the national page (published results from the page's cache; the
    app's assessments as the bench's national admin sees them, from the service)."""
    from kla.services import analytics
    from kla.web import cache

    ov = cache.national_overview(cache.results_version())
    summary = analytics.app_summary(cache.engine(), SYSTEM)
    return {"published": {f"{c['award_year']}:{c['predicate']}": c["n"] for c in ov["counts"]},
            "app": {str(r["year"]): {k: v for k, v in r.items() if k != "year"}
                    for r in summary}}


def run_bench(url: str | None = None, repeat: int = 3,
              progress: Callable[[str], None] | None = None, national: bool = True,
              cities: int | None = None, years: int = len(NATIONAL_YEARS)) -> dict:
    """The bench on one database. ``cities``/``years`` shrink the data set (the test suite's
    contract check uses a few cities and two years; ``make bench`` the full national set)."""
    say = progress or (lambda _msg: None)
    bench_years = NATIONAL_YEARS[-years:]
    with tempfile.TemporaryDirectory(prefix="kla-bench-") as tmp:
        db_url = url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(db_url)
        try:
            say("initialising a fresh database …")
            init_db(engine)
            say(f"generating {cities or 514} kab/kota × 274 answers × 4 stages …")
            rows = populate(engine, cities=cities)
            fw = get_framework(DEFAULT_FRAMEWORK)
            say("timing …")
            raw = _best(lambda: _raw_answer_rows(engine), repeat)
            full = _best(lambda: score_all(engine, SYSTEM, fw), repeat)
            result = {"rows": rows, "raw_select_s": round(raw, 4),
                      "score_all_s": round(full, 4), "ratio": round(full / raw, 3)}
            if national:
                say(f"national data set: {cities or 514} × 274 × 4 stages × {years} years …")
                for year in bench_years[:-1]:
                    populate(engine, year=year, seed=year, cities=cities)
                result["national_rows"] = rows * len(bench_years)
            say("stored scores: kla rescore, kla rescore --check, one answer saved …")
            result.update(stored_score_timings(engine))
            result["save_answer_ms"] = save_answer_timing(engine)
            if national:
                engine.dispose()
                say("timing the national page (AppTest) …")
                result.update(page_timings(db_url))
        finally:
            engine.dispose()
    say("timing what-if and cheapest path …")
    return {**result, **planner_timings()}


def postgres_bench(base_url: str, progress: Callable[[str], None] | None = None,
                   **size: int | None) -> dict:
    """``run_bench`` on a temporary database created on the PostgreSQL server of
    ``base_url`` (dropped afterwards)."""
    from kla.store.db import temporary_database

    say = progress or (lambda _msg: None)
    with temporary_database(base_url, "kla_bench") as url:
        return run_bench(url=url, progress=lambda m: say(f"[postgresql] {m}"), **size)


def run_all(progress: Callable[[str], None] | None = None, **size: int | None) -> dict:
    """The bench on a temporary SQLite database and, when ``KLA_TEST_DATABASE_URL`` names a
    PostgreSQL server, the same bench there under the key ``postgresql``."""
    import os

    from sqlalchemy import create_engine, text

    base = os.environ.get("KLA_TEST_DATABASE_URL", "").strip()
    if base:  # fail before the SQLite part when the server cannot be reached
        probe = create_engine(base)
        try:
            with probe.connect() as conn:
                conn.execute(text("SELECT 1"))
        finally:
            probe.dispose()
    result = run_bench(progress=progress, **size)
    if base:
        result["postgresql"] = postgres_bench(base, progress, **size)
    return result


def _print_measures(measures: dict, indent: str = "") -> None:
    """One line per measure; nested ones (views, the PostgreSQL run) indented below their
    name. The page's numbers (``national_overview``) are for comparing databases: --json."""
    for k, v in measures.items():
        if k == "national_overview":
            continue
        if isinstance(v, dict):
            print(f"{indent}{k}:")
            _print_measures(v, indent + "  ")
        else:
            print(f"{indent + k:<24} {v}")


def main(argv: list[str] | None = None) -> int:
    """``python -m tests.benchmarks.harness [--json] [--url EMPTY_DB]``; exit 2 with one line
    when the database cannot be used."""
    import argparse
    import json
    import sys

    from sqlalchemy.exc import OperationalError

    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.harness",
                                     description="national-scale benchmark of the KLA store")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--url", default=None,
                        help="an EMPTY database to benchmark on (default: a temporary SQLite "
                             "file, and a temporary PostgreSQL database when "
                             "KLA_TEST_DATABASE_URL is set)")
    parser.add_argument("--cities", type=int, default=None,
                        help="only the first N kab/kota (default: all 514)")
    parser.add_argument("--years", type=int, default=len(NATIONAL_YEARS),
                        choices=range(1, len(NATIONAL_YEARS) + 1),
                        help="years of the national data set (default: 5)")
    args = parser.parse_args(argv)
    size = {"cities": args.cities, "years": args.years}
    say = lambda m: print(m, file=sys.stderr)
    try:
        result = (run_bench(url=args.url, progress=say, **size) if args.url
                  else run_all(progress=say, **size))
    except OperationalError as exc:
        where = "--url" if args.url else "KLA_TEST_DATABASE_URL"
        first = str(exc.orig or exc).strip().splitlines()[0]
        print(f"bench: cannot use the database of {where}: {first}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result))
    else:
        _print_measures(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
