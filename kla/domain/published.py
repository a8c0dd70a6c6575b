"""Published KLA results: clean, classify and link rows to the region reference. Pure.

The collected file is real and messy. A row is loaded only when its award year is a known
award year, its predicate is one predicate, and its kab/kota maps to exactly one region code;
every other row is reported with its reason — never guessed, never dropped silently.

The predicate ladder is the default framework's bands (``kla.domain.framework``), ``none`` below
the first band: ``PREDICATES``, ``ORDER`` and ``TIERS`` are computed from them when asked.
"""

from __future__ import annotations

import csv
import io
import re
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kla.domain.csvtext import CsvTextError, records
from kla.domain.numbers import NumberError, parse_decimal
from kla.domain.predicate import NONE, predicate_codes, predicate_rank, tiers
from kla.domain.text import control_char
from kla.i18n import Msg

AWARD_YEARS = (2017, 2018, 2019, 2021, 2022, 2023, 2025)  # no ceremony in 2020 and 2024
COLUMNS = ("kab_kota", "province", "award_year", "predicate", "score", "score_type", "note",
           "marker", "source")
# Documented spellings of the collected file → the official names of the region reference.
PROVINCE_ALIASES = {"DKI Jakarta": "Daerah Khusus Ibukota Jakarta",
                    "DI Yogyakarta": "Daerah Istimewa Yogyakarta"}


def predicates() -> tuple[str, ...]:
    """The predicates a published row may carry: the bands from the lowest, then ``none``."""
    return (*predicate_codes()[1:], NONE)


# Public names kept for the pages; each follows the default framework's bands when read.
_LADDER = {
    "PREDICATES": predicates,  # ("Pratama", …, "KLA", "none")
    "ORDER": predicate_rank,  # {"none": 0, "Pratama": 1, …}
    "TIERS": tiers,  # highest first, as tables show them: ("KLA", "Utama", …)
}


