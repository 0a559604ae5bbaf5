"""Bulk loading of already-scored listings: COPY on PostgreSQL, executemany on SQLite.

For seeding big stores (benchmarks, migrations from another system).  A loaded listing is stored
as ``upsert_listings`` followed by ``record_scores`` would store it new: the ``listings`` row
(content hash, canonical language, source and extra facts), its first ``listing_versions`` row,
its search document, its species and, when it has a score, the ``scores`` history row
(tests/store/test_bulk.py compares the two paths table by table).  Rows that only derive from
the listing row (versions, score history) are copied by the database itself (``INSERT ...
SELECT``), so they cost no Python per row.  What the loader does not write: snapshots and
contacts (there is no page), and reviews (``review_status`` is taken as given).  Sellers must
exist already.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from core.langs import canonical_lang
from store.batched import sqlite_timestamp
from store.listings import content_hash
from store.search import fts_rowid, optimize_index, search_document

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
    """One listing with its latest score.

    ``tokens`` is its pre-tokenised search document (None: tokenised here, as a crawl would).
    """

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
    tokens: str | None = None
    source: str | None = None
    extra: dict[str, Any] | None = None


_LISTING_COLUMNS = (
    "id", "url", "marketplace", "seller_id", "title", "description", "price", "currency", "images", "lang",
    "content_hash", "version", "first_seen", "last_seen", "fetched_at", "score", "flagged", "species",
    "reasons", "model_version", "scored_hash", "scored_at", "review_status", "source", "extra",
)
#: The loaded tables whose secondary indexes ``deferred_indexes`` drops and rebuilds.
LOADED_TABLES = ("listings", "listing_species", "listing_fts", "listing_versions", "scores")
#: PostgreSQL: batches streamed at once, each on its own connection and in its own transaction.
COPY_WRITERS = 2
#: PostgreSQL: connections that rebuild the deferred indexes at once.
INDEX_BUILDERS = 2
#: The score threshold recorded in the history rows of loaded scores when the caller names none.
DEFAULT_THRESHOLD = 0.5
_SELLER_COLUMNS = ("id", "marketplace", "url", "name", "first_seen", "last_seen")


_sqlite_time = sqlite_timestamp
_canonical_lang = lru_cache(maxsize=256)(canonical_lang)  # a handful of distinct tags per load


def _document(row: BulkListing) -> str:
    return row.tokens if row.tokens is not None else search_document(row.title, row.description)


def _extra(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value)


def _listing_tuple(row: BulkListing) -> tuple[object, ...]:
    """One ``listings`` row for SQLite's executemany, columns as ``_LISTING_COLUMNS``."""
    digest = content_hash(row.title, row.description, row.price, row.currency)
    scored = row.score is not None
    last = _sqlite_time(row.last_seen)
    return (
        row.id, row.url, row.marketplace, row.seller_id, row.title, row.description,
        None if row.price is None else str(row.price), row.currency, "[]", _canonical_lang(row.lang),
        digest, 1, _sqlite_time(row.first_seen), last, last, row.score, row.flagged,
        ";".join(row.species), json.dumps(list(row.reasons)) if row.reasons else "[]", row.model_version,
        digest if scored else None, last if scored else None, row.review_status, row.source, _extra(row.extra),
    )


#: Rows that derive from a loaded ``listings`` row, copied by the database in the load's transaction:
#: the first content version (seen when the listing was first seen) and the score history row.
_DERIVED = (
    "INSERT INTO listing_versions (listing_id, version, title, description, price, currency, content_hash, seen_at) "
    "SELECT id, 1, title, description, price, currency, content_hash, first_seen FROM listings WHERE {ids}",
    "INSERT INTO scores (listing_id, model_version, content_hash, score, threshold, flagged, species, reasons, "
    "scored_at) SELECT id, model_version, scored_hash, score, {threshold}, COALESCE(flagged, score >= {threshold}), "
    "species, reasons, scored_at "
    "FROM listings WHERE {ids} AND score IS NOT NULL AND model_version IS NOT NULL",
)


