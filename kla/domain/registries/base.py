"""What every registry shares: the kab/kota area, the row errors, the field validators
(``Row``), the proposal a rule makes, and the ``Registry`` base class each kind derives from.
Pure.

A kind (one module beside this one) declares its form and Excel columns (``FIELDS``), the
checks of one row (``clean``, through the ``Row`` validators), the identity of a row
(``key``), the link keys its credit rule understands (``LINK_KEYS``) and the rule itself
(``propose``). Which instrument question a link key informs is data: the framework's
``registry_links.csv``, handed to ``propose`` as ``links`` (link key → question id). A link
the framework does not list gives no proposal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import ClassVar

from kla.domain.numbers import NumberError
from kla.domain.text import TEXT_MAX, decimal, line_text, shown, text_problem
from kla.i18n import Msg

# The sub-areas of a kab/kota a coverage credit counts, with their unit names (id, en).
UNITS = {"kecamatan": ("kecamatan", "sub-districts"),
         "desa_kelurahan": ("kelurahan/desa", "villages")}
AREA_LEVELS = tuple(UNITS)

# A form / Excel column: (field, type, options). Types: text, choice, date, int, bool,
# kecamatan, desa, area (kecamatan or desa).
Column = tuple[str, str, tuple[str, ...]]

# Limits every registry value is checked against, on every path (form, Excel, CLI): a text
# field has at most TEXT_MAX characters unless its registry sets less (``Registry.LIMITS``);
# a count at most COUNT_MAX unless set; a date lies from DATE_MIN to the end of next year.
COUNT_MAX = 1_000_000
DATE_MIN = date(2000, 1, 1)
KEY_MAX = 255  # the stored identity of an entry (``registry_entry.key``, VARCHAR(255))
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?")


def date_max(today: date | None = None) -> date:
    """The latest date a registry accepts: 31 December of next year."""
    return date((today or date.today()).year + 1, 12, 31)


@dataclass(frozen=True)
class Area:
    """A kab/kota with its kecamatan and desa/kelurahan codes (the real denominators)."""

    kode: str
    nama: str
    kecamatan: dict[str, str]  # kode -> nama
    desa: dict[str, str]  # kode -> nama

    def kecamatan_of(self, desa_kode: str) -> str:
        return desa_kode.rsplit(".", 1)[0]

    def units(self, level: str) -> dict[str, str]:
        """The kecamatan (``level`` "kecamatan") or the desa/kelurahan of the kab/kota."""
        return self.kecamatan if level == "kecamatan" else self.desa


class RegistryError(ValueError):
    """Rows refused; ``errors`` (``Msg``) name the row (spreadsheet numbering) and the field by
    its label (``row 3, field Village: …``), or only the field when a form was checked."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors[:50]) + (f"\n… and {len(errors) - 50} more"
                                                    if len(errors) > 50 else ""))


def label(field: str) -> Msg:
    """The label of a registry field, as the forms show it (``reg.f.<field>``)."""
    return Msg(f"reg.f.{field}")


def at_row(row: int | None, problem: Msg) -> Msg:
    """A problem of a whole row (``row 3: …``); in a form (``row`` None) the problem alone."""
    return problem if row is None else Msg("err.at_row", row=row, problem=problem)


def at_field(row: int | None, field: str, problem: Msg) -> Msg:
    """A problem of one field, named by its label: ``row 3, field Village: …``; in a form
    (``row`` None) ``Village: …``."""
    if row is None:
        return Msg("err.at_form_field", field=label(field), problem=problem)
    return Msg("err.at_field", row=row, field=label(field), problem=problem)


