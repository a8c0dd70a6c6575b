"""The league table (Pembanding, Provinsi) and the predicate statement (Pembanding), drawn the
same way wherever they appear. Data from ``kla.services.league``; wording from the catalogue
(``league.*``, ``claim.*``)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kla.domain.claims import Claim, statement
from kla.domain.league import GROUPS, region_type
from kla.domain.palette import band_colours, ink_on
from kla.i18n import t as tr
from kla.io.badge import badge_png
from kla.services import league as svc
from kla.services.permissions import Actor
from kla.web import cache, session, widgets
from kla.web.tables import MISSING, styled

MARK = "▶"  # the chosen kab/kota, in text (not by colour alone)
HIGHLIGHT = "#ede9fe"  # its row; no predicate has this colour


def league_frame(rows: list[dict], lang: str) -> pd.DataFrame:
    """The table's rows as shown and downloaded: labels in ``lang`` (the reader's language),
    numbers as numbers (rank, score, years: sortable), "–" where there is nothing (never 0).
    Reads no session: the downloads build it when clicked."""
    def t(key: str, **kw: object) -> str:
        return tr(key, lang, **kw)

    cols = {t("league.col.chosen"): [MARK if r["chosen"] else "" for r in rows],
            t("league.col.rank"): pd.array([r["rank"] for r in rows], dtype="Int64"),
            t("common.region"): [f"{r['nama']} ({r['kode']})" for r in rows]}
    cols[t("league.col.province")] = [r["province"] or MISSING for r in rows]
    cols.update({
        t("league.col.type"): [t(f"league.kind.{r['type']}") if r["type"] else MISSING
                               for r in rows],
        t("league.col.year"): [r["year"] for r in rows],
        t("common.predicate"): [t(f"predicate.{r['predicate']}") if r["predicate"]
                                else t("league.no_result") for r in rows],
        t("league.col.score"): pd.array([r["score"] for r in rows], dtype="Float64"),
        t("league.col.movement"): [t(f"league.move.{r['movement']}") if r["movement"]
                                   else MISSING for r in rows],
        t("league.col.previous"): [
            t("league.previous", predicate=t(f"predicate.{r['previous']}"),
              year=r["previous_year"]) if r["previous"] else MISSING for r in rows],
        t("league.col.years_at"): pd.array([r["years_at"] for r in rows], dtype="Int64"),
        t("league.col.since"): pd.array([r["since"] for r in rows], dtype="Int64"),
    })
    df = pd.DataFrame(cols)
    df[t("league.col.score")] = df[t("league.col.score")].astype("float64")  # NaN: "–"
    return df


def _styler(df: pd.DataFrame):
    """Numbers in the reader's language, "–" for nothing, the chosen row highlighted and
    marked, each predicate on its palette colour (its name stays the text)."""
    t, lang = session.t, session.lang()
    mark, pred = t("league.col.chosen"), t("common.predicate")
    colours = {t(f"predicate.{code}"): c for code, c in band_colours().items()}
    ints = [t("league.col.rank"), t("league.col.years_at"), t("league.col.since")]

    def row_style(row: pd.Series) -> list[str]:
        css = f"background-color: {HIGHLIGHT}" if row[mark] == MARK else ""
        return [css] * len(row)

    def predicate_style(value: str) -> str:
        c = colours.get(value)
        return f"background-color: {c}; color: {ink_on(c)}" if c else ""

    return (styled(df, lang).format(na_rep=MISSING, subset=ints)
            .apply(row_style, axis=1).map(predicate_style, subset=[pred]))


def show_table(rows: list[dict], key: str, stem: str, sheet: str,
               hide: tuple[str, ...] = ()) -> None:
    """The table, then its CSV and Excel downloads. On screen without the award year (the
    same in every row: it is in the caption) and the columns in ``hide`` (``league.col.*``
    keys: the same in every row of the group); the downloads keep every column."""
    t, lang = session.t, session.lang()
    hidden = tuple(sorted({t(f"league.col.{c}") for c in ("year", *hide)}))
    # keyed by a digest of the rows (plain data): Streamlit would hash the frame, and the
    # frame itself is built only when the table is not cached, and for a download on click
    _table(cache.content_digest((cache.plain_key(rows), lang, key, hidden)), lang, key,
           hidden, _rows=rows)
    widgets.downloads(lambda: league_frame(rows, lang), stem, key, sheet)


@st.cache_data(max_entries=32, ttl=600, show_spinner=False)
def _table(digest: str, lang: str, key: str, hidden: tuple[str, ...], *, _rows: list[dict]
           ) -> None:
    """The styled league table, made once per rows (``digest``) and language and then
    replayed (``st.cache_data`` keeps the finished element): pandas' Styler colours every
    cell on every rerun otherwise. ``lang`` is the reader's language, which ``_styler``'s
    labels are in."""
    t = session.t
    df = league_frame(_rows, lang)
    st.dataframe(_styler(df), hide_index=True, placeholder=MISSING, key=f"{key}_table",
                 height="content" if len(df) <= 40 else 740,  # a province: every row
                 column_order=[c for c in df.columns if c not in hidden], column_config={
                     t("league.col.chosen"): st.column_config.TextColumn(width=64)})


def peers_section(kode: str, years: list[int], frame: pd.DataFrame,
                  regions: dict[str, str]) -> None:
    """Pembanding: the chosen kab/kota among the same province, type or predicate, in one of
    its award years (latest first)."""
    t = session.t
    st.header(t("league.title"))
    c1, c2 = st.columns([1, 3], vertical_alignment="bottom")
    year = c1.selectbox(t("common.award_year"), sorted(years, reverse=True),
                        key=f"peers_league_year_{kode}")
    group_key = session.lang_key("peers_league_group")
    st.session_state.setdefault(group_key, "province")
    names = {g: t(f"league.group.{g}") for g in GROUPS}  # fixed now: no session read later
    group = c2.segmented_control(t("league.group"), list(GROUPS), key=group_key, required=True,
                                 format_func=names.__getitem__)
    table = svc.league_table(session.engine(), session.actor(), kode, group or "province",
                             int(year), frame, regions)
    if table is None:  # no result that year (the years offered are its own)
        st.info(t("peers.none"), icon=":material/info:")
        return
    nama = regions.get(kode, kode)
    scope = {"province": lambda: t("league.scope.province",
                                   province=regions.get(kode.split(".")[0], "")),
             "type": lambda: t("league.scope.type",
                               kind=t(f"league.kind.{region_type(nama) or 'kabupaten'}")),
             "predicate": lambda: t("league.scope.predicate",
                                    predicate=t(f"predicate.{table['predicate']}"))}
    st.caption(t("league.caption", scope=scope[table["group"]](), year=table["year"],
                 ranked=table["ranked"], name=nama, rank=table["rank"]))
    show_table(table["rows"], "peers_league", f"peringkat-{kode}-{table['group']}-{year}",
               t("league.title"), hide={"province": ("province",), "type": ("type",),
                                        "predicate": ()}[table["group"]])
    st.caption(t("league.rules"))


@cache.for_actor(64)
def _province_rows(who: Actor, province: str, year: int, chosen: str | None, results: str
                   ) -> list[dict]:
    return svc.province_league(session.engine(), who, province, year, chosen,
                               cache.cached_results(results), cache.region_names())


def province_section(province: str, year: int) -> None:
    """Provinsi: every kab/kota of the province in the award year shown, the kab/kota chosen
    elsewhere (or the user's own) highlighted; ranked once per version of the published
    results."""
    t = session.t
    who = session.actor()
    chosen = st.session_state.get("sel_region") or who.region_kode
    rows = _province_rows(province, int(year), chosen, cache.results_version())
    st.header(t("league.title"))
    st.caption(t("league.caption_province", year=year, total=len(rows),
                 ranked=sum(r["rank"] is not None for r in rows)))
    show_table(rows, "province_league", f"peringkat-provinsi-{province}-{year}",
               t("league.title"), hide=("province",))
    st.caption(t("league.rules"))


# --- the predicate statement ----------------------------------------------------------------

@cache.for_actor(64)
def _claims(who: Actor, kode: str, results_version: str, region_version: str):
    return svc.predicate_claims(session.engine(), who, kode)


@st.cache_data(max_entries=64, show_spinner=False)
def _badge(claim: Claim, lang: str) -> bytes:
    return badge_png(claim, lang)


def _option(claim: Claim) -> str:
    t = session.t
    text = t(f"claim.option.{claim.basis}", year=claim.year,
             predicate=t(f"predicate.{claim.predicate}"))
    return t("claim.option.sample", option=text) if claim.sample else text


def claim_section(kode: str) -> None:
    """"Pernyataan predikat": the badge (PNG, in Indonesian: the public claim) and the short
    statement in Indonesian and English, for one published result or closed FINAL
    assessment of ``kode``; none, with the reason, when there is nothing to claim."""
    t, lang = session.t, session.lang()
    st.header(t("claim.title"))
    st.caption(t("claim.caption"))
    claims, why = _claims(kode, cache.results_version(), cache.region_version(kode))
    if not claims:
        st.info(why.render(lang), icon=":material/info:")
        return
    labels = [_option(c) for c in claims]
    pick = st.selectbox(t("claim.pick"), range(len(claims)), format_func=labels.__getitem__,
                        key=session.lang_key(f"peers_claim_{kode}"))
    claim = claims[pick if pick is not None else 0]
    if claim.sample:
        st.warning(t("claim.sample_warning"), icon=":material/science:")
    png = _badge(claim, "id")
    text_id, text_en = statement(claim, "id"), statement(claim, "en")
    st.image(png, width=600, alt=text_id)  # the badge (in Indonesian) says what this says
    st.caption(t("claim.text_id"))
    st.code(text_id, language=None, wrap_lines=True)
    st.caption(t("claim.text_en"))
    st.code(text_en, language=None, wrap_lines=True)
    stem = f"pernyataan-predikat-{kode}-{claim.year}-{claim.basis}"
    row = st.container(horizontal=True)
    row.download_button(t("claim.download_png"), png, file_name=f"{stem}.png",
                        mime="image/png", key="peers_claim_png", icon=":material/image:",
                        on_click="ignore")  # a download changes nothing: no rerun
    row.download_button(t("claim.download_txt"), f"{text_id}\n\n{text_en}\n".encode(),
                        file_name=f"{stem}.txt", mime="text/plain", key="peers_claim_txt",
                        icon=":material/description:", on_click="ignore")
