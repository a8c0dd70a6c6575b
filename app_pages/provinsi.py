"""Provinsi: every kab/kota of a province with its predicate history, Provila status, map."""

import pandas as pd
import streamlit as st

from kla.domain import chart_text
from kla.domain.published import provila
from kla.i18n import fmt_num
from kla.services.analytics import home_first
from kla.web import cache, league_view, session, widgets
from kla.web.charts import MAP_CONFIG, predicate_bar_figure, predicate_map_figure
from kla.web.geo import geojson_url, without_boundary

t, lang = session.t, session.lang()
widgets.header("province")
frame = cache.cached_results(cache.results_version())
regions = cache.region_names()
provinces = {k: n for k, n in regions.items() if "." not in k}
who = session.actor()
options = home_first(who, sorted(provinces))  # published results are public: own first
prov = st.selectbox(t("province.pick"), options, key="province_pick",
                    format_func=lambda k: f"{provinces[k]} ({k})")
kabkota = {k: n for k, n in regions.items() if k.count(".") == 1 and k.startswith(prov + ".")}
rows = frame[frame["kode"].str.startswith(prov + ".")]
years = sorted(rows["award_year"].unique()) if len(rows) else []
app = cache.app_scores(cache.scope_version())  # the app's own, stored: the user's scope
app = app[app["region_kode"].str.startswith(prov + ".")]
if not years and app.empty:
    st.info(t("province.none"), icon=":material/info:")
    st.stop()
history = pd.DataFrame({t("common.region"): [f"{n} ({k})" for k, n in sorted(kabkota.items())]})
for y in years:
    that_year = rows[rows["award_year"] == y]
    got = dict(zip(that_year["kode"], that_year["predicate"]))
    history[t("province.published_col", year=y)] = [
        t(f"predicate.{got[k]}") if k in got else "–" for k in sorted(kabkota)]
for y in sorted(app["year"].unique()):
    got = {r.region_kode: r for r in app[app["year"] == y].itertuples()}
    history[t("province.app_col", year=y)] = [
        t("province.app_cell", predicate=t(f"predicate.{got[k].predicate}"),
          total=fmt_num(got[k].total, lang), stage=got[k].stage)
        + (f" · {t('common.sample_mark')}" if got[k].is_sample else "") if k in got else "–"
        for k in sorted(kabkota)]
if years:
    year = st.selectbox(t("common.award_year"), years[::-1], key=f"province_year_{prov}")
    status = provila(rows.to_dict("records"), kabkota, int(year))
    if status["qualifies"]:
        st.success(t("province.provila_yes", year=year), icon=":material/workspace_premium:")
    else:
        st.warning(t("province.provila_no", year=year, n=status["with_predicate"],
                     d=status["total"], blocking=len(status["blocking"])), icon=":material/flag:")
else:
    st.info(t("province.none"), icon=":material/info:")
widgets.table(history, key="province_history")
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
league_view.province_section(prov, int(year), frame, regions)  # ranked, downloadable

st.header(t("province.map", year=year))
latest = dict(zip(rows[rows["award_year"] == year]["kode"],
                  rows[rows["award_year"] == year]["predicate"]))
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
