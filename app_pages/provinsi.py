"""Provinsi: every kab/kota of a province with its predicate history, Provila status, map."""

import pandas as pd
import streamlit as st

from kla.domain import chart_text
from kla.services.analytics import home_first
from kla.web import cache, league_view, session, tables, widgets
from kla.web.charts import MAP_CONFIG, predicate_bar_figure, predicate_map_figure
from kla.web.geo import geojson_url, without_boundary

t, lang = session.t, session.lang()
widgets.header("province")
regions = cache.region_names()
provinces = {k: n for k, n in regions.items() if "." not in k}
who = session.actor()
options = home_first(who, sorted(provinces))  # published results are public: own first
prov = st.selectbox(t("province.pick"), options, key="province_pick",
                    format_func=lambda k: f"{provinces[k]} ({k})")
view = cache.province_overview(prov, lang)  # made once per data version and language
kabkota, years, history = view["kabkota"], view["years"], view["history"]
if not years and not view["has_app"]:
    st.info(t("province.none"), icon=":material/info:")
    st.stop()
if years:
    year = st.selectbox(t("common.award_year"), years[::-1], key=f"province_year_{prov}")
    status = view["provila"][year]
    if status["qualifies"]:
        st.success(t("province.provila_yes", year=year), icon=":material/workspace_premium:")
    else:
        st.warning(t("province.provila_no", year=year, n=status["with_predicate"],
                     d=status["total"], blocking=len(status["blocking"])), icon=":material/flag:")
else:
    st.info(t("province.none"), icon=":material/info:")
tables.table(history, lang, content_key=("province_history", *view["key"]),
             key="province_history")  # replayed while nothing changed
st.caption(t("province.sources_caption"))
if who.region_kode:
    st.caption(t("common.app_scope", region=regions.get(who.region_kode, who.region_kode)))
widgets.downloads(history, f"provinsi-{prov}", "province", provinces[prov])
if not years:
    st.stop()
if status["blocking"]:
    with st.expander(t("province.blocking", n=len(status["blocking"]))):
        blocking = pd.DataFrame({
            t("common.region"): [f"{b['nama']} ({b['kode']})" for b in status["blocking"]],
            t("province.reason"): [t(f"province.reason.{b['reason']}") for b in status["blocking"]],
        })
        widgets.table(blocking, key="province_blocking")
        widgets.downloads(blocking, f"provila-{prov}-{year}", "province_blocking", f"Provila {year}")
league_view.province_section(prov, int(year))  # ranked, downloadable

st.header(t("province.map", year=year))
latest = view["latest"][year]
codes = sorted(kabkota)
predicates = [latest.get(k) for k in codes]  # None: no result loaded (its own grey category)
names = [kabkota[k] for k in codes]
shapes = geojson_url("kabkota")
views = widgets.lazy_tabs("province_view", ["province.tab_map", "province.tab_bar"])
if views["province.tab_map"].open:
    with views["province.tab_map"]:
        if shapes:
            cache.plotly_chart(predicate_map_figure, shapes, codes, names, predicates,
                               lang,
                               config=MAP_CONFIG)
            st.caption(chart_text.predicates_text(names, predicates, lang))
            missing = [f"{n} ({k})" for k, n in without_boundary().items() if k in kabkota]
            if missing:
                st.caption(t("province.no_shape", names=", ".join(missing)))
        else:
            st.info(t("common.no_geo"), icon=":material/map:")
if views["province.tab_bar"].open:
    views["province.tab_bar"].plotly_chart(cache.chart(predicate_bar_figure, names, predicates,
                                                      lang),
                                           config={"displayModeBar": False})
    views["province.tab_bar"].caption(chart_text.predicates_text(names, predicates, lang))
st.caption(t("province.level_caption"))
no_result = [kabkota[k] for k in codes if k not in latest]
if no_result:
    st.caption(t("province.no_result_list", year=year, names=", ".join(no_result)))
