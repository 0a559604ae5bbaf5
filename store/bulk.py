"""Bulk loading of already-scored listings: COPY on PostgreSQL, executemany on SQLite.

For seeding big stores (benchmarks, migrations from another system): rows go straight into
``listings``, ``listing_species`` and the search index, bypassing the per-listing bookkeeping
of ``upsert_listings`` (no versions, snapshots or contacts).  Sellers must exist already.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Engine, text

from store.listings import content_hash

__all__ = ["BulkListing", "BulkSeller", "load_sellers", "load_listings", "deferred_indexes"]


@dataclass(slots=True)
class BulkSeller:
    id: int
    marketplace: str
    url: str
    name: str
    first_seen: datetime
    last_seen: datetime


@dataclass(slots=True)
class BulkListing:
    """One listing with its latest score; ``tokens`` is its pre-tokenised search document."""

    id: int
    url: str
    marketplace: str
    seller_id: int | None
    title: str
    description: str
    price: Decimal | None
    currency: str | None
    lang: str | None
    first_seen: datetime
    last_seen: datetime
    score: float | None
    flagged: bool | None
    species: Sequence[str]
    reasons: Sequence[str]
    model_version: str | None
    review_status: str | None
    tokens: str
    extra: dict[str, object] = field(default_factory=dict)


_LISTING_COLUMNS = (
    "id", "url", "marketplace", "seller_id", "title", "description", "price", "currency", "images", "lang",
    "content_hash", "version", "first_seen", "last_seen", "fetched_at", "score", "flagged", "species",
    "reasons", "model_version", "scored_hash", "scored_at", "review_status",
)
_SELLER_COLUMNS = ("id", "marketplace", "url", "name", "first_seen", "last_seen")


def _sqlite_time(value: datetime) -> str:
    # SQLAlchemy's SQLite DATETIME storage format (UTC, no zone): keeps comparisons consistent.
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def _listing_tuple(row: BulkListing, sqlite: bool) -> tuple[object, ...]:
    digest = content_hash(row.title, row.description, row.price, row.currency)
    first, last = (_sqlite_time(row.first_seen), _sqlite_time(row.last_seen)) if sqlite else (row.first_seen, row.last_seen)
    return (
        row.id, row.url, row.marketplace, row.seller_id, row.title, row.description,
        None if row.price is None else (str(row.price) if sqlite else row.price), row.currency, "[]", row.lang,
        digest, 1, first, last, last, row.score, row.flagged,
        ";".join(row.species), json.dumps(list(row.reasons), ensure_ascii=False) if row.reasons else "[]", row.model_version,
        digest if row.score is not None else None, last if row.score is not None else None,
        row.review_status,
    )


def load_sellers(engine: Engine, sellers: Iterable[BulkSeller]) -> int:
    """Insert sellers with their ids as given."""
    sqlite = engine.dialect.name == "sqlite"
    stamp = _sqlite_time if sqlite else (lambda value: value)
    rows = [(s.id, s.marketplace, s.url, s.name, stamp(s.first_seen), stamp(s.last_seen)) for s in sellers]
    with engine.begin() as conn:
        placeholders = ", ".join("?" if sqlite else "%s" for _ in _SELLER_COLUMNS)
        conn.exec_driver_sql(f"INSERT INTO sellers ({', '.join(_SELLER_COLUMNS)}) VALUES ({placeholders})", rows)
        if not sqlite:
            conn.execute(text("SELECT setval(pg_get_serial_sequence('sellers', 'id'), (SELECT max(id) FROM sellers))"))
    return len(rows)


def load_listings(engine: Engine, batches: Iterable[Sequence[BulkListing]]) -> int:
    """Insert listings batch by batch, one transaction per batch; returns the row count."""
    sqlite = engine.dialect.name == "sqlite"
    total = 0
    for batch in batches:
        if not batch:
            continue
        listings = [_listing_tuple(row, sqlite) for row in batch]
        species = [(row.id, name) for row in batch for name in dict.fromkeys(row.species)]
        documents = [(row.id, row.tokens) for row in batch]
        with engine.begin() as conn:
            if sqlite:
                # a big page cache: a dozen indexes take random inserts (default cache is 2 MB)
                conn.exec_driver_sql("PRAGMA cache_size = -262144")
                placeholders = ", ".join("?" for _ in _LISTING_COLUMNS)
                conn.exec_driver_sql(
                    f"INSERT INTO listings ({', '.join(_LISTING_COLUMNS)}) VALUES ({placeholders})", listings
                )
                if species:
                    conn.exec_driver_sql("INSERT INTO listing_species (listing_id, species) VALUES (?, ?)", species)
                conn.exec_driver_sql("INSERT INTO listings_fts (rowid, tokens) VALUES (?, ?)", documents)
            else:
                conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
                cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
                _copy(cursor, "listings", _LISTING_COLUMNS, listings)
                if species:
                    _copy(cursor, "listing_species", ("listing_id", "species"), species)
                # tsvector text input: each lexeme quoted, so any character is literal
                _copy(cursor, "listing_fts", ("listing_id", "tsv"),
                      [(listing_id, _tsvector_literal(doc)) for listing_id, doc in documents])
        total += len(batch)
    if not sqlite and total:
        with engine.begin() as conn:
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence('listings', 'id'), (SELECT max(id) FROM listings))")
            )
    return total


def _tsvector_literal(doc: str) -> str:
    return " ".join("'" + token.replace("\\", "\\\\").replace("'", "''") + "'" for token in doc.split())


@contextmanager
def deferred_indexes(engine: Engine, tables: Sequence[str] = ("listings", "listing_species", "listing_fts")) -> Iterator[None]:
    """Drop the tables' secondary indexes for a bulk load and rebuild them afterwards.

    Building an index once over all rows is much cheaper than maintaining a dozen of them
    row by row.  Indexes backing constraints (primary keys, the unique URL) stay in place;
    SQLite's FTS5 table keeps its own index.
    """
    sqlite = engine.dialect.name == "sqlite"
    indexes: list[tuple[str, str]] = []
    with engine.begin() as conn:
        for table in tables:
            if sqlite:
                rows = conn.exec_driver_sql(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
                    (table,),
                ).all()
            else:
                rows = conn.exec_driver_sql(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
                    "(SELECT conname FROM pg_constraint)",
                    (table,),
                ).all()
            indexes += [(name, definition) for name, definition in rows]
        for name, _ in indexes:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        with engine.begin() as conn:
            if sqlite:
                conn.exec_driver_sql("PRAGMA cache_size = -262144")
            else:
                conn.exec_driver_sql("SET maintenance_work_mem = '256MB'")
            for _, definition in indexes:
                conn.exec_driver_sql(definition)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_field(value: object) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


def _copy(cursor: object, table: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """COPY rows in PostgreSQL's text format, built in one string (much faster than row by row)."""
    payload = "".join("\t".join(map(_copy_field, row)) + "\n" for row in rows)
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
        copy.write(payload.encode("utf-8"))
