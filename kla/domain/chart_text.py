"""Text alternatives of the charts: one or two sentences per chart, computed from the same
data the chart function (``kla.web.charts``) receives, in the reader's language (catalogue
keys ``chart.text.*``, numbers with ``fmt_num``). Pure: no Streamlit, no database.

The pages show each one as a caption right under its chart (issue 17: "every chart has a
one-sentence summary computed from its data"); ``tests/unit/test_chart_text.py`` holds the
wording and checks that every ``plotly_chart`` call of ``app_pages/`` is followed by one.
A summary states only what the data holds: no data, no claim ("no result loaded" is said as
such, never as 0)."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

from kla.domain.framework import Band
from kla.domain.predicate import predicate_codes
from kla.i18n import fmt_num, fmt_short, t

STAGES = ("EM", "VA", "VL", "FINAL")
NAME_WIDTH = 48  # long names (indicators, blocks) cut at a word boundary


def _short(text: str, width: int = NAME_WIDTH) -> str:
    return textwrap.shorten(" ".join(str(text).split()), width, placeholder=" …")


def _signed(x: float, lang: str) -> str:
    return ("+" if x > 0 else "") + fmt_num(x, lang)


def _pct(x: float, lang: str) -> str:
    return f"{fmt_num(x, lang, 1)} %"


def _listing(items: Sequence[str], lang: str, most: int = 3) -> str:
    """``items`` joined, at most ``most`` of them, then "and N more"."""
    shown = list(items[:most])
    if len(items) > most:
        shown.append(t("chart.text.more", lang, n=len(items) - most))
    return "; ".join(shown)


def _pred(code: str, lang: str) -> str:
    return t(f"predicate.{code}", lang)


def _ladder(found: Sequence[str], bands: Sequence[Band] | None = None) -> list[str]:
    """Predicate codes from the highest down to ``none``, then any code the ladder lacks."""
    ladder = predicate_codes(bands)[::-1]
    return ladder + sorted({c for c in found if c not in ladder})


# --- one assessment ---------------------------------------------------------------------------

def standing_text(total: float, predicate: str, next_predicate: str | None,
                  points_to_next: float | None, lang: str = "id", label: str | None = None,
                  marks: Sequence[tuple[str, float]] = ()) -> str:
    """``standing_figure``: "Kota Serang 645,40 — Madya; 54,61 poin menuju Nindya." ``label``:
    whose total (a kab/kota's name; "Total" when None); ``marks``: the chart's labelled lines
    (a baseline, a forecast), each named with its value."""
    who = label or t("chart.total", lang)
    args = {"who": who, "total": fmt_num(total, lang), "predicate": _pred(predicate, lang)}
    if not next_predicate:
        text = t("chart.text.standing_top", lang, **args)
    elif not points_to_next:  # above the band, held back by an unimplemented indicator
        text = t("chart.text.standing_gate", lang, next=_pred(next_predicate, lang), **args)
    else:
        text = t("chart.text.standing", lang, next=_pred(next_predicate, lang),
                 points=fmt_num(points_to_next, lang), **args)
    for name, value in marks:
        text += " " + t("chart.text.mark", lang, label=name, value=fmt_num(value, lang))
    return text


def blocks_text(rows: Sequence[tuple[str, float, float]], lang: str = "id") -> str:
    """``blocks_figure``: the strongest and the weakest block, as a share of its maximum.
    ``rows`` = (label, score, max)."""
    rows = [r for r in rows if r[2] > 0]
    if not rows:
        return t("chart.text.blocks_none", lang)

    def part(r: tuple[str, float, float]) -> dict:
        return {"name": r[0], "share": _pct(100 * r[1] / r[2], lang),
                "score": fmt_num(r[1], lang), "max": fmt_num(r[2], lang, 0)}

    if len(rows) == 1:
        return t("chart.text.blocks_one", lang, **part(rows[0]))
    shares = [round(100 * r[1] / r[2], 1) for r in rows]
    if len(set(shares)) == 1:
        return t("chart.text.blocks_even", lang, n=len(rows), share=_pct(shares[0], lang))
    best = rows[shares.index(max(shares))]
    worst = rows[shares.index(min(shares))]
    return t("chart.text.blocks", lang, **{f"best_{k}": v for k, v in part(best).items()},
             **{f"worst_{k}": v for k, v in part(worst).items()})


def gaps_text(rows: Sequence[Mapping], lang: str = "id", top: int = 3) -> str:
    """``gaps_figure``: the ``top`` indicators with the most points at stake and the total
    at stake. ``rows`` from ``gaps.indicator_gaps`` (indicator, name, at_stake)."""
    lost = sorted((r for r in rows if r["at_stake"] > 0), key=lambda r: -r["at_stake"])
    if not lost:
        return t("chart.text.gaps_none", lang)
    items = [t("chart.text.gaps_item", lang, code=r["indicator"], name=_short(r["name"], 40),
               points=fmt_num(r["at_stake"], lang)) for r in lost[:top]]
    return t("chart.text.gaps", lang, items="; ".join(items), n=len(lost),
             total=fmt_num(sum(r["at_stake"] for r in lost), lang))


def progress_text(history: Sequence[Mapping], lang: str = "id") -> str:
    """``progress_figure``: the first and the last year's total and predicate (the most
    verified stage of each year). ``history`` from ``progress.predicate_history``."""
    if not history:
        return t("chart.text.progress_none", lang)

    def at(h: Mapping, prefix: str) -> dict:
        return {f"{prefix}year": h["year"], f"{prefix}stage": h["stage"],
                f"{prefix}total": fmt_num(h["total"], lang),
                f"{prefix}predicate": _pred(h["predicate"], lang)}

    first, last = history[0], history[-1]
    if len(history) == 1:
        return t("chart.text.progress_one", lang, **at(first, ""))
    return t("chart.text.progress", lang, n=len(history),
             change=_signed(last["total"] - first["total"], lang),
             **at(first, "first_"), **at(last, "last_"))


def stages_text(rows: Sequence[tuple[int, str, float]], lang: str = "id") -> str:
    """``stages_figure``: the latest year's total per stage and the change from its first to
    its last stage. ``rows`` = (year, stage, total)."""
    if not rows:
        return t("chart.text.stages_none", lang)
    years = sorted({y for y, _, _ in rows})
    latest = {s: v for y, s, v in rows if y == years[-1]}
    order = [s for s in STAGES if s in latest] + sorted(set(latest) - set(STAGES))
    text = t("chart.text.stages", lang, year=years[-1],
             values=" · ".join(f"{s} {fmt_num(latest[s], lang)}" for s in order))
    if len(order) > 1:
        text += " " + t("chart.text.stages_change", lang, first=order[0], last=order[-1],
                        change=_signed(latest[order[-1]] - latest[order[0]], lang))
    return text


def compare_blocks_text(rows: Sequence[Mapping], labels: Mapping[str, str],
                        lang: str = "id") -> str:
    """``compare_blocks_figure``: the blocks the scenario changes, largest change first.
    ``rows`` from ``WhatIf.block_rows`` (block, baseline, scenario, delta)."""
    moved = sorted((r for r in rows if r["delta"]), key=lambda r: -abs(r["delta"]))
    if not moved:
        return t("chart.text.compare_none", lang)
    items = [t("chart.text.compare_item", lang,
               name=_short(labels.get(r["block"], r["block"]), 40),
               base=fmt_num(r["baseline"], lang), scenario=fmt_num(r["scenario"], lang),
               delta=_signed(r["delta"], lang)) for r in moved]
    return t("chart.text.compare", lang, n=len(moved), items=_listing(items, lang))


def by_agency_text(rows: Sequence[Mapping], lang: str = "id") -> str:
    """``by_agency_figure``: how many agencies, the points and effort in all, the agencies
    with the most points. ``rows`` = {opd, points, effort}."""
    if not rows:
        return t("chart.text.agency_none", lang)
    ranked = sorted(rows, key=lambda r: -r["points"])
    items = [t("chart.text.agency_item", lang, opd=r["opd"], points=fmt_num(r["points"], lang),
               effort=fmt_short(r["effort"], lang)) for r in ranked]
    return t("chart.text.agency", lang, n=len(rows),
             points=fmt_num(sum(r["points"] for r in rows), lang),
             effort=fmt_short(sum(r["effort"] for r in rows), lang),
             items=_listing(items, lang))


def agency_matrix_text(rows: Sequence[Mapping], total_at_stake: float, blocking: float,
                       shared: int, lang: str = "id") -> str:
    """``agency_matrix_figure``: how many agencies, the points at stake in all (each question
    once), the agencies with the most, the points blocking the next predicate, and that a
    question of several agencies counts for each. ``rows`` = {opd, at_stake}."""
    if not rows:
        return t("chart.text.matrix_none", lang)
    ranked = sorted(rows, key=lambda r: -r["at_stake"])
    items = [t("chart.text.matrix_item", lang, opd=r["opd"],
               points=fmt_num(r["at_stake"], lang)) for r in ranked]
    return t("chart.text.matrix", lang, n=len(rows), points=fmt_num(total_at_stake, lang),
             items=_listing(items, lang), blocking=fmt_num(blocking, lang), shared=shared)


def falls_text(falls: Sequence[tuple[int, float]], average: float | None,
               lang: str = "id") -> str:
    """``falls_figure``: the fall of each past year and their average."""
    if not falls:
        return t("chart.text.falls_none", lang)
    values = ", ".join(f"{y} {fmt_num(f, lang)}" for y, f in falls)
    if average is None:
        return t("chart.text.falls", lang, values=values)
    return t("chart.text.falls_avg", lang, values=values, average=fmt_num(average, lang))


# --- registries ---------------------------------------------------------------------------------

def play_areas_text(rows: Sequence[Mapping], names: Mapping[str, str],
                    labels: Mapping[str, str], lang: str = "id") -> str:
    """``play_areas_figure``: play areas per standard status and the kecamatan with the most.
    ``labels``: status → its name, in the chart's order."""
    if not rows:
        return t("chart.text.play_none", lang)
    per_kec: dict[str, int] = {}
    for r in rows:
        per_kec[r["kecamatan_kode"]] = per_kec.get(r["kecamatan_kode"], 0) + 1
    counts = [f"{label} {sum(r['standard'] == status for r in rows)}"
              for status, label in labels.items()]
    most = max(per_kec.values())
    top = sorted(names.get(k, k) for k, n in per_kec.items() if n == most)
    return t("chart.text.play", lang, n=len(rows), k=len(per_kec), counts=", ".join(counts),
             most=_listing(top, lang), most_n=most)


