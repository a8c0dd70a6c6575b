"""Evidence with validity (kla/domain/validity.py): the input check names each field by its
label in both languages and reports every problem at once; each flag rule at its edges; the
state of a question from its credit, the evidence asked for and its files' flags."""

from datetime import date

import pytest

from kla.domain import validity as v
from kla.domain.completeness import required_evidence
from kla.domain.framework import get_framework
from kla.i18n import describe

Y = 2025
TWO = ["data 2 tahun"]


def meta(**kw) -> v.Meta:
    return v.check_meta(year=Y, **kw)


def codes(m: v.Meta, kinds=(), year: int = Y) -> list[str]:
    return [f.code for f in v.file_flags(m, kinds, year)]


# --- check_meta -------------------------------------------------------------------------------
def test_good_input_is_cleaned():
    m = meta(doc_type=" SK ", doc_number="  188/12/2024 ", signed_on="2024-03-01",
             valid_until=date(2026, 12, 31), data_years="2024, 2023;2022", is_signed=True)
    assert m == v.Meta("sk", "188/12/2024", date(2024, 3, 1), date(2026, 12, 31),
                       (2022, 2023, 2024), True)
    assert meta(data_years=[2024, "2023"]).data_years == (2023, 2024)


def test_empty_input_is_not_stated():
    m = meta(doc_type="", doc_number="", signed_on=None, valid_until="", data_years="",
             is_signed=None)
    assert m == v.Meta() and m.empty
    assert not meta(is_signed=False).empty
    assert not meta(doc_number="1").empty


def test_every_problem_at_once_naming_the_fields():
    with pytest.raises(v.MetaError) as err:
        meta(doc_type="keppres", doc_number="188\x00", signed_on="2024-05-01",
             valid_until="2024-04-30", data_years="2023, dua ribu, 1989, 2027, 2023",
             is_signed="ya")
    text = describe(err.value, "id")
    assert len(err.value.errors) == 9, text  # "dua ribu" is two words, each not a year
    assert "Jenis dokumen: jenis 'keppres' tidak dikenal" in text and "SK" in text
    assert "Nomor dokumen: memuat karakter kendali" in text
    assert "Berlaku sampai (30 Apr 2024) lebih awal dari Tanggal ditandatangani (1 Mei 2024)" \
        in text
    assert "Tahun data: 'dua' bukan tahun" in text
    assert "Tahun data: tahun 1989 di luar rentang 1990–2026" in text
    assert "Tahun data: tahun 2027 di luar rentang 1990–2026" in text
    assert "Tahun data: tahun 2023 ditulis dua kali" in text
    assert "Sudah ditandatangani: 'ya' harus ya, tidak, atau dikosongkan" in text
    en = describe(err.value, "en")
    assert "Document type: unknown type 'keppres'" in en and "Decree (SK)" in en
    assert "Valid until (30 Apr 2024) is before Date signed (1 May 2024)" in en
    assert "Data years: year 1989 is outside 1990–2026" in en
    assert "Document number: contains a control character" in en


def test_years_edges_and_duplicates():
    assert meta(data_years="1990, 2026").data_years == (1990, 2026)  # both ends allowed
    with pytest.raises(v.MetaError) as err:
        meta(data_years="2024 2024")
    assert describe(err.value, "id") == "Tahun data: tahun 2024 ditulis dua kali"
    assert describe(err.value, "en") == "Data years: year 2024 is written twice"
    with pytest.raises(v.MetaError):
        meta(data_years=[True])  # a bool is not a year
    with pytest.raises(v.MetaError):
        meta(data_years="٢٠٢٤")  # non-ASCII digits are not read as a year


def test_number_length_and_dates():
    assert len(meta(doc_number="x" * v.DOC_NUMBER_MAX).doc_number) == v.DOC_NUMBER_MAX
    with pytest.raises(v.MetaError) as err:
        meta(doc_number="x" * (v.DOC_NUMBER_MAX + 1))
    assert describe(err.value, "id") == "Nomor dokumen: paling banyak 120 karakter (sekarang 121)"
    with pytest.raises(v.MetaError) as err:
        meta(signed_on="31/12/2024")
    assert describe(err.value, "en") == "Date signed: '31/12/2024' is not a date (YYYY-MM-DD)"
    same = meta(signed_on="2024-01-01", valid_until="2024-01-01")  # the same day is fine
    assert same.valid_until == same.signed_on


# --- file_flags -------------------------------------------------------------------------------
def test_no_metadata_no_flag():
    assert codes(v.Meta(), TWO) == []


@pytest.mark.parametrize("until,expired", [(date(2024, 12, 31), True), (date(2025, 1, 1), False),
                                           (None, False)])
