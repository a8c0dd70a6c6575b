"""Registries in the store: entries, Excel import (all or nothing), targets, and turning a
proposal into an answer (accepted or overridden, both audited)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlalchemy import Engine, delete, select
from sqlmodel import Session

from kla.domain.framework import Framework, get_framework
from kla.domain.registries import (
    FIELDS,
    PROVIDER_KINDS,
    Area,
    Proposal,
    RegistryError,
    from_json,
    key_of,
    propose_all,
    to_json,
    validate,
)
from kla.i18n import Msg
from kla.io.excel import XlsxRefused, open_workbook, sheet_rows
from kla.store.models import Region, RegistryEntry, RegistryTarget, utcnow

# Rows of a registry workbook read, header included (a kab/kota's registry is hundreds of
# rows); a value below them refuses the workbook, the row named.
MAX_IMPORT_ROWS = 10_000

__all__ = [
    "add_entries",
    "apply_proposal",
    "area",
    "attach_file",
    "delete_entry",
    "entries",
    "import_xlsx",
    "key_of",
    "proposals",
    "set_target",
    "targets",
    "template_xlsx",
    "update_entry",
]
from kla.services import audit
from kla.services.answers import answer_states, save_answer
from kla.services.assessments import require_assessment
from kla.services.permissions import (
    Actor,
    PermissionDenied,
    require,
    require_visible,
    visible,
)


def area(engine: Engine, region_kode: str) -> Area:
    with Session(engine) as s:
        city = s.get(Region, region_kode)
        if city is None or city.level != "kabkota":
            raise ValueError(Msg("err.reg.not_kabkota", code=region_kode))
        rows = s.exec(select(Region.kode, Region.nama, Region.level)
                      .where(Region.kode.startswith(region_kode + "."))).all()
    return Area(region_kode, city.nama,
                {k: n for k, n, lvl in rows if lvl == "kecamatan"},
                {k: n for k, n, lvl in rows if lvl == "desa_kelurahan"})


def entries(engine: Engine, actor: Actor, region_kode: str, kind: str) -> list[dict]:
    """Rows of one registry (dates as dates), each with its ``id`` and ``is_sample``."""
    require_visible(actor, region_kode)
    return _entries(engine, region_kode, kind)


def _entries(engine: Engine, region_kode: str, kind: str) -> list[dict]:
    with Session(engine) as s:
        rows = s.exec(select(RegistryEntry).where(RegistryEntry.region_kode == region_kode,
                                                  RegistryEntry.kind == kind)
                      .order_by(RegistryEntry.id)).scalars().all()
        return [{"id": r.id, "is_sample": r.is_sample, **from_json(kind, r.data)} for r in rows]


def _key(kind: str, row: dict) -> str:
    return "|".join(str(k) for k in key_of(kind, row))


def add_entries(engine: Engine, actor: Actor, region_kode: str, kind: str, rows: list[dict],
                *, first_row: int = 2, form: bool = False, is_sample: bool = False,
                source: str = "form", row_numbers: list[int] | None = None) -> int:
    """Validate every row, then insert all in one transaction (with audit) — or nothing.
    ``form``: one row typed into a form, refused without a row number. ``row_numbers``: each
    row's number in its sheet (default: consecutive from ``first_row``)."""
    require(actor, "registry.edit", region_kode)
    existing = {key_of(kind, e) for e in _entries(engine, region_kode, kind)}
    clean = validate(kind, rows, area(engine, region_kode), existing, first_row, form,
                     row_numbers)
    with Session(engine) as s:
        now = utcnow()
        for row in clean:
            s.add(RegistryEntry(region_kode=region_kode, kind=kind, key=_key(kind, row),
                                data=to_json(kind, row), is_sample=is_sample,
                                updated_by=actor.username, updated_at=now))
        audit.record(s.connection(), actor, f"registry.{kind}.add", "registry", kind,
                     region_kode=region_kode, rows=len(clean), source=source)
        s.commit()
    return len(clean)