def _write_derived(conn: Connection, ids: list[int], threshold: float) -> None:
    if conn.dialect.name == "sqlite":
        where, param = "id IN (SELECT value FROM json_each(?))", "?"
        ids_value: object = json.dumps(ids)
    else:
        where, param, ids_value = "id = ANY(%s)", "%s", ids
    for statement in _DERIVED:
        sql = statement.format(ids=where, threshold=param)
        conn.exec_driver_sql(sql, (threshold, threshold, ids_value) if "{threshold}" in statement else (ids_value,))


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


def load_listings(
    engine: Engine, batches: Iterable[Sequence[BulkListing]], *, threshold: float = DEFAULT_THRESHOLD
) -> int:
    """Insert listings batch by batch, one transaction per batch; returns the row count.

    ``threshold`` is recorded with each loaded score in the score history.  On PostgreSQL the
    next batch's COPY payload is formatted while ``COPY_WRITERS`` writer threads stream earlier ones,
    each on its own connection, so the server works on two cores (200,000 rows: 41,000-43,000 rows/s
    with one writer, 42,000-55,000 with two, 2026-12-07).  A batch that fails stops the load with its
    error and leaves none of its rows; the batches before it, and one written beside it, may be in.
    """
    if engine.dialect.name == "sqlite":
        return _load_sqlite(engine, batches, threshold)
    total = 0
    with ThreadPoolExecutor(max_workers=COPY_WRITERS, thread_name_prefix="bulk-copy") as writer:
        pending: deque[Future[None]] = deque()
        for batch in batches:
            if not batch:
                continue
            payloads = _copy_payloads(batch)
            if len(pending) >= COPY_WRITERS:
                pending.popleft().result()  # a bounded number in flight: memory stays bounded, errors surface early
            sellers = {row.seller_id: row.id for row in reversed(batch) if row.seller_id is not None}
            pending.append(writer.submit(_copy_batch, engine, payloads, [row.id for row in batch], sellers, threshold))
            total += len(batch)
        for future in pending:
            future.result()
    if total:
        with engine.begin() as conn:
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence('listings', 'id'), (SELECT max(id) FROM listings))")
            )
    return total


_SqliteRows = tuple[list[tuple[object, ...]], list[tuple[int, str]], list[tuple[int, str]], list[int]]


def _sqlite_rows(batch: Sequence[BulkListing]) -> _SqliteRows:
    return (
        [_listing_tuple(row) for row in batch],
        [(row.id, name) for row in batch for name in dict.fromkeys(row.species)],
        # in rowid order: FTS5 writes out its pending index whenever a rowid is not above the last one
        sorted((fts_rowid(row.id, row.last_seen), _document(row)) for row in batch),
        [row.id for row in batch],
    )


def _write_sqlite(conn: Connection, rows: _SqliteRows, threshold: float) -> None:
    listings, species, documents, ids = rows
    placeholders = ", ".join("?" for _ in _LISTING_COLUMNS)
    with conn.begin():
        conn.exec_driver_sql(f"INSERT INTO listings ({', '.join(_LISTING_COLUMNS)}) VALUES ({placeholders})", listings)
        if species:
            conn.exec_driver_sql("INSERT INTO listing_species (listing_id, species) VALUES (?, ?)", species)
        conn.exec_driver_sql("INSERT INTO listings_fts (rowid, tokens) VALUES (?, ?)", documents)
        _write_derived(conn, ids, threshold)


#: Connection settings for the load (restored afterwards): a big page cache, as a dozen indexes
#: take inserts (default 2 MB), and no fsync at WAL checkpoints: the load is redone after a crash.
_SQLITE_LOAD_PRAGMAS = {"cache_size": "-262144", "synchronous": "OFF", "temp_store": "MEMORY"}


