"""Versioned, cached service reads for the pages.

Every loader passes the signed-in actor to the service, which decides what it may read; the
cache key holds the actor's ``read_key`` (role and scope) and a version of the data it shows,
so a write invalidates it (also across replicas) and two users share a result only when they
may read the same rows. Results are plain data.

Versions (cheap fingerprints of indexed maxima, read on every rerun):
- ``region_version(kode)``: one kab/kota (its assessments and agency assignment) — every page
  that shows one city; a write in Kota Serang leaves Kota Metro's pages cached;
- ``scope_version()``: every assessment the user may see — the views across many of them (the
  app's assessments on Nasional and Provinsi, read from the stored scores; the region list);
- ``results_version()``: the published results — never moved by an assessment write.
"""

from __future__ import annotations

import functools
import hashlib
import threading
import weakref

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from kla.domain.framework import get_framework
from kla.domain.scoring import ScoreResult
from kla.services import agencies, analytics, answers, planning, workflow
from kla.services import assessments as svc
from kla.services.permissions import Actor, read_key
from kla.services.results import national_reference, results_frame
from kla.web.session import actor, engine


def _info_key(info: svc.AssessmentInfo) -> str:
    """An assessment as a cache key: its fields as text (the dataclass's ``repr``). Streamlit
    would otherwise hash the dataclass through pickling, ≈ 0.2–0.4 ms on every cached read
    that takes one (several per page run)."""
    return repr(info)


# cache entries are shared by actors with the same role+scope; an assessment is its fields
_BY_READ_KEY = {Actor: read_key, svc.AssessmentInfo: _info_key}


def _cached(**kw):
    return st.cache_data(ttl=600, show_spinner=False, hash_funcs=_BY_READ_KEY, **kw)


_RUNS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # run -> {key: version}


def _run():
    """This script run's own object (None outside a run): a new ``parallel_coordinator``
    for every run."""
    ctx = get_script_run_ctx()
    return getattr(ctx, "parallel_coordinator", None) if ctx else None


def _this_run(key: tuple, read):
    """``read()`` once per script run: a page asks for the same version two to four times
    (the picker, the banner, the cached reads), each a database round trip. The memo
    belongs to the run (Streamlit makes a new ``parallel_coordinator`` for every run, a
    fragment's included), so the next run, and every rerun after a write, reads again;
    ``forget_versions`` drops it at once (``widgets.flash`` calls it after a write)."""
    run = _run()
    if run is None:
        return read()
    try:
        memo = _RUNS.setdefault(run, {})
    except TypeError:  # not weak-referenceable (another Streamlit): no memo
        return read()
    if key not in memo:
        memo[key] = read()
    return memo[key]


def forget_versions() -> None:
    """Read the versions again in this run (a write just moved them)."""
    run = _run()
    if run is not None:
        _RUNS.pop(run, None)


def data_version() -> str:
    """Everything at once (assessments, assignments, published results): for a view that
    shows all of them; the pages use the narrower versions below."""
    return _this_run(("data",), lambda: svc.data_version(engine()))


def region_version(region_kode: str) -> str:
    """The version of one kab/kota's data (for the signed-in user)."""
    return _this_run(("region", region_kode),
                     lambda: svc.region_version(engine(), actor(), region_kode))


def plan_version(region_kode: str, year: int) -> str:
    """The version of one kab/kota's action plan for a year, with today's date (overdue)."""
    from kla.services.action_plan import plan_version as version_of

    return _this_run(("plan", region_kode, year),
                     lambda: version_of(engine(), actor(), region_kode, year))


def scope_version() -> str:
    """The version of every assessment the signed-in user may see."""
    return _this_run(("scope",), lambda: svc.scope_version(engine(), actor()))


def results_version() -> str:
    """The version of the published results (public)."""
    return _this_run(("results",), lambda: svc.results_version(engine()))


def reader() -> str:
    """The signed-in user's read key (role and scope): part of every key of something shown
    that is cached outside this module (e.g. ``tables.table``'s ``content_key``)."""
    who = actor()
    return read_key(who) if who else "-"


