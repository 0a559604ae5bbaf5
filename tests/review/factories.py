"""Shared fixtures' builders for the moderation tests: real stores (SQLite file, PostgreSQL) and rows."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from store.models import Listing, Score, Seller
from tests.databases import truncate_all
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


@contextmanager
def store_for(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh SQLite store, or the test session's PostgreSQL database (root conftest) emptied."""
    databases = request.getfixturevalue("databases")
    sqlite = request.param == "sqlite"
    store = open_store(databases.sqlite_url(tmp_path) if sqlite else databases.postgres_url(), migrate_now=False)
    if not sqlite:
        truncate_all(store.engine)
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
