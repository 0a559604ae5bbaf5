"""Text pages newest first answer what the listings say, however their times crowd into seconds.

On SQLite such a page takes its candidates from the search index in rowid order, where a rowid is a
listing's ``last_seen`` second and id (migration 0020), and sorts them exactly.  These tests crowd
listings into a few seconds (some at the very same instant, some a microsecond apart), compute each
word's pages from ``listings`` and the search documents alone, and compare page by page through
the cursor: after a crawl, after a crawl sees listings again, after re-indexing and deletes, after
a bulk load, and across the migration down and up.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Engine, delete, select, text
from sqlalchemy.orm import Session

from bench.gen_listings import generate_listings, generate_sellers
from store import queries
from store.bulk import deferred_indexes, load_listings, load_sellers
from store.batched import sqlite_timestamp
from store.db import downgrade, make_engine, migrate
from store.listings import ListingIn, upsert_listings
from store.models import Listing
from store.queries import ListingFilter, list_listing_values, list_listings
from store.search import FTS_ID_BITS, FTS_ID_MASK, fts_rowid, fts_rowid_sql, index_listings, query_tokens, search_document

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
WORDS = ("象牙", "手镯", "ivory", "犀角 酒杯", "nothing-matches-this")
TITLES = ("象牙手镯 出售", "ivory bangle for sale", "犀角酒杯 收藏", "象牙 ivory carving", "普通手镯 银饰", "tea set")


def _items(count: int, start: int, *, at: datetime) -> list[ListingIn]:
    """``count`` listings in eight seconds: a third at the very same instant of their second."""
    items = []
    for i in range(start, start + count):
        micro = 0 if i % 3 == 0 else (i * 7919) % 1_000_000
        items.append(ListingIn(
            url=f"https://hk.market.example/item/{i}", marketplace="hk.market.example",
            title=TITLES[i % len(TITLES)], description=f"第{i}件" if i % 2 else "",
            fetched_at=at + timedelta(seconds=i % 8, microseconds=micro),
        ))
    return items


def _expected(session: Session, q: str) -> list[int]:
    tokens = set(query_tokens(q))
    rows = session.execute(select(Listing.id, Listing.last_seen, Listing.title, Listing.description)).all()
    hits = [row for row in rows if tokens and tokens <= set(search_document(row.title, row.description).split())]
    return [row.id for row in sorted(hits, key=lambda row: (row.last_seen, row.id), reverse=True)]


def _pages(session: Session, q: str, limit: int, *, raw: bool = True) -> list[int]:
    ids: list[int] = []
    cursor = None
    while True:
        if raw:
            page: Any = list_listing_values(session, ListingFilter(q=q), limit=limit, cursor=cursor)
            ids += [row[0] for row in page.items]
        else:
            page = list_listings(session, ListingFilter(q=q), limit=limit, cursor=cursor)
            ids += [row.id for row in page.items]
        if page.next_cursor is None:
            return ids
        cursor = page.next_cursor


@pytest.fixture
def plans(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """Whether each page was planned from the search index's rowid order (True) or as before."""
    seen: list[bool] = []
    original = queries._recent_text_ids

    def recording(*args: Any, **kwargs: Any) -> list[int] | None:
        ids = original(*args, **kwargs)
        seen.append(ids is not None)
        return ids

    monkeypatch.setattr(queries, "_recent_text_ids", recording)
    yield seen


def _check(engine: Engine, session: Session, plans: list[bool]) -> None:
    for q in WORDS:
        expected = _expected(session, q)
        assert q == WORDS[-1] or expected, q
        for limit in (1, 7, 50):
            assert _pages(session, q, limit) == expected, (q, limit)
        assert _pages(session, q, 7, raw=False) == expected, q
    if engine.dialect.name == "sqlite":
        assert plans and all(plans)
        wrong = session.scalar(text(
            f"SELECT count(*) FROM listings_fts f LEFT JOIN listings ON listings.id = (f.rowid & {FTS_ID_MASK}) "
            f"WHERE listings.id IS NULL OR f.rowid != {fts_rowid_sql('listings')}"))
        assert wrong == 0
        assert session.scalar(text("SELECT count(*) FROM listings_fts")) == session.scalar(text(
            "SELECT count(*) FROM listings"))


def test_text_pages_follow_crawls_reindexing_and_deletes(engine: Engine, session: Session, plans: list[bool]) -> None:
    upsert_listings(session, _items(160, 0, at=T0))
    session.commit()
    _check(engine, session, plans)

    # a crawl sees listings again: some into the crowded seconds, some into new ones, some within their own second
    again = [*_items(40, 0, at=T0 + timedelta(seconds=3)), *_items(10, 100, at=T0 + timedelta(minutes=5))]
    upsert_listings(session, [*again, *_items(5, 150, at=T0 + timedelta(microseconds=1))])
    session.commit()
    _check(engine, session, plans)

    # re-indexing (as after a tokenizer change) and deletes
    listings = session.scalars(select(Listing).where(Listing.id % 5 == 0)).all()
    index_listings(session, listings)
    session.execute(delete(Listing).where(Listing.id % 7 == 0))
    session.commit()
    _check(engine, session, plans)


def _one_instant(count: int, start: int, *, at: datetime) -> list[ListingIn]:
    return [replace(item, fetched_at=at) for item in _items(count, start, at=at)]


