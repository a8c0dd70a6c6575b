"""Personal data never reaches the child-case registry (issue 14), on SQLite and, when
KLA_TEST_DATABASE_URL is set, PostgreSQL: a case with personal data, by form, by Excel workbook
or as an edit of a stored case, is refused through the registry service and writes nothing
(no registry row, no audit row); the refusal does not quote it."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlmodel import Session

from kla.domain.registries import FIELDS, RegistryError
from kla.i18n import describe
from kla.services import registries as reg
from kla.services.permissions import SYSTEM, Actor
from kla.store.db import engine_for
from kla.store.models import AuditLog, RegistryEntry

pytestmark = pytest.mark.store
KOORD = Actor("ppa.koord", "coordinator", "18.72")
GOOD = {"category": "kekerasan_psikis", "age_band": "13-17", "sex": "L",
        "reported_on": "2025-06-02", "first_handled_on": "2025-06-03"}


def _state(engine) -> tuple:
    """Every registry row and the audit log's size."""
    with Session(engine) as s:
        rows = s.exec(select(RegistryEntry.id, RegistryEntry.key, RegistryEntry.data)
                      .order_by(RegistryEntry.id)).all()
        audit = s.exec(select(func.count()).select_from(AuditLog)).one()
    return [tuple(r) for r in rows], audit


def _workbook(rows: list[dict]) -> bytes:
    wb = Workbook()
    ws = wb.active
    header = [f for f, _, _ in FIELDS["ppa_case"]]
    ws.append(header)
    for row in rows:
        ws.append([row.get(f) for f in header])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_personal_data_writes_nothing_on_any_path(seeded_url):
    engine = engine_for(seeded_url)
    stored = reg.entries(engine, SYSTEM, "18.72", "ppa_case")
    assert stored, "the sample has PPA cases (kla demo loads them)"
    before = _state(engine)

    with pytest.raises(RegistryError) as err:  # the form
        reg.add_entries(engine, KOORD, "18.72", "ppa_case",
                        [{**GOOD, "case_ref": "0812 3456 7890"}], form=True)
    assert describe(err.value, "id") == (
        "Nomor kasus: tampak seperti data pribadi: nomor telepon (9 angka atau lebih "
        "berturut-turut, pemisah di antara angka tidak dihitung, atau angka setelah HP/WA/Telp); "
        "registri tidak menyimpan data pribadi anak")
    assert describe(err.value, "en").startswith(
        "Case number: looks like personal data: a phone number")

    data = _workbook([{**GOOD, "case_ref": "PPA-2025-101"},  # a good row: not written either
                      {**GOOD, "case_ref": "NIK3201234567890001"},
                      {**GOOD, "case_ref": "PPA-2025-102", "sex": "siti＠mail.com"}])
    with pytest.raises(RegistryError) as err:  # the Excel import
        reg.import_xlsx(engine, KOORD, "18.72", "ppa_case", data, source="kasus.xlsx")
    said = describe(err.value, "en")
    assert said.splitlines() == [
        "kasus.xlsx: row 3, field Case number: looks like personal data: an NIK or family-card "
        "number (16 digits, also with spaces, dashes or dots between them, or after NIK/KTP); "
        "the registry keeps no personal data of the child",
        "kasus.xlsx: row 4, field Sex: looks like personal data: an e-mail address or account "
        "(@, [at], (at), an e-mail service's name); the registry keeps no personal data of the "
        "child"]
    assert "3201" not in said and "siti" not in said.lower()

    with pytest.raises(RegistryError, match="Case number: looks like personal data: a person"):
        reg.update_entry(engine, KOORD, stored[0]["id"],  # an edit of a stored case
                         {**GOOD, "case_ref": "Siti Aminah binti Ahmad"})

    assert _state(engine) == before


def test_a_case_code_is_stored_upper_case(seeded_url):
    engine = engine_for(seeded_url)
    before = _state(engine)
    with pytest.raises(RegistryError, match="Case number: not a case code"):
        reg.add_entries(engine, KOORD, "18.72", "ppa_case",
                        [{**GOOD, "case_ref": "kasus 7"}], form=True)
    assert _state(engine) == before
    assert reg.add_entries(engine, KOORD, "18.72", "ppa_case",
                           [{**GOOD, "case_ref": "uptd/mtr/2025/077"}], form=True) == 1
    refs = {e["case_ref"] for e in reg.entries(engine, SYSTEM, "18.72", "ppa_case")}
    assert "UPTD/MTR/2025/077" in refs
