"""Migrations upgrade and downgrade cleanly on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from alembic.script import ScriptDirectory

from store.db import MIGRATIONS_DIR, current_revision, downgrade, make_engine, migrate
from store.models import Listing
from store.queries import ListingFilter, list_listings
from tests.databases import BACKENDS, postgres_database


@pytest.fixture(params=BACKENDS)
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        with postgres_database() as url:
            yield url


HEAD = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def test_upgrade_downgrade_upgrade(fresh_url: str) -> None:
    engine = make_engine(fresh_url)
    try:
        migrate(engine)
        assert current_revision(engine) == HEAD
        tables = set(inspect(engine).get_table_names())
        assert "listings" in tables and ({"listings_fts", "listing_fts"} & tables)
        downgrade(engine, "0001")
        tables = set(inspect(engine).get_table_names())
        assert not ({"listings_fts", "listing_fts"} & tables)
        downgrade(engine, "base")
        assert "listings" not in set(inspect(engine).get_table_names())
        migrate(engine)
        assert current_revision(engine) == HEAD
    finally:
        engine.dispose()


def test_upgrade_indexes_existing_listings(fresh_url: str) -> None:
    engine = make_engine(fresh_url)
    try:
        migrate(engine, "0001")
        with Session(engine) as session, session.begin():
            session.add(Listing(url="https://x.example/1", marketplace="x.example", title="象牙手鐲", content_hash="h"))
        migrate(engine)
        with Session(engine) as session:
            assert [item.title for item in list_listings(session, ListingFilter(q="象牙手镯")).items] == ["象牙手鐲"]
    finally:
        engine.dispose()
