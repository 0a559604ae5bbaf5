"""Store fixtures: every test that takes ``engine`` runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from store.db import make_session_factory
from tests.store.databases import BACKENDS, Databases, engine_for


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    dbs = Databases(tmp_path_factory.mktemp("store-template"))
    yield dbs
    dbs.close()


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, databases: Databases, tmp_path: Path) -> Iterator[Engine]:
    with engine_for(databases, request.param, tmp_path) as engine:
        yield engine


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with make_session_factory(engine)() as session:
        yield session
