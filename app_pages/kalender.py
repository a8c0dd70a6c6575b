"""Kalender KLA: the stage windows of each evaluation year (``data/calendar.toml`` with the
admin's changes) as a table and a timeline, in the deployment's zone; the admin changes the
current year's windows, or gives one back to the file. Everyone else reads."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from kla.domain import chart_text
from kla.domain.calendar import BASES, STAGES, CalendarError, local_day, window_of
from kla.i18n import fmt_time
from kla.services import calendar as calendar_service
from kla.services.permissions import PermissionDenied
from kla.settings import get_settings
from kla.web import cache, session, widgets
from kla.web.charts import calendar_figure

t, lang = session.t, session.lang()
who = session.actor()
engine = session.engine()
widgets.header("calendar")

zone = ZoneInfo(get_settings().timezone)
today = local_day(widgets.now(), zone)
editable = calendar_service.editable_year(engine, who)  # the admin: the current year
changes = calendar_service.overrides(engine, who)
try:
    calendar = widgets.calendar()
except CalendarError as exc:  # shown by the banner too; the admin may undo a change below
    st.error(t("calendar.broken", error=widgets.plain(exc)), icon=":material/event_busy:")
    calendar = None


def stage_name(stage: str) -> str:
    return t(f"common.calendar_stage.{stage}")


def changed_text(year: int, stage: str) -> str:
    c = changes.get((year, stage))
    return t("calendar.changed", by=c["updated_by"], at=widgets.when(c["updated_at"])) if c \
        else ""


years = sorted((calendar.years() if calendar else set())
               | ({editable} if editable is not None else set()), reverse=True)
if not years:
    st.info(t("calendar.none"), icon=":material/info:")
    st.stop()
year = st.selectbox(t("common.year"), years, key="calendar_year",
                    index=years.index(today.year) if today.year in years else 0)

windows = sorted((w for w in (calendar.windows if calendar else ()) if w.year == year),
                 key=lambda w: w.start)
if windows:
    table = pd.DataFrame({
        t("calendar.col_stage"): [stage_name(w.stage) for w in windows],
        t("calendar.col_start"): [fmt_time(w.start, lang) for w in windows],
        t("calendar.col_end"): [fmt_time(w.end, lang) for w in windows],
        t("calendar.col_days"): [(w.end - w.start).days + 1 for w in windows],
        t("calendar.col_basis"): [t(f"calendar.basis.{w.basis}") for w in windows],
        t("calendar.col_source"): [w.source for w in windows],
        t("calendar.col_changed"): [changed_text(w.year, w.stage) for w in windows],
    })
    abbreviation = datetime.now(zone).tzname()
    st.caption(t("calendar.table_caption", year=year, zone=f"{abbreviation} ({zone.key})"))
    # the source notes are long (links): listed under the table, wrapped, not cut at its edge
    widgets.table(table, key="calendar_table",
                  column_order=[c for c in table.columns if c != t("calendar.col_source")])
    widgets.downloads(table, f"kalender-kla-{year}", "calendar_dl", sheet=t("page.calendar"))
    st.caption(f"**{t('calendar.sources')}**\n\n" + "\n".join(
        f"- {stage_name(w.stage)}: {widgets.plain(w.source or '–')}" for w in windows))

    st.subheader(t("calendar.timeline", year=year))
    rows = [{"stage": stage_name(w.stage), "start": w.start, "end": w.end, "basis": w.basis}
            for w in windows]
    cache.plotly_chart(calendar_figure, rows, lang, today,
                       config={"displayModeBar": False})
    st.caption(chart_text.calendar_text(rows, year, lang, today))
elif calendar is not None:
    st.info(chart_text.calendar_text([], year, lang), icon=":material/info:")

if editable is None:
    st.caption(t("calendar.read_only"))
    st.stop()
if year != editable:
    st.info(t("calendar.other_year", year=editable), icon=":material/edit_calendar:")
    st.stop()

st.header(t("calendar.edit", year=editable))
st.caption(t("calendar.edit_caption"))


def stage_form(stage: str) -> None:
    """One stage of the current year: start, end, basis and source; a reset when changed."""
    w = window_of(calendar, editable, stage) if calendar else None
    if w is None and (editable, stage) in changes:  # a broken calendar: the admin's change
        c = changes[(editable, stage)]
        start, end, basis, source = c["start"], c["end"], c["basis"], c["source"]
    elif w is not None:
        start, end, basis, source = w.start, w.end, w.basis, w.source
    else:
        start, end, basis, source = None, None, "assumed", ""
    shown = t("calendar.stage_from", stage=stage_name(stage), start=fmt_time(start, lang),
              end=fmt_time(end, lang), basis=t(f"calendar.basis.{basis}")) if start \
        else f"{stage_name(stage)}: {t('calendar.stage_missing')}"
    changed = changed_text(editable, stage)
    with st.expander(shown + (f" · {changed}" if changed else ""), icon=":material/edit:"):
        with st.form(f"calendar_form_{stage}"):
            c1, c2 = st.columns(2)
            new_start = c1.date_input(t("common.calendar_field.start"), value=start,
                                      format="DD/MM/YYYY", key=f"calendar_start_{stage}")
            new_end = c2.date_input(t("common.calendar_field.end"), value=end,
                                    format="DD/MM/YYYY", key=f"calendar_end_{stage}")
            new_basis = st.selectbox(t("common.calendar_field.basis"), BASES,
                                     index=BASES.index(basis), key=f"calendar_basis_{stage}",
                                     format_func=lambda b: t(f"calendar.basis_option.{b}"))
            new_source = st.text_input(t("common.calendar_field.source"), value=source,
                                       max_chars=calendar_service.SOURCE_MAX,
                                       key=f"calendar_source_{stage}")
            if st.form_submit_button(t("calendar.save"), icon=":material/save:", type="primary",
                                     key=f"calendar_save_{stage}"):
                try:
                    saved = calendar_service.save_window(engine, who, editable, stage, new_start,
                                                         new_end, new_basis, new_source)
                    widgets.calendar_changed()
                    widgets.flash(t("calendar.saved" if saved else "calendar.unchanged",
                                    stage=stage_name(stage), year=editable))
                    st.rerun()
                except (PermissionDenied, ValueError) as exc:
                    widgets.refused(exc)
        if (editable, stage) in changes and st.button(
                t("calendar.reset"), key=f"calendar_reset_{stage}", icon=":material/undo:"):
            try:
                calendar_service.reset_window(engine, who, editable, stage)
                widgets.calendar_changed()
                widgets.flash(t("calendar.reset_done", stage=stage_name(stage), year=editable))
                st.rerun()
            except (PermissionDenied, ValueError) as exc:
                widgets.refused(exc)


for stage in STAGES:
    stage_form(stage)
