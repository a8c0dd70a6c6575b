"""Child-service and facility registries and the credits they propose. Pure.

Four registries a city keeps all year: play areas (RBRA, SNI 9169:2023), KHA training of
service providers, child-participation bodies per kecamatan / desa-kelurahan (Puspaga, Forum
Anak, PATBM, RIRA, LPKS), and UPTD PPA cases (no personal data). Each declares the instrument
questions it informs and proposes a credit with its reasoning; the coordinator accepts or
overrides it.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

PLAY_KINDS = ("park", "square", "green_space", "school", "other")
PLAY_STANDARDS = ("certified", "in_process", "not_standardized")
BODIES = ("puspaga", "forum_anak", "patbm", "rira", "lpks")
PROVIDER_KINDS = ("gugus_tugas", "disdukcapil", "ila", "forum_anak", "puspaga", "paud", "lksa",
                  "rbra", "rass", "puskesmas", "school", "pka_rira", "special_protection")
# Which KHA-training question each kind of provider informs.
KHA_QUESTIONS = {"gugus_tugas": "2.P2", "disdukcapil": "4.P5", "ila": "5.P6",
                 "forum_anak": "6.P4", "puspaga": "8.P5", "paud": "9.P2", "lksa": "10.P4",
                 "rbra": "11.P3", "rass": "11.P6", "puskesmas": "15.P4", "school": "19.P4",
                 "pka_rira": "20.P4", "special_protection": "21A.P8"}
CASE_CATEGORIES = ("kekerasan_fisik", "kekerasan_psikis", "kekerasan_seksual", "penelantaran",
                   "eksploitasi", "perdagangan", "abh", "lainnya")
AGE_BANDS = ("0-5", "6-12", "13-17")
SEXES = ("L", "P")
# Kelana/Dekela questions the body registry answers: (body, level) -> question id.
BODY_QUESTIONS = {("forum_anak", "kecamatan"): "25.P2", ("forum_anak", "desa_kelurahan"): "26.P4",
                  ("puspaga", "kecamatan"): "25.P10", ("puspaga", "desa_kelurahan"): "26.P11",
                  ("patbm", "desa_kelurahan"): "26.P15"}
PLAY_QUESTIONS = {"kecamatan": "25.P12", "desa_kelurahan": "26.P14", "standard": "11.P2"}

# Personal identifiers must never enter the case registry: NIK (16 digits), phone numbers,
# e-mail addresses, or a name-like field.
_NIK = re.compile(r"\b\d{16}\b")
_PHONE = re.compile(r"(\+62|\b0)8\d{7,11}\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


@dataclass(frozen=True)
class Area:
    """A kab/kota with its kecamatan and desa/kelurahan codes (the real denominators)."""

    kode: str
    nama: str
    kecamatan: dict[str, str]  # kode -> nama
    desa: dict[str, str]  # kode -> nama

    def kecamatan_of(self, desa_kode: str) -> str:
        return desa_kode.rsplit(".", 1)[0]


class RegistryError(ValueError):
    """Rows refused; ``errors`` name the row (spreadsheet numbering) and the field."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors[:50]) + (f"\n… and {len(errors) - 50} more"
                                                    if len(errors) > 50 else ""))


def _date(value: object, where: str, errors: list[str], required: bool = True) -> date | None:
    if value in (None, ""):
        if required:
            errors.append(f"{where}: a date is required (YYYY-MM-DD)")
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        errors.append(f"{where}: '{value}' is not a date (YYYY-MM-DD)")
        return None


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _choice(value: object, options: Sequence[str], where: str, errors: list[str]) -> str:
    v = _text(value).lower().replace(" ", "_")
    if v not in options:
        errors.append(f"{where}: '{value}' is not one of {', '.join(options)}")
    return v


