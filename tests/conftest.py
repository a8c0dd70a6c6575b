"""Shared fixtures: the framework, database backends (SQLite always, PostgreSQL when
KLA_TEST_DATABASE_URL is set), and a clean settings/engine cache per test."""

from __future__ import annotations

import os
from contextlib import ExitStack
from pathlib import Path

import pytest

from kla.domain.framework import get_framework
from kla.services.permissions import SYSTEM
from kla.settings import get_settings
from kla.store.db import engine_for, make_engine, temporary_database

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PG_URL = os.environ.get("KLA_TEST_DATABASE_URL", "").strip()


@pytest.fixture(scope="session")
def fw():
    return get_framework("kla-2024")


@pytest.fixture(autouse=True)
def _fresh_settings():
    """Settings and engines are cached per process; tests change the environment."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(scope="session")
def empty_db_factory(tmp_path_factory):
    """Make a fresh, empty database URL on a backend; cleaned up at session end."""
    with ExitStack() as cleanups:

        def make(backend: str) -> str:
            if backend == "sqlite":
                return f"sqlite:///{tmp_path_factory.mktemp('db') / 'kla.db'}"
            return cleanups.enter_context(temporary_database(PG_URL, "kla_test"))

        yield make


def seed(url: str) -> str:
    """`kla init` and `kla demo` on the database at ``url``."""
    from kla.services.demo import load_demo
    from kla.services.reference import init_db

    engine = make_engine(url)
    init_db(engine)
    load_demo(engine, SYSTEM)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def seeded_sqlite_template(tmp_path_factory) -> Path:
    """One SQLite file seeded once per test session; every seeded SQLite database of the
    suite (store, AppTest, browser) is a copy of it."""
    path = tmp_path_factory.mktemp("template") / "kla.db"
    seed(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def seeded_sqlite_copy(seeded_sqlite_template, tmp_path_factory):
    """Make a fresh copy of the seeded SQLite database; returns its URL."""

    def make() -> str:
        import shutil

        dest = tmp_path_factory.mktemp("db") / "kla.db"
        shutil.copyfile(seeded_sqlite_template, dest)
        for suffix in ("-wal", "-shm"):  # normally gone: the seeding engine was disposed
            extra = Path(f"{seeded_sqlite_template}{suffix}")
            if extra.exists():
                shutil.copyfile(extra, Path(f"{dest}{suffix}"))
        return f"sqlite:///{dest}"

    return make


@pytest.fixture(scope="session")
def seeded_copy(seeded_sqlite_copy):
    """Make a fresh seeded database (`kla init` + `kla demo`) on a backend; returns its URL.
    PostgreSQL seeds one template database once per test session and copies it
    (``CREATE DATABASE … TEMPLATE``, a file copy): seeding takes seconds, a copy well under
    one."""
    from sqlalchemy.engine import make_url

    with ExitStack() as cleanups:
        template: list[str] = []

        def make(backend: str) -> str:
            if backend == "sqlite":
                return seeded_sqlite_copy()
            if not template:
                template.append(seed(cleanups.enter_context(
                    temporary_database(PG_URL, "kla_template"))))
            name = make_url(template[0]).database
            return cleanups.enter_context(temporary_database(PG_URL, "kla_test", name))

        yield make


@pytest.fixture(scope="session", params=BACKENDS)
def seeded_url(request, seeded_copy):
    """A database per backend, initialised (`kla init`) and with the sample (`kla demo`)."""
    return seeded_copy(request.param)


@pytest.fixture
def seeded_engine(seeded_url):
    return engine_for(seeded_url)


@pytest.fixture(params=BACKENDS)
def empty_url(request, empty_db_factory):
    return empty_db_factory(request.param)
