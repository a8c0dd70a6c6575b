"""What the analytics pages show, composed from the store: published results (public) beside
the app's own assessments (only those the actor may see)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, select

from kla.domain.explain import TotalExplanation, explain_total
from kla.domain.framework import get_framework
from kla.domain.published import national_overview as _overview
from kla.domain.published import stage_summary as _summary
from kla.services.assessments import AssessmentInfo, answers_of, latest_stage_scores
from kla.services.permissions import Actor, visible
from kla.services.results import national_reference, results_frame
from kla.store.models import Region


def region_names(engine: Engine) -> dict[str, str]:
    """Province and kab/kota codes → names (public reference data)."""
    with engine.connect() as conn:
        return dict(conn.execute(select(Region.kode, Region.nama)
                                 .where(Region.level.in_(("provinsi", "kabkota")))).all())


def national_overview(engine: Engine, frame: pd.DataFrame | None = None,
                      names: dict[str, str] | None = None) -> dict:
    """The national page's published view (public): counts per award year beside the national
    totals, movers, per-province shares."""
    frame = results_frame(engine) if frame is None else frame
    return _overview(frame[["kode", "nama", "award_year", "predicate"]].to_dict("records"),
                     national_reference(), names if names is not None else region_names(engine))


def app_scores(engine: Engine, actor: Actor) -> pd.DataFrame:
    """The most verified stage per kab/kota and year of the app's own assessments that
    ``actor`` may see (unpublished: a city user sees its own, a province its kab/kota)."""
    return latest_stage_scores(engine, actor, get_framework())


def app_summary(engine: Engine, actor: Actor, scores: pd.DataFrame | None = None) -> list[dict]:
    """The app's own assessments per year and predicate, within ``actor``'s view."""
    scores = app_scores(engine, actor) if scores is None else scores
    return _summary(scores[["year", "predicate", "is_sample"]].to_dict("records"))


def home_first(actor: Actor, codes: list[str]) -> list[str]:
    """``codes`` with those of the actor's own scope first (a default choice among public
    rows, never a filter)."""
    seen, scope = visible(actor), actor.region_kode or ""
    mine = [k for k in codes if seen.allows(k) or scope.startswith(k + ".")]  # or its province
    return mine + [k for k in codes if k not in mine]


def score_explanation(engine: Engine, actor: Actor, info: AssessmentInfo) -> TotalExplanation:
    """The score of one assessment walked through from its answers, rule by rule (Posisi's
    "Cara menghitung nilai") (``kla.domain.explain``). Only for those who may see the
    assessment: its own region is checked, not the caller's word."""
    return explain_total(get_framework(info.framework), answers_of(engine, actor, info.id))