def _load_sqlite(engine: Engine, batches: Iterable[Sequence[BulkListing]], threshold: float) -> int:
    total = 0
    with engine.connect() as conn:
        saved = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar() for name in _SQLITE_LOAD_PRAGMAS}
        for name, value in _SQLITE_LOAD_PRAGMAS.items():
            conn.exec_driver_sql(f"PRAGMA {name} = {value}")
        conn.commit()
        try:
            # Formatted in this thread: sqlite3 releases the GIL around each row's step, and a
            # formatting thread holding it for a switch interval each time stalls the inserts.
            for batch in batches:
                if batch:
                    _write_sqlite(conn, _sqlite_rows(batch), threshold)
                    total += len(batch)
        finally:
            if conn.in_transaction():
                conn.rollback()
            for name, setting in saved.items():
                conn.exec_driver_sql(f"PRAGMA {name} = {setting}")
            conn.commit()
    return total


_FTS_COLUMNS = ("listing_id", "tsv", "last_seen", "first_seen", "score")
_SPECIES_COLUMNS = ("listing_id", "species", "flagged", "last_seen")
_CopyPayload = tuple[str, Sequence[str], bytes]


def _copy_payloads(batch: Sequence[BulkListing]) -> list[_CopyPayload]:
    """The batch as COPY text-format payloads for listings, listing_species and listing_fts."""
    payloads: list[_CopyPayload] = [
        ("listings", _LISTING_COLUMNS, "".join([_listing_line(row) for row in batch]).encode()),
    ]
    # the sort keys are given, so the triggers that would copy them from listings do not run
    species = "".join([
        f"{row.id}\t{_text(name)}\t{_optional_bool(row.flagged)}\t{row.last_seen.isoformat()}\n"
        for row in batch for name in dict.fromkeys(row.species)
    ])
    if species:
        payloads.append(("listing_species", _SPECIES_COLUMNS, species.encode()))
    documents = "".join(
        [
            f"{row.id}\t{_tsvector_field(_document(row))}\t{row.last_seen.isoformat()}\t{row.first_seen.isoformat()}"
            f"\t{_NULL if row.score is None else row.score}\n"
            for row in batch
        ]
    )
    payloads.append(("listing_fts", _FTS_COLUMNS, documents.encode()))
    return payloads


def _copy_batch(
    engine: Engine, payloads: Sequence[_CopyPayload], ids: list[int], sellers: dict[int, int], threshold: float
) -> None:
    """One batch in one transaction; ``sellers`` maps each seller the batch names to its first listing."""
    with engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
        checked_here = _skip_row_triggers(conn)
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        for table, columns, payload in payloads:
            statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            try:
                with cursor.copy(statement) as copy:
                    copy.write(payload)
            except engine.dialect.loaded_dbapi.Error as exc:
                # the driver's own cursor: its errors as SQLAlchemy would raise them (a foreign key
                # refused under row triggers is an IntegrityError, as the loader's own check raises)
                raise DBAPIError.instance(statement, None, exc, engine.dialect.loaded_dbapi.Error) from exc
        _write_derived(conn, ids, threshold)
        if checked_here:
            _check_sellers(conn, sellers)


def _skip_row_triggers(conn: Connection) -> bool:
    """Skip PostgreSQL's per-row foreign key triggers for this transaction when allowed (superuser).

    They are most of a COPY's server time: every loaded row of five tables looks its parent up
    one by one.  Every row the loader writes refers to a listing of the same batch, except
    ``listings.seller_id``, which :func:`_check_sellers` then checks for the batch in one query.
    The only other row triggers (filling the sort keys of ``listing_fts`` and ``listing_species``)
    do nothing for the loader's rows, which carry their keys.  Returns whether the triggers are skipped.
    """
    if conn.exec_driver_sql("SHOW is_superuser").scalar() != "on":
        return False
    conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
    return True