def __getattr__(name: str) -> Any:  # the ladder's tuple or dict
    if name in _LADDER:
        return _LADDER[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class Regions:
    """Name indexes of the region reference (names stripped, compared case-insensitively)."""

    provinces: dict[str, str]  # lower name -> kode
    kabkota: dict[tuple[str, str], list[str]]  # (province kode, lower name) -> kode(s)


def regions_index(rows: list[tuple[str, str, str]]) -> Regions:
    """From (kode, nama, level) rows."""
    provinces, kabkota = {}, {}
    for kode, nama, level in rows:
        if level == "provinsi":
            provinces[nama.strip().lower()] = kode
        elif level == "kabkota":
            kabkota.setdefault((kode.split(".")[0], nama.strip().lower()), []).append(kode)
    return Regions(provinces, kabkota)


def candidate_names(name: str) -> list[str]:
    """The official names a published name can stand for: "Kab X" → "Kabupaten X"; a city in
    Jakarta is officially "Kota Administrasi X"."""
    name = " ".join(name.split())
    if name.lower().startswith("kab "):
        base = "Kabupaten " + name[4:]
        return [base, "Kabupaten Administrasi " + name[4:]]
    if name.lower().startswith("kabupaten "):
        return [name]
    if name.lower().startswith("kota "):
        return [name, "Kota Administrasi " + name[5:]]
    return [name]


@dataclass(frozen=True)
class Result:
    row: int  # line in the file (header = 1)
    region_kode: str
    award_year: int
    predicate: str
    score: float | None
    score_type: str
    marker: str
    source: str
    note: str


@dataclass(frozen=True)
class Rejected:
    row: int
    kab_kota: str
    reason: str


REQUIRED = ("kab_kota", "province", "award_year", "predicate")
MAX_ROWS = 20_000  # rows, header included (514 kab/kota × 7 award years is 3,600)
_YEAR = re.compile(r"[0-9]{4}")
# The text columns a Result stores, with their maximum length where the store has one
# (``published_result``: VARCHAR(60), VARCHAR(8); None: TEXT). A longer value or a control
# character (PostgreSQL refuses NUL) rejects the row.
STORED_TEXT = {"score_type": 60, "marker": 8, "source": None, "note": None}


def classify(text: str, regions: Regions) -> tuple[list[Result], list[Rejected]]:
    """Every row of the CSV ``text`` either becomes a Result or a Rejected with its reason.
    A file that cannot be read as this CSV at all (a required column missing, an unclosed
    quotation mark, a field over ``csvtext.FIELD_MAX`` characters, more than ``MAX_ROWS``
    rows) raises ``CsvTextError`` naming the row: nothing of it is loaded. Line endings of
    every kind and a ``;``-separated file (a spreadsheet's CSV) are read; years and scores
    are ASCII digits (``２０２２`` is not a year)."""
    text = text.lstrip("\ufeff")
    first = text.replace("\r", "\n").split("\n", 1)[0]
    delimiter = ";" if ";" in first and "," not in first else ","
    records_ = records(text, delimiter=delimiter, max_rows=MAX_ROWS)
    header = [h.strip() for h in next(records_, (1, []))[1]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise CsvTextError(Msg("err.header_missing", columns=tuple(missing)))
    ok: list[Result] = []
    bad: list[Rejected] = []
    known = set(predicates())
    for n, fields in records_:
        if not any(f.strip() for f in fields):
            continue  # a blank line
        row = dict(zip(header, fields))
        name = (row.get("kab_kota") or "").strip()
        year_text = (row.get("award_year") or "").strip()
        pred = (row.get("predicate") or "").strip()
        if not _YEAR.fullmatch(year_text) or int(year_text) not in AWARD_YEARS:
            bad.append(Rejected(n, name, f"unknown award year '{year_text}'"))
            continue
        if pred not in known:
            reason = ("no predicate given" if not pred
                      else f"ambiguous predicate '{pred}'")
            bad.append(Rejected(n, name, reason))
            continue
        province = (row.get("province") or "").strip()
        pkode = regions.provinces.get(PROVINCE_ALIASES.get(province, province).lower())
        if pkode is None:
            bad.append(Rejected(n, name, f"unknown province '{province}'"))
            continue
        codes = sorted({c for cand in candidate_names(name)
                        for c in regions.kabkota.get((pkode, cand.lower()), [])})
        if len(codes) != 1:
            bad.append(Rejected(n, name, f"unknown region '{name}' in {province}" if not codes
                                else f"ambiguous region '{name}': {', '.join(codes)}"))
            continue
        problem = _stored_text_problem(row)
        if problem:
            bad.append(Rejected(n, name, problem))
            continue
        score_text = (row.get("score") or "").strip()
        try:
            score = parse_decimal(score_text, 0, 1000) if score_text else None
        except NumberError:
            bad.append(Rejected(n, name, f"score '{score_text}' is not a number 0–1000"))
            continue
        ok.append(Result(n, codes[0], int(year_text), pred, score,
                         (row.get("score_type") or "").strip(), (row.get("marker") or "").strip(),
                         (row.get("source") or "").strip(), (row.get("note") or "").strip()))
    return _resolve_duplicates(ok, bad)


def _stored_text_problem(row: Mapping[str, str]) -> str | None:
    """Why a row's stored text cannot be stored (too long, a control character), or None."""
    for column, limit in STORED_TEXT.items():
        value = (row.get(column) or "").strip()
        char = control_char(value)
        if char:
            return f"control character {char} in {column}"
        if limit is not None and len(value) > limit:
            return f"{column} too long ({len(value)} characters; at most {limit})"
    return None


def _resolve_duplicates(ok: list[Result], bad: list[Rejected]
                        ) -> tuple[list[Result], list[Rejected]]:
    """Same kab/kota and award year twice: one row if they agree (the other reported as a
    duplicate), none if the predicates conflict (both reported)."""
    groups: dict[tuple[str, int], list[Result]] = {}
    for r in ok:
        groups.setdefault((r.region_kode, r.award_year), []).append(r)
    keep = []
    for (kode, year), rows in groups.items():
        if len({r.predicate for r in rows}) > 1:
            preds = ", ".join(f"row {r.row}: {r.predicate}" for r in rows)
            bad += [Rejected(r.row, kode, f"conflicting duplicate for {year} ({preds})")
                    for r in rows]
            continue
        keep.append(rows[0])
        bad += [Rejected(r.row, kode, f"duplicate of row {rows[0].row} (same predicate), "
                                      "loaded once") for r in rows[1:]]
    return sorted(keep, key=lambda r: r.row), sorted(bad, key=lambda r: r.row)


def national_counts(text: str) -> dict[int, dict[str, int | None]]:
    """The reference counts per award year (total and per predicate where published): the
    ``total`` column and a lower-case column per band the file has, highest band first."""
    reader = csv.DictReader(io.StringIO(text))
    keys = [k for k in ("total", *(p.lower() for p in tiers())) if k in (reader.fieldnames or [])]
    out = {}
    for row in reader:
        out[int(row["award_year"])] = {k: int(row[k]) if row[k] else None for k in keys}
    return out


def reason_counts(rejected: list[Rejected]) -> Mapping[str, int]:
    counts: dict[str, int] = {}
    for r in rejected:
        kind = r.reason.split(" '")[0].split(" (")[0].split(":")[0]
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def movers(rows: list[Mapping]) -> list[dict]:
    """Kab/kota whose predicate changed between two consecutive award years in which both
    were published: rows with kode, nama, award_year, predicate."""
    order = predicate_rank()
    years = sorted({r["award_year"] for r in rows})
    by = {(r["kode"], r["award_year"]): r for r in rows}
    out = []
    for a, b in zip(years, years[1:]):
        for (kode, year), r in by.items():
            if year != a or (kode, b) not in by:
                continue
            new = by[(kode, b)]["predicate"]
            if new != r["predicate"]:
                out.append({"kode": kode, "nama": r["nama"], "from_year": a, "to_year": b,
                            "from": r["predicate"], "to": new,
                            "direction": "up" if order[new] > order[r["predicate"]] else "down"})
    return out


def provila(rows: list[Mapping], kabkota: Mapping[str, str], year: int) -> dict:
    """Provila status of a province for one award year: it qualifies when every kab/kota in it
    holds a predicate; ``blocking`` lists the others with the reason."""
    got = {r["kode"]: r["predicate"] for r in rows if r["award_year"] == year}
    blocking = []
    for kode, nama in sorted(kabkota.items()):
        pred = got.get(kode)
        if pred is None:
            blocking.append({"kode": kode, "nama": nama, "reason": "no_result"})
        elif pred == NONE:
            blocking.append({"kode": kode, "nama": nama, "reason": "no_predicate"})
    return {"year": year, "qualifies": not blocking and bool(kabkota), "blocking": blocking,
            "with_predicate": len(kabkota) - len(blocking), "total": len(kabkota)}


def published_score(r: Mapping) -> float | None:
    """A row's published score, or None when none was published (NaN from a frame too)."""
    score = r.get("score")
    return float(score) if score is not None and score == score else None


def _rank_key(r: Mapping, order: Mapping[str, int]) -> tuple:
    """Higher predicate first; at the same predicate a published score before none (its
    score is unknown), higher scores first. Equal keys share a rank."""
    score = published_score(r)
    return (-order.get(r["predicate"], 0), 0 if score is not None else 1, -(score or 0.0))


def shared_ranks(rows: list[Mapping]) -> dict[str, int]:
    """Rank per kode among ``rows`` (one result each): 1 + the number of rows strictly ahead
    (``_rank_key``), so equals share a rank (1, 1, 3): six Nindya without a published score
    are all first, never ordered by their names."""
    order = predicate_rank()
    keys = {r["kode"]: _rank_key(r, order) for r in rows}
    ordered = sorted(keys.values())
    return {kode: bisect_left(ordered, key) + 1 for kode, key in keys.items()}


def streak(by_year: Mapping[int, str], year: int) -> tuple[int, int]:
    """(award years in a row at the predicate of ``year``, the first of them): counted back
    over the award years (2020 and 2024 had no ceremony, so 2019 → 2021 and 2023 → 2025 are
    consecutive); an award year without a loaded result ends the count (unknown, not the
    same). ``by_year``: award year → predicate of one kab/kota; ``year`` must be in it."""
    predicate = by_year[year]
    years = sorted(set(AWARD_YEARS) | set(by_year))
    count, since = 1, year
    for y in reversed([y for y in years if y < year]):
        if by_year.get(y) != predicate:
            break
        count, since = count + 1, y
    return count, since


def peer_benchmark(rows: list[Mapping], kode: str) -> dict | None:
    """Where a kab/kota stands in its latest award year among peers of the same province,
    the same type (kabupaten / kota) and the same predicate (``shared_ranks``: equals share
    a rank); award years in a row at the current predicate (``streak``); how many province
    peers moved up in the last cycle."""
    mine = sorted((r for r in rows if r["kode"] == kode), key=lambda r: r["award_year"])
    if not mine:
        return None
    me = mine[-1]
    year = me["award_year"]
    same_year = [r for r in rows if r["award_year"] == year]
    kind = me["nama"].split()[0]

    def rank(group: list[Mapping]) -> tuple[int, int]:
        return shared_ranks(group)[kode], len(group)

    groups = {"province": [r for r in same_year if r["kode"].split(".")[0]
                           == kode.split(".")[0]],
              "type": [r for r in same_year if r["nama"].split()[0] == kind],
              "predicate": [r for r in same_year if r["predicate"] == me["predicate"]]}
    years_at, _ = streak({r["award_year"]: r["predicate"] for r in mine}, year)
    prov = kode.split(".")[0]
    moved = [m for m in movers([r for r in rows if r["kode"].split(".")[0] == prov])
             if m["to_year"] == year and m["kode"] != kode]
    return {"year": year, "predicate": me["predicate"], "score": me.get("score"),
            "ranks": {g: rank(v) for g, v in groups.items()}, "years_at_current": years_at,
            "history": [(r["award_year"], r["predicate"]) for r in mine],
            "peers_moved_up": sum(m["direction"] == "up" for m in moved),
            "peers_compared": len({m["kode"] for m in moved}) if moved else 0}


def national_overview(rows: list[Mapping], national: Mapping[int, Mapping],
                      regions: Mapping[str, str]) -> dict:
    """Everything the national page shows, computed once per data version.

    ``rows``: loaded results (kode, nama, award_year, predicate); ``national``: the official
    counts per award year; ``regions``: province and kab/kota codes → names. Returns
    ``counts`` (award_year, predicate, n), ``coverage`` per award year (loaded, national total,
    per predicate, percent loaded), ``never_kla`` (no kab/kota ever reached the top band),
    ``movers``, ``years`` (award years loaded)
    and ``provinces`` per award year loaded (per province: results loaded that year, kab/kota
    with a predicate, kab/kota in the reference, share in percent; the count and the share are
    None for a province with no result loaded that year)."""
    ladder = tiers()
    tally: dict[tuple[int, str], int] = {}
    for r in rows:
        key = (int(r["award_year"]), r["predicate"])
        tally[key] = tally.get(key, 0) + 1
    years = sorted({y for y, _ in tally} | set(national))
    coverage = []
    for y in years:
        loaded = sum(n for (yy, _), n in tally.items() if yy == y)
        total = (national.get(y) or {}).get("total")
        coverage.append({"award_year": y, "loaded": loaded, "national": total,
                         **{p: tally.get((y, p), 0) for p in ladder},
                         "coverage": round(100 * loaded / total, 1) if total else None})
    loaded_years = sorted({y for y, _ in tally})
    with_pred: dict[tuple[int, str], int] = {}
    loaded_in: dict[tuple[int, str], int] = {}
    for r in rows:
        key = (int(r["award_year"]), r["kode"].split(".")[0])
        loaded_in[key] = loaded_in.get(key, 0) + 1
        if r["predicate"] != NONE:
            with_pred[key] = with_pred.get(key, 0) + 1
    kab_count: dict[str, int] = {}
    for kode in regions:
        if kode.count(".") == 1:
            prov = kode.split(".")[0]
            kab_count[prov] = kab_count.get(prov, 0) + 1
    province_codes = sorted(k for k in regions if "." not in k)

    def per_province(year: int) -> list[dict]:
        """A province without any result loaded for ``year`` has no share and no count
        (None: "no result loaded", which is not 0)."""
        out = []
        for p in province_codes:
            loaded = loaded_in.get((year, p), 0)
            n = with_pred.get((year, p), 0) if loaded else None
            out.append({"kode": p, "nama": regions[p], "loaded": loaded, "with_predicate": n,
                        "kabkota": kab_count.get(p, 0),
                        "share": round(100 * n / kab_count[p], 1)
                        if n is not None and kab_count.get(p) else None})
        return out

    return {"counts": [{"award_year": y, "predicate": p, "n": n}
                       for (y, p), n in sorted(tally.items())],
            "coverage": coverage, "never_kla": not any(p == ladder[0] for _, p in tally),
            "movers": movers(rows), "years": loaded_years,
            "provinces": {y: per_province(y) for y in loaded_years}}


def stage_summary(rows: list[Mapping]) -> list[dict]:
    """Assessments stored in the app, per year: how many kab/kota fall in each predicate band
    (``none`` below the first band) and how many of them are sample data. ``rows``: year, predicate,
    is_sample (one row per kab/kota and year)."""
    ladder = (*tiers(), NONE)
    out: dict[int, dict] = {}
    for r in rows:
        year = int(r["year"])
        row = out.setdefault(year, {"year": year, **{p: 0 for p in ladder}, "sample": 0})
        pred = r["predicate"] if r["predicate"] in ladder else NONE
        row[pred] += 1
        row["sample"] += bool(r["is_sample"])
    return [out[y] for y in sorted(out)]