def _count(value: object, where: str, errors: list[str]) -> int:
    try:
        x = float(value)
    except (TypeError, ValueError):
        errors.append(f"{where}: '{value}' is not a number")
        return 0
    if not math.isfinite(x) or x < 0 or x != int(x):
        errors.append(f"{where}: {value} must be a whole number ≥ 0")
        return 0
    return int(x)


def _yes(value: object) -> bool:
    return _text(value).lower() in ("1", "true", "ya", "yes", "y", "x")


def validate(kind: str, rows: Sequence[Mapping[str, object]], area: Area,
             existing_keys: set[tuple] = frozenset(), first_row: int = 2) -> list[dict]:
    """Check rows of registry ``kind`` for kab/kota ``area``; clean rows or RegistryError.

    Row numbers start at ``first_row`` (2 = the first data row under a header row)."""
    errors: list[str] = []
    out: list[dict] = []
    seen: dict[tuple, int] = {}
    for n, raw in enumerate(rows, start=first_row):
        where = f"row {n}"
        row, key = _validate_one(kind, raw, area, where, errors)
        if row is None:
            continue
        if key in seen:
            errors.append(f"{where}: duplicate of row {seen[key]} ({', '.join(map(str, key))})")
            continue
        if key in existing_keys:
            errors.append(f"{where}: already in the registry ({', '.join(map(str, key))})")
            continue
        seen[key] = n
        out.append(row)
    if errors:
        raise RegistryError(errors)
    return out


def key_of(kind: str, row: Mapping[str, object]) -> tuple:
    """The identity of a row (a second row with the same key is a duplicate); names compare
    without case and surrounding spaces, as validation stores them."""
    def text(v: object) -> str:
        return str(v).strip().lower()

    return {"play_area": lambda r: (r["kecamatan_kode"], text(r["name"])),
            "kha_training": lambda r: (text(r["provider_name"]), str(r["training_date"])),
            "village_body": lambda r: (r["area_kode"], r["body"]),
            "ppa_case": lambda r: (text(r["case_ref"]),)}[kind](row)


