"""Streamlit glue shared by the pages: language, cached service calls, the sample badge.

Cached loaders take the store's data version as an argument, so any write invalidates them
(also across replicas); results are plain data.
"""

from __future__ import annotations

import streamlit as st

from kla.db import get_engine
from kla.i18n import DEFAULT_LANG, LANGS, lang_from_locale
from kla.i18n import t as _t
from kla.scoring import ScoreResult
from kla.services import assessments as svc
from kla.services import planning, users
from kla.services.permissions import Actor, in_scope


def lang() -> str:
    value = st.session_state.get("lang")
    if value in LANGS:
        return value
    try:
        return lang_from_locale(st.context.locale)
    except Exception:  # noqa: BLE001  (no request context, e.g. bare mode)
        return DEFAULT_LANG


def t(key: str, **kw: object) -> str:
    return _t(key, lang(), **kw)


def lang_key(key: str, carry: bool = True) -> str:
    """The widget key of a selectbox whose options are shown translated. A keyed selectbox
    keeps showing the label it was chosen with, so after a language switch it would still
    show the old language: one key per language draws it anew. With ``carry`` the choice
    moves over (only for widgets given no ``index``; others keep it by their own means)."""
    mine = f"{key}.{lang()}"
    if carry and mine not in st.session_state:
        for other in LANGS:
            old = st.session_state.get(f"{key}.{other}")
            if old is not None:
                st.session_state[mine] = old
                break
    return mine


def data_version() -> str:
    return svc.data_version(get_engine())


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def assessed_regions(version: str) -> list[dict]:
    return svc.assessed_regions(get_engine())


@st.cache_data(ttl=600, max_entries=256, show_spinner=False)
def assessments(region_kode: str, version: str) -> list[svc.AssessmentInfo]:
    return svc.list_assessments(get_engine(), region_kode)


@st.cache_data(ttl=600, max_entries=512, show_spinner=False)
def score(info: svc.AssessmentInfo, version: str) -> ScoreResult:
    return svc.score_assessment(get_engine(), info)


@st.cache_data(ttl=600, max_entries=256, show_spinner=False)
def answer_details(assessment_id: int, version: str) -> planning.AnswerDetails:
    return planning.answer_details(get_engine(), assessment_id)


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def city_history(region_kode: str, version: str) -> list:
    return planning.city_history(get_engine(), region_kode)


@st.cache_data(ttl=600, max_entries=256, show_spinner=False)
def answer_states(assessment_id: int, version: str) -> dict:
    from kla.services import answers

    return answers.answer_states(get_engine(), assessment_id)


@st.cache_data(ttl=600, max_entries=64, show_spinner=False)
def agencies_of(region_kode: str, framework: str, version: str) -> dict[str, list[str]]:
    from kla.framework import get_framework
    from kla.services import answers

    return answers.agencies_for(get_engine(), region_kode, get_framework(framework))


@st.cache_data(ttl=600, max_entries=256, show_spinner=False)
def evidence_of(assessment_id: int, version: str) -> list[dict]:
    from kla.services import answers

    return answers.list_evidence(get_engine(), assessment_id)


@st.cache_data(ttl=600, max_entries=8, show_spinner=False)
def cached_results(version: str):  # noqa: ANN201
    from kla.services.results import results_frame

    return results_frame(get_engine())


@st.cache_data(ttl=600, max_entries=4, show_spinner=False)
def store_scores(version: str):  # noqa: ANN201
    """Most verified stage per kab/kota and year, scored from the store (expensive: cached per
    data version; never touches evidence files)."""
    from kla.framework import get_framework

    return svc.latest_stage_scores(get_engine(), get_framework())


_SCORED: set[str] = set()  # data versions this process has scored (spinner only before)


def _scoring(version: str, fn):  # noqa: ANN001, ANN202
    if version in _SCORED:
        return fn(version)
    with st.spinner(t("results.scoring"), show_time=True):
        out = fn(version)
    if len(_SCORED) > 256:  # versions change on every write: keep the set small
        _SCORED.clear()
    _SCORED.add(version)
    return out


def latest_scores(version: str, scope: str = ""):  # noqa: ANN201
    """``scoped_scores`` with a message while the first call scores every assessment."""
    return _scoring(version, lambda v: scoped_scores(v, scope))


def latest_summary(version: str, scope: str = "") -> list[dict]:
    """``stage_summary`` with the same message."""
    return _scoring(version, lambda v: stage_summary(v, scope))


