"""Nasional: published KLA results per award year beside the national counts, per province,
movers, the assessments stored in the app, every row with its source.

One view at a time (lazy tabs): the published views are computed once per version of the
published results and the app's view once per version of the user's scope (from the stored
scores), and cached, so a rerun draws only the open view and a saved answer recomputes only
the app's view.
"""

import pandas as pd
import streamlit as st

from kla.domain import chart_text
from kla.domain.published import TIERS
from kla.web import cache, session, tables, widgets
from kla.web.charts import MAP_CONFIG
from kla.web.geo import geojson_url

t, lang = session.t, session.lang()
widgets.header("results")
version = cache.results_version()  # the published results only: answers do not move it
overview = cache.national_overview(version)
if not overview["counts"]:
    st.info(t("results.empty"), icon=":material/info:")
    st.stop()
PLAIN = {"displayModeBar": False}
views = widgets.lazy_tabs("nasional_view", ["results.tab_years", "results.tab_provinces",
                                       "results.tab_movers", "results.tab_app", "results.tab_rows"])

tab = views["results.tab_years"]
if tab.open:
    with tab:
        st.plotly_chart(cache.figure("national_years", version, lang), config=PLAIN)
        st.caption(chart_text.results_text(overview["counts"], {
            r["award_year"]: {"total": r["national"]} for r in overview["coverage"]}, lang))
        st.caption(t("results.coverage_caption"))
        coverage = widgets.labelled(overview["coverage"], {
            "award_year": "common.award_year", "loaded": "results.loaded",
            "national": "results.national", **{p: f"predicate.{p}" for p in TIERS},
            "coverage": "results.coverage"})
        tables.table(coverage, lang, decimals={t("results.national"): 0,
                                               t("results.coverage"): 1}, key="results_coverage",
                     content_key=("results_coverage", version, lang))  # not hashed each run
        widgets.downloads(coverage, "kla-per-tahun", "results_coverage", "Per tahun")
        if overview["never_kla"]:
            st.info(t("results.never_kla"), icon=":material/emoji_events:")

tab = views["results.tab_provinces"]
if tab.open:
    with tab:
        c1, c2 = st.columns(2, vertical_alignment="bottom")
        years = overview["years"][::-1]
        year = c1.selectbox(t("common.award_year"), years, key="nasional_share_year")
        measure_key = session.lang_key("nasional_measure")
        st.session_state.setdefault(measure_key, "share")
        measure = c2.segmented_control(
            t("results.measure"), ["share", "count"], key=measure_key, required=True,
            format_func=lambda m: t(f"results.measure.{m}"))
        row = next(r for r in overview["coverage"] if r["award_year"] == year)
        st.caption(t("results.share_caption", year=year, n=row["loaded"],
                     total=row["national"] if row["national"] is not None else "–"))
        without = sum(p["with_predicate"] is None for p in overview["provinces"][year])
        if without:  # no result loaded is not 0: such provinces are not drawn as 0
            st.caption(t("results.no_result_provinces", n=without, year=year))
        shapes = geojson_url("provinsi") is not None
        kinds = widgets.lazy_tabs("nasional_province_view", ["province.tab_bar", "province.tab_map",
                                                        "results.tab_table"])
        if kinds["province.tab_bar"].open:
            kinds["province.tab_bar"].plotly_chart(
                cache.figure("national_provinces", version, lang, "bar", year, measure),
                config=PLAIN)
            kinds["province.tab_bar"].caption(chart_text.province_measure_text(
                overview["provinces"][year], measure, year, lang))
        if kinds["province.tab_map"].open:
            if shapes:
                kinds["province.tab_map"].plotly_chart(
                    cache.figure("national_provinces", version, lang, "map", year, measure),
                    config=MAP_CONFIG)
                kinds["province.tab_map"].caption(chart_text.province_measure_text(
                    overview["provinces"][year], measure, year, lang))
            else:
                kinds["province.tab_map"].info(t("common.no_geo"), icon=":material/map:")
        if kinds["results.tab_table"].open:
            with kinds["results.tab_table"]:
                shares = widgets.labelled(overview["provinces"][year], {
                    "nama": "province.pick", "with_predicate": "results.with_predicate",
                    "kabkota": "results.kabkota", "share": "results.share"})
                tables.table(shares, lang, decimals={t("results.with_predicate"): 0,
                                                     t("results.share"): 1},
                             key="results_provinces",  # no result loaded: "–", not 0
                             content_key=("results_provinces", version, lang, year))
                widgets.downloads(shares, f"kla-per-provinsi-{year}", "results_provinces",
                             f"Per provinsi {year}")

tab = views["results.tab_movers"]
if tab.open:
    with tab:
        moved = overview["movers"]
        up = sum(m["direction"] == "up" for m in moved)
        c1, c2 = st.columns(2)
        c1.metric(t("results.up"), up, border=True)
        c2.metric(t("results.down"), len(moved) - up, border=True)
        if moved:
            name = {p: t(f"predicate.{p}") for p in (*TIERS, "none")}
            movers = pd.DataFrame({
                t("common.region"): [m["nama"] for m in moved],
                t("results.from"): [f"{m['from_year']}: {name[m['from']]}" for m in moved],
                t("results.to"): [f"{m['to_year']}: {name[m['to']]}" for m in moved],
            })
            widgets.table(movers, key="results_movers")
            widgets.downloads(movers, "kla-naik-turun", "results_movers", "Naik dan turun")

tab = views["results.tab_app"]
if tab.open:
    with tab:
        scope = session.actor().region_kode or ""
        st.caption(t("results.app_caption"))
        if scope:  # the app's assessments are not published: only the user's own scope
            st.caption(t("common.app_scope", region=cache.region_names().get(scope, scope)))
        scoped = cache.scope_version()  # the stored scores of the assessments in view
        summary = cache.app_summary(scoped)
        if not summary:
            st.caption(t("results.app_none"))
        else:
            st.plotly_chart(cache.figure("national_app", scoped, lang), config=PLAIN)
            st.caption(chart_text.results_text([
                {"award_year": r["year"], "predicate": p, "n": r[p]}
                for r in summary for p in (*TIERS, "none")], {}, lang))
            stored = widgets.labelled(summary, {
                "year": "common.year", **{p: f"predicate.{p}" for p in (*TIERS, "none")},
                "sample": "results.app_sample"})
            widgets.table(stored, key="results_app")
            widgets.downloads(stored, "kla-penilaian-aplikasi", "results_app", "Penilaian aplikasi")

tab = views["results.tab_rows"]
if tab.open:
    with tab:
        st.caption(t("results.source_caption"))
        frame = cache.cached_results(version)
        widgets.table(frame, key="results_rows",
                 column_config={"source": st.column_config.LinkColumn("source")})
        widgets.downloads(frame, "hasil-kla", "results", "Hasil KLA")