def _entry(s: Session, actor: Actor, entry_id: int) -> RegistryEntry:
    """The entry, if ``actor`` may see it. A missing entry and one of another region get the
    same refusal, so ids cannot be probed for another city's registry."""
    entry = s.get(RegistryEntry, entry_id)
    if entry is None or not visible(actor).allows(entry.region_kode):
        raise PermissionDenied(Msg("err.reg.entry_unavailable", id=entry_id))
    return entry


def delete_entry(engine: Engine, actor: Actor, entry_id: int) -> None:
    with Session(engine) as s:
        row = _entry(s, actor, entry_id)
        require(actor, "registry.edit", row.region_kode)
        audit.record(s.connection(), actor, f"registry.{row.kind}.delete", "registry",
                     entry_id, region_kode=row.region_kode, data=row.data)
        s.delete(row)
        s.commit()


def update_entry(engine: Engine, actor: Actor, entry_id: int, row: dict) -> None:
    """Replace an entry's fields after the same validation as a new row (its own key aside);
    the row comes from the edit form, so the messages name its fields, not a row number."""
    with Session(engine) as s:
        entry = _entry(s, actor, entry_id)
        require(actor, "registry.edit", entry.region_kode)
        kind = entry.kind
        others = {key_of(kind, e) for e in _entries(engine, entry.region_kode, kind)
                  if e["id"] != entry_id}
        clean = validate(kind, [row], area(engine, entry.region_kode), others, form=True)[0]
        old = dict(entry.data)
        keep = {k: v for k, v in old.items() if k.startswith("file_")}  # attached evidence
        entry.data = {**to_json(kind, clean), **keep}
        entry.key, entry.updated_by, entry.updated_at = _key(kind, clean), actor.username, utcnow()
        s.add(entry)
        audit.record(s.connection(), actor, f"registry.{kind}.update", "registry", entry_id,
                     region_kode=entry.region_kode, data=[old, entry.data])
        s.commit()


def attach_file(engine: Engine, actor: Actor, entry_id: int, filename: str, data: bytes) -> dict:
    """Attach evidence (a photo of a play area, an SK, a certificate) to an entry: checked by
    content, stored once by sha256, like answer evidence."""
    from kla.services.answers import evidence_store
    from kla.settings import get_settings
    from kla.store.evidence import check_upload, display_name

    mime = check_upload(filename, data, get_settings().max_upload_mb * 1024 * 1024)
    with Session(engine) as s:
        entry = _entry(s, actor, entry_id)
        require(actor, "registry.edit", entry.region_kode)
        stored = evidence_store().put(data)
        shown = display_name(filename)
        entry.data = {**entry.data, "file_name": shown, "file_sha256": stored.sha256,
                      "file_key": stored.key, "file_type": mime}
        entry.updated_by, entry.updated_at = actor.username, utcnow()
        s.add(entry)
        audit.record(s.connection(), actor, f"registry.{entry.kind}.file", "registry",
                     entry_id, region_kode=entry.region_kode, file=shown, sha256=stored.sha256)
        s.commit()
        return {"name": shown, "sha256": stored.sha256, "media_type": mime}


