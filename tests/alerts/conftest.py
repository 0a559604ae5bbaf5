from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.review.factories import make_store
from wildwatch.runtime import Store


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A migrated store on SQLite and on PostgreSQL."""
    with make_store(request.param, tmp_path) as store:
        yield store


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    """A migrated SQLite store (for the slower end-to-end tests)."""
    with make_store("sqlite", tmp_path) as store:
        yield store