def for_actor(max_entries: int):
    """A cached read of the signed-in user: the decorated ``fn(who, *args)`` is cached per
    read key and arguments, and called as ``fn(*args)`` with the actor of this run."""

    def wrap(fn):
        cached = _cached(max_entries=max_entries)(fn)

        @functools.wraps(fn)
        def call(*args):
            return cached(actor(), *args)

        return call

    return wrap


@for_actor(64)
def assessed_regions(who: Actor, version: str) -> list[dict]:
    """Kab/kota with assessments that the signed-in user may see."""
    return svc.assessed_regions(engine(), who)


def assessed_codes() -> set[str]:
    return {r["kode"] for r in assessed_regions(scope_version())}


@for_actor(256)
def assessments(who: Actor, region_kode: str, version: str) -> list[svc.AssessmentInfo]:
    return svc.list_assessments(engine(), who, region_kode)


@for_actor(512)
def score(who: Actor, info: svc.AssessmentInfo, version: str) -> ScoreResult:
    """Scored from the answers (the answer-level pages, which read them anyway)."""
    return svc.score_assessment(engine(), who, info)


@for_actor(512)
def stored_score(who: Actor, info: svc.AssessmentInfo, version: str) -> ScoreResult:
    """The stored score (the standing views: Posisi, Pembanding, Verifikasi's stages)."""
    return svc.stored_score(engine(), who, info)


@for_actor(128)
def score_explanation(who: Actor, info: svc.AssessmentInfo, version: str):
    """Posisi's "Cara menghitung nilai": the score walked through from the answers."""
    return analytics.score_explanation(engine(), who, info)


@for_actor(256)
def answer_details(who: Actor, assessment_id: int, version: str) -> planning.AnswerDetails:
    return planning.answer_details(engine(), who, assessment_id)


@for_actor(128)
def gap_rows(who: Actor, info: svc.AssessmentInfo, version: str, lang: str) -> list[dict]:
    """Kesenjangan's question rows (``kla.domain.gaps.gap_rows``) of the cached score and
    answers, computed once per data version and language, not on every rerun."""
    from kla.domain.gaps import gap_rows as rows_of

    details = answer_details(info.id, version)
    return rows_of(get_framework(info.framework), details.credits, score(info, version),
                   details.notes, details.evidence if details.has_evidence else None, lang)


@for_actor(64)
def city_history(who: Actor, region_kode: str, version: str) -> list:
    return planning.city_history(engine(), who, region_kode)


@for_actor(128)
def prediction(who: Actor, assessment_id: int, version: str):
    """The predicted verification (VA) score of an EM assessment (Posisi, Risiko): keyed by
    the region version, so an answer or an evidence file written recomputes it."""
    from kla.services.prediction import predicted_verification

    return predicted_verification(engine(), who, assessment_id)


@for_actor(128)
def prediction_summary(who: Actor, assessment_id: int, version: str) -> dict:
    """What Posisi shows of ``prediction``: the predicted total and predicate, the points
    lost, whether evidence was counted. Cached on its own: a cached read is unpickled on
    every rerun, and the whole prediction (every question's row) is ≈ 25 KB."""
    pred = prediction(assessment_id, version)
    return {"total": pred.predicted.total, "predicate": pred.predicted.predicate,
            "points_lost": pred.points_lost, "evidence_counted": pred.evidence_counted}


@for_actor(256)
def answer_states(who: Actor, assessment_id: int, version: str) -> dict:
    return answers.answer_states(engine(), who, assessment_id)


@for_actor(64)
def agencies_of(who: Actor, region_kode: str, framework: str, version: str
                ) -> dict[str, list[str]]:
    return answers.agencies_for(engine(), who, region_kode, get_framework(framework))


@for_actor(256)
def evidence_of(who: Actor, assessment_id: int, version: str) -> list[dict]:
    return answers.list_evidence(engine(), who, assessment_id)


