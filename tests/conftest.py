"""Shared fixtures: real databases (a SQLite file and the PostgreSQL server), no mocks.

``engine`` (and ``database_url``, ``sessions``, ``session`` built on it) is parametrised over
both backends: SQLite gets a copy of a migrated template file per test, PostgreSQL one fresh
database per test session (parallel runs never collide) emptied between tests.
"""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from store.db import make_session_factory
from tests.databases import BACKENDS, Databases, drop_test_databases, engine_for
from wildwatch.runtime import Store, open_store

#: One strong secret key for the whole run, inherited by child processes, so every process signs
#: and seals alike; the tests of the per-install development key remove it.
os.environ.setdefault("WILDWATCH_SECRET_KEY", secrets.token_urlsafe(48))
#: Listing photos that crawls run by tests fetch land here, never in the checkout's var/images.
os.environ.setdefault("WILDWATCH_IMAGES__DIR", tempfile.mkdtemp(prefix="wildwatch-test-images-"))
#: Crawls in tests fetch no photos (on a shared machine they would double a demo crawl's time) except
#: where photos are what is tested: those tests set WILDWATCH_IMAGES__PER_LISTING themselves.
os.environ.setdefault("WILDWATCH_IMAGES__PER_LISTING", "0")
#: Crawls in tests read pages in the crawl process: an extraction worker costs each crawl a process
#: start, which small test sites never earn back (tests/crawler took 188 s without one and 222 s with
#: one on a slow 2-core machine). The worker's own tests set it (test_crawl_demo's blind crawl, the
#: interrupted crawls, the Redis crawls).
os.environ.setdefault("WILDWATCH_CRAWLER__EXTRACT_WORKERS", "0")


def pytest_sessionfinish(session: pytest.Session) -> None:
    drop_test_databases()


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Databases:
    return Databases(tmp_path_factory.mktemp("db-templates"))


@pytest.fixture(scope="session")
def pg_url(databases: Databases) -> str:
    """This test session's migrated PostgreSQL database."""
    return databases.postgres_url()


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, databases: Databases, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty store on each backend."""
    with engine_for(databases, request.param, tmp_path) as engine:
        yield engine


@pytest.fixture
def database_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as session:
        yield session


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    """A migrated, empty SQLite store (for the slower end-to-end tests)."""
    store = open_store(f"sqlite:///{tmp_path / 'ww.db'}")
    yield store
    store.close()


@pytest.fixture(autouse=True)
def _fresh_plan_statistics() -> None:
    """Store tests reuse one database URL (truncated between tests): start without cached counts."""
    from store.queries import clear_statistics

    clear_statistics()


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """CLI invocations reconfigure the root logger; undo that after each test."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