@st.cache_data(ttl=600, max_entries=8, show_spinner=False)
def national_overview(version: str) -> dict:
    """What the national page shows (``results.national_overview``), computed once per data
    version: a rerun only draws."""
    from kla.results import national_overview as overview
    from kla.services.results import national_reference

    frame = cached_results(version)
    return overview(frame[["kode", "nama", "award_year", "predicate"]].to_dict("records"),
                    national_reference(), region_names())


def scoped_scores(version: str, scope: str = ""):  # noqa: ANN201
    """``store_scores`` of the kab/kota within ``scope`` (a province or kab/kota code; empty:
    all). The app's own assessments are not published: a user sees those of their scope."""
    frame = store_scores(version)
    if not scope:
        return frame
    kode = frame["region_kode"]
    return frame[(kode == scope) | kode.str.startswith(scope + ".")]


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def stage_summary(version: str, scope: str = "") -> list[dict]:
    """Assessments stored in the app per year and predicate, within ``scope`` (first call
    scores them all)."""
    from kla.results import stage_summary as summary

    return summary(scoped_scores(version, scope)[["year", "predicate", "is_sample"]]
                   .to_dict("records"))


@st.cache_resource(max_entries=64, show_spinner=False)
def figure(name: str, version: str, lang: str, *args: object):  # noqa: ANN201
    """A chart of cached data, built once per data version and language and shared by the
    sessions (``st.plotly_chart`` copies it, never changes it): ``name`` is one of
    ``_FIGURES``, each taking (version, lang, *args) and drawing with ``kla.charts``."""
    return _FIGURES[name](version, lang, *args)


def _national_years(version: str, lang: str):  # noqa: ANN202
    from kla.charts import results_figure
    from kla.services.results import national_reference

    return results_figure(national_overview(version)["counts"], national_reference(), lang)


def _national_provinces(version: str, lang: str, kind: str, year: int,
                        measure: str = "share"):  # noqa: ANN202
    """Per province, the share (%) or the number of kab/kota with a predicate in ``year``."""
    from kla.charts import choropleth_figure, ranked_bar_figure
    from kla.geo import geojson_url

    rows = national_overview(version)["provinces"][year]
    field, label = {"share": ("share", "results.share"),
                    "count": ("with_predicate", "results.with_predicate_n")}[measure]
    title = _t(label, lang)
    names, values = [r["nama"] for r in rows], [r[field] for r in rows]
    if kind == "map":
        return choropleth_figure(geojson_url("provinsi"), [r["kode"] for r in rows], values,
                                 names, title, lang, percent=measure == "share")
    return ranked_bar_figure(names, values, title, lang)


def _national_app(version: str, lang: str, scope: str = ""):  # noqa: ANN202
    from kla.charts import results_figure
    from kla.results import TIERS

    counts = [{"award_year": r["year"], "predicate": p, "n": r[p]}
              for r in stage_summary(version, scope) for p in (*TIERS, "none")]
    return results_figure(counts, {}, lang, year_label="posisi.year")


_FIGURES = {"national_years": _national_years, "national_provinces": _national_provinces,
            "national_app": _national_app}


def lazy_tabs(key: str, label_keys: list[str]) -> dict:
    """Tabs that run only the open tab's content (check ``tab.open``): a rerun draws one view,
    not all of them. The open tab survives a switch of language. Returns label key → tab."""
    labels = [t(k) for k in label_keys]
    current = st.session_state.get(key)
    if current is not None and current not in labels:
        for other in LANGS:
            theirs = [_t(k, other) for k in label_keys]
            if current in theirs:
                st.session_state[key] = labels[theirs.index(current)]
                break
        else:
            del st.session_state[key]
    return dict(zip(label_keys, st.tabs(labels, key=key, on_change="rerun")))


@st.cache_data(ttl=3600, show_spinner=False)
def region_names() -> dict[str, str]:
    """Province and kab/kota codes → names."""
    from sqlalchemy import select

    from kla.models import Region

    with get_engine().connect() as conn:
        return dict(conn.execute(select(Region.kode, Region.nama)
                                 .where(Region.level.in_(("provinsi", "kabkota")))).all())


def assessed_codes() -> set[str]:
    return {r["kode"] for r in assessed_regions(data_version())}