@for_actor(256)
def evidence_meta_of(who: Actor, assessment_id: int, version: str) -> dict[int, dict]:
    """Evidence id → document details and validity flags (``evidence_meta.file_meta``)."""
    from kla.services import evidence_meta

    return evidence_meta.file_meta(engine(), who, assessment_id)


@for_actor(128)
def validity_report(who: Actor, assessment_id: int, version: str) -> dict:
    """The evidence validity of an assessment per question and agency (reasons as ``Msg``)."""
    from kla.services import evidence_meta

    return evidence_meta.validity_report(engine(), who, assessment_id)


@for_actor(256)
def reviews_of(who: Actor, region_kode: str, year: int, version: str) -> dict[str, dict]:
    return workflow.reviews_for_year(engine(), who, region_kode, year)


@for_actor(64)
def review_queue(who: Actor, assessment_id: int, version: str) -> list[dict]:
    """Where every answer of a verification stage stands for the verifier."""
    return workflow.review_queue(engine(), who, assessment_id)


@for_actor(64)
def _agency_matrix(who: Actor, assessment_id: int, version: str, own: tuple[str, ...]
                   ) -> agencies.AgencyMatrix:
    return agencies.agency_matrix_of(engine(), who, assessment_id)


def agency_matrix(assessment_id: int, version: str) -> agencies.AgencyMatrix:
    """Matriks OPD: the agency accountability matrix. An agency account gets only its own
    rows, and the read key (role and region) does not tell two agencies of one city apart:
    their agencies are part of the key."""
    who = actor()
    return _agency_matrix(assessment_id, version,
                          tuple(sorted(who.agencies)) if who.role == "opd" else ())


def evidence_counts(files: list[dict]) -> dict[str, int]:
    """Live evidence files per question id."""
    counts: dict[str, int] = {}
    for f in files:
        counts[f["question_id"]] = counts.get(f["question_id"], 0) + 1
    return counts


@for_actor(128)
def checklist_of(who: Actor, info: svc.AssessmentInfo, version: str) -> list:
    """The completeness checklist of an assessment, from the cached answers, evidence and
    agency assignment: computed once per data version (Isian runs it three times per
    answer saved: the page, the question chosen, the save)."""
    from kla.domain.completeness import checklist

    states = answer_states(info.id, version)
    return checklist(get_framework(info.framework), {q: s.credit for q, s in states.items()},
                     evidence_counts(evidence_of(info.id, version)),
                     agencies_of(info.region_kode, info.framework, version))


# --- published results (public) and the app's own assessments (scoped) ---------------------

@st.cache_data(ttl=600, max_entries=8, show_spinner=False)
def cached_results(version: str):
    return results_frame(engine())


@st.cache_data(ttl=3600, show_spinner=False)
def region_names() -> dict[str, str]:
    """Province and kab/kota codes → names."""
    return analytics.region_names(engine())


@st.cache_data(ttl=600, max_entries=8, show_spinner=False)
def national_overview(version: str) -> dict:
    """What the national page shows of the published results, computed once per version of
    the published results (``results_version``): a rerun only draws, and an answer saved
    anywhere leaves it cached."""
    return analytics.national_overview(engine(), cached_results(version), region_names())


@_cached(max_entries=16)
def _app_scores(who: Actor, version: str):
    return analytics.app_scores(engine(), who)


@_cached(max_entries=32)
def _app_summary(who: Actor, version: str) -> list[dict]:
    return analytics.app_summary(engine(), who, _app_scores(who, version))


def app_scores(version: str):
    """Most verified stage per kab/kota and year of the app's assessments the user may see,
    from the stored scores (``version``: ``scope_version()``)."""
    return _app_scores(actor(), version)


def app_summary(version: str) -> list[dict]:
    """The app's own assessments per year and predicate, within the user's view (``version``:
    ``scope_version()``)."""
    return _app_summary(actor(), version)


