"""Honest public claims (kla.domain.claims) and their badge (kla.io.badge): exactly the
predicate and year of a published result or a closed FINAL assessment, never more."""

import io
import re
from datetime import date

import pytest
from PIL import Image

from kla.domain.claims import (
    Claim,
    assessment_claim,
    badge_text,
    claims_for,
    published_claim,
    statement,
)
from kla.domain.colour_vision import contrast
from kla.domain.palette import band_colours, ink_on
from kla.domain.predicate import predicate_codes
from kla.i18n import Refusal, catalogue
from kla.io.badge import SIZE, badge_png

BANDS = predicate_codes()[1:]  # Pratama … KLA
LANGS = ("id", "en")


def _published(predicate, year=2023, source="https://example.go.id/kla"):
    return published_claim("Kota Metro", {"award_year": year, "predicate": predicate,
                                          "loaded": date(2026, 5, 12), "source": source},
                           province="Lampung")


def _sentences(text):
    return [s for s in re.split(r"(?<=\.)\s+", text) if s]


def _all_text(claim, lang):
    lines = badge_text(claim, lang)
    return [statement(claim, lang), *lines.values()]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("predicate", BANDS)
def test_the_text_names_exactly_that_predicate_and_year(predicate, lang):
    for claim in (_published(predicate, 2022),
                  assessment_claim("Kota Metro", {"year": 2022, "stage": "FINAL",
                                                  "status": "final", "predicate": predicate})):
        text = statement(claim, lang)
        lines = badge_text(claim, lang)
        assert predicate in _sentences(text)[0] and "2022" in _sentences(text)[0]
        assert lines["predicate"] == predicate and lines["year"] == "2022"
        assert predicate in lines["title"] and "2022" in lines["title"]
        assert "2022" in lines["source"]
        others = [p for p in BANDS if p != predicate and p != "KLA"]
        for part in _all_text(claim, lang):
            for other in others:  # no other predicate named anywhere
                assert not re.search(rf"\b{other}\b", part), (other, part)
            undated = re.sub(r"\((dimuat|loaded) [^)]*\)", "", part)  # the day it was loaded
            assert not re.search(r"\b20(1\d|2[013-9])\b", undated), part  # no other year
        if predicate != "KLA":  # "KLA" only as the programme's name, never as the claim
            for part in _all_text(claim, lang):
                assert not re.search(r"(predikat|predicate) KLA\b|\bKLA predicate", part), part


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("predicate", BANDS)
def test_layak_anak_is_never_claimed_without_the_predicate(predicate, lang):
    """A Nindya city never gets "Kabupaten/Kota Layak Anak" (nor "Kota Layak Anak") without
    "Nindya" in the same sentence or line."""
    claim = _published(predicate)
    parts = [*_sentences(statement(claim, lang)), *badge_text(claim, lang).values()]
    for part in parts:
        if "Layak Anak" in part:
            assert predicate in part, part
        for m in re.finditer(r"Kota Layak Anak", part):
            assert part[:m.start()].endswith("Kabupaten/"), part  # never "Kota Layak Anak"


def test_the_nindya_wording():
    claim = _published("Nindya", 2023)
    assert badge_text(claim)["title"] == "Predikat Nindya — Kabupaten/Kota Layak Anak 2023"
    assert badge_text(claim)["source"] == "Sumber: hasil evaluasi KLA 2023 (dimuat 12 Mei 2026)"
    text = statement(claim)
    assert text.startswith("Kota Metro meraih predikat Nindya pada evaluasi Kabupaten/Kota "
                           "Layak Anak tahun 2023.")
    assert "bukan yang tertinggi" in text
    assert text.endswith("https://example.go.id/kla")  # its source, no full stop after it
    top = statement(_published("KLA"))
    assert "tingkat tertinggi" in top and "bukan" not in top
    final = assessment_claim("Kota Metro", {"year": 2025, "stage": "FINAL", "status": "final",
                                            "predicate": "Utama", "is_sample": True})
    assert badge_text(final)["source"] == "Sumber: penilaian FINAL 2025 (Dasbor KLA)"
    assert badge_text(final)["sample"] and "Data contoh" in statement(final)
    assert "Sample data" in statement(final, "en")
    assert not badge_text(claim)["sample"]


