"""The registry workbook fuzz and the corpus replay import into one seeded SQLite database
(a copy of the session's template)."""

from __future__ import annotations

import pytest

from kla.store.db import engine_for


@pytest.fixture(scope="session")
def registry_engine(seeded_sqlite_copy):
    return engine_for(seeded_sqlite_copy())
