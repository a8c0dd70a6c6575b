"""Evaluation frameworks as data: load and validate ``indicators/<code>/``.

A framework folder holds ``framework.toml`` (metadata, blocks, predicate bands, provenance),
``questions.csv`` (one row per question) and, optionally, ``registry_links.csv`` (which question
each registry rule informs). Pure: no Streamlit, no database.
"""

from __future__ import annotations

import csv
import hashlib
import math
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from kla.domain.registries import LINK_KEYS

DEFAULT_FRAMEWORK = "kla-2024"
from kla.domain.workflow import STAGES  # noqa: F401  (re-exported)

QUESTION_COLUMNS = (
    "block", "indicator_code", "indicator_name", "indicator_max", "question_code",
    "question_max", "for_kecamatan", "for_desa", "data_source_opds", "question_text",
)
LINK_COLUMNS = ("registry", "key", "question_id")


class FrameworkError(ValueError):
    """The framework files are inconsistent; the message names the file, row and field."""


@dataclass(frozen=True)
class Band:
    code: str
    min: float
    min_exclusive: bool = False
    requires_all_implemented: bool = False

    def reached_by(self, total: float) -> bool:
        return total > self.min if self.min_exclusive else total >= self.min


@dataclass(frozen=True)
class Question:
    id: str  # "<indicator_code>.<question_code>"
    code: str
    indicator: str
    block: str
    max: float
    for_kecamatan: bool
    for_desa: bool
    opds: tuple[str, ...]
    text: str
    order: int


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    block: str
    max: float
    order: int
    questions: tuple[str, ...]


@dataclass(frozen=True)
class Block:
    code: str
    name_id: str
    name_en: str
    max: float
    order: int
    indicators: tuple[str, ...]

    def name(self, lang: str = "id") -> str:
        return self.name_en if lang == "en" else self.name_id


@dataclass(frozen=True)
class Framework:
    code: str
    version: str
    year: int
    name_id: str
    name_en: str
    total_max: float
    blocks: dict[str, Block]
    indicators: dict[str, Indicator]
    questions: dict[str, Question]
    bands: tuple[Band, ...]
    provenance: dict[str, str] = field(default_factory=dict)
    quirks: tuple[dict[str, str], ...] = ()
    # registry -> link key -> question id (registry_links.csv; empty: no registry proposes).
    registry_links: dict[str, dict[str, str]] = field(default_factory=dict)
    checksum: str = ""

    @property
    def question_ids(self) -> list[str]:
        return list(self.questions)

    def name(self, lang: str = "id") -> str:
        return self.name_en if lang == "en" else self.name_id


def frameworks_root() -> Path:
    """Where framework folders live: ``KLA_FRAMEWORKS_DIR`` or the project's ``indicators/``
    (read through the one settings object)."""
    from kla.settings import get_settings

    return get_settings().frameworks_dir


def available_frameworks(root: Path | None = None) -> list[str]:
    """Codes of the framework folders under ``root`` (folders holding a framework.toml)."""
    return sorted(p.parent.name for p in (root or frameworks_root()).glob("*/framework.toml"))


def get_framework(code: str = DEFAULT_FRAMEWORK, root: Path | None = None) -> Framework:
    """The framework ``code`` from ``root`` (default ``frameworks_root()``), loaded once."""
    return _cached_framework(code, Path(root or frameworks_root()).resolve())


@cache
def _cached_framework(code: str, root: Path) -> Framework:
    return load_framework(root / code)