def _validate_one(kind: str, raw: Mapping[str, object], area: Area, where: str,
                  errors: list[str]) -> tuple[dict | None, tuple]:
    before = len(errors)
    if kind == "play_area":
        name = _text(raw.get("name"))
        if not name:
            errors.append(f"{where}, field name: required")
        kec = _text(raw.get("kecamatan_kode"))
        if kec not in area.kecamatan:
            errors.append(f"{where}, field kecamatan_kode: '{kec}' is not a kecamatan of "
                          f"{area.nama} ({area.kode})")
        desa = _text(raw.get("desa_kode")) or None
        if desa and (desa not in area.desa or area.kecamatan_of(desa) != kec):
            errors.append(f"{where}, field desa_kode: '{desa}' is not a desa/kelurahan of "
                          f"kecamatan {kec}")
        standard = _choice(raw.get("standard"), PLAY_STANDARDS, f"{where}, field standard",
                           errors)
        cert_date = _date(raw.get("cert_date"), f"{where}, field cert_date", errors,
                          required=standard == "certified")
        cert_number = _text(raw.get("cert_number"))
        if standard == "certified" and not cert_number:
            errors.append(f"{where}, field cert_number: required for a certified play area")
        row = {"name": name, "kecamatan_kode": kec, "desa_kode": desa,
               "kind": _choice(raw.get("kind"), PLAY_KINDS, f"{where}, field kind", errors),
               "standard": standard, "cert_number": cert_number, "cert_date": cert_date}
    elif kind == "kha_training":
        name = _text(raw.get("provider_name"))
        if not name:
            errors.append(f"{where}, field provider_name: required")
        trained = _date(raw.get("training_date"), f"{where}, field training_date", errors)
        certificate = _yes(raw.get("certificate"))
        cert_date = _date(raw.get("cert_date"), f"{where}, field cert_date", errors,
                          required=certificate)
        if trained and cert_date and cert_date < trained:
            errors.append(f"{where}, field cert_date: {cert_date} is before the training "
                          f"({trained})")
        if certificate and not _text(raw.get("cert_number")):
            errors.append(f"{where}, field cert_number: required when a certificate is issued")
        row = {"provider_kind": _choice(raw.get("provider_kind"), PROVIDER_KINDS,
                                        f"{where}, field provider_kind", errors),
               "provider_name": name,
               "people_trained": _count(raw.get("people_trained"),
                                        f"{where}, field people_trained", errors),
               "training_date": trained, "certificate": certificate,
               "cert_number": _text(raw.get("cert_number")), "cert_date": cert_date}
    elif kind == "village_body":
        code = _text(raw.get("area_kode"))
        if code not in area.kecamatan and code not in area.desa:
            errors.append(f"{where}, field area_kode: '{code}' is not a kecamatan or "
                          f"desa/kelurahan of {area.nama} ({area.kode})")
        row = {"area_kode": code,
               "body": _choice(raw.get("body"), BODIES, f"{where}, field body", errors),
               "sk_number": _text(raw.get("sk_number")),
               "sk_date": _date(raw.get("sk_date"), f"{where}, field sk_date", errors,
                                required=False)}
    elif kind == "ppa_case":
        for fld in ("case_ref", "category", "age_band", "sex"):
            text = _text(raw.get(fld))
            if _NIK.search(text) or _PHONE.search(text) or _EMAIL.search(text):
                errors.append(f"{where}, field {fld}: looks like personal data (NIK, phone or "
                              f"e-mail); the registry keeps no personal data of the child")
        extra = [k for k in raw if k not in ("case_ref", "category", "age_band", "sex",
                                             "reported_on", "first_handled_on", "closed_on")
                 and _text(raw.get(k))]
        if extra:
            errors.append(f"{where}: column(s) {', '.join(extra)} not allowed (no names, "
                          f"addresses or other personal data)")
        ref = _text(raw.get("case_ref"))
        if not ref:
            errors.append(f"{where}, field case_ref: required")
        reported = _date(raw.get("reported_on"), f"{where}, field reported_on", errors)
        handled = _date(raw.get("first_handled_on"), f"{where}, field first_handled_on",
                        errors, required=False)
        closed = _date(raw.get("closed_on"), f"{where}, field closed_on", errors,
                       required=False)
        if reported and handled and handled < reported:
            errors.append(f"{where}, field first_handled_on: {handled} is before the report "
                          f"({reported})")
        if closed and (handled is None or closed < handled):
            errors.append(f"{where}, field closed_on: {closed} needs a first handling on or "
                          f"before it")
        row = {"case_ref": ref,
               "category": _choice(raw.get("category"), CASE_CATEGORIES,
                                   f"{where}, field category", errors),
               "age_band": _choice(raw.get("age_band"), AGE_BANDS, f"{where}, field age_band",
                                   errors),
               "sex": _text(raw.get("sex")).upper(), "reported_on": reported,
               "first_handled_on": handled, "closed_on": closed}
        if row["sex"] not in SEXES:
            errors.append(f"{where}, field sex: '{raw.get('sex')}' is not L or P")
    else:
        raise ValueError(f"unknown registry '{kind}'")
    if len(errors) > before:
        return None, ()
    return row, key_of(kind, row)


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


def _share(n: int, d: int) -> float:
    return round(min(1.0, n / d), 2) if d else 0.0


def _fmt(x: float, lang: str) -> str:
    from kla.i18n import fmt_short

    return fmt_short(x, lang)


def _coverage(qid: str, registry: str, n: int, d: int, what_id: str, what_en: str,
              unit_id: str, unit_en: str) -> Proposal:
    c = _share(n, d)
    return Proposal(qid, c, f"{n} dari {d} {unit_id} {what_id} → {_fmt(c, 'id')}",
                    f"{n} of {d} {unit_en} {what_en} → {_fmt(c, 'en')}", registry,
                    {"n": n, "d": d, "level": "kecamatan" if unit_en == "sub-districts"
                     else "desa_kelurahan"})


