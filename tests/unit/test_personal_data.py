"""Personal data out of the child-case registry (issue 14): the pure filter
(``kla.domain.personal_data``) and the case number's pattern (``ppa_case.case_ref``), through
``validate`` as the form, the Excel import and the CLI reach it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kla.domain.personal_data import KINDS, kind_of, longest_number, normalise, personal_data
from kla.domain.registries import RegistryError, validate
from kla.domain.registries.base import Area
from kla.domain.registries.ppa_case import CASE_REF, CASE_REF_DIGITS, CASE_REF_MAX, case_ref
from kla.i18n import LANGS, Msg, catalogue, describe

CORPUS = Path(__file__).resolve().parents[1] / "fuzz" / "corpus" / "personal_data.txt"
METRO = Area("18.72", "Kota Metro", {}, {})  # a case names no kecamatan or desa
GOOD = {"category": "penelantaran", "age_band": "6-12", "sex": "P", "reported_on": "2025-03-05"}

# The 13 ways of writing personal data that the old regex stored, then more.
REFUSED = [
    # the list
    "0812-3456-7890", "0812 3456 7890", "+62 812 3456 7890", "6281234567890", "HP081234567890",
    "(021) 5551234", "3201 2345 6789 0001", "3201-2345-6789-0001", "NIK3201234567890001",
    "x [at] mail", "siti＠mail.com", "Siti Aminah binti Ahmad, Jl. Mawar 5…",
    "Ibu Siti Aminah",
    # NIK variants
    "3201234567890001", "3201.2345.6789.0001", "3201/2345/6789/0001", "nik 3201234567890001",
    "KTP: 3201234567890001", "3201 234567 890001", "K-3201234567890001", "NKK 320123456",
    "３２０１２３４５６７８９０００１",
    # phones
    "0812.3456.7890", "0812 345 67890", "+62-812-3456-7890", "+6281234567890", "62 812 3456 7890",
    "(0254) 211234", "021-5551234", "WA: 0812 3456 789", "WA:081234567", "Telp. 5551234",
    "Hp 0857 1234 5678", "whatsapp 0812345678", "０８１２－３４５６－７８９０", "٠٨١٢٣٤٥٦٧٨٩٠",
    "०८१२३४५६७८९०", "0812\u200b3456\u200b7890", "08l2345 6789 0812 3456",
    "nol delapan satu dua tiga empat lima enam tujuh delapan",
    # e-mail
    "siti@mail.com", "siti (at) gmail (dot) com", "siti [at] yahoo [dot] co [dot] id",
    "siti at yahoo dot com", "siti.aminah gmail com", "siti＠ｇｍａｉｌ．ｃｏｍ", "@siti_aminah",
    "siti @ mail.com",
    # names
    "Budi bin Slamet", "Aminah binti Ahmad", "Aminah bt. Ahmad", "Ani alias Ina",
    "anak dari Bpk Ahmad", "Sdr. Budi", "An. Budi", "Bpk. Joko", "Siti Aminah", "SITI AMINAH",
    "SITI-AMINAH", "nama korban: Budi", "Ѕіtі Аmіnаh",
    # addresses
    "Jl. Mawar 5", "Jalan Melati Raya", "Gg. Buntu", "Gang Kelinci 3", "RT 03/RW 05",
    "RT/RW 003/005", "RT03", "No. 5", "Kp. Pasir", "Dusun Krajan", "Perum Griya Asri",
    "Blok C2", "Komplek Hijau",
]

# Real-looking case numbers: each is a case code and holds no personal data.
CASE_REFS = ["PPA-2024-001", "UPTD/SRG/2024/015", "K-12", "2024-0007", "PPA-36.73-001", "K1",
             "LP/123/IV/2024/POLRES", "B-001/PPA/I/2025", "REG-2025-0042", "KS-SRG-2024-15",
             "DP3AKB.SRG.2024.07", "ABH/2024/03", "P2TP2A-0123", "UPTD-PPA-MTR-2025-9",
             "KDRT-2025-011", "TPPO-24-3", "PPA.KOTA.SERANG.2024.1", "No.15/UPTD/2024",
             "ppa-2024-002", "UPTD/PPA/XII/2024"]


# Words the messages themselves use (the rules they explain), not taken from the value.
TEMPLATE_WORDS = {"binti", "alias", "anak", "dari", "nama", "jalan", "gang", "dusun", "perum",
                  "blok", "telp", "mail"}


def _refused(value: str, field: str = "case_ref") -> RegistryError:
    with pytest.raises(RegistryError) as err:
        validate("ppa_case", [{**GOOD, "case_ref": "PPA-1", field: value}], METRO)
    return err.value


def test_the_lists_are_long_enough():
    assert len(REFUSED) >= 40 and len(set(REFUSED)) == len(REFUSED)
    assert len(CASE_REFS) >= 10


@pytest.mark.parametrize("text", REFUSED)
def test_personal_data_is_refused(text):
    assert kind_of(text) in KINDS
    msg = personal_data(text)
    assert isinstance(msg, Msg) and msg.key == f"err.personal.{kind_of(text)}"


@pytest.mark.parametrize("text", REFUSED)
def test_the_registry_refuses_it_without_quoting_it(text):
    err = _refused(text)
    for lang in LANGS:
        said = describe(err, lang)
        assert said.startswith(("baris 2, kolom Nomor kasus: tampak seperti data pribadi",
                                "row 2, field Case number: looks like personal data")), said
        assert text not in said and normalise(text) not in said
        assert not re.search(r"\d{4}", said)  # no part of a NIK or phone number
        for word in re.findall(r"[A-Za-z]{4,}", normalise(text)):
            if word.lower() not in TEMPLATE_WORDS:
                assert word not in said, (word, said)


@pytest.mark.parametrize("ref", CASE_REFS)
def test_legitimate_case_numbers_pass(ref):
    assert kind_of(ref) is None
    [row] = validate("ppa_case", [{**GOOD, "case_ref": ref}], METRO)
    assert row["case_ref"] == ref.upper() and CASE_REF.fullmatch(row["case_ref"])


@pytest.mark.parametrize("kind,text", [
    ("nik", "3201 2345 6789 0001"), ("nik", "NIK3201234567890001"), ("phone", "(021) 5551234"),
    ("phone", "+62 812 3456 7890"), ("phone", "HP0812345678"), ("email", "x [at] mail"),
    ("email", "siti＠mail.com"), ("name", "Siti Aminah"), ("name", "Budi bin Slamet"),
    ("name", "Ibu Siti"), ("address", "Jl. Mawar 5"), ("address", "RT 03/RW 05"),
])
def test_each_kind_has_its_reason(kind, text):
    assert kind_of(text) == kind


def test_both_languages_explain_the_kind():
    nik = personal_data("3201-2345-6789-0001")
    assert nik.render("id").startswith("tampak seperti data pribadi: NIK")
    assert nik.render("en").startswith("looks like personal data: an NIK")
    phone = _refused("0812 3456 7890", "case_ref")
    assert describe(phone, "id").startswith(
        "baris 2, kolom Nomor kasus: tampak seperti data pribadi: nomor telepon")
    assert describe(phone, "en").startswith(
        "row 2, field Case number: looks like personal data: a phone number")
    name = _refused("Siti Aminah binti Ahmad")
    assert "nama orang" in describe(name, "id") and "a person's name" in describe(name, "en")
    for kind in KINDS:
        for lang in LANGS:
            assert f"err.personal.{kind}" in catalogue(lang)


def test_every_field_is_checked_and_nothing_quoted():
    """A choice or a date holding personal data is refused for it, not quoted as a bad choice."""
    for field in ("category", "age_band", "sex", "reported_on", "first_handled_on", "closed_on"):
        err = _refused("0812-3456-7890", field)
        assert len(err.errors) == 1, err.errors
        assert "looks like personal data: a phone number" in err.errors[0]
        assert "0812" not in describe(err, "id")


def test_extra_columns_are_still_refused():
    with pytest.raises(RegistryError) as err:
        validate("ppa_case", [{**GOOD, "case_ref": "K-2", "nama_anak": "Budi",
                               "081234567890": "x"}], METRO)
    assert err.value.errors == ["row 2: column(s) nama_anak, … not allowed (no names, addresses "
                                "or other personal data)"]


@pytest.mark.parametrize("ref", ["PPA 2024 001", "PPA--2024", "-PPA", "PPA-", "PPA_2024",
                                 "PPA#1", "2024-00123", "PPA-2024-03-15-01", "KASUS/2024.0001.9"])
def test_case_numbers_outside_the_pattern(ref):
    err = _refused(ref)
    assert len(err.errors) == 1
    said = describe(err, "en")
    if kind_of(ref):  # 9 digits in a row: a phone number's length
        assert "looks like personal data: a phone number" in said
    else:
        assert said == (
            "row 2, field Case number: not a case code: only letters A–Z and digits, in groups "
            "joined by one - / or . (e.g. PPA-2024-001, UPTD/SRG/2024/015), at most 40 "
            "characters and at most 8 digits in a row (separators between digits not counted)")
        assert describe(err, "id").startswith("baris 2, kolom Nomor kasus: bukan kode kasus")


def test_case_number_length_and_form():
    assert case_ref("A" * CASE_REF_MAX) == "A" * CASE_REF_MAX
    assert case_ref("A" * (CASE_REF_MAX + 1)) is None
    assert case_ref("１２３４５６７８") == "12345678" and case_ref("1-2345678-9") is None
    assert case_ref("ppa-2024-1") == "PPA-2024-1"
    with pytest.raises(RegistryError, match="41 characters; at most 40"):
        validate("ppa_case", [{**GOOD, "case_ref": "K" * 41}], METRO)
    with pytest.raises(RegistryError) as err:
        validate("ppa_case", [{**GOOD, "case_ref": ""}], METRO, form=True)
    assert err.value.errors == ["Case number: required"]


def test_the_shipped_sample_cases_pass():
    from kla.domain.sample import registry_samples

    for area in (METRO, Area("36.73", "Kota Serang", {}, {})):
        rows, _ = registry_samples(area)
        assert rows["ppa_case"] and validate("ppa_case", rows["ppa_case"], area)


def _corpus() -> list[tuple[str, str, int]]:
    cases = []
    for n, line in enumerate(CORPUS.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        expect, text = line.split("\t", 1)
        text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
        cases.append((expect, text, n))
    return cases


def test_the_corpus_is_read():
    cases = _corpus()
    assert len(cases) >= 60
    assert {e.split(":")[0] for e, _, _ in cases} == {"refuse", "pass"}


@pytest.mark.parametrize("expect,text,line", _corpus(), ids=lambda v: str(v)[:30])
def test_corpus(expect, text, line):
    found = kind_of(text)
    if expect == "pass":
        assert found is None, (line, found)
    elif ":" in expect:
        assert found == expect.split(":")[1], (line, found)
    else:
        assert found is not None, line


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_the_filter_never_raises(text):
    msg = personal_data(text)
    assert msg is None or msg.key.startswith("err.personal.")
    code = case_ref(text) if len(text) <= CASE_REF_MAX else None
    if code is not None:  # what passes as a case number is a code with few digits in a row
        assert CASE_REF.fullmatch(code) and longest_number(code) <= CASE_REF_DIGITS


@settings(max_examples=200, deadline=None)
@given(st.lists(st.characters(categories=["Nd"]), min_size=16, max_size=16),
       st.lists(st.text(alphabet=" -./()+", max_size=3), min_size=15, max_size=15),
       st.text(max_size=20), st.text(max_size=20))
def test_any_16_digit_number_in_separators_is_refused(digits, seps, before, after):
    number = digits[0] + "".join(s + d for s, d in zip(seps, digits[1:]))
    text = before + number + after
    assert personal_data(text) is not None, repr(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_the_registry_refuses_or_stores_a_code(text):
    """Whatever is typed as the case number: a RegistryError, or a code without personal data."""
    try:
        [row] = validate("ppa_case", [{**GOOD, "case_ref": text}], METRO)
    except RegistryError as exc:
        assert all(isinstance(e, Msg) for e in exc.errors)
        return
    assert CASE_REF.fullmatch(row["case_ref"]) and kind_of(row["case_ref"]) is None