class Row:
    """One raw row under validation: its field validators clean a value and record every
    problem with the row and the field's label (``row 3, field Village: …``; only the field
    when ``row`` is None, a form), so that all the problems of a row are reported, not only
    the first (each once). ``limits``: the registry's ``LIMITS`` (field → maximum)."""

    def __init__(self, raw: Mapping[str, object], row: int | None, errors: list[str],
                 limits: Mapping[str, int] | None = None):
        self.raw, self.row, self.errors = raw, row, errors
        self.limits = limits or {}
        self._reported: set[str] = set()
        self._refused: set[str] = set()  # fields whose value ``text`` refused

    def error(self, field: str | None, message: Msg) -> None:
        """Record a problem of ``field`` (None: of the row as a whole). A field whose value
        was refused (too long, a control character) has that one problem: the later checks
        saw "" and would call it missing."""
        if field in self._refused:
            return
        msg = at_field(self.row, field, message) if field else at_row(self.row, message)
        if msg not in self._reported:
            self._reported.add(msg)
            self.errors.append(msg)

    def text(self, field: str) -> str:
        """The value on one line (tabs and line breaks as spaces), at most the field's limit
        (``TEXT_MAX`` by default) and without control characters — else a recorded problem
        and "" (so that no check quotes the refused value)."""
        value = line_text(self.raw.get(field))
        problem = text_problem(value, self.limits.get(field, TEXT_MAX))
        if problem is not None:
            self.error(field, problem)
            self._refused.add(field)
            return ""
        return value

    def date(self, field: str, required: bool = True) -> date | None:
        """A date (an Excel date, or ``YYYY-MM-DD`` in ASCII digits, a time after it ignored)
        from ``DATE_MIN`` to the end of next year."""
        value = self.raw.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.error(field, Msg("err.reg.date_required"))
            return None
        if isinstance(value, datetime):
            day = value.date()
        elif isinstance(value, date):
            day = value
        else:
            found = _DATE.fullmatch(str(value).strip())
            try:
                if not found:
                    raise ValueError
                day = date(*map(int, found.groups()))
            except ValueError:
                self.error(field, Msg("err.reg.not_a_date", value=shown(value)))
                return None
        if not DATE_MIN <= day <= date_max():
            self.error(field, Msg("err.reg.date_range", value=day.isoformat(),
                                  low=DATE_MIN.isoformat(), high=date_max().isoformat()))
            return None
        return day

    def choice(self, field: str, options: Sequence[str]) -> str:
        v = line_text(self.raw.get(field)).lower().replace(" ", "_")
        if v not in options:
            self.error(field, Msg("err.reg.not_one_of", value=shown(self.raw.get(field) or ""),
                                  options=tuple(options)))
        return v

    def count(self, field: str) -> int:
        """A whole number from 0 to the field's limit (``COUNT_MAX`` by default): ASCII
        digits (``parse_decimal``), no ``1e20``, ``0_5`` or full-width digits."""
        value = self.raw.get(field)
        high = self.limits.get(field, COUNT_MAX)
        try:
            x = decimal(value)
        except NumberError as exc:
            self.error(field, exc.args[0])
            return 0
        if x < 0 or x != int(x):
            self.error(field, Msg("err.reg.not_whole", value=shown(value)))
            return 0
        if x > high:
            self.error(field, Msg("err.reg.count_max", value=shown(value), max=float(high)))
            return 0
        return int(x)

    def yes(self, field: str) -> bool:
        return line_text(self.raw.get(field)).lower() in ("1", "true", "ya", "yes", "y", "x")


def folded(value: object) -> str:
    """A name as keys compare it: without case and surrounding spaces."""
    return str(value).strip().lower()


@dataclass(frozen=True)
class Proposal:
    question_id: str
    credit: float | None  # None: no proposal possible (the reasoning says why)
    reasoning_id: str
    reasoning_en: str
    registry: str
    basis: dict = field(default_factory=dict)  # numerator/denominator for what-ifs

    def reasoning(self, lang: str = "id") -> str:
        return self.reasoning_en if lang == "en" else self.reasoning_id


def share(n: int, d: int) -> float:
    return round(min(1.0, n / d), 2) if d else 0.0


def fmt(x: float, lang: str) -> str:
    from kla.i18n import fmt_short

    return fmt_short(x, lang)