def _num(value: str, where: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise FrameworkError(f"{where}: '{value}' is not a number") from None
    if not math.isfinite(x) or x < 0:
        raise FrameworkError(f"{where}: '{value}' must be a number ≥ 0")
    return x


def _flag(value: str, where: str) -> bool:
    if value not in ("0", "1", ""):
        raise FrameworkError(f"{where}: '{value}' must be 0 or 1")
    return value == "1"


def load_framework(folder: Path) -> Framework:
    """Read and validate one framework folder. Raises FrameworkError with a precise message."""
    folder = Path(folder)
    meta_path, q_path = folder / "framework.toml", folder / "questions.csv"
    for p in (meta_path, q_path):
        if not p.is_file():
            raise FrameworkError(f"{p}: file not found")
    raw_meta = meta_path.read_bytes()
    raw_q = q_path.read_bytes()
    try:
        meta = tomllib.loads(raw_meta.decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise FrameworkError(f"{meta_path}: {exc}") from None
    for key in ("code", "version", "year", "total_max", "blocks", "bands"):
        if key not in meta:
            raise FrameworkError(f"{meta_path}: missing key '{key}'")

    block_meta: dict[str, dict] = {}
    for i, b in enumerate(meta["blocks"], start=1):
        for key in ("code", "max"):
            if key not in b:
                raise FrameworkError(f"{meta_path}: block #{i} has no '{key}'")
        if b["code"] in block_meta:
            raise FrameworkError(f"{meta_path}: block code '{b['code']}' appears twice")
        block_meta[b["code"]] = b

    questions: dict[str, Question] = {}
    ind_rows: dict[str, dict] = {}
    ind_questions: dict[str, list[str]] = {}
    text = raw_q.decode("utf-8-sig")
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in QUESTION_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise FrameworkError(f"{q_path}: missing column(s) {', '.join(missing)}")
    for rowno, row in enumerate(reader, start=2):  # row 1 is the header
        where = f"{q_path.name} row {rowno}"
        row = {k: (v or "").strip() for k, v in row.items() if k}
        icode, qcode, bcode = row["indicator_code"], row["question_code"], row["block"]
        if not icode or not qcode:
            raise FrameworkError(f"{where}: empty indicator_code or question_code")
        if bcode not in block_meta:
            raise FrameworkError(f"{where}, field block: unknown block '{bcode}' "
                                 f"(known: {', '.join(block_meta)})")
        qid = f"{icode}.{qcode}"
        if qid in questions:
            raise FrameworkError(f"{where}, field question_code: duplicate question id '{qid}'")
        imax = _num(row["indicator_max"], f"{where}, field indicator_max")
        known = ind_rows.get(icode)
        if known is None:
            ind_rows[icode] = {"name": row["indicator_name"], "block": bcode, "max": imax,
                               "order": len(ind_rows) + 1}
            ind_questions[icode] = []
        else:
            if known["block"] != bcode:
                raise FrameworkError(f"{where}, field block: indicator {icode} is in block "
                                     f"{known['block']} on an earlier row, here in {bcode}")
            if known["max"] != imax:
                raise FrameworkError(f"{where}, field indicator_max: indicator {icode} has "
                                     f"maximum {known['max']:g} on an earlier row, here {imax:g}")
        questions[qid] = Question(
            id=qid, code=qcode, indicator=icode, block=bcode,
            max=_num(row["question_max"], f"{where}, field question_max"),
            for_kecamatan=_flag(row["for_kecamatan"], f"{where}, field for_kecamatan"),
            for_desa=_flag(row["for_desa"], f"{where}, field for_desa"),
            opds=tuple(o.strip() for o in row["data_source_opds"].split(";") if o.strip()),
            text=row["question_text"], order=len(questions) + 1,
        )
        ind_questions[icode].append(qid)
    if not questions:
        raise FrameworkError(f"{q_path}: no questions")

    indicators = {
        code: Indicator(code=code, name=r["name"], block=r["block"], max=r["max"],
                        order=r["order"], questions=tuple(ind_questions[code]))
        for code, r in ind_rows.items()
    }
    blocks: dict[str, Block] = {}
    for order, (bcode, b) in enumerate(
            sorted(block_meta.items(), key=lambda kv: kv[1].get("order", 0)), start=1):
        codes = tuple(c for c, ind in indicators.items() if ind.block == bcode)
        got = round(sum(indicators[c].max for c in codes), 6)
        if got != float(b["max"]):
            raise FrameworkError(
                f"{meta_path}: block {bcode} declares maximum {b['max']:g} but its indicators "
                f"in {q_path.name} add up to {got:g}")
        blocks[bcode] = Block(code=bcode, name_id=b.get("name_id", bcode),
                              name_en=b.get("name_en", b.get("name_id", bcode)),
                              max=float(b["max"]), order=order, indicators=codes)
    total = round(sum(i.max for i in indicators.values()), 6)
    if total != float(meta["total_max"]):
        raise FrameworkError(f"{meta_path}: total_max is {meta['total_max']:g} but the indicator "
                             f"maxima add up to {total:g}")

    bands = []
    for i, b in enumerate(meta["bands"], start=1):
        if "code" not in b or "min" not in b:
            raise FrameworkError(f"{meta_path}: band #{i} needs 'code' and 'min'")
        bands.append(Band(code=b["code"], min=float(b["min"]),
                          min_exclusive=bool(b.get("min_exclusive", False)),
                          requires_all_implemented=bool(b.get("requires_all_implemented", False))))
    if [b.min for b in bands] != sorted(b.min for b in bands):
        raise FrameworkError(f"{meta_path}: bands must be listed from the lowest to the highest")
    if "none" in (b.code for b in bands):
        raise FrameworkError(f"{meta_path}: 'none' is reserved for totals below the first band")

    links_path = folder / "registry_links.csv"
    raw_links = links_path.read_bytes() if links_path.is_file() else None
    links = _registry_links(links_path, raw_links, questions) if raw_links is not None else {}

    # Order questions by block, then indicator, then their order in the file.
    ordered_q = {qid: questions[qid] for blk in blocks.values() for ic in blk.indicators
                 for qid in indicators[ic].questions}
    ordered_i = {ic: indicators[ic] for blk in blocks.values() for ic in blk.indicators}
    return Framework(
        code=str(meta["code"]), version=str(meta["version"]), year=int(meta["year"]),
        name_id=meta.get("name_id", meta["code"]), name_en=meta.get("name_en", meta["code"]),
        total_max=float(meta["total_max"]), blocks=blocks, indicators=ordered_i,
        questions=ordered_q, bands=tuple(bands),
        provenance={k: str(v) for k, v in meta.get("provenance", {}).items()},
        quirks=tuple(meta.get("quirks", ())), registry_links=links,
        checksum=hashlib.sha256(raw_meta + b"\0" + raw_q + (
            b"" if raw_links is None else b"\0" + raw_links)).hexdigest(),
    )


def _registry_links(path: Path, raw: bytes, questions: dict[str, Question]
                    ) -> dict[str, dict[str, str]]:
    """registry -> link key -> question id, in the file's order; every registry, link key and
    question checked, each (registry, key) and each question linked once."""
    reader = csv.DictReader(raw.decode("utf-8-sig").splitlines())
    missing = [c for c in LINK_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise FrameworkError(f"{path}: missing column(s) {', '.join(missing)}")
    links: dict[str, dict[str, str]] = {}
    rows_of: dict[tuple[str, str] | str, int] = {}  # (registry, key) or question id -> row
    for rowno, row in enumerate(reader, start=2):  # row 1 is the header
        where = f"{path.name} row {rowno}"
        registry, key, qid = ((row.get(c) or "").strip() for c in LINK_COLUMNS)
        if registry not in LINK_KEYS:
            raise FrameworkError(f"{where}, field registry: unknown registry '{registry}' "
                                 f"(known: {', '.join(LINK_KEYS)})")
        if key not in LINK_KEYS[registry]:
            known = ", ".join(LINK_KEYS[registry]) or "none, it proposes no credit"
            raise FrameworkError(f"{where}, field key: '{key}' is not a link of {registry} "
                                 f"(known: {known})")
        if (registry, key) in rows_of:
            raise FrameworkError(f"{where}, field key: {registry} {key} is already linked on "
                                 f"row {rows_of[registry, key]}")
        if qid not in questions:
            raise FrameworkError(f"{where}, field question_id: unknown question '{qid}'")
        if qid in rows_of:
            raise FrameworkError(f"{where}, field question_id: '{qid}' is already linked on "
                                 f"row {rows_of[qid]}")
        rows_of[registry, key] = rows_of[qid] = rowno
        links.setdefault(registry, {})[key] = qid
    return links