def propose_play_areas(rows: Sequence[Mapping], area: Area) -> list[Proposal]:
    kec = {r["kecamatan_kode"] for r in rows}
    desa = {r["desa_kode"] for r in rows if r.get("desa_kode")}
    certified = sum(r["standard"] == "certified" for r in rows)
    out = [
        _coverage(PLAY_QUESTIONS["kecamatan"], "play_area", len(kec & set(area.kecamatan)),
                  len(area.kecamatan), "memiliki ruang bermain anak",
                  "have a children's play area", "kecamatan", "sub-districts"),
        _coverage(PLAY_QUESTIONS["desa_kelurahan"], "play_area", len(desa & set(area.desa)),
                  len(area.desa), "memiliki ruang bermain anak", "have a children's play area",
                  "kelurahan/desa", "villages"),
    ]
    c = _share(certified, len(rows))
    out.append(Proposal(PLAY_QUESTIONS["standard"], c,
                        f"{certified} dari {len(rows)} ruang bermain bersertifikat SNI 9169:2023 "
                        f"({len(rows) - certified} belum terstandar) → {_fmt(c, 'id')}",
                        f"{certified} of {len(rows)} play areas certified to SNI 9169:2023 "
                        f"({len(rows) - certified} not standardised) → {_fmt(c, 'en')}",
                        "play_area", {"n": certified, "d": len(rows), "level": "play_area"}))
    return out


def propose_bodies(rows: Sequence[Mapping], area: Area) -> list[Proposal]:
    names = {"forum_anak": ("memiliki Forum Anak", "have a Forum Anak"),
             "puspaga": ("memiliki Puspaga/layanan konsultasi keluarga",
                         "have a Puspaga/family consultation unit"),
             "patbm": ("melaksanakan PATBM", "run PATBM")}
    out = []
    for (body, level), qid in BODY_QUESTIONS.items():
        pool = area.kecamatan if level == "kecamatan" else area.desa
        have = {r["area_kode"] for r in rows if r["body"] == body} & set(pool)
        unit = ("kecamatan", "sub-districts") if level == "kecamatan" else ("kelurahan/desa",
                                                                             "villages")
        out.append(_coverage(qid, "village_body", len(have), len(pool), *names[body], *unit))
    return out


def propose_kha(rows: Sequence[Mapping], targets: Mapping[str, int]) -> list[Proposal]:
    out = []
    for kind, qid in KHA_QUESTIONS.items():
        providers = {r["provider_name"].lower() for r in rows
                     if r["provider_kind"] == kind and r["certificate"]}
        target = int(targets.get(kind, 0) or 0)
        if target <= 0:
            out.append(Proposal(qid, None,
                                f"belum ada target penyedia layanan '{kind}' — isi target",
                                f"no target set for '{kind}' providers — set one",
                                "kha_training", {"n": len(providers), "d": 0}))
            continue
        c = _share(len(providers), target)
        out.append(Proposal(qid, c,
                            f"{len(providers)} dari target {target} penyedia layanan ({kind}) "
                            f"terlatih KHA bersertifikat → {_fmt(c, 'id')}",
                            f"{len(providers)} of the target {target} providers ({kind}) "
                            f"trained in the CRC with a certificate → {_fmt(c, 'en')}",
                            "kha_training", {"n": len(providers), "d": target}))
    return out


def what_if_more(proposal: Proposal, extra: int, question_max: float) -> tuple[float, float]:
    """(new credit, points gained) if ``extra`` more units met the criterion."""
    d = proposal.basis.get("d", 0)
    if not d:
        return proposal.credit or 0.0, 0.0
    new = _share(min(d, proposal.basis["n"] + extra), d)
    return new, round((new - (proposal.credit or 0.0)) * question_max, 2)