def province_overview(province: str, lang: str) -> dict:
    """Provinsi's tables of one province, in ``lang``: its kab/kota (``kabkota``), the award
    years of its published results (``years``), each year's Provila status (``provila``) and
    predicates (``latest``), and the history table (``history``: every published year and
    the app's own stored scores within the user's scope); ``key`` says what made them (for
    a table's ``content_key``). The published part is made once per version of the published
    results and shared by every reader; an answer saved only adds the app's columns again."""
    who, results, scope = actor(), results_version(), scope_version()
    view = _province_overview(who, province, lang, results, scope)
    return {**view, "key": (read_key(who), province, lang, results, scope)}


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def _province_published(province: str, lang: str, results: str) -> dict:
    """The published results' part of ``province_overview`` (public: one for every reader)."""
    from kla.domain.published import provila
    from kla.i18n import t as tr

    frame, regions = cached_results(results), region_names()
    kabkota = {k: n for k, n in regions.items()
               if k.count(".") == 1 and k.startswith(province + ".")}
    codes = sorted(kabkota)
    records = frame[frame["kode"].str.startswith(province + ".")].to_dict("records")
    years = sorted({int(r["award_year"]) for r in records})
    latest = {y: {r["kode"]: r["predicate"] for r in records if r["award_year"] == y}
              for y in years}
    history = pd.DataFrame({tr("common.region", lang): [f"{kabkota[k]} ({k})" for k in codes]})
    for y in years:
        history[tr("province.published_col", lang, year=y)] = [
            tr(f"predicate.{latest[y][k]}", lang) if k in latest[y] else "–" for k in codes]
    return {"kabkota": kabkota, "years": years, "history": history, "latest": latest,
            "provila": {y: provila(records, kabkota, y) for y in years}}


@_cached(max_entries=64)
def _province_overview(who: Actor, province: str, lang: str, results: str, scope: str
                       ) -> dict:
    from kla.i18n import fmt_num
    from kla.i18n import t as tr

    view = _province_published(province, lang, results)
    codes = sorted(view["kabkota"])
    app = _app_scores(who, scope)
    app = app[app["region_kode"].str.startswith(province + ".")]
    history = view["history"]
    sample = tr("common.sample_mark", lang)
    for y in sorted(app["year"].unique()):
        got = {r.region_kode: r for r in app[app["year"] == y].itertuples()}
        history[tr("province.app_col", lang, year=y)] = [
            tr("province.app_cell", lang, predicate=tr(f"predicate.{got[k].predicate}", lang),
               total=fmt_num(got[k].total, lang), stage=got[k].stage)
            + (f" · {sample}" if got[k].is_sample else "") if k in got else "–"
            for k in codes]
    return {**view, "has_app": not app.empty, "history": history}


@st.cache_resource(max_entries=64, show_spinner=False)
def _figure(name: str, version: str, lang: str, *args: object):
    return _FIGURES[name](version, lang, *args)


def figure(name: str, version: str, lang: str, *args: object):
    """A chart of cached data, built once per data version, language (and, for the app's
    own assessments, read key) and shared by the sessions (``st.plotly_chart`` copies it,
    never changes it): ``name`` is one of ``_FIGURES``."""
    if name in _SCOPED_FIGURES:
        args = (read_key(actor()), *args)
    return _figure(name, version, lang, *args)


def _national_years(version: str, lang: str):
    from kla.web.charts import results_figure

    return results_figure(national_overview(version)["counts"], national_reference(), lang)


def _national_provinces(version: str, lang: str, kind: str, year: int,
                        measure: str = "share"):
    """Per province, the share (%) or the number of kab/kota with a predicate in ``year``."""
    from kla.i18n import t as _t
    from kla.web.charts import choropleth_figure, ranked_bar_figure
    from kla.web.geo import geojson_url

    rows = national_overview(version)["provinces"][year]
    field, label = {"share": ("share", "results.share"),
                    "count": ("with_predicate", "results.with_predicate_n")}[measure]
    title = _t(label, lang)
    names, values = [r["nama"] for r in rows], [r[field] for r in rows]
    if kind == "map":
        return choropleth_figure(geojson_url("provinsi"), [r["kode"] for r in rows], values,
                                 names, title, lang, percent=measure == "share")
    return ranked_bar_figure(names, values, title, lang)


