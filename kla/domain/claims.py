"""Honest public claims ("Pernyataan predikat"): what a kab/kota may say in public about its
predicate, and nothing more. Pure.

A claim states exactly one predicate and one year, from one of two bases:

- ``published``: a loaded published result (award year, predicate, when it was loaded, its
  source);
- ``final``: an assessment stored in the app at stage FINAL whose status is ``final``
  (closed). Drafts, self-assessments (EM) and verification stages (VA, VL) are refused:
  they are not a result.

A result without a predicate (``none``) gives no claim. The wording names the predicate
every time it names the award: a Nindya city is "Predikat Nindya — Kabupaten/Kota Layak
Anak 2023", never "KLA" or "Kota Layak Anak" alone (a real mistake made in public). Sample
data is marked as such on the badge and in the text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from kla.domain.predicate import NONE, predicate_codes
from kla.i18n import Msg, Refusal, fmt_time, t

BASES = ("published", "final")


@dataclass(frozen=True)
class Claim:
    region: str  # the kab/kota's official name: "Kota Metro"
    year: int  # award year (published) or evaluation year (final)
    predicate: str  # a band code: "Nindya"
    basis: str  # one of BASES
    province: str = ""
    loaded: date | None = None  # published: the day the result was loaded (local)
    source: str = ""  # published: the source the row names (a URL or a citation)
    sample: bool = False  # an assessment of the sample data ("Data contoh")


def _check(claim: Claim) -> None:
    bands = predicate_codes()[1:]
    if claim.basis not in BASES:
        raise Refusal(Msg("claim.err.basis", basis=claim.basis))
    if claim.predicate == NONE:
        raise Refusal(Msg("claim.err.no_predicate", region=claim.region, year=claim.year))
    if claim.predicate not in bands:
        raise Refusal(Msg("claim.err.unknown_predicate", predicate=claim.predicate))


def published_claim(region: str, row: Mapping, province: str = "") -> Claim:
    """The claim of one published result (award_year, predicate, loaded: the day it was
    loaded, source); ``Refusal`` for a result without a predicate."""
    claim = Claim(region=region, year=int(row["award_year"]), predicate=row["predicate"],
                  basis="published", province=province, loaded=row.get("loaded"),
                  source=(row.get("source") or "").strip())
    _check(claim)
    return claim


def assessment_claim(region: str, row: Mapping, province: str = "") -> Claim:
    """The claim of one assessment stored in the app (year, stage, status, predicate,
    is_sample): only a closed FINAL assessment (``Refusal`` for any other stage or
    status, and for a total below the first band)."""
    if row["stage"] != "FINAL" or row["status"] != "final":
        raise Refusal(Msg("claim.err.not_final", stage=Msg(f"stage.{row['stage']}"),
                          status=Msg(f"status.{row['status']}"), year=row["year"]))
    claim = Claim(region=region, year=int(row["year"]), predicate=row["predicate"],
                  basis="final", province=province, sample=bool(row.get("is_sample")))
    _check(claim)
    return claim


def claims_for(region: str, published: list[Mapping], assessments: list[Mapping],
               province: str = "") -> tuple[list[Claim], Msg | None]:
    """Every claim a kab/kota may make, newest year first (a published result before the
    app's FINAL of the same year), and when there is none, why (a ``Msg``): nothing
    loaded or assessed; only results without a predicate; only assessments that are not a
    closed FINAL."""
    claims = []
    for row in published:
        try:
            claims.append(published_claim(region, row, province))
        except Refusal:
            continue  # no predicate: nothing to claim
    for row in assessments:
        try:
            claims.append(assessment_claim(region, row, province))
        except Refusal:
            continue  # not a closed FINAL: not a result
    claims.sort(key=lambda c: (-c.year, BASES.index(c.basis)))
    if claims:
        return claims, None
    if not published and not assessments:
        return [], Msg("claim.none", region=region)
    if not assessments:
        return [], Msg("claim.none_with_predicate", region=region)
    return [], Msg("claim.none_final", region=region)


def _date(claim: Claim, lang: str) -> str:
    return fmt_time(claim.loaded, lang) if claim.loaded else "–"


def source_line(claim: Claim, lang: str = "id") -> str:
    """"Sumber: hasil evaluasi KLA 2022 (dimuat 12 Mei 2026)" or "Sumber: penilaian FINAL
    2025 (Dasbor KLA)"."""
    _check(claim)
    if claim.basis == "published":
        return t("claim.source.published", lang, year=claim.year, date=_date(claim, lang))
    return t("claim.source.final", lang, year=claim.year)


def badge_text(claim: Claim, lang: str = "id") -> dict[str, str]:
    """The lines of the badge: kicker, predicate, title ("Predikat Nindya — Kabupaten/Kota
    Layak Anak 2023"), region, province, source, sample ("" unless sample data)."""
    _check(claim)
    name = t(f"predicate.{claim.predicate}", lang)
    return {"kicker": t("claim.badge.kicker", lang), "predicate": name,
            "year": str(claim.year),
            "title": t("claim.badge.title", lang, predicate=name, year=claim.year),
            "region": claim.region, "province": claim.province,
            "source": source_line(claim, lang),
            "sample": t("claim.badge.sample", lang) if claim.sample else ""}


def statement(claim: Claim, lang: str = "id") -> str:
    """The short statement to copy: the claim in one sentence, where the predicate stands on
    the ladder, the source (with the row's own source for a published result), and the
    sample-data warning where it applies."""
    _check(claim)
    bands = predicate_codes()[1:]
    name = t(f"predicate.{claim.predicate}", lang)
    step = bands.index(claim.predicate) + 1
    parts = [t(f"claim.statement.{claim.basis}", lang, region=claim.region, predicate=name,
               year=claim.year)]
    if step == len(bands):
        parts.append(t("claim.level.top", lang, predicate=name, steps=len(bands)))
    else:
        parts.append(t("claim.level", lang, predicate=name, step=step, steps=len(bands)))
    source = source_line(claim, lang)
    if claim.basis == "published" and claim.source:  # no full stop after a URL
        parts.append(t("claim.source.with_ref", lang, line=source, ref=claim.source))
    else:
        parts.append(source + ".")
    if claim.sample:
        parts.append(t("claim.sample", lang))
    return " ".join(parts)
