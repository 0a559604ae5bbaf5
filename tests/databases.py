"""Test databases: a migrated SQLite file per test, and one PostgreSQL database per session.

PostgreSQL gets a uniquely named database (``ww_test_<random>``) so parallel runs never collide;
tables are truncated between tests instead of re-migrating. Databases are dropped when the test session
ends, all at once: PostgreSQL checkpoints on every DROP DATABASE, and under the load of the other test
workers one such checkpoint took 47 s of a test's teardown (2026-12-07).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from store.db import make_engine, migrate
from store.models import Base

PG_ADMIN_URL = os.environ.get("WILDWATCH_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

#: Databases made by this test process, dropped by :func:`drop_test_databases` when the session ends.
_MADE: list[str] = []


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped when the test session ends."""
    yield new_postgres_database()


def new_postgres_database() -> str:
    """The URL of a fresh, empty PostgreSQL database, dropped when the test session ends."""
    name = f"ww_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # the store suite runs on both backends: a missing server is a failure
        admin.dispose()
        pytest.fail(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}")
    admin.dispose()
    _MADE.append(name)
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_test_databases() -> None:
    """Drop every database :func:`postgres_database` made in this process (one checkpoint for them all)."""
    if not _MADE:
        return
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            while _MADE:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{_MADE.pop()}" WITH (FORCE)'))
    finally:
        admin.dispose()


def truncate_all(engine: Engine) -> None:
    """Empty every table (PostgreSQL), restarting ids."""
    names = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names}, listing_fts RESTART IDENTITY CASCADE"))


class Databases:
    """Hands out migrated engines per backend for one test session."""

    def __init__(self, tmp_root: Path) -> None:
        self.tmp_root = tmp_root
        self._sqlite_template: Path | None = None
        self._pg_url: str | None = None

    def sqlite_url(self, tmp_path: Path) -> str:
        if self._sqlite_template is None:
            template = self.tmp_root / "template.db"
            engine = make_engine(f"sqlite:///{template}")
            migrate(engine)
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            engine.dispose()
            self._sqlite_template = template
        target = tmp_path / "store.db"
        shutil.copyfile(self._sqlite_template, target)
        return f"sqlite:///{target}"

    def postgres_url(self) -> str:
        if self._pg_url is None:
            self._pg_url = new_postgres_database()
            engine = make_engine(self._pg_url)
            migrate(engine)
            engine.dispose()
        return self._pg_url


@contextmanager
def engine_for(databases: Databases, backend: str, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty store engine on ``backend``."""
    if backend == "sqlite":
        engine = make_engine(databases.sqlite_url(tmp_path))
    else:
        engine = make_engine(databases.postgres_url())
        truncate_all(engine)
    try:
        yield engine
    finally:
        engine.dispose()
