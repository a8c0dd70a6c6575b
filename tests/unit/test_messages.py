"""Messages a user reads come from the catalogue: Indonesian first, English second, the row
and the field named by its label, never by the internal column name. A static check keeps
the next message from being written as plain English text."""

from __future__ import annotations

import ast
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from kla.domain.numbers import NumberError, parse_decimal
from kla.domain.registries import FIELDS, Area, RegistryError, validate
from kla.i18n import Msg, catalogue, describe
from kla.io import excel
from kla.io.csv import InputError, read_answers_text, read_efforts_csv
from kla.store.evidence import EvidenceError, check_upload

ROOT = Path(__file__).resolve().parents[2]
# The modules whose messages this file guards.
MODULES = sorted([*ROOT.joinpath("kla/domain/registries").glob("*.py"),
                  *(ROOT / p for p in ("kla/services/registries.py", "kla/io/csv.py",
                                       "kla/io/excel.py", "kla/services/exports.py",
                                       "kla/services/results.py", "kla/store/evidence.py",
                                       "kla/domain/numbers.py"))])
# Internal names a reader must never see in Indonesian: the registries' fields, the CSV
# columns and the answer's fields.
INTERNAL = {f for fields in FIELDS.values() for f, _, _ in fields} | {
    "credit", "note", "question_id", "effort", "qid", "region_kode", "file_name"}
ENGLISH = re.compile(r"\b(field|row|column|required|unknown|empty|not|is|the|of|file)\b",
                     re.IGNORECASE)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def metro():
    return Area("18.72", "Kota Metro", {"18.72.01": "Metro Pusat", "18.72.02": "Metro Barat"},
                {"18.72.01.1001": "Imopuro", "18.72.02.1001": "Mulyojati"})


def indonesian(exc: BaseException) -> str:
    """The Indonesian rendering, checked: no internal name and no English word."""
    text = describe(exc, "id")
    leaked = {n for n in INTERNAL if re.search(rf"\b{re.escape(n)}\b", text)}
    assert not leaked, (leaked, text)
    assert not ENGLISH.search(text), text
    return text


def test_a_registry_row_names_row_and_fields_by_label(metro):
    bad = {"name": "", "kecamatan_kode": "36.73.01", "desa_kode": "18.72.02.1001",
           "kind": "taman", "standard": "certified"}
    with pytest.raises(RegistryError) as err:
        validate("play_area", [{"name": "Taman Merdeka", "kecamatan_kode": "18.72.01",
                                "kind": "park", "standard": "in_process"}, bad], metro)
    text = indonesian(err.value)
    for label in ("Nama", "Kecamatan", "Desa/kelurahan", "Tanggal sertifikat",
                  "Nomor sertifikat", "Jenis"):
        assert f"baris 3, kolom {label}: " in text, text
    assert "baris 3, kolom Nama: wajib diisi" in text
    english = describe(err.value, "en")
    for label in ("Name", "Sub-district", "Village", "Certificate date", "Certificate number",
                  "Type"):
        assert f"row 3, field {label}: " in english, english
    assert str(err.value) == english  # logs and the CLI read the English text
    assert err.value.errors and all(isinstance(e, Msg) for e in err.value.errors)


def test_every_registry_field_has_a_label_in_both_languages():
    for kind, fields in FIELDS.items():
        for field, _, _ in fields:
            assert f"reg.f.{field}" in catalogue("id") and f"reg.f.{field}" in catalogue("en"), \
                (kind, field)


def test_a_form_is_refused_without_a_row_number(metro):
    with pytest.raises(RegistryError) as err:
        validate("kha_training", [{"provider_kind": "school", "provider_name": "",
                                   "people_trained": -2, "training_date": "2025-01-01",
                                   "certificate": "ya"}], metro, form=True)
    text = indonesian(err.value)
    assert "baris" not in text and text.startswith("Penyedia layanan: wajib diisi"), text
    assert "Nomor sertifikat: wajib diisi bila sertifikat sudah terbit" in text
    english = describe(err.value, "en")
    assert "row" not in english and "People trained: -2 must be a whole number" in english
    with pytest.raises(RegistryError) as err:
        validate("village_body", [{"area_kode": "18.72.01", "body": "patbm"}], metro,
                 existing_keys={("18.72.01", "patbm")}, form=True)
    assert describe(err.value, "id") == "sudah ada di registri (18.72.01, patbm)"


