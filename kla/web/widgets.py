"""Widgets the pages share: page header and messages, tables with downloads, pickers of
kab/kota, year and stage, lazy tabs, the workflow status banner."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from kla.domain.workflow import CITY_EDIT_STATUSES
from kla.i18n import LANGS, describe, fmt_time
from kla.i18n import t as _t
from kla.services import answers
from kla.services.assessments import AssessmentInfo
from kla.services.permissions import Target
from kla.web import cache
from kla.web.session import actor, can, engine, lang, lang_key, say, t


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


def when(dt) -> str:
    """A time or deadline as every page shows it: in ``KLA_TIMEZONE`` with the zone's
    abbreviation (``30 Nov 2026 14:05 WIB``), month in the reader's language."""
    return fmt_time(dt, lang())


def edit_lock(info: AssessmentInfo, agencies: list[str] | tuple[str, ...] | None = None
              ) -> str | None:
    """Why the signed-in user may not change answers and evidence of ``info`` now, in the
    reader's language (one line for the page to show instead of write controls); None when
    they may. ``agencies``: those of one question (None: the assessment as a whole, for the
    user's own questions). The decision is the services': the ``answer.edit`` permission
    (role, scope, stage, status, agency) and the revision deadline that the answer services
    check on every write (``answers._check_edit``); this only picks the words."""
    who = actor()
    mine = tuple(agencies) if agencies is not None else tuple(who.agencies)
    if can("answer.edit", Target(info.region_kode, info.stage, info.status, mine)):
        if info.status != "revision":
            return None
        a = answers.assessment_status(engine(), who, info.id)
        if a["deadline_over"]:  # the services' rule (admins have no deadline)
            return t("common.lock.deadline", deadline=when(a["deadline"]))
        return None
    # not allowed: say why, from the most general reason to the most particular
    if not can("answer.edit", Target(info.region_kode, "EM", "draft", tuple(who.agencies))):
        return t("common.lock.read_only", role=t(f"role.{who.role}"))
    if info.stage != "EM":
        return t("common.lock.stage", stage=t(f"stage.{info.stage}"))
    if info.status == "submitted":
        a = answers.assessment_status(engine(), who, info.id)
        return t("common.lock.submitted", by=a["submitted_by"] or "–",
                 at=when(a["submitted_at"]))
    if info.status not in CITY_EDIT_STATUSES:
        return t("common.lock.status", status=t(f"status.{info.status}"))
    return t("common.lock.not_yours", assigned=", ".join(mine) or "–",
             mine=", ".join(who.agencies) or "–")


def status_banner(info: AssessmentInfo, lock: str | None = None) -> None:
    """Where the assessment stands in the workflow, with the revision countdown; ``lock``
    (``edit_lock``): why the user cannot change it, shown instead of the bare status."""
    a = answers.assessment_status(engine(), actor(), info.id)
    text = t(f"status.{a['status']}")
    if a["status"] == "revision" and a["deadline"] is not None:
        _countdown(a["deadline"], lock)
    elif lock:
        st.info(lock, icon=":material/lock:")
    elif a["status"] in ("draft",):
        st.info(t("common.status_banner", status=text), icon=":material/edit:")
    else:
        st.info(t("common.status_banner", status=text), icon=":material/lock:")