def template_xlsx(kind: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = kind
    ws.append([f for f, _, _ in FIELDS[kind]])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def import_xlsx(engine: Engine, actor: Actor, region_kode: str, kind: str, data: bytes,
                source: str | None = None) -> int:
    """Rows of the first sheet (header in row 1): all-or-nothing, errors with Excel rows and
    the fields' labels. ``source``: the file's name, shown before every message. The archive
    is checked before it is parsed and the sheet read with a row cap (``kla.io.excel``:
    ``open_workbook``, ``sheet_rows``): a zip bomb, data below row ``MAX_IMPORT_ROWS`` or
    below the sheet's declared dimension is refused or read, never silently dropped."""
    where = source or Msg("err.file.workbook")
    try:
        wb = open_workbook(data, data_only=True)
    except XlsxRefused as exc:
        raise RegistryError([Msg("err.in_file", source=where, problem=exc.args[0])]) from None
    try:
        if not wb.worksheets:
            raise XlsxRefused(Msg("err.file.not_xlsx"))
        read = list(sheet_rows(wb.worksheets[0], MAX_IMPORT_ROWS))
    except XlsxRefused as exc:
        raise RegistryError([Msg("err.in_file", source=where, problem=exc.args[0])]) from None
    finally:
        wb.close()
    header = [str(h).strip() if h is not None else "" for h in (read[0][1] if read else ())]
    wanted = [f for f, _, _ in FIELDS[kind]]
    missing = [f for f in wanted if f not in header and kind != "ppa_case"]
    if kind == "ppa_case":
        missing = [f for f in ("case_ref", "category", "age_band", "sex", "reported_on")
                   if f not in header]
    if missing:  # the template's column names, each with its label
        raise RegistryError([Msg("err.in_file", source=where, problem=Msg(
            "err.header_missing", columns=tuple(Msg("err.labelled_column", column=f,
                                                    label=Msg(f"reg.f.{f}")) for f in missing)))])
    filled = [(n, values) for n, values in read[1:] if any(v not in (None, "") for v in values)]
    rows = [{h: v for h, v in zip(header, values) if h} for _, values in filled]
    try:
        return add_entries(engine, actor, region_kode, kind, rows, first_row=2,
                           source=source or "workbook", row_numbers=[n for n, _ in filled])
    except RegistryError as exc:
        raise RegistryError([Msg("err.in_file", source=where, problem=e)
                             for e in exc.errors]) from None


def targets(engine: Engine, actor: Actor, region_kode: str) -> dict[str, int]:
    require_visible(actor, region_kode)
    return _targets(engine, region_kode)


def _targets(engine: Engine, region_kode: str) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(select(RegistryTarget.name, RegistryTarget.value)
                                 .where(RegistryTarget.region_kode == region_kode)).all())


def set_target(engine: Engine, actor: Actor, region_kode: str, name: str, value: int) -> None:
    require(actor, "registry.target", region_kode)
    if not isinstance(value, int) or value < 0:
        raise ValueError(Msg("err.reg.target", value=str(value),
                             name=Msg(f"reg.o.{name}") if name in PROVIDER_KINDS else name))
    with Session(engine) as s:
        old = s.exec(select(RegistryTarget).where(RegistryTarget.region_kode == region_kode,
                                                  RegistryTarget.name == name)).scalars().first()
        before = old.value if old else None
        s.exec(delete(RegistryTarget).where(RegistryTarget.region_kode == region_kode,
                                            RegistryTarget.name == name))
        s.add(RegistryTarget(region_kode=region_kode, name=name, value=value,
                             updated_by=actor.username))
        audit.record(s.connection(), actor, "registry.target", "target", name,
                     region_kode=region_kode, value=[before, value])
        s.commit()


def proposals(engine: Engine, actor: Actor, region_kode: str,
              framework: Framework | None = None) -> list[Proposal]:
    """The registries' proposals for a kab/kota, for the questions ``framework`` (default: the
    default framework) links them to in its registry_links.csv."""
    require_visible(actor, region_kode)
    links = (framework or get_framework()).registry_links
    data = {kind: _entries(engine, region_kode, kind) for kind in links}
    return propose_all(data, area(engine, region_kode), _targets(engine, region_kode), links)


def apply_proposal(engine: Engine, actor: Actor, assessment_id: int, proposal: Proposal,
                   credit: float, lang: str = "id") -> int:
    """Write the credit (the proposal's, or the coordinator's override) as the answer; the
    proposal, its reasoning and the decision are audited with the change, in one
    transaction."""
    with engine.connect() as conn:
        require(actor, "proposal.apply", require_assessment(conn, actor, assessment_id))
    state = answer_states(engine, actor, assessment_id).get(proposal.question_id)
    decision = "accept" if proposal.credit is not None and credit == proposal.credit \
        else "override"
    note = f"{'Usulan registri' if lang != 'en' else 'Registry proposal'}: " \
           f"{proposal.reasoning(lang)}"
    return save_answer(engine, actor, assessment_id, proposal.question_id, credit, note,
                       state.version if state else None, action=f"proposal.{decision}",
                       registry=proposal.registry, proposed=proposal.credit,
                       reasoning=proposal.reasoning("id"))