def test_personal_data_and_extra_columns_in_indonesian(metro):
    with pytest.raises(RegistryError) as err:
        validate("ppa_case", [{"case_ref": "3171234567890001", "category": "penelantaran",
                               "age_band": "6-12", "sex": "X", "reported_on": "2025-03-05",
                               "nama_anak": "Budi"}], metro)
    text = describe(err.value, "id")
    assert "baris 2, kolom Nomor kasus: tampak seperti data pribadi" in text
    assert "baris 2: kolom nama_anak tidak diperbolehkan" in text  # the file's own column
    assert "baris 2, kolom Jenis kelamin: 'X' bukan L atau P" in text


def test_an_excel_import_with_a_bad_credit(fw):
    data = excel.export_xlsx(fw, region_kode="36.73", region_nama="Kota Serang", year=2026,
                             stage="EM", answers={}, agencies={}, evidence={})
    wb = load_workbook(io.BytesIO(data))
    wb["Penilaian"]["F2"] = 1.5
    wb["Penilaian"]["F3"] = "satu"
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(InputError) as err:
        excel.read_xlsx(buf.getvalue(), fw, region_kode="36.73", year=2026, stage="EM",
                        source="isian.xlsx")
    text = indonesian(err.value)
    assert "isian.xlsx: baris 2, kolom Kredit: 1,5 di luar rentang 0–1" in text
    assert "isian.xlsx: baris 3, kolom Kredit: 'satu' bukan angka" in text
    english = describe(err.value, "en")
    assert "isian.xlsx: row 2, column Kredit: 1.5 is outside 0–1" in english
    assert "row 3, column Kredit: 'satu' is not a number" in english


def test_an_excel_workbook_of_another_assessment(fw):
    data = excel.export_xlsx(fw, region_kode="36.73", region_nama="Kota Serang", year=2026,
                             stage="EM", answers={}, agencies={}, evidence={})
    with pytest.raises(InputError) as err:
        excel.read_xlsx(data, fw, region_kode="18.72", year=2025, stage="EM")
    text = indonesian(err.value)
    assert "lembar kerja: lembar kerja ini untuk kabupaten/kota lain: '36.73', seharusnya " \
           "'18.72'" in text
    assert "untuk tahun lain: '2026', seharusnya '2025'" in text
    assert "another regency/city: '36.73', expected '18.72'" in describe(err.value, "en")


def test_a_csv_with_a_bad_header(fw):
    with pytest.raises(InputError) as err:
        read_answers_text("question_id,nilai\n1.P1,1\n", fw, source="jawaban.csv")
    text = describe(err.value, "id")
    assert text.startswith("jawaban.csv: baris 1 (judul kolom), kolom Kredit: kolom ini tidak ada")
    # The hint quotes the header the file must have, literally: the one place a column's own
    # name is the thing to type. Nothing else may leak.
    hint = "(judul kolom yang diharapkan: question_id,credit)"
    assert text.endswith(hint)
    indonesian(InputError([text.removesuffix(hint)]))
    assert describe(err.value, "en") == ("jawaban.csv: row 1 (header), field Credit: missing "
                                         "column (expected columns: question_id,credit)")


