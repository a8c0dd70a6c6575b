"""Widgets the pages share: page header and messages, tables with downloads, pickers of
kab/kota, year and stage, lazy tabs, the workflow status banner."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kla.i18n import LANGS, describe
from kla.i18n import t as _t
from kla.services import answers
from kla.services.assessments import AssessmentInfo
from kla.web import cache
from kla.web.session import actor, engine, lang, lang_key, say, t


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


def status_banner(info: AssessmentInfo) -> None:
    """Where the assessment stands in the workflow, with the revision countdown."""
    a = answers.assessment_status(engine(), actor(), info.id)
    text = t(f"status.{a['status']}")
    if a["status"] == "revision" and a["deadline"] is not None:
        _countdown(a["deadline"])
    elif a["status"] in ("draft",):
        st.info(t("common.status_banner", status=text), icon=":material/edit:")
    else:
        st.info(t("common.status_banner", status=text), icon=":material/lock:")


@st.fragment(run_every=60)
def _countdown(deadline) -> None:
    """The revision window, refreshed every minute without rerunning the page."""
    from datetime import UTC, datetime

    from kla.domain.workflow import time_left

    left = time_left(deadline, datetime.now(UTC))
    if left is not None and left.total_seconds() > 0:
        hours, rest = divmod(int(left.total_seconds()), 3600)
        st.warning(t("common.revision_countdown", deadline=f"{deadline:%d-%m-%Y %H:%M} UTC", hours=hours,
                     minutes=rest // 60), icon=":material/timer:")
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
    """CSV and Excel of a table shown, side by side; the files are built on click."""
    from kla.io.export import csv_bytes, xlsx_bytes

    row = st.container(horizontal=True)
    row.download_button(t("common.download_csv"), lambda: csv_bytes(df), file_name=f"{stem}.csv",
                        mime="text/csv", key=f"{key}_csv", icon=":material/download:")
    row.download_button(t("common.download_xlsx"), lambda: xlsx_bytes(df, sheet[:31]),
                        file_name=f"{stem}.xlsx", mime=XLSX_MIME, key=f"{key}_xlsx",
                        icon=":material/table:")


def header(prefix: str) -> None:
    """Page title and caption from the catalogue (``<prefix>.title``, ``<prefix>.caption``),
    then any message left by the previous run."""
    st.title(t(f"{prefix}.title"))
    st.caption(t(f"{prefix}.caption"))
    show_flash()


def refused(exc: BaseException, icon: str = ":material/block:") -> None:
    """Why an operation was refused, in the reader's language; nothing was written."""
    st.error(say(exc), icon=icon)


def problems(exc: BaseException, key: str) -> None:
    """A refused import: how many problems, then one row per problem (row and field named)."""
    items = getattr(exc, "errors", None) or [exc]
    st.error(t("common.import_failed", n=len(items)), icon=":material/block:")
    table(pd.DataFrame({t("common.problem"): [describe(ValueError(e), lang()) for e in items]}),
          key=key)


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
          format_func=str, container=None):
    """A selectbox whose choice is remembered across pages (widget state is per page)."""
    remembered = st.session_state.get(memory)
    index = options.index(remembered) if remembered in options else default_index
    value = (container or st).selectbox(label, options, index=index, key=key,
                                        format_func=format_func)
    st.session_state[memory] = value
    return value


def pick_region(prefix: str, container=None) -> str:
    """Kab/kota picker (only those with assessments); stops the page when there are none."""
    regions = cache.assessed_regions(cache.data_version())  # the user's scope: the service
    if not regions:
        st.info(t("common.no_assessments"), icon=":material/info:")
        st.stop()
    names = {r["kode"]: f"{r['nama']} ({r['kode']})" for r in regions}
    return _pick(t("common.region"), list(names), f"{prefix}_region", "sel_region", 0,
                 names.get, container)


def pick_assessment(prefix: str, prefer_stage: str | None = None) -> AssessmentInfo:
    """Kab/kota, year and stage pickers in one row; returns the chosen assessment. The stage
    defaults to the one chosen on another page, else ``prefer_stage``, else the latest."""
    c1, c2, c3 = st.columns([2, 1, 1.4])
    kode = pick_region(prefix, c1)
    infos = cache.assessments(kode, cache.data_version())
    years = sorted({a.year for a in infos}, reverse=True)
    year = _pick(t("common.year"), years, f"{prefix}_year_{kode}", "sel_year", 0,
                 container=c2)
    stages = [a.stage for a in infos if a.year == year]
    first = stages.index(prefer_stage) if prefer_stage in stages else len(stages) - 1
    stage = _pick(t("common.stage"), stages,
                  lang_key(f"{prefix}_stage_{kode}_{year}", carry=False), "sel_stage",
                  first, lambda s: t(f"stage.{s}"), c3)
    info = next(a for a in infos if a.year == year and a.stage == stage)
    if info.is_sample:
        sample_badge()
    return info