def time_to_handling(rows: Sequence[Mapping]) -> list[dict]:
    """Per month reported: cases, handled, median and 90th-percentile days to first handling."""
    months: dict[str, list[int]] = {}
    counts: dict[str, int] = {}
    for r in rows:
        m = r["reported_on"].strftime("%Y-%m")
        counts[m] = counts.get(m, 0) + 1
        if r.get("first_handled_on"):
            months.setdefault(m, []).append((r["first_handled_on"] - r["reported_on"]).days)
    out = []
    for m in sorted(counts):
        days = sorted(months.get(m, []))
        out.append({"month": m, "cases": counts[m], "handled": len(days),
                    "median_days": statistics.median(days) if days else None,
                    "p90_days": _percentile(days, 0.9) if days else None})
    return out


def _percentile(sorted_values: list[int], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if len(sorted_values) == 1:
        return float(sorted_values[0])
    pos = (len(sorted_values) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return round(sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo), 2)


def coverage_by_kecamatan(rows: Sequence[Mapping], area: Area, body: str) -> list[dict]:
    """Per kecamatan: desa/kelurahan with ``body`` over all desa/kelurahan."""
    have = {r["area_kode"] for r in rows if r["body"] == body}
    out = []
    for kec, name in sorted(area.kecamatan.items()):
        pool = [d for d in area.desa if area.kecamatan_of(d) == kec]
        n = sum(d in have for d in pool)
        out.append({"kecamatan": kec, "name": name, "with": n, "total": len(pool),
                    "share": n / len(pool) if pool else 0.0})
    return out


# Form and Excel columns per registry: (field, type, options). Types: text, choice, date, int,
# bool, kecamatan, desa, area (kecamatan or desa).
FIELDS: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = {
    "play_area": (("name", "text", ()), ("kecamatan_kode", "kecamatan", ()),
                  ("desa_kode", "desa", ()), ("kind", "choice", PLAY_KINDS),
                  ("standard", "choice", PLAY_STANDARDS), ("cert_number", "text", ()),
                  ("cert_date", "date", ())),
    "kha_training": (("provider_kind", "choice", PROVIDER_KINDS), ("provider_name", "text", ()),
                     ("people_trained", "int", ()), ("training_date", "date", ()),
                     ("certificate", "bool", ()), ("cert_number", "text", ()),
                     ("cert_date", "date", ())),
    "village_body": (("area_kode", "area", ()), ("body", "choice", BODIES),
                     ("sk_number", "text", ()), ("sk_date", "date", ())),
    "ppa_case": (("case_ref", "text", ()), ("category", "choice", CASE_CATEGORIES),
                 ("age_band", "choice", AGE_BANDS), ("sex", "choice", SEXES),
                 ("reported_on", "date", ()), ("first_handled_on", "date", ()),
                 ("closed_on", "date", ())),
}
KINDS = tuple(FIELDS)
# Form defaults where the first option would demand more fields (a certificate).
DEFAULTS = {"standard": "not_standardized"}
DATE_FIELDS = {k: {f for f, t, _ in v if t == "date"} for k, v in FIELDS.items()}


def to_json(kind: str, row: Mapping[str, object]) -> dict:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.items()}


def from_json(kind: str, data: Mapping[str, object]) -> dict:
    return {k: (date.fromisoformat(v) if k in DATE_FIELDS[kind] and v else v)
            for k, v in data.items() if k not in ("file_sha256", "file_key", "file_type")}


def propose_all(entries: Mapping[str, Sequence[Mapping]], area: Area,
                targets: Mapping[str, int]) -> list[Proposal]:
    """Every proposal the registries can make for a kab/kota."""
    return [*propose_play_areas(entries.get("play_area", ()), area),
            *propose_bodies(entries.get("village_body", ()), area),
            *propose_kha(entries.get("kha_training", ()), targets)]
