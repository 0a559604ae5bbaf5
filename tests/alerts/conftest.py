from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.review.factories import store_for
from wildwatch.runtime import Store


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A migrated, empty store on SQLite and on PostgreSQL."""
    with store_for(request, tmp_path) as store:
        yield store
