"""Evidence with validity: what a file says about itself (document type, number, date signed,
valid until, data years covered, signed) and the flags a verifier would raise on it. Pure.

The constants are also the store's vocabulary (``kla.store.models.Evidence``).

The rules (``Y`` = the evaluation year of the assessment; docs/workflow.md, "Validitas
bukti / Evidence validity"):

* ``expired`` — a decree or agreement (``DECREES``) whose *valid until* is before 1 January of
  ``Y``: it was no longer in force in the year being evaluated.
* ``unsigned`` — a decree or agreement marked *not signed* (a draft). Unknown (not stated)
  is not flagged.
* ``stale_data`` — the question asks for two years of data (``required_evidence`` contains
  ``"data 2 tahun"``) and the file states data years that do not include both ``Y-2`` and
  ``Y-1`` (so also when its newest year is older than ``Y-2``). Decrees and budget documents
  are not checked by this rule (their years are the decree's / the budget's). Each file is
  judged alone: two years in two files flag both — state both years on the file that covers
  them.
* ``budget_year`` — a budget document (``anggaran``) whose years (its data years, else the
  year it was signed) include neither ``Y-1`` nor ``Y``.

A file without metadata gets no flag (unknown, not wrong); ``Meta.empty`` lets pages count
such files so the gap is visible. Flags warn: they never block a submission (the verifier
decides; a flag is only as good as what the city typed).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from kla.domain.text import control_char
from kla.i18n import Msg, Refusal

# Document types of an evidence file (id labels in the catalogue: ``validity.doc_type.<code>``)
DOC_TYPES = ("perda", "perkada", "sk", "surat_edaran", "mou", "anggaran", "data", "foto",
             "lainnya")
# Types that are decrees or agreements: they must be signed, and may expire
DECREES = ("perda", "perkada", "sk", "surat_edaran", "mou")
DOC_NUMBER_MAX = 120
BUDGET = "anggaran"
TWO_YEARS = "data 2 tahun"  # the kind in kla.domain.completeness.EVIDENCE_KINDS
YEAR_MIN = 1990
# the metadata fields, in the order of the form (labels: ``validity.field.<name>``)
FIELDS = ("doc_type", "doc_number", "signed_on", "valid_until", "data_years", "is_signed")

# flag codes, in the order they are reported
EXPIRED, UNSIGNED, STALE_DATA, BUDGET_YEAR = "expired", "unsigned", "stale_data", "budget_year"
FLAG_CODES = (EXPIRED, UNSIGNED, STALE_DATA, BUDGET_YEAR)

# question states (``question_state``)
UNCLAIMED = "unclaimed"  # credit 0 (or not answered): nothing claimed, nothing to prove
MISSING = "missing"  # credit > 0, evidence asked for, no file
FLAGGED = "flagged"  # files present but every one of them carries a flag
FINE = "fine"  # at least one file without a flag
NOT_REQUIRED = "not_required"  # credit > 0, no evidence asked for, no file
STATES = (UNCLAIMED, MISSING, FLAGGED, FINE, NOT_REQUIRED)


class MetaError(Refusal):
    """Document details that cannot be stored; ``errors``: every problem (``Msg``), each
    naming the field by its label."""


def label(field: str) -> Msg:
    """The label of a metadata field (``FIELDS``)."""
    return Msg(f"validity.field.{field}")


def doc_type_label(code: str | None) -> Msg:
    """The label of a document type (``DOC_TYPES``); None: "not stated"."""
    return Msg(f"validity.doc_type.{code}") if code else Msg("validity.doc_type.none")


def date_text(day: date) -> Msg:
    """A date as people read it (``3 Agu 2024`` / ``3 Aug 2024``), in the reader's language."""
    return Msg("validity.date", day=day.day, month=Msg(f"validity.month.{day.month}"),
               year=day.year)


@dataclass(frozen=True)
class Meta:
    """What an evidence file says about itself; every field optional."""

    doc_type: str | None = None
    doc_number: str = ""
    signed_on: date | None = None
    valid_until: date | None = None
    data_years: tuple[int, ...] = ()
    is_signed: bool | None = None

    @property
    def empty(self) -> bool:
        """Nothing stated: the file's validity is unknown (no flag, counted as "no
        metadata")."""
        return (self.doc_type is None and not self.doc_number and self.signed_on is None
                and self.valid_until is None and not self.data_years
                and self.is_signed is None)

    def as_dict(self) -> dict:
        """The fields as stored (``data_years`` a list) — and as audited (ISO dates)."""
        return {"doc_type": self.doc_type, "doc_number": self.doc_number,
                "signed_on": self.signed_on.isoformat() if self.signed_on else None,
                "valid_until": self.valid_until.isoformat() if self.valid_until else None,
                "data_years": list(self.data_years), "is_signed": self.is_signed}

    @classmethod
    def of(cls, row: object) -> Meta:
        """The metadata of a stored row (any object with the six attributes), trusted."""
        return cls(getattr(row, "doc_type", None) or None,
                   getattr(row, "doc_number", "") or "",
                   _as_date(getattr(row, "signed_on", None)),
                   _as_date(getattr(row, "valid_until", None)),
                   tuple(sorted(int(y) for y in (getattr(row, "data_years", None) or ()))),
                   getattr(row, "is_signed", None))


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        return date.fromisoformat(value)
    return None


@dataclass(frozen=True)
class Flag:
    code: str  # one of FLAG_CODES
    reason: Msg


_YEAR_SPLIT = re.compile(r"[,;\s/]+")


