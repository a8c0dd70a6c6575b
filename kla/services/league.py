"""League tables of the published results and honest predicate statements, composed from the
store. Published results are public: every signed-in actor reads them (the actor is taken
like on every read, never used to filter them). The app's own assessments behind a statement
are read only within the actor's scope."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Engine, select

from kla.domain import league as _league
from kla.domain.claims import Claim, claims_for
from kla.i18n import Msg
from kla.services.analytics import region_names
from kla.services.assessments import list_assessments, stored_results
from kla.services.permissions import Actor
from kla.services.results import results_frame
from kla.settings import get_settings
from kla.store.models import PublishedResult, Region


def league_table(engine: Engine, actor: Actor, kode: str, group: str, year: int | None = None,
                 frame: pd.DataFrame | None = None, names: dict[str, str] | None = None
                 ) -> dict | None:
    """The peers of kab/kota ``kode`` in ``group`` (``kla.domain.league.GROUPS``) in its
    latest award year (or ``year``), from the published results (public); None when it has
    no result (that year). ``frame``/``names``: the caller's cached ``results_frame`` and
    ``region_names``."""
    frame = results_frame(engine) if frame is None else frame
    names = region_names(engine) if names is None else names
    return _league.league_table(frame.to_dict("records"), names, kode, group, year)


def province_league(engine: Engine, actor: Actor, province: str, year: int,
                    chosen: str | None = None, frame: pd.DataFrame | None = None,
                    names: dict[str, str] | None = None) -> list[dict]:
    """Every kab/kota of ``province`` in award year ``year`` (published results: public),
    ranked among those with a result, ``chosen`` marked."""
    frame = results_frame(engine) if frame is None else frame
    names = region_names(engine) if names is None else names
    rows = frame[frame["kode"].str.startswith(province + ".")]
    return _league.province_table(rows.to_dict("records"), names, province, year, chosen)


def _local_day(dt: datetime | None) -> date | None:
    """The day of a stored UTC time in the configured time zone (``KLA_TIMEZONE``)."""
    if dt is None:
        return None
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(
        ZoneInfo(get_settings().timezone)).date()


def predicate_claims(engine: Engine, actor: Actor, kode: str
                     ) -> tuple[list[Claim], Msg | None]:
    """What kab/kota ``kode`` may state in public (``kla.domain.claims``): its published
    results with a predicate (public) and the closed FINAL assessments in the app that
    ``actor`` may see (never another scope's), newest first; when there is none, why."""
    province = kode.split(".")[0]
    with engine.connect() as conn:
        names = dict(conn.execute(select(Region.kode, Region.nama)
                                  .where(Region.kode.in_((kode, province)))).all())
        published = [{"award_year": y, "predicate": p, "source": src,
                      "loaded": _local_day(at)}
                     for y, p, src, at in conn.execute(
                         select(PublishedResult.award_year, PublishedResult.predicate,
                                PublishedResult.source, PublishedResult.loaded_at)
                         .where(PublishedResult.region_kode == kode))]
    infos = list_assessments(engine, actor, kode)  # empty outside the actor's scope
    finals = [i for i in infos if i.stage == "FINAL" and i.status == "final"]
    scored = stored_results(engine, actor, finals) if finals else {}
    assessments = [{"year": i.year, "stage": i.stage, "status": i.status,
                    "predicate": scored[i.id].predicate if i.id in scored else None,
                    "is_sample": i.is_sample} for i in infos]
    return claims_for(names.get(kode, kode), published, assessments, names.get(province, ""))
