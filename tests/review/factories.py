"""Shared fixtures' builders for the moderation tests: real stores (SQLite file, PostgreSQL) and rows."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from store.models import Base, Listing, Score, Seller
from wildwatch.runtime import Store, open_store

THRESHOLD = 0.5


@contextmanager
def make_store(tmp_path: Path) -> Iterator[Store]:
    """A migrated store on a fresh SQLite file."""
    store = open_store(f"sqlite:///{tmp_path / 'ww.db'}")
    try:
        yield store
    finally:
        store.close()


def truncate_all(store: Store) -> None:
    """Empty every table of a PostgreSQL store (faster than a new database per test)."""
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    with store.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@contextmanager
def store_for(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh SQLite store, or the test session's PostgreSQL database (root conftest) emptied."""
    if request.param == "sqlite":
        with make_store(tmp_path) as store:
            yield store
        return
    store = open_store(request.getfixturevalue("pg_url"), migrate_now=False)
    truncate_all(store)
    try:
        yield store
    finally:
        store.close()


def add_seller(session: Session, name: str = "shop", marketplace: str = "demo.test") -> Seller:
    """A seller row."""
    seller = Seller(marketplace=marketplace, url=f"https://{marketplace}/u/{name}", name=name)
    session.add(seller)
    session.flush()
    return seller


def add_listing(
    session: Session, *, title: str, score: float, description: str = "", species: str = "",
    reasons: list[str] | None = None, seller: Seller | None = None, marketplace: str = "demo.test",
    price: str | None = "100.00", model_version: str = "test-1",
) -> Listing:
    """A scored listing (flagged when ``score >= THRESHOLD``) with its score history row."""
    content = hashlib.sha256(f"{title}\x00{description}".encode()).hexdigest()
    listing = Listing(
        url=f"https://{marketplace}/item/{uuid.uuid4().hex[:8]}", marketplace=marketplace, title=title,
        description=description, price=None if price is None else Decimal(price), currency="CNY",
        content_hash=content, seller_id=None if seller is None else seller.id, score=score,
        flagged=score >= THRESHOLD, species=species, reasons=reasons or [], model_version=model_version,
        scored_hash=content, lang="zh",
    )
    session.add(listing)
    session.flush()
    session.add(Score(listing_id=listing.id, model_version=model_version, content_hash=content, score=score,
                      threshold=THRESHOLD, flagged=score >= THRESHOLD, species=species, reasons=reasons or []))
    session.flush()
    return listing