def test_csv_rows_name_the_field_by_label(fw, tmp_path):
    with pytest.raises(InputError) as err:
        read_answers_text("question_id,credit\n9.P99,1\n1.P1,1,5\n1.P2a,\n", fw,
                          source="jawaban.csv")
    text = indonesian(err.value)
    assert "baris 2, kolom ID pertanyaan: ID pertanyaan '9.P99' tidak ada dalam instrumen" in text
    assert "baris 4, kolom Kredit: kosong" in text
    p = tmp_path / "usaha.csv"
    p.write_text("question_id;effort\n1.P1;0\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_efforts_csv(p, fw)
    assert describe(err.value, "id") == "usaha.csv: baris 2, kolom Usaha: 0 harus berupa angka " \
                                        "positif"


@pytest.mark.parametrize("name,data,id_text,en_text", [
    ("foto.pdf", PNG, "foto.pdf: nama berkas berakhiran .pdf, tetapi isinya PNG",
     "foto.pdf: the name says .pdf but the content is PNG"),
    ("catatan.pdf", b"hanya teks biasa, bukan PDF" * 4,
     "catatan.pdf: jenis isi berkas tidak dikenali; yang diterima: PDF, JPG, PNG, XLSX, DOCX",
     "catatan.pdf: the content is an unknown type; accepted: PDF, JPG, PNG, XLSX, DOCX"),
    ("", b"", "(tanpa nama): berkas kosong", "(unnamed): the file is empty"),
    ("besar.png", PNG * 40_000, "besar.png: 2,8 MB melebihi batas 1 MB",
     "besar.png: 2.8 MB is over the limit of 1 MB"),
])
def test_an_evidence_file_with_wrong_content(name, data, id_text, en_text):
    with pytest.raises(EvidenceError) as err:
        check_upload(name, data, 1_048_576)  # 1 MB as KLA_MAX_UPLOAD_MB counts it
    assert indonesian(err.value) == id_text
    assert describe(err.value, "en") == en_text == str(err.value)


def test_number_errors_keep_their_fields_and_render_in_both_languages():
    with pytest.raises(NumberError) as err:
        parse_decimal("1,5", 0, 1)
    e = err.value
    assert (e.text, e.reason, e.low, e.high) == ("1,5", "out_of_range", 0, 1)
    assert describe(e, "id") == "1,5 di luar rentang 0–1"
    assert str(e) == describe(e, "en") == "1,5 is outside 0–1"
    with pytest.raises(NumberError) as err:
        parse_decimal("satu")
    assert describe(err.value, "id") == "'satu' bukan angka"
    assert err.value.reason == "not_a_number" and err.value.text == "satu"


# --- static: no user-facing message written as plain text -------------------------------

def _plain(node: ast.AST | None) -> bool:
    """Text written in the code (a literal, an f-string, a concatenation or ``.format`` of
    one), possibly inside a list, a comprehension or a conditional."""
    if node is None:
        return False
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _plain(node.left) or _plain(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and _plain(node.func.value)
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return any(_plain(e) for e in node.elts)
    if isinstance(node, ast.ListComp | ast.GeneratorExp | ast.SetComp):
        return _plain(node.elt)
    if isinstance(node, ast.IfExp):
        return _plain(node.body) or _plain(node.orelse)
    return False


def _name(func: ast.AST) -> str:
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


# Errors whose arguments are not the message. FrameworkError is about the framework's data
# files, read by the admin CLI (`kla init`, `kla validate`) whose maintainers read English, so
# it may stay English. NumberError takes the text typed and a reason code
# (``"not_a_number"``); it builds its message from the catalogue itself.
NOT_A_MESSAGE = {"FrameworkError", "NumberError"}


def plain_messages(source: str, filename: str = "<code>") -> list[str]:
    """Every ``raise <X>Error(…)``, ``errors.append(…)`` and ``Row.error(field, …)`` whose
    message is plain text instead of a catalogue ``Msg``, in the order of the lines."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            name = _name(node.exc.func)
            if name.endswith("Error") and name not in NOT_A_MESSAGE and \
                    any(_plain(a) for a in node.exc.args):
                found.append((node.lineno, f"raise {name}(…)"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "append" and _name(node.func.value) == "errors" and \
                    any(_plain(a) for a in node.args):
                found.append((node.lineno, "errors.append(…)"))
            if node.func.attr == "error" and len(node.args) > 1 and _plain(node.args[1]):
                found.append((node.lineno, ".error(…)"))
    return [f"{filename}:{line}: {what}" for line, what in sorted(found)]


def test_the_static_check_finds_plain_messages():
    code = '''
def f(row, errors, x):
    raise ValueError(f"bad {x}")
    raise InputError([f"{x}: row 1" for e in x])
    errors.append("row " + str(x))
    row.error("name", "required")
    raise RegistryError(["a" if x else Msg("err.x")])
    raise FrameworkError(f"questions.csv: {x}")
    raise NumberError(x, "not_a_number")
    raise ValueError(Msg("err.x", value=x))
    errors.append(Msg("err.x"))
    row.error("name", Msg("err.required"))
    raise ValueError
'''
    assert [f.split(": ", 1)[1] for f in plain_messages(code)] == [
        "raise ValueError(…)", "raise InputError(…)", "errors.append(…)", ".error(…)",
        "raise RegistryError(…)"]


def test_no_plain_text_message_in_the_guarded_modules():
    found = [f for p in MODULES
             for f in plain_messages(p.read_text(encoding="utf-8"), str(p.relative_to(ROOT)))]
    assert not found, found


def test_every_message_key_of_the_guarded_modules_is_in_both_catalogues():
    keys = {k for p in MODULES
            for k in re.findall(r"""Msg\(\s*["']([a-z_]+\.[A-Za-z0-9_.]+)["']""",
                                p.read_text(encoding="utf-8"))}
    assert len(keys) > 40
    for lang in ("id", "en"):
        assert not keys - set(catalogue(lang)), (lang, sorted(keys - set(catalogue(lang))))
