"""Nasional: published KLA results per award year, beside the national counts."""

import pandas as pd
import streamlit as st

from kla import ui
from kla.charts import MAP_CONFIG, choropleth_figure, ranked_bar_figure, results_figure
from kla.geo import geojson
from kla.io.export import csv_bytes, xlsx_bytes
from kla.results import movers
from kla.services.results import national_reference

t, lang = ui.t, ui.lang()
ui.header("results")
frame = ui.cached_results(ui.data_version())
national = national_reference()
if frame.empty:
    st.info(t("results.empty"), icon=":material/info:")
    st.stop()
counts = (frame.groupby(["award_year", "predicate"]).size().reset_index(name="n")
          .to_dict("records"))
st.plotly_chart(results_figure(counts, national, lang), config={"displayModeBar": False})
years = sorted(set(frame["award_year"]) | set(national))
coverage = pd.DataFrame({
    t("results.award_year"): years,
    t("results.loaded"): [int((frame["award_year"] == y).sum()) for y in years],
    t("results.national"): [national.get(y, {}).get("total") for y in years],
    **{t(f"predicate.{p}"): [int(((frame["award_year"] == y) & (frame["predicate"] == p)).sum())
                             for y in years] for p in ("Utama", "Nindya", "Madya", "Pratama")},
})
coverage[t("results.coverage")] = [
    round(100 * n / d, 1) if d else None
    for n, d in zip(coverage[t("results.loaded")], coverage[t("results.national")])]
st.caption(t("results.coverage_caption"))
ui.table(coverage, key="results_coverage")
if not (frame["predicate"] == "KLA").any():
    st.info(t("results.never_kla"), icon=":material/emoji_events:")

st.subheader(t("results.app_title"))
app = ui.store_scores(ui.data_version())
if app.empty:
    st.caption(t("results.app_none"))
else:
    pivot = (app.groupby(["year", "predicate"]).size().unstack(fill_value=0)
             .reindex(columns=["Utama", "Nindya", "Madya", "Pratama", "none"], fill_value=0))
    table = pd.DataFrame({t("posisi.year"): pivot.index,
                          **{t(f"predicate.{p}"): pivot[p].to_numpy() for p in pivot.columns},
                          t("results.app_sample"): [
                              int(app[(app["year"] == y)]["is_sample"].sum()) for y in pivot.index]})
    ui.table(table, key="results_app")
    st.caption(t("results.app_caption"))

st.subheader(t("results.movers"))
moved = movers(frame.to_dict("records"))
up = sum(m["direction"] == "up" for m in moved)
c1, c2 = st.columns(2)
c1.metric(t("results.up"), up, border=True)
c2.metric(t("results.down"), len(moved) - up, border=True)
if moved:
    ui.table(pd.DataFrame({
        t("posisi.region"): [m["nama"] for m in moved],
        t("results.from"): [f"{m['from_year']}: {t('predicate.' + m['from'])}" for m in moved],
        t("results.to"): [f"{m['to_year']}: {t('predicate.' + m['to'])}" for m in moved],
    }), key="results_movers")

st.subheader(t("results.per_province"))
last_year = int(frame["award_year"].max())
latest = frame[(frame["award_year"] == last_year) & (frame["predicate"] != "none")]
regions = ui.region_names()
provinces = sorted(k for k in regions if "." not in k)
kab_count = {p: sum(1 for k in regions if k.count(".") == 1 and k.startswith(p + "."))
             for p in provinces}
with_pred = {p: int(latest["kode"].str.startswith(p + ".").sum()) for p in provinces}
share = [round(100 * with_pred[p] / kab_count[p], 1) if kab_count[p] else 0 for p in provinces]
tab_bar, tab_map, tab_table = st.tabs([t("province.tab_bar"), t("province.tab_map"),
                                       t("results.tab_table")])
with tab_map:
    shapes = geojson("provinsi")
    # the boundaries weigh 250 kB per draw: drawn on request, so reruns of the page stay fast
    if shapes and st.toggle(t("results.show_map"), key="results_show_map"):
        st.plotly_chart(choropleth_figure(shapes, provinces, share,
                                          [regions[p] for p in provinces],
                                          t("results.share"), lang, percent=True),
                        config=MAP_CONFIG)
    elif not shapes:
        st.info(t("province.no_geo"), icon=":material/map:")
with tab_bar:
    st.plotly_chart(ranked_bar_figure([regions[p] for p in provinces], share,
                                      t("results.share"), lang), config={"displayModeBar": False})
with tab_table:
    ui.table(pd.DataFrame({t("province.pick"): [regions[p] for p in provinces],
                           t("results.with_predicate"): [with_pred[p] for p in provinces],
                           t("results.kabkota"): [kab_count[p] for p in provinces],
                           t("results.share"): share}), key="results_provinces")
st.caption(t("results.share_caption", year=last_year))
st.caption(t("results.source_caption"))
with st.expander(t("results.all_rows")):
    ui.table(frame, key="results_rows", column_config={
        "source": st.column_config.LinkColumn("source")})
c1, c2 = st.columns(2)
c1.download_button(t("common.download_csv"), lambda: csv_bytes(frame), file_name="hasil-kla.csv",
                   mime="text/csv", key="results_csv", icon=":material/download:")
c2.download_button(t("audit.download_xlsx"), lambda: xlsx_bytes(frame, "Hasil KLA"),
                   file_name="hasil-kla.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   key="results_xlsx", icon=":material/table:")