def _check_sellers(conn: Connection, sellers: dict[int, int]) -> None:
    """The foreign key ``listings.seller_id -> sellers.id`` for a batch, in one query.

    Asks for the batch's distinct sellers by primary key, not for its listings again: reading
    the 5,000 listings just written back was 6 % of a PostgreSQL load (200,000 rows, 2026-12-07).
    """
    if not sellers:
        return
    missing = conn.exec_driver_sql(
        "SELECT s.id FROM unnest(%s::bigint[]) AS s(id) WHERE NOT EXISTS (SELECT 1 FROM sellers WHERE sellers.id = s.id) "
        "LIMIT 1",
        (list(sellers),),
    ).scalar()
    if missing is not None:
        listing = sellers[missing]
        raise IntegrityError(
            "bulk load", {"listing_id": listing, "seller_id": missing},
            ValueError(f"listing {listing} refers to seller {missing}, which does not exist"),
        )


@contextmanager
def deferred_indexes(engine: Engine, tables: Sequence[str] = LOADED_TABLES) -> Iterator[None]:
    """Drop the tables' secondary indexes for a bulk load and rebuild them afterwards.

    Building an index once over all rows is much cheaper than maintaining a dozen of them
    row by row.  Indexes backing constraints (primary keys, the unique URL) stay in place;
    SQLite's FTS5 table keeps its own index, merged into one segment at the end (each batch
    left one; a search that looks listings up one by one reads them all).
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
        if sqlite:
            with engine.begin() as conn:
                # the sorter of CREATE INDEX may use a helper thread and keeps its runs in memory
                for pragma in ("cache_size = -262144", "temp_store = MEMORY", "threads = 2"):
                    conn.exec_driver_sql(f"PRAGMA {pragma}")
                for _, definition in indexes:
                    conn.exec_driver_sql(definition)
                optimize_index(conn)
        else:
            definitions = [definition for _, definition in indexes]
            with ThreadPoolExecutor(max_workers=INDEX_BUILDERS, thread_name_prefix="bulk-index") as builders:
                for done in [builders.submit(_build_indexes, engine, definitions[i::INDEX_BUILDERS])
                             for i in range(INDEX_BUILDERS)]:
                    done.result()


def _build_indexes(engine: Engine, definitions: Sequence[str]) -> None:
    """PostgreSQL: ``CREATE INDEX`` statements on one connection (others may build beside it: each
    takes a SHARE lock, which does not block another)."""
    if not definitions:
        return
    with engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
        for definition in definitions:
            conn.exec_driver_sql(definition)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = "\\N"


def _text(value: str) -> str:
    """A value escaped for COPY's text format (most values need nothing: checked first, in C)."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_ESCAPES)
    return value


def _optional_text(value: str | None) -> str:
    return _NULL if value is None else _text(value)


def _optional(value: object) -> str:
    return _NULL if value is None else str(value)


def _optional_bool(value: bool | None) -> str:
    return _NULL if value is None else ("t" if value else "f")


def _listing_line(row: BulkListing) -> str:
    """One ``listings`` row in COPY text format, columns as ``_LISTING_COLUMNS``."""
    digest = content_hash(row.title, row.description, row.price, row.currency)
    last = row.last_seen.isoformat()
    scored = row.score is not None
    reasons = _text(json.dumps(list(row.reasons))) if row.reasons else "[]"
    return "\t".join(
        (
            str(row.id), _text(row.url), _text(row.marketplace), _optional(row.seller_id), _text(row.title),
            _text(row.description), _optional(row.price), _optional_text(row.currency), "[]",
            _optional_text(_canonical_lang(row.lang)), digest, "1", row.first_seen.isoformat(), last, last,
            _optional(row.score),
            _optional_bool(row.flagged), _text(";".join(row.species)), reasons,
            _optional_text(row.model_version), digest if scored else _NULL, last if scored else _NULL,
            _optional_text(row.review_status), _optional_text(row.source), _optional_text(_extra(row.extra)),
        )
    ) + "\n"


def _tsvector_field(doc: str) -> str:
    """A search document as a tsvector literal for COPY: each lexeme quoted, so any character is literal."""
    tokens = doc.split()
    if "'" not in doc and "\\" not in doc:
        return "'" + "' '".join(tokens) + "'" if tokens else ""
    return _text(" ".join("'" + token.replace("\\", "\\\\").replace("'", "''") + "'" for token in tokens))
