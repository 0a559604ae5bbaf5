"""Shared fixtures' builders for the moderation tests: real stores (SQLite file, PostgreSQL) and rows."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.orm import Session

from store.models import Listing, Score, Seller
from wildwatch.runtime import Store, open_store

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/"
THRESHOLD = 0.5


@contextmanager
def make_store(kind: str, tmp_path: Path) -> Iterator[Store]:
    """A migrated store on a fresh SQLite file or a fresh, uniquely named PostgreSQL database."""
    if kind == "sqlite":
        store = open_store(f"sqlite:///{tmp_path / 'ww.db'}")
        try:
            yield store
        finally:
            store.close()
        return
    name = f"ww_test_moderation_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"CREATE DATABASE {name}")
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 unavailable: {exc}")
    store = open_store(PG_BASE + name)
    try:
        yield store
    finally:
        store.close()
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


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