def checklist_of(info: svc.AssessmentInfo, version: str) -> list:
    """The completeness checklist of an assessment, from the cached answers, evidence and
    agency assignment."""
    from kla.completeness import checklist
    from kla.framework import get_framework

    states = answer_states(info.id, version)
    return checklist(get_framework(info.framework), {q: s.credit for q, s in states.items()},
                     evidence_counts(evidence_of(info.id, version)),
                     agencies_of(info.region_kode, info.framework, version))


def evidence_counts(files: list[dict]) -> dict[str, int]:
    """Live evidence files per question id."""
    counts: dict[str, int] = {}
    for f in files:
        counts[f["question_id"]] = counts.get(f["question_id"], 0) + 1
    return counts


@st.cache_data(ttl=600, max_entries=256, show_spinner=False)
def reviews_of(region_kode: str, year: int, version: str) -> dict[str, dict]:
    from kla.services import workflow

    return workflow.reviews_for_year(get_engine(), region_kode, year)


def status_banner(info: svc.AssessmentInfo) -> None:
    """Where the assessment stands in the workflow, with the revision countdown."""
    from kla.services import answers

    a = answers.assessment_status(get_engine(), info.id)
    text = t(f"status.{a['status']}")
    if a["status"] == "revision" and a["deadline"] is not None:
        _countdown(a["deadline"])
    elif a["status"] in ("draft",):
        st.info(t("entry.status", status=text), icon=":material/edit:")
    else:
        st.info(t("entry.status", status=text), icon=":material/lock:")