def kha_text(rows: Sequence[Mapping], lang: str = "id") -> str:
    """``kha_figure``: per provider kind, trained with and without certificate, the target."""
    if not rows:
        return t("chart.text.kha_none", lang)
    items = [t("chart.text.kha_item_target" if r.get("target") else "chart.text.kha_item", lang,
               kind=r["kind"], certified=r["certified"], uncertified=r["uncertified"],
               target=r.get("target") or 0)
             for r in sorted(rows, key=lambda r: r["kind"])]
    return t("chart.text.kha", lang, items="; ".join(items))


def coverage_text(rows: Sequence[Mapping], body_labels: Mapping[str, str],
                  lang: str = "id") -> str:
    """``coverage_figure``: per body, the desa/kelurahan that have it over all of them (the
    kecamatan rows added up). ``rows`` = {body, with, total, ...}."""
    items = []
    for body, label in body_labels.items():
        mine = [r for r in rows if r["body"] == body]
        n, d = sum(r["with"] for r in mine), sum(r["total"] for r in mine)
        if d:
            items.append(t("chart.text.coverage_item", lang, body=label, n=n, d=d,
                           share=_pct(100 * n / d, lang)))
    if not items:
        return t("chart.text.coverage_none", lang)
    return t("chart.text.coverage", lang, items="; ".join(items))