@st.fragment(run_every=60)
def _countdown(deadline, lock: str | None = None) -> None:
    """The revision window, refreshed every minute without rerunning the page."""
    from datetime import UTC, datetime

    from kla.domain.workflow import time_left

    left = time_left(deadline, datetime.now(UTC))
    if left is not None and left.total_seconds() > 0:
        hours, rest = divmod(int(left.total_seconds()), 3600)
        st.warning(t("common.revision_countdown", deadline=when(deadline), hours=hours,
                     minutes=rest // 60), icon=":material/timer:")
        if lock:  # the window is open, but not for this user or this stage
            st.info(lock, icon=":material/lock:")
    else:
        st.error(t("common.revision_over"), icon=":material/timer_off:")


def num_col(label: str | None = None, **kw) -> st.column_config.NumberColumn:
    """A number column shown in the reader's locale (decimal comma in Indonesian browsers)."""
    return st.column_config.NumberColumn(label, format="localized", **kw)


def table(df, **kw) -> None:
    """``st.dataframe`` without the index; decimals in the reader's locale (integers such as
    years stay plain)."""
    import pandas as pd

    config = {c: num_col() for c in df.columns if pd.api.types.is_float_dtype(df[c])}
    config.update(kw.pop("column_config", {}) or {})
    kw.setdefault("hide_index", True)
    st.dataframe(df, column_config=config, **kw)


def labelled(rows: list[dict], columns: dict[str, str]):
    """A table of ``rows`` with the ``columns`` (field → label key) in that order, headed by
    their labels in the reader's language."""
    import pandas as pd

    return pd.DataFrame({t(label): [r[field] for r in rows] for field, label in columns.items()})


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def downloads(df, stem: str, key: str, sheet: str = "KLA") -> None:
    """CSV and Excel of a table shown, side by side; the files are built on click. ``df``: the
    frame, or a function that makes it (called on click, outside the script run: it may not
    read the session)."""
    from kla.io.export import csv_bytes, xlsx_bytes

    frame = df if callable(df) else lambda: df
    row = st.container(horizontal=True)
    row.download_button(t("common.download_csv"), lambda: csv_bytes(frame()),
                        file_name=f"{stem}.csv",
                        mime="text/csv", key=f"{key}_csv", icon=":material/download:",
                        on_click="ignore")  # a download changes nothing: no rerun
    row.download_button(t("common.download_xlsx"), lambda: xlsx_bytes(frame(), sheet[:31]),
                        file_name=f"{stem}.xlsx", mime=XLSX_MIME, key=f"{key}_xlsx",
                        icon=":material/table:", on_click="ignore")


def header(prefix: str) -> None:
    """Page title and caption from the catalogue (``<prefix>.title``, ``<prefix>.caption``),
    then any message left by the previous run."""
    st.title(t(f"{prefix}.title"))
    st.caption(t(f"{prefix}.caption"))
    stage_banner()
    show_flash()


def now():
    """The clock the stage banner reads (UTC); tests replace it to freeze "now"."""
    from datetime import UTC, datetime

    return datetime.now(UTC)


# The calendar's version is read at most once per CALENDAR_TTL seconds per process (one small
# query on a table of a few rows), not on every page view: an admin's change shows at once in
# the process that made it (``calendar_changed``), within CALENDAR_TTL seconds in the others
# (replicas), and a change to the calendar file too (its modification time is in the version).
CALENDAR_TTL = 30


@st.cache_data(ttl=CALENDAR_TTL, max_entries=4, show_spinner=False)
def _calendar_version(url: str) -> str:
    from kla.services.calendar import calendar_version

    return calendar_version(engine())


@st.cache_resource(max_entries=4, show_spinner=False)
def _calendar(url: str, version: str):
    """The effective calendar (the file with the admin's changes), parsed once per version
    and shared by the sessions (frozen dataclasses: nobody changes it)."""
    from kla.services.calendar import effective_calendar

    return effective_calendar(engine())


def calendar():
    """The KLA calendar every page shows (``kla.services.calendar.effective_calendar``);
    ``CalendarError`` when it is inconsistent."""
    from kla.settings import get_settings

    url = get_settings().url
    return _calendar(url, _calendar_version(url))


def calendar_changed() -> None:
    """After an admin's change: this process reads the calendar's version again at once."""
    _calendar_version.clear()


@cache.for_actor(128)
def _revision(who, version: str, own: tuple[str, ...]):
    from kla.services.calendar import revision_window

    return revision_window(engine(), who)


def stage_banner() -> None:
    """Under the page header: the KLA stage open now and its days left, or the next stage and
    when it opens (the effective calendar: ``data/calendar.toml`` with the admin's changes,
    days in ``KLA_TIMEZONE``; nothing when the calendar has no window for this year; assumed
    dates say so). Then, for a coordinator or an agency account whose kab/kota has its
    self-assessment in revision, the revision countdown (``revision_banner``)."""
    from zoneinfo import ZoneInfo

    from kla.domain import calendar as cal
    from kla.settings import get_settings

    tz, moment = ZoneInfo(get_settings().timezone), now()
    try:
        pos = cal.current(calendar(), moment, tz)
    except cal.CalendarError as exc:  # a broken file is the deployment's to fix
        st.warning(str(exc), icon=":material/event_busy:")
        pos = None
    if pos is not None:
        st.caption(f":material/event: {cal.banner_text(pos, tz, lang())}")
    revision_banner(moment, tz)


def revision_banner(moment, tz) -> None:
    """The 2×24 h revision window of the signed-in user's kab/kota, counted down: hours and
    minutes left and the deadline, with the questions sent back — for the coordinator all of
    them, for an agency account its own (none: no line); after the deadline, that it has
    passed. Read once per version of the kab/kota's data (``region_version``: a handful of
    indexed rows); other roles read nothing."""
    from kla.domain.calendar import revision_text

    who = actor()
    if who is None or who.role not in ("coordinator", "opd") or not who.region_kode:
        return
    window = _revision(cache.region_version(who.region_kode),
                       tuple(sorted(who.agencies)) if who.role == "opd" else ())
    if window is None:
        return
    text, still_open = revision_text(window.year, window.deadline, moment, window.questions, tz,
                                     lang(), [plain(a) for a in window.agencies])
    st.caption(f":material/{'timer' if still_open else 'timer_off'}: {text}")


# inline markdown (emphasis, code, links, images, HTML, tables, strikethrough, LaTeX,
# Streamlit's :icon: and :color[…] directives); the text is one line, so the line-start
# constructs (#, -, +, "1.") cannot begin
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()!|<>~$:])")


