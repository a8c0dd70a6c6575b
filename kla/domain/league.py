"""League tables of the published results: a kab/kota among its peers, row by row. Pure.

A row says, for one kab/kota and one award year: its predicate, its score where one was
published (None otherwise: unknown, never 0), how many award years in a row it has held that
predicate (``published.streak``: an award year without a loaded result ends the count), how it
moved since its previous loaded result (``up``, ``down``, ``same``, or ``new`` when it has no
earlier result), and its rank in the group (``published.shared_ranks``: higher predicate first,
then the published score; equals share a rank). A kab/kota without a result that year has no
predicate, no rank and no movement: it is listed (in its province's table) but not ranked.

Groups of a kab/kota's table, in its chosen (by default its latest) award year: ``province``
(every kab/kota of its province, with or without a result), ``type`` (kabupaten or kota, the
whole country, those with a result) and ``predicate`` (the same predicate, the whole country).
"""

from __future__ import annotations

from collections.abc import Mapping

from kla.domain.predicate import predicate_rank
from kla.domain.published import published_score, shared_ranks, streak

GROUPS = ("province", "type", "predicate")
MOVES = ("up", "down", "same", "new")


def region_type(nama: str) -> str:
    """``kabupaten`` or ``kota`` from the official name ("Kabupaten Administrasi …" and "Kota
    Administrasi …" included); ``""`` for a name that says neither."""
    first = (nama.split() or [""])[0].lower()
    return {"kabupaten": "kabupaten", "kab": "kabupaten", "kab.": "kabupaten",
            "kota": "kota"}.get(first, "")


def _history(rows: list[Mapping]) -> dict[str, dict[int, Mapping]]:
    out: dict[str, dict[int, Mapping]] = {}
    for r in rows:
        out.setdefault(r["kode"], {})[int(r["award_year"])] = r
    return out


def _province(kode: str, regions: Mapping[str, str], fallback: str = "") -> str:
    return regions.get(kode.split(".")[0], fallback)


def standing(by_year: Mapping[int, Mapping], year: int) -> dict:
    """One kab/kota in ``year`` from its results by award year: predicate, score, years_at,
    since, previous (predicate), previous_year, movement. All None without a result that
    year."""
    r = by_year.get(year)
    if r is None:
        return {"predicate": None, "score": None, "years_at": None, "since": None,
                "previous": None, "previous_year": None, "movement": None}
    predicate = r["predicate"]
    years_at, since = streak({y: x["predicate"] for y, x in by_year.items()}, year)
    earlier = [y for y in by_year if y < year]
    previous_year = max(earlier) if earlier else None
    previous = by_year[previous_year]["predicate"] if previous_year is not None else None
    if previous is None:
        movement = "new"
    else:
        order = predicate_rank()
        now, before = order.get(predicate, 0), order.get(previous, 0)
        movement = "up" if now > before else "down" if now < before else "same"
    return {"predicate": predicate, "score": published_score(r), "years_at": years_at,
            "since": since, "previous": previous, "previous_year": previous_year,
            "movement": movement}


def _table(history: Mapping[str, Mapping[int, Mapping]], members: list[str],
           regions: Mapping[str, str], year: int, chosen: str | None) -> list[dict]:
    rows = []
    for kode in members:
        by_year = history.get(kode, {})
        any_row = next(iter(by_year.values()), {})
        nama = regions.get(kode) or any_row.get("nama") or kode
        rows.append({"kode": kode, "nama": nama,
                     "province": _province(kode, regions, any_row.get("province", "")),
                     "type": region_type(nama), "year": year,
                     **standing(by_year, year), "rank": None, "chosen": kode == chosen})
    ranked = [r for r in rows if r["predicate"] is not None]
    ranks = shared_ranks(ranked)
    for r in ranked:
        r["rank"] = ranks[r["kode"]]
    return sorted(rows, key=lambda r: (r["rank"] is None, r["rank"] or 0, r["nama"]))


def league_table(rows: list[Mapping], regions: Mapping[str, str], kode: str, group: str,
                 year: int | None = None) -> dict | None:
    """The peers of ``kode`` in ``group`` (one of ``GROUPS``) in ``year`` (default: its latest
    award year with a result; a year without its result gives None), as table rows.

    ``rows``: published results (kode, nama, award_year, predicate, score; province
    optional), every award year; ``regions``: province and kab/kota codes → names (a
    province's kab/kota without any result are listed from it). None when ``kode`` has no
    result. Returns year, group, predicate and rank of ``kode``, ``ranked`` (rows with a
    result) and ``rows`` (rank order, unranked last; ``chosen`` marks ``kode``)."""
    if group not in GROUPS:
        raise ValueError(f"unknown group {group!r}")
    history = _history(rows)
    mine = history.get(kode)
    if not mine:
        return None
    year = max(mine) if year is None else int(year)
    if year not in mine:
        return None
    me = mine[year]
    that_year = {k: h[year] for k, h in history.items() if year in h}
    if group == "province":
        prov = kode.split(".")[0]
        members = {k for k in regions if k.count(".") == 1 and k.split(".")[0] == prov}
        members |= {k for k in that_year if k.split(".")[0] == prov}
    elif group == "type":
        kind = region_type(regions.get(kode) or me["nama"])
        members = {k for k, r in that_year.items()
                   if region_type(regions.get(k) or r["nama"]) == kind}
    else:
        members = {k for k, r in that_year.items() if r["predicate"] == me["predicate"]}
    table = _table(history, sorted(members | {kode}), regions, year, kode)
    mine_row = next(r for r in table if r["chosen"])
    return {"year": year, "group": group, "kode": kode, "predicate": me["predicate"],
            "rank": mine_row["rank"], "ranked": sum(r["rank"] is not None for r in table),
            "rows": table}


def province_table(rows: list[Mapping], regions: Mapping[str, str], province: str, year: int,
                   chosen: str | None = None) -> list[dict]:
    """Every kab/kota of ``province`` (a province code) in award year ``year``, ranked among
    those with a result; the others listed after them, unranked. ``chosen`` is marked."""
    history = _history(rows)
    members = {k for k in regions if k.count(".") == 1 and k.split(".")[0] == province}
    members |= {k for k, h in history.items() if k.split(".")[0] == province and year in h}
    return _table(history, sorted(members), regions, int(year), chosen)