def handling_text(rows: Sequence[Mapping], lang: str = "id") -> str:
    """``handling_figure``: cases over the months shown, then the latest month's median and
    90th-percentile days to first handling. ``rows`` from ``time_to_handling``."""
    if not rows:
        return t("chart.text.ppa_none", lang)
    cases = sum(r["cases"] for r in rows)
    text = (t("chart.text.ppa_one", lang, cases=cases, month=rows[0]["month"]) if len(rows) == 1
            else t("chart.text.ppa", lang, cases=cases, first=rows[0]["month"],
                   last=rows[-1]["month"]))
    last = rows[-1]
    if last.get("median_days") is None:
        return text + " " + t("chart.text.ppa_last_none", lang, month=last["month"])
    return text + " " + t("chart.text.ppa_last", lang, month=last["month"],
                          median=fmt_short(last["median_days"], lang),
                          p90=fmt_short(last["p90_days"], lang))


# --- many kab/kota -----------------------------------------------------------------------------

def results_text(counts: Sequence[Mapping], national: Mapping[int, Mapping],
                 lang: str = "id") -> str:
    """``results_figure``: the latest year's kab/kota per predicate and, when given, that
    year's national total. As in the chart, "no predicate" is left out beside the national
    counts (published results name predicates only). ``counts`` = {award_year, predicate, n}."""
    shown = [c for c in counts if c["n"] and (c["predicate"] != "none" or not national)]
    if not shown:
        return t("chart.text.results_none", lang)
    years = sorted({int(c["award_year"]) for c in shown})
    year = years[-1]
    per: dict[str, int] = {}
    for c in shown:
        if int(c["award_year"]) == year:
            per[c["predicate"]] = per.get(c["predicate"], 0) + c["n"]
    items = ", ".join(f"{_pred(p, lang)} {per[p]}" for p in _ladder(list(per)) if p in per)
    national_total = (national.get(year) or {}).get("total")
    if national_total is None:
        return t("chart.text.results", lang, year=year, items=items, total=sum(per.values()))
    return t("chart.text.results_national", lang, year=year, items=items,
             total=sum(per.values()), national=national_total)