@st.fragment(run_every=60)
def _countdown(deadline) -> None:  # noqa: ANN001
    """The revision window, refreshed every minute without rerunning the page."""
    from kla.services import workflow

    left = workflow.time_left(deadline)
    if left is not None and left.total_seconds() > 0:
        hours, rest = divmod(int(left.total_seconds()), 3600)
        st.warning(t("entry.revision", deadline=f"{deadline:%d-%m-%Y %H:%M} UTC", hours=hours,
                     minutes=rest // 60), icon=":material/timer:")
    else:
        st.error(t("entry.revision_over"), icon=":material/timer_off:")


def list_scenarios(assessment_id: int) -> list[dict]:
    return planning.list_scenarios(get_engine(), assessment_id)


def save_scenario(info: svc.AssessmentInfo, name: str, changes: dict) -> None:
    planning.save_scenario(get_engine(), info, name, changes, user=current_user())


def delete_scenario(assessment_id: int, name: str) -> None:
    planning.delete_scenario(get_engine(), assessment_id, name, user=current_user())


def stored_efforts(region_kode: str, framework: str) -> dict[str, float]:
    from kla.framework import get_framework

    return planning.stored_efforts(get_engine(), region_kode, get_framework(framework))


def save_efforts(region_kode: str, framework: str, efforts: dict[str, float]) -> int:
    from kla.framework import get_framework

    return planning.save_efforts(get_engine(), region_kode, get_framework(framework), efforts,
                                 user=current_user())


def reset_efforts(region_kode: str) -> None:
    planning.reset_efforts(get_engine(), region_kode, user=current_user())


def current_actor() -> Actor | None:
    """The logged-in actor: a local login (session) or Streamlit's OIDC login (``st.login``,
    matched on the user's e-mail as username). Re-read on every run, so a deactivated account
    or a changed role takes effect at once."""
    engine = get_engine()
    username = st.session_state.get("auth_user")
    if not username:
        try:
            if getattr(st.user, "is_logged_in", False):
                username = getattr(st.user, "email", None)
        except Exception:  # noqa: BLE001 - st.user unavailable without auth configured
            username = None
    found = users.get_actor(engine, username) if username else None
    st.session_state[_ACTOR] = found
    return found


_ACTOR = "_actor_this_run"


def _actor_now() -> Actor | None:
    """The actor ``current_actor`` found at the start of this run (app.py calls it first on
    every run), without reading the database again."""
    if _ACTOR in st.session_state:
        return st.session_state[_ACTOR]
    return current_actor()


def actor() -> Actor:
    """The logged-in actor; pages are only reachable after login."""
    a = _actor_now()
    if a is None:
        st.stop()
    return a


def current_user() -> str:
    a = _actor_now()
    return a.username if a else "web"


def logout() -> None:
    st.session_state.pop("auth_user", None)
    st.session_state.pop(_ACTOR, None)


def num_col(label: str | None = None, **kw) -> st.column_config.NumberColumn:  # noqa: ANN003
    """A number column shown in the reader's locale (decimal comma in Indonesian browsers)."""
    return st.column_config.NumberColumn(label, format="localized", **kw)


def table(df, **kw) -> None:  # noqa: ANN001, ANN003
    """``st.dataframe`` without the index; decimals in the reader's locale (integers such as
    years stay plain)."""
    import pandas as pd

    config = {c: num_col() for c in df.columns if pd.api.types.is_float_dtype(df[c])}
    config.update(kw.pop("column_config", {}) or {})
    kw.setdefault("hide_index", True)
    st.dataframe(df, column_config=config, **kw)


def labelled(rows: list[dict], columns: dict[str, str]):  # noqa: ANN201
    """A table of ``rows`` with the ``columns`` (field → label key) in that order, headed by
    their labels in the reader's language."""
    import pandas as pd

    return pd.DataFrame({t(label): [r[field] for r in rows] for field, label in columns.items()})


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def downloads(df, stem: str, key: str, sheet: str = "KLA") -> None:  # noqa: ANN001
    """CSV and Excel of a table shown, side by side; the files are built on click."""
    from kla.io.export import csv_bytes, xlsx_bytes

    row = st.container(horizontal=True)
    row.download_button(t("common.download_csv"), lambda: csv_bytes(df), file_name=f"{stem}.csv",
                        mime="text/csv", key=f"{key}_csv", icon=":material/download:")
    row.download_button(t("audit.download_xlsx"), lambda: xlsx_bytes(df, sheet[:31]),
                        file_name=f"{stem}.xlsx", mime=XLSX_MIME, key=f"{key}_xlsx",
                        icon=":material/table:")


def header(prefix: str) -> None:
    """Page title and caption from the catalogue (``<prefix>.title``, ``<prefix>.caption``),
    then any message left by the previous run."""
    st.title(t(f"{prefix}.title"))
    st.caption(t(f"{prefix}.caption"))
    show_flash()


def flash(message: str) -> None:
    """Show ``message`` as a toast after the next rerun."""
    st.session_state["_flash"] = message


def show_flash() -> None:
    message = st.session_state.pop("_flash", None)
    if message:
        st.toast(message, icon=":material/check:")


def sample_badge() -> None:
    st.warning(t("sample.badge"), icon=":material/science:")


def _pick(label: str, options: list, key: str, memory: str, default_index: int,
          format_func=str, container=None):  # noqa: ANN001
    """A selectbox whose choice is remembered across pages (widget state is per page)."""
    remembered = st.session_state.get(memory)
    index = options.index(remembered) if remembered in options else default_index
    value = (container or st).selectbox(label, options, index=index, key=key,
                                        format_func=format_func)
    st.session_state[memory] = value
    return value


def pick_region(prefix: str, container=None) -> str:  # noqa: ANN001
    """Kab/kota picker (only those with assessments); stops the page when there are none."""
    who = _actor_now()
    regions = [r for r in assessed_regions(data_version())
               if who is None or in_scope(who, r["kode"])]
    if not regions:
        st.info(t("posisi.empty"), icon=":material/info:")
        st.stop()
    names = {r["kode"]: f"{r['nama']} ({r['kode']})" for r in regions}
    return _pick(t("posisi.region"), list(names), f"{prefix}_region", "sel_region", 0,
                 names.get, container)


def pick_assessment(prefix: str, prefer_stage: str | None = None) -> svc.AssessmentInfo:
    """Kab/kota, year and stage pickers in one row; returns the chosen assessment. The stage
    defaults to the one chosen on another page, else ``prefer_stage``, else the latest."""
    c1, c2, c3 = st.columns([2, 1, 1.4])
    kode = pick_region(prefix, c1)
    infos = assessments(kode, data_version())
    years = sorted({a.year for a in infos}, reverse=True)
    year = _pick(t("posisi.year"), years, f"{prefix}_year_{kode}", "sel_year", 0,
                 container=c2)
    stages = [a.stage for a in infos if a.year == year]
    first = stages.index(prefer_stage) if prefer_stage in stages else len(stages) - 1
    stage = _pick(t("posisi.stage"), stages,
                  lang_key(f"{prefix}_stage_{kode}_{year}", carry=False), "sel_stage",
                  first, lambda s: t(f"stage.{s}"), c3)
    info = next(a for a in infos if a.year == year and a.stage == stage)
    if info.is_sample:
        sample_badge()
    return info
