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


def sample_badge() -> None:
    st.warning(t("sample.badge"), icon=":material/science:")