def coverage(qid: str, registry: str, n: int, d: int, what: tuple[str, str],
             level: str) -> Proposal:
    """``n`` of the ``d`` kecamatan / desa-kelurahan (``level``) meet ``what`` (id, en)."""
    c = share(n, d)
    (what_id, what_en), (unit_id, unit_en) = what, UNITS[level]
    return Proposal(qid, c, f"{n} dari {d} {unit_id} {what_id} → {fmt(c, 'id')}",
                    f"{n} of {d} {unit_en} {what_en} → {fmt(c, 'en')}", registry,
                    {"n": n, "d": d, "level": level})


def what_if_more(proposal: Proposal, extra: int, question_max: float) -> tuple[float, float]:
    """(new credit, points gained) if ``extra`` more units met the criterion."""
    d = proposal.basis.get("d", 0)
    if not d:
        return proposal.credit or 0.0, 0.0
    new = share(min(d, proposal.basis["n"] + extra), d)
    return new, round((new - (proposal.credit or 0.0)) * question_max, 2)


class Registry:
    """One kind of registry. Subclasses set ``kind``, ``FIELDS`` and implement ``clean`` and
    ``key``; those whose rows inform the instrument also set ``LINK_KEYS`` and ``propose``."""

    kind: ClassVar[str]
    FIELDS: ClassVar[tuple[Column, ...]]
    LINK_KEYS: ClassVar[tuple[str, ...]] = ()  # the keys registry_links.csv may name
    DEFAULTS: ClassVar[dict[str, str]] = {}  # form defaults (field -> option)
    # Maximum length of a text field / maximum of a count, where below TEXT_MAX / COUNT_MAX.
    LIMITS: ClassVar[dict[str, int]] = {}

    def limit(self, field: str) -> int | None:
        """The maximum of a text field (characters) or a count; None for other fields."""
        kind = next((t for f, t, _ in self.FIELDS if f == field), None)
        if kind == "text":
            return self.LIMITS.get(field, TEXT_MAX)
        if kind == "int":
            return self.LIMITS.get(field, COUNT_MAX)
        return None

    @property
    def date_fields(self) -> set[str]:
        return {f for f, t, _ in self.FIELDS if t == "date"}

    def clean(self, row: Row, area: Area) -> dict:
        """The cleaned row; every problem recorded through ``row.error`` (or its validators)."""
        raise NotImplementedError

    def key(self, row: Mapping[str, object]) -> tuple:
        """The identity of a cleaned row (a second row with the same key is a duplicate)."""
        raise NotImplementedError

    def propose(self, rows: Sequence[Mapping], area: Area, targets: Mapping[str, int],
                links: Mapping[str, str]) -> list[Proposal]:
        """A proposal per link (link key → question id, from the framework); none without."""
        return []

    def validate(self, rows: Sequence[Mapping[str, object]], area: Area,
                 existing_keys: set[tuple] = frozenset(), first_row: int = 2,
                 form: bool = False, row_numbers: Sequence[int] | None = None) -> list[dict]:
        """Clean rows, or RegistryError listing every problem, duplicates included. ``form``:
        the row was typed into a form, so the messages name no row number. ``row_numbers``:
        each row's number in its sheet (default: consecutive from ``first_row``)."""
        errors: list[str] = []
        out: list[dict] = []
        seen: dict[tuple, int] = {}
        numbers = row_numbers or range(first_row, first_row + len(rows))
        for n, raw in zip(numbers, rows):
            where = None if form else n
            before = len(errors)
            row = self.clean(Row(raw, where, errors, self.LIMITS), area)
            if len(errors) > before:
                continue
            key = self.key(row)
            if len("|".join(map(str, key))) > KEY_MAX:
                errors.append(at_row(where, Msg("err.reg.key_too_long", max=KEY_MAX)))
                continue
            if key in seen:
                errors.append(at_row(where, Msg("err.reg.duplicate_of", first=seen[key],
                                                entry=", ".join(map(str, key)))))
                continue
            if key in existing_keys:
                errors.append(at_row(where, Msg("err.reg.exists",
                                                entry=", ".join(map(str, key)))))
                continue
            seen[key] = n
            out.append(row)
        if errors:
            raise RegistryError(errors)
        return out