def test_text_pages_in_crowded_seconds(
    engine: Engine, session: Session, plans: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crowded second of one instant (a bulk import) is still read in rowid order; of many, planned as before."""
    upsert_listings(session, [*_items(160, 0, at=T0), *_one_instant(60, 1000, at=T0 + timedelta(seconds=20)),
                              *_one_instant(60, 2000, at=T0 - timedelta(seconds=20))])
    session.commit()
    for most, limit in ((4, 7), (10, 1), (10, 7), (500, 7)):  # every second crowded, then some, then none
        monkeypatch.setattr(queries, "RECENT_TEXT_MAX_ROWS", most)
        plans.clear()
        for q in WORDS[:3]:
            assert _pages(session, q, limit) == _expected(session, q), (q, most, limit)
        if engine.dialect.name == "sqlite" and most == 4:
            assert False in plans and True in plans  # the one-instant seconds' pages, and the others'
        if engine.dialect.name == "sqlite" and most == 500:
            assert all(plans)


def test_text_pages_after_a_bulk_load(engine: Engine, session: Session, plans: list[bool]) -> None:
    load_sellers(engine, generate_sellers(10))
    with deferred_indexes(engine):
        load_listings(engine, generate_listings(300, 10, batch=100))
    words = ("象牙", "手镯", "ivory")
    for q in words:
        expected = _expected(session, q)
        assert expected, q
        assert _pages(session, q, 7) == expected, q
    if engine.dialect.name == "sqlite":
        assert session.scalar(text(
            f"SELECT count(*) FROM listings_fts f JOIN listings ON listings.id = (f.rowid & {FTS_ID_MASK}) "
            f"WHERE f.rowid = {fts_rowid_sql('listings')}")) == 300


def test_the_migration_renumbers_the_index_both_ways(sqlite_engine_at_head: Engine) -> None:
    engine = sqlite_engine_at_head
    with Session(engine) as session:
        upsert_listings(session, _items(60, 0, at=T0))
        session.commit()
    downgrade(engine, "0019_species_sort_keys")
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM listings_fts f JOIN listings ON listings.id = f.rowid")) == 60
    migrate(engine)
    with Session(engine) as session:
        for q in WORDS:
            assert _pages(session, q, 7) == _expected(session, q), q
        assert session.scalar(text(
            f"SELECT count(*) FROM listings_fts f JOIN listings ON f.rowid = {fts_rowid_sql('listings')}")) == 60


@pytest.fixture
def sqlite_engine_at_head(tmp_path: Any) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("stamp", [
    datetime(2026, 12, 7, 13, 59, 59, 999_999), datetime(2026, 12, 7, 14, 0, tzinfo=UTC),
    datetime(1999, 1, 1, 0, 0, 0, 1, tzinfo=UTC), datetime(2026, 12, 7, 22, 0, 0, 500_000, tzinfo=timezone(timedelta(hours=8))),
])
def test_the_rowid_computed_in_python_is_the_one_sql_computes(sqlite_engine_at_head: Engine, stamp: datetime) -> None:
    with sqlite_engine_at_head.connect() as conn:
        in_sql = conn.scalar(text(
            f"SELECT {fts_rowid_sql('t')} FROM (SELECT :last_seen AS last_seen, 12345 AS id) AS t"),
            {"last_seen": sqlite_timestamp(stamp)})
    assert fts_rowid(12345, stamp) == in_sql


def test_ids_past_the_rowid_bits_are_refused() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        fts_rowid(1 << FTS_ID_BITS, T0)


def _cursor(moment: datetime, listing_id: int) -> str:
    raw = json.dumps(["-last_seen", moment.isoformat(), listing_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("most", [500, 4], ids=["rowid-order", "crowded"])
@pytest.mark.parametrize(("moment", "listing_id"), [
    (T0 + timedelta(seconds=3), 2**40), (T0 + timedelta(seconds=3), 0), (T0 + timedelta(seconds=3, microseconds=5), 30),
    (datetime(9999, 12, 31, tzinfo=UTC), 5), (datetime(1, 1, 2, tzinfo=UTC), 5), (T0 + timedelta(seconds=20), 2**62),
])
def test_any_cursor_a_client_sends_pages_exactly(
    engine: Engine, session: Session, monkeypatch: pytest.MonkeyPatch, moment: datetime, listing_id: int, most: int
) -> None:
    """A cursor is the client's: ids past the index's bits and times past its seconds page like any other."""
    upsert_listings(session, [*_items(160, 0, at=T0), *_one_instant(60, 1000, at=T0 + timedelta(seconds=20))])
    session.commit()
    monkeypatch.setattr(queries, "RECENT_TEXT_MAX_ROWS", most)
    rows = session.execute(select(Listing.id, Listing.last_seen)).all()
    for q in WORDS[:3]:
        matching = set(_expected(session, q))
        expected = [row.id for row in sorted(rows, key=lambda row: (row.last_seen, row.id), reverse=True)
                    if row.id in matching and (row.last_seen, row.id) < (moment, listing_id)][:7]
        page = list_listing_values(session, ListingFilter(q=q), limit=7, cursor=_cursor(moment, listing_id))
        assert [row[0] for row in page.items] == expected, q