def _parse_date(field: str, value: object, errors: list[Msg]) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    errors.append(Msg("validity.err.date", field=label(field), value=str(value)[:40]))
    return None


def _parse_years(value: object, year: int, errors: list[Msg]) -> tuple[int, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        parts: Sequence[object] = [p for p in _YEAR_SPLIT.split(value.strip()) if p]
    elif isinstance(value, Iterable):
        parts = list(value)
    else:
        parts = [value]
    years: list[int] = []
    bad = False
    for p in parts:
        if isinstance(p, bool):
            n = None
        elif isinstance(p, int):
            n = p
        elif isinstance(p, str) and p.strip().isascii() and p.strip().isdigit():
            n = int(p.strip())
        else:
            n = None
        if n is None:
            errors.append(Msg("validity.err.year_nan", field=label("data_years"),
                              value=str(p)[:20]))
            bad = True
        elif not YEAR_MIN <= n <= year + 1:
            errors.append(Msg("validity.err.year_range", field=label("data_years"), value=n,
                              low=YEAR_MIN, high=year + 1))
            bad = True
        elif n in years:
            errors.append(Msg("validity.err.year_twice", field=label("data_years"), value=n))
            bad = True
        else:
            years.append(n)
    return () if bad else tuple(sorted(years))


def check_meta(*, doc_type: object = None, doc_number: object = "", signed_on: object = None,
               valid_until: object = None, data_years: object = None,
               is_signed: object = None, year: int) -> Meta:
    """The document details a user typed, checked for the evaluation ``year``: ``Meta``, or
    ``MetaError`` with every problem at once (each naming its field by label). Empty input
    (None, "") means "not stated". ``data_years``: text (``"2023, 2024"``) or numbers;
    dates: ``date`` or ISO text."""
    errors: list[Msg] = []
    code = doc_type.strip().lower() if isinstance(doc_type, str) else doc_type
    if code in ("", None):
        code = None
    elif code not in DOC_TYPES:
        errors.append(Msg("validity.err.doc_type", field=label("doc_type"),
                          value=str(doc_type)[:40],
                          choices=[doc_type_label(c) for c in DOC_TYPES]))
        code = None
    number = "" if doc_number is None else str(doc_number).strip()
    if control_char(number):
        errors.append(Msg("validity.err.control", field=label("doc_number"),
                          char=control_char(number)))
    elif len(number) > DOC_NUMBER_MAX:
        errors.append(Msg("validity.err.too_long", field=label("doc_number"),
                          n=DOC_NUMBER_MAX, length=len(number)))
    signed = _parse_date("signed_on", signed_on, errors)
    until = _parse_date("valid_until", valid_until, errors)
    if signed and until and until < signed:
        errors.append(Msg("validity.err.until_before_signed", field=label("valid_until"),
                          other=label("signed_on"), until=date_text(until),
                          signed=date_text(signed)))
    years = _parse_years(data_years, year, errors)
    if is_signed not in (None, True, False):
        errors.append(Msg("validity.err.signed", field=label("is_signed"),
                          value=str(is_signed)[:20]))
    if errors:
        raise MetaError(*errors)
    return Meta(code, number, signed, until, years, is_signed)  # type: ignore[arg-type]


def file_flags(meta: Meta, asked_kinds: Iterable[str], year: int) -> list[Flag]:
    """The flags of one file for a question asking ``asked_kinds``
    (``kla.domain.completeness.required_evidence``) in evaluation ``year`` (rules: the
    module's docstring). No metadata: no flag."""
    flags: list[Flag] = []
    if meta.empty:
        return flags
    kind = meta.doc_type
    if kind in DECREES and meta.valid_until is not None and meta.valid_until < date(year, 1, 1):
        flags.append(Flag(EXPIRED, Msg("validity.flag.expired", kind=doc_type_label(kind),
                                       until=date_text(meta.valid_until), year=year)))
    if kind in DECREES and meta.is_signed is False:
        flags.append(Flag(UNSIGNED, Msg("validity.flag.unsigned", kind=doc_type_label(kind))))
    if (TWO_YEARS in asked_kinds and meta.data_years and kind not in DECREES
            and kind != BUDGET):
        want = (year - 2, year - 1)
        if not set(want) <= set(meta.data_years):
            flags.append(Flag(STALE_DATA, Msg("validity.flag.stale_data",
                                              years=list(meta.data_years), first=want[0],
                                              last=want[1], year=year)))
    if kind == BUDGET:
        years = meta.data_years or ((meta.signed_on.year,) if meta.signed_on else ())
        if years and not {year - 1, year} & set(years):
            flags.append(Flag(BUDGET_YEAR, Msg("validity.flag.budget_year",
                                               years=list(years), prev=year - 1,
                                               year=year)))
    return flags


def question_state(credit: float | None, asked_kinds: Sequence[str] | Iterable[str],
                   files_flags: Sequence[Sequence[Flag]]) -> str:
    """The state of one question: ``UNCLAIMED`` (credit 0 or not answered), ``MISSING``
    (credit claimed, evidence asked, no active file), ``NOT_REQUIRED`` (credit claimed,
    nothing asked, no file), ``FINE`` (at least one file without a flag) or ``FLAGGED``
    (files, each with a flag). ``files_flags``: the flags of each active file."""
    if not credit:
        return UNCLAIMED
    if not files_flags:
        return MISSING if list(asked_kinds) else NOT_REQUIRED
    return FINE if any(not f for f in files_flags) else FLAGGED