def province_measure_text(rows: Sequence[Mapping], measure: str, year: int,
                          lang: str = "id") -> str:
    """The per-province bar and map of Nasional: the highest and the lowest province by the
    share (``measure`` "share", %) or the number ("count") of kab/kota with a predicate, and
    how many provinces have no result loaded. ``rows`` = {nama, share, with_predicate}."""
    field = "share" if measure == "share" else "with_predicate"
    have = [r for r in rows if r[field] is not None]
    missing = len(rows) - len(have)
    if not have:
        return t("chart.text.prov_none", lang, year=year)

    def value(v: float) -> str:
        return _pct(v, lang) if field == "share" else t("chart.text.n_kabkota", lang, n=v)

    def named(v: float) -> str:
        return _listing(sorted(r["nama"] for r in have if r[field] == v), lang, most=2)

    hi, lo = max(r[field] for r in have), min(r[field] for r in have)
    if hi == lo:
        text = t("chart.text.prov_even", lang, year=year, n=len(have), value=value(hi))
    else:
        text = t("chart.text.prov", lang, year=year, best=named(hi), best_value=value(hi),
                 worst=named(lo), worst_value=value(lo))
    if missing:
        text += " " + t("chart.text.prov_missing", lang, n=missing)
    return text


def predicates_text(names: Sequence[str], predicates: Sequence[str | None], lang: str = "id",
                    bands: Sequence[Band] | None = None) -> str:
    """``predicate_map_figure`` / ``predicate_bar_figure``: how many kab/kota hold each
    predicate and how many have no result loaded (None), named when few."""
    per: dict[str, int] = {}
    for p in predicates:
        if p is not None:
            per[p] = per.get(p, 0) + 1
    missing = [n for n, p in zip(names, predicates) if p is None]
    if not per:
        return t("chart.text.predicates_none", lang, n=len(missing))
    items = ", ".join(f"{_pred(p, lang)} {per[p]}" for p in _ladder(list(per), bands)
                      if p in per)
    text = t("chart.text.predicates", lang, n=sum(per.values()), items=items)
    if missing:
        text += " " + t("chart.text.no_result", lang, n=len(missing))
    return text


def action_timeline_text(rows: Sequence[Mapping], lang: str = "id") -> str:
    """``action_timeline_figure``: how many actions on the timeline and over which dates, how
    many done, and the overdue ones by title; undated actions counted apart. ``rows`` =
    {title, start, due, status, overdue}."""
    if not rows:
        return t("chart.text.plan_none", lang)
    dated = [r for r in rows if r.get("start") or r.get("due")]
    days = [d for r in dated for d in (r.get("start"), r.get("due")) if d]
    late = [_short(r["title"]) for r in rows if r["overdue"]]
    text = t("chart.text.plan", lang, n=len(dated),
             first=min(days).isoformat() if days else "–",
             last=max(days).isoformat() if days else "–",
             done=sum(r["status"] == "selesai" for r in rows))
    text += " " + (t("chart.text.plan_late", lang, n=len(late), items=_listing(late, lang))
                   if late else t("chart.text.plan_no_late", lang))
    undated = len(rows) - len(dated)
    if undated:
        text += " " + t("chart.text.plan_undated", lang, n=undated)
    return text


def calendar_text(rows: Sequence[Mapping], year: int, lang: str = "id", today=None) -> str:
    """``calendar_figure``: how many stages of ``year`` and over which days, how many dates
    are sourced and how many are examples; where ``today`` (a date) stands: inside a stage,
    before the next one, or after them all. ``rows`` = {stage (label), start, end, basis}."""
    from kla.i18n import fmt_time

    if not rows:
        return t("chart.text.calendar_none", lang, year=year)
    ordered = sorted(rows, key=lambda r: r["start"])
    sourced = sum(r["basis"] == "sourced" for r in ordered)
    text = t("chart.text.calendar", lang, n=len(ordered), year=year,
             first=fmt_time(ordered[0]["start"], lang),
             last=fmt_time(max(r["end"] for r in ordered), lang),
             sourced=sourced, assumed=len(ordered) - sourced)
    if today is None:
        return text
    day = fmt_time(today, lang)
    inside = next((r for r in ordered if r["start"] <= today <= r["end"]), None)
    after = next((r for r in ordered if r["start"] > today), None)
    if inside is not None:
        text += " " + t("chart.text.calendar_in", lang, today=day, stage=inside["stage"])
    elif after is not None:
        text += " " + t("chart.text.calendar_before", lang, today=day, stage=after["stage"])
    elif today.year == year:
        text += " " + t("chart.text.calendar_after", lang, year=year)
    return text
