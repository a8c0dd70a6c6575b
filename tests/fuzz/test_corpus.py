"""The regression corpus: every file of ``corpus/index.csv`` gets its expected outcome —
accepted (the result's text holds ``message``) or refused with the parser's error type,
its message rendered in both languages and holding ``message`` (English). Files are written by
``make_corpus.py``."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from kla.domain.csvtext import CsvTextError
from kla.domain.framework import get_framework
from kla.domain.published import classify
from kla.domain.registries import RegistryError
from kla.io import excel
from kla.io.csv import InputError, decode, read_answers_csv, read_efforts_csv
from kla.services import registries as reg
from kla.services.permissions import SYSTEM
from kla.store.evidence import EvidenceError, check_upload
from tests.fuzz.support import CORPUS, REGIONS, WORKBOOK_AT, assert_renders, mini_framework

INDEX = list(csv.DictReader((CORPUS / "index.csv").open(encoding="utf-8")))
LIMIT = 2 * 1024 * 1024


def parse(parser: str, path: Path, engine):
    """(result, error types the parser documents) for one corpus file."""
    if parser == "answers_csv":
        return lambda: read_answers_csv(path, get_framework()), InputError
    if parser == "effort_csv":
        return lambda: read_efforts_csv(path, get_framework()), InputError
    if parser == "published_csv":
        return lambda: classify(decode(path.read_bytes(), path.name), REGIONS), (
            CsvTextError, InputError)
    if parser == "answers_xlsx":
        return lambda: excel.read_xlsx(path.read_bytes(), mini_framework(), **WORKBOOK_AT,
                                       source=path.name), InputError
    if parser.startswith("registry_xlsx:"):
        kind = parser.split(":", 1)[1]
        return lambda: reg.import_xlsx(engine, SYSTEM, "18.72", kind, path.read_bytes(),
                                       source=path.name), RegistryError
    if parser == "evidence":
        return lambda: check_upload(path.name, path.read_bytes(), LIMIT), EvidenceError
    raise AssertionError(f"unknown parser {parser}")


def test_the_index_names_small_files_with_an_outcome():
    """Every indexed file is there, small, with an expected outcome. (The folder is shared:
    ``personal_data.txt`` is replayed by tests/unit/test_personal_data.py.)"""
    assert all((CORPUS / e["file"]).is_file() for e in INDEX)
    assert all(e["expected"] in ("accept", "refuse") for e in INDEX)
    assert all((CORPUS / e["file"]).stat().st_size < 64 * 1024 for e in INDEX)
    assert len({(e["file"], e["parser"]) for e in INDEX}) == len(INDEX)


@pytest.mark.parametrize("entry", INDEX, ids=[f"{e['file']}-{e['parser']}" for e in INDEX])
def test_each_corpus_file_gets_its_expected_outcome(entry, registry_engine):
    call, errors = parse(entry["parser"], CORPUS / entry["file"], registry_engine)
    if entry["expected"] == "accept":
        result = call()
        assert entry["message"] in str(result), (entry["why"], result)
        return
    with pytest.raises(errors) as err:
        call()
    id_text, en_text = assert_renders(err.value)
    assert entry["message"] in en_text, (entry["why"], en_text)
    assert entry["file"] in id_text or entry["parser"] == "published_csv", id_text