@pytest.mark.parametrize("stage,status", [
    ("EM", "draft"), ("EM", "submitted"), ("VA", "verified"), ("VL", "in_review"),
    ("FINAL", "in_review"), ("FINAL", "draft")])
def test_only_a_closed_final_assessment_is_claimed(stage, status):
    row = {"year": 2026, "stage": stage, "status": status, "predicate": "Nindya"}
    with pytest.raises(Refusal) as err:
        assessment_claim("Kota Serang", row)
    assert err.value.errors[0].key == "claim.err.not_final"
    claims, why = claims_for("Kota Serang", [], [row])
    assert claims == [] and why.key == "claim.none_final"
    for lang in LANGS:
        assert "Kota Serang" in why.render(lang)


def test_no_result_no_predicate_no_badge():
    claims, why = claims_for("Kabupaten Tanggamus", [], [])
    assert claims == [] and why.key == "claim.none"
    claims, why = claims_for("Kabupaten Tanggamus",
                             [{"award_year": 2023, "predicate": "none", "source": ""}], [])
    assert claims == [] and why.key == "claim.none_with_predicate"
    with pytest.raises(Refusal):
        _published("none")
    bare = Claim("Kabupaten Tanggamus", 2023, "none", "published")
    for make in (statement, badge_text, badge_png):
        with pytest.raises(Refusal):
            make(bare)
    with pytest.raises(Refusal):
        statement(Claim("Kota Metro", 2023, "Emas", "published"))  # not a band
    with pytest.raises(Refusal):
        statement(Claim("Kota Metro", 2023, "Nindya", "rumour"))


def test_claims_newest_first_published_before_the_apps_final():
    published = [{"award_year": 2022, "predicate": "Nindya", "source": "s"},
                 {"award_year": 2023, "predicate": "none", "source": "s"}]
    assessments = [{"year": 2023, "stage": "FINAL", "status": "final", "predicate": "Nindya"},
                   {"year": 2022, "stage": "FINAL", "status": "final", "predicate": "Madya"},
                   {"year": 2026, "stage": "EM", "status": "draft", "predicate": None}]
    claims, why = claims_for("Kota Metro", published, assessments, "Lampung")
    assert why is None
    assert [(c.year, c.basis, c.predicate) for c in claims] == [
        (2023, "final", "Nindya"), (2022, "published", "Nindya"), (2022, "final", "Madya")]
    assert {c.province for c in claims} == {"Lampung"}


def test_every_claim_key_in_both_catalogues():
    keys = {k for k in catalogue("id") if k.startswith(("claim.", "league."))}
    assert keys and keys == {k for k in catalogue("en") if k.startswith(("claim.", "league."))}


@pytest.mark.parametrize("predicate", BANDS)
def test_the_badge_is_a_png_of_the_expected_size_in_the_predicates_colour(predicate):
    data = badge_png(_published(predicate))
    with Image.open(io.BytesIO(data)) as im:
        im.verify()
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "PNG" and im.size == SIZE == (1200, 630)
        rgb = im.convert("RGB")
        colour = band_colours()[predicate].lstrip("#")
        assert rgb.getpixel((20, 600)) == tuple(int(colour[i:i + 2], 16) for i in (0, 2, 4))
        assert rgb.getpixel((1180, 600)) == (255, 255, 255)  # no sample band


def test_a_sample_badge_carries_the_red_band():
    claim = assessment_claim("Kota Metro", {"year": 2025, "stage": "FINAL", "status": "final",
                                            "predicate": "Utama", "is_sample": True})
    with Image.open(io.BytesIO(badge_png(claim))) as im:
        assert im.size == SIZE
        assert im.convert("RGB").getpixel((20, 620)) == (0xb9, 0x1c, 0x1c)


def test_badge_text_is_readable_on_every_predicate_colour():
    """The panel's text takes ``palette.ink_on``: at least 4.5:1 on every predicate colour."""
    for code, colour in band_colours().items():
        assert contrast(ink_on(colour), colour) >= 4.5, (code, colour)