def test_expired_decree(until, expired):
    assert (codes(v.Meta("sk", valid_until=until)) == ["expired"]) is expired
    assert codes(v.Meta("foto", valid_until=until)) == []  # not a decree: never expires


def test_expired_reason_has_the_numbers():
    (flag,) = v.file_flags(v.Meta("perda", valid_until=date(2024, 8, 3)), (), Y)
    assert flag.reason.render("id") == ("Perda berlaku sampai 3 Agu 2024, sebelum tahun evaluasi "
                                        "2025 dimulai — sudah kedaluwarsa")
    assert flag.reason.render("en").startswith("Local regulation (Perda) valid until 3 Aug 2024")


def test_unsigned_decree():
    assert codes(v.Meta("mou", is_signed=False)) == ["unsigned"]
    assert codes(v.Meta("mou", is_signed=None)) == []  # unknown is not flagged
    assert codes(v.Meta("data", is_signed=False)) == []
    assert codes(v.Meta("sk", valid_until=date(2020, 1, 1), is_signed=False)) == ["expired",
                                                                                 "unsigned"]


@pytest.mark.parametrize("years,stale", [
    ((2023, 2024), False), ((2022, 2023, 2024), False), ((2023, 2024, 2025), False),
    ((2024,), True), ((2023,), True), ((2021, 2022), True), ((2022,), True)])
def test_stale_data_when_two_years_are_asked(years, stale):
    m = v.Meta("data", data_years=years)
    assert (codes(m, TWO) == ["stale_data"]) is stale
    assert codes(m, ["SK"]) == []  # two years not asked: no such flag


def test_stale_data_rule_scope():
    assert codes(v.Meta(None, data_years=(2020,)), TWO) == ["stale_data"]  # type not stated
    assert codes(v.Meta("sk", data_years=(2020,)), TWO) == []  # a decree's years are its own
    assert codes(v.Meta("data", doc_number="1"), TWO) == []  # no years stated: unknown
    (flag,) = v.file_flags(v.Meta("data", data_years=(2022,)), TWO, Y)
    assert flag.reason.render("id") == ("Pertanyaan meminta data 2 tahun (2023 dan 2024); "
                                        "berkas ini memuat data tahun 2022")


@pytest.mark.parametrize("years,signed,flagged", [
    ((2024,), None, False), ((2025,), None, False), ((2023, 2024), None, False),
    ((2023,), None, True), ((2026,), None, True), ((), date(2024, 12, 20), False),
    ((), date(2023, 12, 20), True), ((), None, False), ((2024,), date(2020, 1, 1), False)])
def test_budget_year(years, signed, flagged):
    m = v.Meta("anggaran", data_years=years, signed_on=signed)
    assert (codes(m, TWO) == ["budget_year"]) is flagged  # never stale_data too


def test_budget_reason():
    (flag,) = v.file_flags(v.Meta("anggaran", data_years=(2022,)), (), Y)
    assert flag.reason.render("en") == ("Budget document of 2022; for evaluation year 2025, "
                                        "2024 or 2025 is expected")


def test_the_two_year_kind_is_the_completeness_kind():
    fw = get_framework("kla-2024")
    assert any(v.TWO_YEARS in required_evidence(q) for q in fw.questions.values())


# --- question_state ---------------------------------------------------------------------------
def test_question_states():
    flag = v.Flag("expired", v.date_text(date(2024, 1, 1)))
    assert v.question_state(0.0, ["SK"], [[flag]]) == v.UNCLAIMED
    assert v.question_state(None, ["SK"], []) == v.UNCLAIMED
    assert v.question_state(0.5, ["SK"], []) == v.MISSING
    assert v.question_state(0.5, [], []) == v.NOT_REQUIRED
    assert v.question_state(1.0, ["SK"], [[flag]]) == v.FLAGGED
    assert v.question_state(1.0, ["SK"], [[flag], []]) == v.FINE
    assert v.question_state(1.0, [], [[]]) == v.FINE
    assert v.question_state(1.0, [], [[flag]]) == v.FLAGGED
    assert set(v.STATES) == {v.UNCLAIMED, v.MISSING, v.FLAGGED, v.FINE, v.NOT_REQUIRED}


def test_labels_exist_in_both_languages():
    from kla.i18n import catalogue

    for lang in ("id", "en"):
        cat = catalogue(lang)
        keys = ([f"validity.doc_type.{c}" for c in (*v.DOC_TYPES, "none")]
                + [f"validity.field.{f}" for f in v.FIELDS]
                + [f"validity.flag.{c}" for c in (*v.FLAG_CODES, "missing")]
                + [f"validity.flag_name.{c}" for c in (*v.FLAG_CODES, "missing")]
                + [f"validity.state.{s}" for s in v.STATES]
                + [f"validity.month.{m}" for m in range(1, 13)])
        assert not [k for k in keys if k not in cat], lang
