"""Pembanding: one kab/kota among its peers (province, type, predicate), with every source."""

import pandas as pd
import streamlit as st

from kla.domain.published import peer_benchmark
from kla.services.analytics import home_first
from kla.web import cache, league_view, session, widgets

t, lang = session.t, session.lang()
widgets.header("peers")
frame = cache.cached_results(cache.results_version())
regions = cache.region_names()
who = session.actor()
codes = sorted(set(frame["kode"]) | cache.assessed_codes())  # or a FINAL in the app
codes = home_first(who, codes)  # published results are public: the user's own first
remembered = st.session_state.get("sel_region")  # the kab/kota chosen on another page
kode = st.selectbox(t("common.region"), codes, key="peers_region",
                    index=codes.index(remembered) if remembered in codes else 0,
                    format_func=lambda k: f"{regions.get(k, k)} ({k})")
b = peer_benchmark(frame.to_dict("records"), kode)
if b is None:
    st.info(t("peers.none"), icon=":material/info:")
    league_view.claim_section(kode)  # a closed FINAL assessment may still be stated
    st.stop()
m1, m2, m3 = st.columns(3)
m1.metric(t("peers.latest", year=b["year"]), t(f"predicate.{b['predicate']}"), border=True)
m2.metric(t("common.years_at_current"), b["years_at_current"], border=True)
m3.metric(t("peers.moved_up"), b["peers_moved_up"], border=True,
          help=t("peers.moved_up_help"))
c = st.columns(3)
for col, group in zip(c, ("province", "type", "predicate")):
    rank, n = b["ranks"][group]
    col.metric(t(f"peers.rank.{group}"), f"{rank} / {n}", border=True)
st.caption(t("peers.rank_caption"))
league_view.peers_section(kode, [y for y, _ in b["history"]], frame, regions)

st.header(t("peers.sources"))
rows = [{t("common.award_year"): y, t("common.predicate"): t(f"predicate.{p}"),
         t("peers.source"): t("peers.published")} for y, p in b["history"]]
version = cache.region_version(kode)
for info in cache.assessments(kode, version):  # the app's own: only within the user's scope
    if info.stage == "FINAL":
        r = cache.stored_score(info, version)
        rows.append({t("common.award_year"): info.year,
                     t("common.predicate"): t(f"predicate.{r.predicate}"),
                     t("peers.source"): t("peers.app") + (f" · {t('common.sample_mark')}"
                                                          if info.is_sample else "")})
sources = pd.DataFrame(rows)
widgets.table(sources, key="peers_sources")
widgets.downloads(sources, f"pembanding-{kode}", "peers", "Pembanding")
league_view.claim_section(kode)