def plain(text: object) -> str:
    """A user's string (file name, note, reason, user name) made safe for Streamlit's
    markdown: every markdown character escaped, line breaks kept as spaces, so a file named
    ``![x](https://…).pdf`` is shown as text and fetches nothing."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text if text is not None else "–").split()))


def refused(exc: BaseException, icon: str = ":material/block:") -> None:
    """Why an operation was refused, in the reader's language; nothing was written."""
    st.error(say(exc), icon=icon)


def problems(exc: BaseException, key: str) -> None:
    """A refused import: how many problems, then one row per problem (row and field named)."""
    items = getattr(exc, "errors", None) or [exc]
    st.error(t("common.import_failed", n=len(items)), icon=":material/block:")
    table(pd.DataFrame({t("common.problem"): [describe(ValueError(e), lang()) for e in items]}),
          key=key)


def flash(message: str, icon: str = ":material/check:") -> None:
    """Show ``message`` as a toast after the next rerun. Called after a write: the data
    versions read earlier in this run are read again."""
    st.session_state["_flash"] = (message, icon)
    cache.forget_versions()


def show_flash() -> None:
    message = st.session_state.pop("_flash", None)
    if isinstance(message, tuple):
        message, icon = message
    else:
        icon = ":material/check:"
    if message:
        st.toast(message, icon=icon, duration="long")  # 10 s: time to read it


def sample_badge() -> None:
    st.warning(t("sample.badge"), icon=":material/science:")


def _pick(label: str, options: list, key: str, memory: str, default_index: int,
          format_func=str, container=None, default_wins: bool = False):
    """A selectbox whose choice is remembered across pages (widget state is per page);
    ``default_wins``: a page opens on ``default_index`` whatever another page chose."""
    remembered = st.session_state.get(memory)
    index = options.index(remembered) if remembered in options and not default_wins \
        else default_index
    value = (container or st).selectbox(label, options, index=index, key=key,
                                        format_func=format_func)
    st.session_state[memory] = value
    return value


def pick_region(prefix: str, container=None) -> str:
    """Kab/kota picker (only those with assessments); stops the page when there are none."""
    regions = cache.assessed_regions(cache.scope_version())  # the user's scope: the service
    if not regions:
        st.info(t("common.no_assessments"), icon=":material/info:")
        st.stop()
    names = {r["kode"]: f"{r['nama']} ({r['kode']})" for r in regions}
    return _pick(t("common.region"), list(names), f"{prefix}_region", "sel_region", 0,
                 names.get, container)


def pick_assessment(prefix: str, prefer_stage: str | None = None) -> AssessmentInfo:
    """Kab/kota, year and stage pickers in one row; returns the chosen assessment. The stage
    a page opens on: for a city account (coordinator, agency), the stage it may edit now
    (the self-assessment in draft or revision, by the ``answer.edit`` permission), so an
    agency whose answers were sent back lands on them, not on the verifier's read-only
    stage; otherwise the one chosen on another page, else ``prefer_stage``, else the latest
    (a verifier keeps its verification stage)."""
    c1, c2, c3 = st.columns([2, 1, 1.4])
    kode = pick_region(prefix, c1)
    infos = cache.assessments(kode, cache.region_version(kode))
    years = sorted({a.year for a in infos}, reverse=True)
    year = _pick(t("common.year"), years, f"{prefix}_year_{kode}", "sel_year", 0,
                 container=c2)
    stages = [a.stage for a in infos if a.year == year]
    first = stages.index(prefer_stage) if prefer_stage in stages else len(stages) - 1
    who = actor()
    editable = [] if who.role == "admin" else [  # an admin may edit every stage: no hint
        a.stage for a in infos if a.year == year
        and can("answer.edit", Target(kode, a.stage, a.status, tuple(who.agencies)))]
    if editable:
        first = stages.index(editable[0])
    stage = _pick(t("common.stage"), stages,
                  lang_key(f"{prefix}_stage_{kode}_{year}", carry=False), "sel_stage",
                  first, lambda s: t(f"stage.{s}"), c3, default_wins=bool(editable))
    info = next(a for a in infos if a.year == year and a.stage == stage)
    if info.is_sample:
        sample_badge()
    return info