def _national_app(version: str, lang: str, _read_key: str):
    from kla.domain.published import TIERS
    from kla.web.charts import results_figure

    counts = [{"award_year": r["year"], "predicate": p, "n": r[p]}
              for r in app_summary(version) for p in (*TIERS, "none")]
    return results_figure(counts, {}, lang, year_label="common.year")


_FIGURES = {"national_years": _national_years, "national_provinces": _national_provinces,
            "national_app": _national_app}
_SCOPED_FIGURES = {"national_app"}



# --- figures of plain data, shared by the sessions -------------------------------------------

_CHARTS: dict = {}
_CHARTS_LOCK = threading.Lock()
_CHARTS_MAX = 64  # figures drawn with ``st.plotly_chart(chart(…))`` (Provinsi's bars)


def plain_key(value: object) -> object:
    """Plain data (lists, dicts, tuples of strings and numbers) as nested tuples: hashable,
    and equal for equal data."""
    if isinstance(value, list | tuple):
        return tuple(plain_key(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, plain_key(v)) for k, v in value.items()))
    return value


def chart(fn, *args: object, **kw: object):
    """``fn(*args, **kw)`` — a pure figure function of ``kla.web.charts`` — built once per
    distinct arguments in this process and shared by every session (``st.plotly_chart`` reads
    a figure, never changes it). A rerun of Posisi or Simulasi otherwise spent a third of its
    time building the same plotly figure again (docs/deploy.md). The arguments are plain data
    the page already shows, so sharing the figure shares nothing a user may not see."""
    key = (fn.__module__, fn.__qualname__, plain_key(args), plain_key(kw))
    try:
        hash(key)
    except TypeError:  # an argument that is not plain data: build it every time
        return fn(*args, **kw)
    with _CHARTS_LOCK:
        fig = _CHARTS.get(key)
    if fig is None:
        fig = fn(*args, **kw)
        with _CHARTS_LOCK:
            if len(_CHARTS) >= _CHARTS_MAX:
                _CHARTS.pop(next(iter(_CHARTS)))
            _CHARTS[key] = fig
    return fig


def plotly_chart(fn, *args: object, config: dict | None = None) -> None:
    """``st.plotly_chart(fn(*args), config=config)``, kept as the finished element (keyed by
    ``content_digest`` of the arguments) and replayed: a rerun neither builds the figure (plotly validates every property it is
    given) nor serialises it to JSON again — together ≈ a third of Posisi's and Simulasi's
    run under load (py-spy, docs/deploy.md). The arguments are plain data the page shows;
    the same arguments are the same chart for every reader. An argument that is not plain
    data draws the chart as before."""
    key = (fn.__module__, fn.__qualname__, plain_key(args), plain_key(config or {}))
    try:
        hash(key)
    except TypeError:
        st.plotly_chart(chart(fn, *args), config=config)
        return
    _plotly_element(content_digest(key), _fn=fn, _args=args, _config=config)


def content_digest(key: tuple) -> str:
    """A short digest of a key of plain data (nested tuples of strings, numbers, None): what
    Streamlit hashes for the cache instead of the key. Its own hasher walks a tuple item by
    item in Python (≈ 2–5 ms for a chart of 31 indicator rows, on every rerun); ``repr`` of
    plain data is the data, and the digest of it costs microseconds."""
    return hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest()


@st.cache_data(max_entries=64, ttl=600, show_spinner=False)
def _plotly_element(digest: str, *, _fn, _args, _config) -> None:
    # the figure is built here, not through ``chart``: the finished element is what is kept,
    # and a second copy of every figure (≈ 40–70 KB each; every answer saved makes new ones
    # for Posisi, Simulasi and Kesenjangan) would only hold memory
    st.plotly_chart(_fn(*_args), config=_config)
