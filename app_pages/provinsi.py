"""Provinsi: every kab/kota of a province with its predicate history, Provila status, map."""

import pandas as pd
import streamlit as st

from kla import ui
from kla.charts import MAP_CONFIG, choropleth_figure, ranked_bar_figure
from kla.geo import geojson, without_boundary
from kla.io.export import csv_bytes
from kla.results import ORDER, provila

t, lang = ui.t, ui.lang()
ui.header("province")
frame = ui.cached_results(ui.data_version())
regions = ui.region_names()
provinces = {k: n for k, n in regions.items() if "." not in k}
who = ui.actor()
scope = (who.region_kode or "").split(".")[0]
options = [k for k in sorted(provinces) if not scope or k == scope]
prov = st.selectbox(t("province.pick"), options, key="province_pick",
                    format_func=lambda k: f"{provinces[k]} ({k})")
kabkota = {k: n for k, n in regions.items() if k.count(".") == 1 and k.startswith(prov + ".")}
rows = frame[frame["kode"].str.startswith(prov + ".")]
years = sorted(rows["award_year"].unique()) if len(rows) else []
if not years:
    st.info(t("province.none"), icon=":material/info:")
    st.stop()
year = st.selectbox(t("results.award_year"), years[::-1], key=f"province_year_{prov}")
status = provila(rows.to_dict("records"), kabkota, int(year))
if status["qualifies"]:
    st.success(t("province.provila_yes", year=year), icon=":material/workspace_premium:")
else:
    st.warning(t("province.provila_no", year=year, n=status["with_predicate"],
                 d=status["total"], blocking=len(status["blocking"])), icon=":material/flag:")

history = pd.DataFrame({t("posisi.region"): [f"{n} ({k})" for k, n in sorted(kabkota.items())]})
for y in years:
    got = dict(zip(rows[rows["award_year"] == y]["kode"], rows[rows["award_year"] == y]["predicate"]))
    history[str(y)] = [t(f"predicate.{got[k]}") if k in got else "–" for k in sorted(kabkota)]
ui.table(history, key="province_history")
st.download_button(t("common.download_csv"), lambda: csv_bytes(history),
                   file_name=f"provinsi-{prov}.csv", mime="text/csv", key="province_csv",
                   icon=":material/download:")
if status["blocking"]:
    with st.expander(t("province.blocking", n=len(status["blocking"]))):
        ui.table(pd.DataFrame({
            t("posisi.region"): [f"{b['nama']} ({b['kode']})" for b in status["blocking"]],
            t("province.reason"): [t(f"province.reason.{b['reason']}") for b in status["blocking"]],
        }), key="province_blocking")

st.subheader(t("province.map", year=year))
latest = dict(zip(rows[rows["award_year"] == year]["kode"],
                  rows[rows["award_year"] == year]["predicate"]))
codes = sorted(kabkota)
values = [ORDER.get(latest.get(k, "none"), 0) for k in codes]
names = [f"{kabkota[k]}: {t('predicate.' + latest[k]) if k in latest else '–'}" for k in codes]
shapes = geojson("kabkota")
tab_map, tab_bar = st.tabs([t("province.tab_map"), t("province.tab_bar")])
with tab_map:
    if shapes:
        st.plotly_chart(choropleth_figure(shapes, codes, values, names,
                                          t("province.level"), lang), config=MAP_CONFIG)
        missing = [f"{n} ({k})" for k, n in without_boundary().items() if k in kabkota]
        if missing:
            st.caption(t("province.no_shape", names=", ".join(missing)))
    else:
        st.info(t("province.no_geo"), icon=":material/map:")
with tab_bar:
    st.plotly_chart(ranked_bar_figure([kabkota[k] for k in codes], values,
                                      t("province.level"), lang),
                    config={"displayModeBar": False})
st.caption(t("province.level_caption"))
