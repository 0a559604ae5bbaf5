"""Read side for analysts: filtered, sorted, cursor-paginated listings and streamed exports."""

from __future__ import annotations

import base64
import binascii
import json
import math
import operator
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger, BindParameter, Boolean, ColumnElement, DateTime, Float, Integer, Row, Select, String, Text, and_, bindparam,
    cast, false, func, or_, select, text, type_coerce,
)
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table
from sqlalchemy.orm import Session
from sqlalchemy.sql import visitors

from store.batched import id_in
from store.errors import NotFound
from store.models import Listing, ListingSpecies, ListingVersion, Review, Seller, Snapshot
from store.search import (
    FTS_ID_BITS, FTS_ID_MASK, count_matches, document_counts, estimate_matches, fts5_query, fts_match, fts_query,
    fts_second, listing_fts, match_clause, query_tokens,
)

__all__ = [
    "ListingFilter",
    "ListingPage",
    "PAGE_COLUMNS",
    "ListingDetail",
    "InvalidCursor",
    "SORTS",
    "REVIEW_STATUSES",
    "list_listings",
    "list_listing_values",
    "RawListingPage",
    "utc_datetime",
    "cached_statistics_only",
    "StatisticNotCounted",
    "get_listing",
    "get_listing_detail",
    "iter_export_rows",
    "EXPORT_COLUMNS",
]

#: Review statuses an analyst can filter on; ``unreviewed`` means no decision yet.
REVIEW_STATUSES = ("confirmed", "dismissed", "escalated", "unreviewed")
_MAX_ID = 2**63 - 1


def _named(name: str, value: Any, column: Any) -> BindParameter[Any]:
    """``value`` as the parameter ``name``, typed like ``column`` (as a plain value compared to it would be)."""
    return bindparam(name, value, type_=column.type)


#: The range filters: field, column, comparison (each field is also its parameter's name).
_RANGES: tuple[tuple[str, Any, Callable[[Any, Any], ColumnElement[bool]]], ...] = (
    ("min_score", Listing.score, operator.ge),
    ("max_score", Listing.score, operator.le),
    ("first_seen_from", Listing.first_seen, operator.ge),
    ("first_seen_to", Listing.first_seen, operator.le),
    ("last_seen_from", Listing.last_seen, operator.ge),
    ("last_seen_to", Listing.last_seen, operator.le),
    ("min_price", Listing.price, operator.ge),
    ("max_price", Listing.price, operator.le),
)


class InvalidCursor(ValueError):
    """A pagination cursor that we did not issue (or issued for another sort)."""


@dataclass(frozen=True, slots=True)
class ListingFilter:
    """Every analyst filter; None means "any".  ``q`` is free text matched by the search index."""

    flagged: bool | None = None
    species: str | None = None
    marketplace: str | None = None
    seller_id: int | None = None
    lang: str | None = None
    review_status: str | None = None
    min_score: float | None = None
    max_score: float | None = None
    first_seen_from: datetime | None = None
    first_seen_to: datetime | None = None
    last_seen_from: datetime | None = None
    last_seen_to: datetime | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    q: str | None = None

    def conditions(
        self, dialect: str, *, scan_in_order: bool = False, probe_text: bool = False
    ) -> list[ColumnElement[bool]]:
        """The WHERE conditions for ``dialect`` (``sqlite`` or ``postgresql``).

        ``scan_in_order`` writes the species and text terms so the database cannot drive the
        query from them (species as a per-row probe, text with its key hidden as ``id + 0``):
        it then walks the sort index and stops at the page size, which beats sorting a large
        candidate set (text: SQLite only).  ``probe_text`` (with ``scan_in_order``) looks each walked listing up in
        the search index instead of collecting the text matches first.

        Every value is a parameter named as in ``parameters``, so conditions written for one filter
        run for another of the same ``shape`` with that filter's ``parameters``.
        """
        where: list[ColumnElement[bool]] = []
        if self.flagged is not None:
            where.append(Listing.flagged.is_(self.flagged))
        if self.species and scan_in_order:
            probe = select(ListingSpecies.listing_id).where(
                ListingSpecies.listing_id == Listing.id,
                ListingSpecies.species == _named("species", self.species, ListingSpecies.species),
            )
            # PostgreSQL turns EXISTS into a semi-join and, taking the species and the flag for
            # independent, hashes every flagged listing (55 ms against 1.8 ms, 200k listings): a
            # scalar subquery stays a per-row probe of the walk.
            where.append(probe.scalar_subquery().is_not(None) if dialect == "postgresql" else probe.exists())
        elif self.species:
            where.append(Listing.id.in_(select(ListingSpecies.listing_id).where(
                ListingSpecies.species == _named("species", self.species, ListingSpecies.species))))
        if self.marketplace:
            where.append(Listing.marketplace == _named("marketplace", self.marketplace, Listing.marketplace))
        if self.seller_id is not None:
            where.append(Listing.seller_id == _named("seller_id", self.seller_id, Listing.seller_id))
        if self.lang:
            where.append(Listing.lang == _named("lang", self.lang, Listing.lang))
        if self.review_status == "unreviewed":
            where.append(Listing.review_status.is_(None))
        elif self.review_status:
            where.append(Listing.review_status == _named("review_status", self.review_status, Listing.review_status))
        for name, column, operator in _RANGES:
            value = getattr(self, name)
            if value is not None:
                where.append(operator(column, _named(name, value, column)))
        if self.q is not None and self.q.strip():
            clause = match_clause(dialect, self.q, in_order=scan_in_order, probe=scan_in_order and probe_text)
            where.append(false() if clause is None else clause)
        return where

    def shape(self, dialect: str) -> tuple[Any, ...]:
        """What ``conditions`` writes for these filters, without the values: equal shapes, equal SQL."""
        q = self.q is not None and self.q.strip()
        return (
            self.flagged, bool(self.species), bool(self.marketplace), self.seller_id is not None, bool(self.lang),
            "unreviewed" if self.review_status == "unreviewed" else bool(self.review_status),
            *(getattr(self, name) is not None for name, _, _ in _RANGES),
            None if not q else fts_query(dialect, self.q or "") is not None,
        )

    def parameters(self, dialect: str) -> dict[str, Any]:
        """The values of the parameters ``conditions`` names, by name."""
        values: dict[str, Any] = {}
        if self.species:
            values["species"] = self.species
        if self.marketplace:
            values["marketplace"] = self.marketplace
        if self.seller_id is not None:
            values["seller_id"] = self.seller_id
        if self.lang:
            values["lang"] = self.lang
        if self.review_status and self.review_status != "unreviewed":
            values["review_status"] = self.review_status
        for name, _, _ in _RANGES:
            value = getattr(self, name)
            if value is not None:
                values[name] = value
        if self.q is not None and self.q.strip():
            query = fts_query(dialect, self.q)
            if query is not None:
                values["fts_query"] = query
        return values

    def apply(
        self, query: Select[Any], dialect: str = "sqlite", *, scan_in_order: bool = False, probe_text: bool = False
    ) -> Select[Any]:
        """``query`` narrowed by these filters."""
        conditions = self.conditions(dialect, scan_in_order=scan_in_order, probe_text=probe_text)
        return query.where(*conditions) if conditions else query

    def as_params(self) -> dict[str, Any]:
        """The filters that are set, as query-string values (for links)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


def _score_key() -> ColumnElement[float]:
    return func.coalesce(Listing.score, -1.0)


#: sort name -> (key expression, descending)
SORTS: dict[str, tuple[Any, bool]] = {
    "-last_seen": (Listing.last_seen, True),
    "last_seen": (Listing.last_seen, False),
    "-first_seen": (Listing.first_seen, True),
    "first_seen": (Listing.first_seen, False),
    "-score": (None, True),
    "score": (None, False),
}


#: The columns a listing page shows (rows of these load several times faster than ORM objects).
PAGE_COLUMNS = (
    Listing.id, Listing.url, Listing.marketplace, Listing.title, Listing.description, Listing.price,
    Listing.currency, Listing.lang, Listing.seller_id, Listing.first_seen, Listing.last_seen, Listing.score,
    Listing.flagged, Listing.species, Listing.reasons, Listing.model_version, Listing.review_status,
    Listing.snapshot_id,
)


#: Built once: selects are immutable, and coercing the 18 columns was a sixth of a page's time.
_PAGE_SELECT = select(*PAGE_COLUMNS)

#: Column types whose result conversion the raw page skips (see ``_RAW_PAGE_SELECT``).
_RAW_TYPES: dict[str, Any] = {
    "first_seen": String(), "last_seen": String(), "flagged": Integer(), "price": Float(),
}


@dataclass(frozen=True, slots=True)
class ListingPage:
    """One page of listings: rows of ``PAGE_COLUMNS``, read by attribute like a ``Listing``."""

    items: list[Row[Any]]
    next_cursor: str | None


def _sort_value(sort: str, listing: Row[Any] | _RawSortKeys) -> Any:
    if sort.lstrip("-") == "score":
        return -1.0 if listing.score is None else listing.score
    value: datetime = getattr(listing, sort.lstrip("-"))
    return value.isoformat()


def _encode_cursor(sort: str, listing: Row[Any] | _RawSortKeys) -> str:
    raw = json.dumps([sort, _sort_value(sort, listing), listing.id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: str) -> tuple[Any, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        cursor_sort, value, listing_id = json.loads(raw)
        if cursor_sort != sort or not isinstance(listing_id, int) or isinstance(listing_id, bool):
            raise ValueError("cursor for another sort")
        if not 0 <= listing_id <= _MAX_ID:
            raise ValueError("id out of range")
        if sort.lstrip("-") == "score":
            if isinstance(value, bool) or not isinstance(value, int | float) or not -1 <= value <= 1:
                raise ValueError("bad score")
            return float(value), listing_id
        stamp = datetime.fromisoformat(value)
        return (stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)), listing_id
    except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidCursor("invalid cursor") from exc


def _keyset(query: Select[Any], key: Any, id_key: Any, descending: bool, after: tuple[Any, int] | None) -> Select[Any]:
    """``query`` ordered by (key, id) and started after the cursor position ``after``.

    The position is the parameters ``after_key`` and ``after_id`` (see ``_cursor_parameters``).
    """
    if after is not None:
        value, listing_id = after
        after_key, after_id = _named("after_key", value, key), _named("after_id", listing_id, id_key)
        if descending:
            query = query.where(or_(key < after_key, and_(key == after_key, id_key < after_id)))
        else:
            query = query.where(or_(key > after_key, and_(key == after_key, id_key > after_id)))
    if descending:
        return query.order_by(key.desc(), id_key.desc())
    return query.order_by(key.asc(), id_key.asc())


def _cursor_parameters(after: tuple[Any, int] | None) -> dict[str, Any]:
    return {} if after is None else {"after_key": after[0], "after_id": after[1]}


#: Page statements by shape (see ``_page_query``): building one and computing SQLAlchemy's cache key
#: for it cost a third as much as SQLite running it (flagged pangolins, 1M listings, 2026-12-07); a
#: statement kept here is run again as is, its cache key memoised, with each request's parameters.
_PAGE_STATEMENTS: dict[tuple[Any, ...], Select[Any]] = {}
_PAGE_STATEMENTS_MAX = 1024
_page_statements_lock = threading.Lock()


#: PostgreSQL's copies of each listing's flag and ``last_seen`` beside its species (migration 0019),
#: kept exact by triggers; not in the ORM model because SQLite's table has no such columns.
_SPECIES_KEYS = sql_table(
    "listing_species",
    sql_column("listing_id", BigInteger), sql_column("species", String), sql_column("flagged", Boolean),
    sql_column("last_seen", DateTime(timezone=True)),
)


def _species_and_flag_only(filters: ListingFilter) -> bool:
    """Whether ``filters`` name a species and at most the flag: on PostgreSQL such a page by
    ``last_seen`` is the species rows' next entries of one index (a primary-key lookup a row)
    instead of a walk of every flagged listing that probes each for the species."""
    if not filters.species or (filters.q is not None and filters.q.strip()):
        return False
    return all(getattr(filters, f.name) is None for f in fields(filters) if f.name not in ("species", "flagged", "q"))


def _page_query(
    session: Session, filters: ListingFilter, *, limit: int, cursor: str | None, sort: str, columns: Select[Any]
) -> tuple[Select[Any], dict[str, Any]]:
    """The query of one page and its parameters: ``columns`` narrowed by ``filters``, after ``cursor``, ``limit + 1`` rows.

    The plan (which conditions, written how) depends on the filters' shape and the store's
    statistics, never on the values themselves, so the statement is built once per plan and
    reused; only the parameters are this request's.
    """
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}")
    column, descending = SORTS[sort]
    after = _decode_cursor(cursor, sort) if cursor else None
    dialect = session.get_bind().dialect.name
    species_keys = dialect == "postgresql" and column is Listing.last_seen and _species_and_flag_only(filters)
    text_ids = not species_keys and dialect == "postgresql" and _ranks_text_matches(session, filters)
    recent_ids = None
    if dialect == "sqlite" and sort == "-last_seen" and RECENT_TEXT_MAX_ROWS and _text_only(filters):
        recent_ids = _recent_text_ids(session, filters.q or "", limit + 1, after)
    if recent_ids is not None:
        parameters = {"recent_ids": json.dumps(recent_ids), **_cursor_parameters(after), "page_limit": limit + 1}
        shape: tuple[Any, ...] = (id(columns), dialect, sort, after is not None, "recent")
        statement = _PAGE_STATEMENTS.get(shape)
        if statement is None:  # the ids as one JSON parameter: expanding 50-500 of them cost more than the query
            query = columns.where(id_in(Listing.id, [], dialect, name="recent_ids"))
            statement = _keep_statement(shape, _keyset(query, column, Listing.id, descending, after).limit(_PAGE_LIMIT),
                                        parameters)
        return statement, parameters
    scan = probe = False
    if not text_ids and not species_keys:
        if dialect == "sqlite":
            scan = column is not None and _large_candidate_sets(session, filters, limit + 1)
        else:  # a common word is walked by PostgreSQL's own plan; a species is not (see conditions)
            scan = column is not None and not (filters.q and filters.q.strip()) and bool(filters.species) \
                and _large_candidate_sets(session, filters, limit + 1)
        probe = scan and dialect == "sqlite" and _very_common_text(session, filters, limit + 1)
    parameters = {**filters.parameters(dialect), **_cursor_parameters(after), "page_limit": limit + 1}
    shape = (id(columns), dialect, sort, after is not None, species_keys, text_ids, scan, probe, filters.shape(dialect))
    statement = _PAGE_STATEMENTS.get(shape)
    if statement is None:
        key = _score_key() if column is None else column
        if species_keys:
            keys = _SPECIES_KEYS
            query = columns.join(keys, keys.c.listing_id == Listing.id).where(
                keys.c.species == _named("species", filters.species, keys.c.species))
            if filters.flagged is not None:
                query = query.where(keys.c.flagged.is_(filters.flagged))
            query = _keyset(query, keys.c.last_seen, keys.c.listing_id, descending, after)
        elif text_ids:
            page_ids = _text_page_ids(filters, sort, after)
            query = _keyset(columns.where(Listing.id.in_(page_ids)), key, Listing.id, descending, None)
        else:
            query = filters.apply(columns, dialect, scan_in_order=scan, probe_text=probe)
            query = _keyset(query, key, Listing.id, descending, after)
        statement = _keep_statement(shape, query.limit(_PAGE_LIMIT), parameters)
    return statement, parameters


def _keep_statement(shape: tuple[Any, ...], statement: Select[Any], parameters: dict[str, Any]) -> Select[Any]:
    """``statement``, checked and kept for its shape (see ``_PAGE_STATEMENTS``)."""
    _check_parameters(statement, parameters)
    with _page_statements_lock:
        if len(_PAGE_STATEMENTS) >= _PAGE_STATEMENTS_MAX:
            _PAGE_STATEMENTS.clear()
        _PAGE_STATEMENTS[shape] = statement
    return statement


#: The page size plus one (the row that says whether there is a next page), a parameter of every page.
_PAGE_LIMIT = bindparam("page_limit", type_=Integer())


def _check_parameters(statement: Select[Any], parameters: dict[str, Any]) -> None:
    """Every named parameter of ``statement`` gets its value from ``parameters`` (no value of the request
    the statement was built for may stay in it), and ``parameters`` names nothing else."""
    named = {bind.key for bind in visitors.iterate(statement) if isinstance(bind, BindParameter) and not bind.unique}
    if named != set(parameters):
        raise AssertionError(f"page statement parameters {sorted(named)} != {sorted(parameters)}")


def list_listings(
    session: Session,
    filters: ListingFilter,
    *,
    limit: int = 50,
    cursor: str | None = None,
    sort: str = "-last_seen",
) -> ListingPage:
    """Listings sorted by ``sort`` then id, keyset-paginated so deep pages stay fast."""
    query, parameters = _page_query(session, filters, limit=limit, cursor=cursor, sort=sort, columns=_PAGE_SELECT)
    rows = list(session.execute(query, parameters))
    next_cursor = _encode_cursor(sort, rows[limit - 1]) if len(rows) > limit else None
    return ListingPage(items=rows[:limit], next_cursor=next_cursor)


#: ``PAGE_COLUMNS`` typed so that SQLAlchemy converts nothing: each value is what the driver
#: returns.  Converting 18 columns of 50 rows (times parsed from SQLite's text, reasons decoded
#: from JSON, booleans, decimals) cost more than the query itself (py-spy, 1M listings, 2026-12-06).
#: ``reasons`` is read as its JSON text on both backends: psycopg would decode PostgreSQL's JSON
#: row by row (a third of the driver's time for a page, 2026-12-07), and pages repeat a small
#: vocabulary of reasons that the API decodes once per text.
_RAW_PAGE_SELECT = select(*(
    cast(column, Text).label(column.key) if column.key == "reasons"
    else type_coerce(column, _RAW_TYPES.get(column.key, column.type)).label(column.key)
    for column in PAGE_COLUMNS
))


@dataclass(frozen=True, slots=True)
class RawListingPage:
    """One page of listings as tuples in ``PAGE_COLUMNS`` order, with the driver's own values.

    Both give ``reasons`` as JSON text.  SQLite gives times as UTC text (``2026-02-04 13:49:59.738029``),
    ``flagged`` as 0/1 and ``price`` as a number; PostgreSQL gives datetimes and a Decimal.  For
    callers that convert only what they write out (the API's list page).
    """

    items: list[tuple[Any, ...]]
    next_cursor: str | None


def list_listing_values(
    session: Session,
    filters: ListingFilter,
    *,
    limit: int = 50,
    cursor: str | None = None,
    sort: str = "-last_seen",
) -> RawListingPage:
    """The rows of ``list_listings`` (same query, same order, same cursor) without type conversion."""
    query, parameters = _page_query(session, filters, limit=limit, cursor=cursor, sort=sort, columns=_RAW_PAGE_SELECT)
    rows = session.connection().execute(query, parameters).all()  # Core execution: the ORM's row loading adds nothing here
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = _encode_cursor(sort, _RawSortKeys(
            id=last[0], first_seen=utc_datetime(last[9]), last_seen=utc_datetime(last[10]), score=last[11]))
    return RawListingPage(items=[tuple(row) for row in rows[:limit]], next_cursor=next_cursor)


@dataclass(frozen=True, slots=True)
class _RawSortKeys:
    id: int
    first_seen: datetime
    last_seen: datetime
    score: float | None


def utc_datetime(value: datetime | str) -> datetime:
    """A stored time as an aware UTC datetime: from a driver's datetime or SQLite's text."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: Seconds a plan statistic (how many listings a species or word has) is reused.  Counting costs
#: more than a page of results on a big store; a stale count only costs speed, never changes the
#: rows (every plan returns the same pages), and these counts move slowly.
STATISTICS_TTL = 60.0
_STATISTICS_MAX = 4096
_statistics: OrderedDict[tuple[Any, ...], tuple[float, Any]] = OrderedDict()
_statistics_lock = threading.Lock()
_statistics_counting: dict[tuple[Any, ...], threading.Event] = {}
_no_counting = threading.local()


class StatisticNotCounted(Exception):
    """A plan statistic that this thread may not count (see ``cached_statistics_only``) is due."""


@contextmanager
def cached_statistics_only() -> Iterator[None]:
    """Within: a statistic never counted, or due for a recount that nobody has started, raises
    StatisticNotCounted instead of being counted on this thread (the API's event loop, where a count of
    a million listings would hold up every request; see store.inline_reads)."""
    _no_counting.active = True
    try:
        yield
    finally:
        _no_counting.active = False


def _statistic(session: Session, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    """``compute()`` for this database and ``key``, reused for ``STATISTICS_TTL`` seconds.

    An expired value is counted again by one caller while the others go on with it (stale
    while revalidating): a count can cost more than many pages, and a stale one only costs speed.
    A value never counted is counted by one caller while the others wait for it: at 32
    connections each request of a fresh worker counted on its own, four threads at a time, and
    the first second of a worker's life had requests waiting 0.4-0.8 s (1M listings, 2026-12-07).
    """
    url = session.get_bind().engine.url  # its parts: rendering the URL as text cost 0.1 ms a page
    full_key = (url.drivername, url.host, url.port, url.database, *key)
    while True:
        now = time.monotonic()
        with _statistics_lock:
            hit = _statistics.get(full_key)
            counting = _statistics_counting.get(full_key)
            if hit is not None and (now - hit[0] < STATISTICS_TTL or counting is not None):
                return hit[1]
            if getattr(_no_counting, "active", False):
                raise StatisticNotCounted(repr(key))
            if counting is None:
                done = _statistics_counting[full_key] = threading.Event()
                break
        counting.wait()  # another thread counts what has never been counted; then look again
    try:
        value = compute()
        with _statistics_lock:
            _statistics[full_key] = (now, value)
            _statistics.move_to_end(full_key)
            while len(_statistics) > _STATISTICS_MAX:
                _statistics.popitem(last=False)
    finally:
        with _statistics_lock:
            del _statistics_counting[full_key]
        done.set()
    return value


def clear_statistics() -> None:
    """Forget cached plan statistics (tests that reshape a store under the same URL)."""
    with _statistics_lock:
        _statistics.clear()


#: Above this many candidates from the species or text index, SQLite walks the sort index instead.
DRIVING_SET_LIMIT = 3000

#: SQLite: probing one walked listing's species (a covering-index lookup) costs about a third of
#: fetching and sorting one candidate listing (flagged pangolins, 200k listings: walking ~510 flagged
#: listings took 1.1 ms, sorting the 1,536 candidates 10.5 ms; measured 2026-12-06).
SPECIES_PROBE_COST = 0.3


def _large_candidate_sets(session: Session, filters: ListingFilter, page_size: int) -> bool:
    """True when every species/text term matches many listings (so none should drive the query).

    A species is "many" past ``DRIVING_SET_LIMIT`` or as soon as walking beats sorting its
    candidates: the walk visits about ``page_size * walked / species`` listings of the walked
    index (the flagged ones for ``flagged=true``), each probed at ``SPECIES_PROBE_COST`` times
    the cost of sorting one candidate, so it wins when ``species ** 2 > cost * page_size * walked``.
    """
    large: list[bool] = []
    if filters.species:
        walked = _statistic(session, ("flagged",), lambda: session.scalar(
            select(func.count()).select_from(Listing).where(Listing.flagged.is_(True))) or 0) if filters.flagged \
            else _statistic(session, ("max_id",), lambda: session.scalar(select(func.max(Listing.id))) or 0)
        limit = min(DRIVING_SET_LIMIT, math.isqrt(int(SPECIES_PROBE_COST * page_size * walked)))
        cap, species = limit + 1, filters.species
        large.append(_statistic(session, ("species", species, cap), lambda: session.scalar(
            select(func.count()).select_from(
                select(ListingSpecies.listing_id).where(ListingSpecies.species == species).limit(cap).subquery()
            )) or 0) > limit)
    if filters.q is not None and filters.q.strip():
        q, cap = filters.q, DRIVING_SET_LIMIT + 1
        large.append(_statistic(session, ("matches", q, cap), lambda: count_matches(session, q, limit=cap))
                     > DRIVING_SET_LIMIT)
    return bool(large) and all(large)


#: SQLite: looking one listing up in a compact FTS5 index costs about 50 times as much as collecting
#: one match (7.7 µs against 0.15 µs, 1M listings); twice that leaves room for matches spread unevenly.
PROBE_COST = 100


def _very_common_text(session: Session, filters: ListingFilter, page_size: int) -> bool:
    """SQLite: True when probing walked listings beats collecting the text matches first.

    A walk in sort order visits about ``page_size * N / matches`` listings, each probed at
    ``PROBE_COST`` times the cost of collecting one match: probing wins when
    ``matches ** 2 > PROBE_COST * page_size * N``.  One token's count comes exact from the
    vocabulary table; several tokens are confirmed by counting their matches together (words
    common on their own can be rare together, which would make the walk long).
    """
    tokens = query_tokens(filters.q or "")
    if not tokens:
        return False
    # ids are dense enough: an O(log n) estimate of the listings
    listings = _statistic(session, ("max_id",), lambda: session.scalar(select(func.max(Listing.id))) or 0)
    needed = math.isqrt(PROBE_COST * page_size * listings) + 1
    counts = _statistic(session, ("vocab", tuple(tokens)), lambda: document_counts(session, tokens)).values()
    if len(tokens) == 1:
        return bool(min(counts) >= needed)
    # words as if independent first (cheap), then the real count, capped, for the rare pair that passes
    if listings * math.prod(count / listings for count in counts) < needed:
        return False
    q = filters.q or ""
    return bool(_statistic(session, ("matches", q, needed), lambda: count_matches(session, q, limit=needed)) >= needed)


#: PostgreSQL: a text match estimated at no more than this many listings is ranked in the search table.
PG_TEXT_CANDIDATES = 20_000


def _ranks_text_matches(session: Session, filters: ListingFilter) -> bool:
    """PostgreSQL: True for a selective text query, whose page ids are ranked in ``listing_fts``.

    ``listing_fts`` keeps each listing's sort keys beside its tsvector (0005_fts_sort_keys), so
    the top of the GIN matches is found without a probe into ``listings`` per match.  A common
    word instead walks the sort index of ``listings`` (the planner's own choice), which finds a
    page quickly.
    """
    if filters.q is None or not filters.q.strip() or fts_query("postgresql", filters.q) is None:
        return False
    q = filters.q
    return bool(_statistic(session, ("estimate", q), lambda: estimate_matches(session, q)) <= PG_TEXT_CANDIDATES)


def _text_page_ids(filters: ListingFilter, sort: str, after: tuple[Any, int] | None) -> Select[Any]:
    """PostgreSQL, for ``_ranks_text_matches``: the page's listing ids (``page_limit`` of them), ranked in ``listing_fts``."""
    match = fts_match(filters.q or "")
    assert match is not None
    column, descending = SORTS[sort]
    key = func.coalesce(listing_fts.c.score, -1.0) if column is None else listing_fts.c[column.key]
    query = select(listing_fts.c.listing_id).where(match)
    rest = replace(filters, q=None).conditions("postgresql")
    if rest:
        query = query.join(Listing, Listing.id == listing_fts.c.listing_id).where(*rest)
    return _keyset(query, key, listing_fts.c.listing_id, descending, after).limit(_PAGE_LIMIT)


def _text_only(filters: ListingFilter) -> bool:
    """Whether ``filters`` are a searchable text query and nothing else."""
    if filters.q is None or not filters.q.strip():
        return False
    return all(getattr(filters, f.name) is None for f in fields(filters) if f.name != "q")


#: SQLite: the most search-index rows a text page by ``-last_seen`` reads in rowid order (see
#: ``_recent_text_ids``) when the seconds it reaches into hold listings of different instants; past
#: that the page is planned as before (as every such page is with 0).
RECENT_TEXT_MAX_ROWS = 500

_SECOND = 1 << FTS_ID_BITS

#: Whether every listing of the second [start, end) was seen at the very same instant (two index seeks on
#: ``last_seen``): then ids alone order that second, as rowids do.  A bulk import stamps thousands alike.
_ONE_INSTANT = ("(SELECT min(last_seen) FROM listings WHERE last_seen >= {start} AND last_seen < {end}) "
                "= (SELECT max(last_seen) FROM listings WHERE last_seen >= {start} AND last_seen < {end})")

#: The matches in the cursor's second, then the newest ``page_limit`` matches before that second,
#: completed to the whole second of the last of them unless that second is ``_ONE_INSTANT``.
#: Rowids order by (second, id), pages by (last_seen, id): the page's rows are among these.
#: ``{top}`` is read again from the index (one word: cheaper than keeping it) or ``top``'s own rows.
_RECENT_TEXT = (
    "WITH top AS {materialized}(SELECT rowid AS r FROM listings_fts WHERE listings_fts MATCH :fts_query "
    "AND rowid < :second_low ORDER BY rowid DESC LIMIT :page_limit), "
    f"edge AS (SELECT min(r) AS r, datetime(min(r) >> {FTS_ID_BITS}, 'unixepoch') AS s0, "
    f"datetime((min(r) >> {FTS_ID_BITS}) + 1, 'unixepoch') AS s1 FROM top) "
    "SELECT rowid FROM listings_fts WHERE listings_fts MATCH :fts_query AND rowid >= :second_low AND rowid < :second_high "
    "UNION ALL {top}"
    "SELECT rowid FROM listings_fts WHERE listings_fts MATCH :fts_query AND rowid < {below} AND rowid >= ("
    f"SELECT CASE WHEN {_ONE_INSTANT.format(start='s0', end='s1')} "
    f"THEN r ELSE (r >> {FTS_ID_BITS}) << {FTS_ID_BITS} END FROM edge) "
    "LIMIT :max_rows"
)
_RECENT_TEXT_SQL = text(_RECENT_TEXT.format(materialized="", top="", below=":second_low"))
#: Several words: FTS5 intersects their doclists, walking the commoner word's postings (15,415 of
#: ``bangle`` for the newest 51 ``ivory bangle`` at 1M): 0.5 ms, ten times one word's read.  So
#: ``top`` is read once and kept, and only the rest of the edge's second is read again (0.72 -> 0.52 ms).
#: Before SQLite 3.35 (no MATERIALIZED) it may be read twice: slower, same rows.
_RECENT_WORDS_SQL = text(_RECENT_TEXT.format(
    materialized="MATERIALIZED " if sqlite3.sqlite_version_info >= (3, 35) else "",
    top="SELECT r FROM top UNION ALL ", below="(SELECT r FROM edge)"))
_NEWEST_MATCHES_SQL = text(
    "SELECT rowid FROM listings_fts WHERE listings_fts MATCH :fts_query AND rowid < :below ORDER BY rowid DESC LIMIT :n")
_SECOND_MATCHES_SQL = text(
    "SELECT rowid FROM listings_fts WHERE listings_fts MATCH :fts_query AND rowid >= :low AND rowid < :below LIMIT :n")
_ONE_INSTANT_SQL = text("SELECT " + _ONE_INSTANT.format(
    start=f"datetime(:rowid >> {FTS_ID_BITS}, 'unixepoch')", end=f"datetime((:rowid >> {FTS_ID_BITS}) + 1, 'unixepoch')"))


def _one_instant(session: Session, rowid: int) -> bool:
    """Whether the listings of ``rowid``'s second were all seen at one instant."""
    return bool(session.scalar(_ONE_INSTANT_SQL, {"rowid": rowid}))


def _recent_text_ids(session: Session, q: str, page_limit: int, after: tuple[Any, int] | None) -> list[int] | None:
    """SQLite, a text query alone, newest first: the ids among which the page lies, or None to plan as before.

    FTS5 gives a word's matches in rowid order and stops at a LIMIT (0020_fts_recency), so this reads
    about ``page_limit`` index rows however many listings match: 0.02 ms against 2.4-3.7 ms for
    collecting and sorting every match of a rare word at 1M listings (bench/results.md).
    """
    tokens = query_tokens(q)
    if not tokens:
        return None
    query = fts5_query(tokens)
    low = high = _MAX_ID
    cursor_bound = None
    if after is not None:  # a cursor is the client's: a time or an id no listing has still pages, never overflows
        second = fts_second(after[0])
        low, high = _clamp(second), _clamp(second + _SECOND)
        cursor_bound = _clamp(second + min(after[1], _SECOND))  # the listings after it in its second, by rowid
    rows = session.execute(_RECENT_TEXT_SQL if len(tokens) == 1 else _RECENT_WORDS_SQL, {
        "fts_query": query, "second_low": low, "second_high": high, "page_limit": page_limit,
        "max_rows": RECENT_TEXT_MAX_ROWS + 1,
    }).scalars().all()
    if len(rows) <= RECENT_TEXT_MAX_ROWS:
        return [rowid & FTS_ID_MASK for rowid in rows]
    return _crowded_text_ids(session, query, page_limit, low, high, cursor_bound)


def _clamp(rowid: int) -> int:
    return max(-_MAX_ID, min(rowid, _MAX_ID))


def _crowded_text_ids(
    session: Session, query: str, page_limit: int, low: int, high: int, cursor_bound: int | None
) -> list[int] | None:
    """``_recent_text_ids`` where a second holds too many matches to sort: exact still when that second's
    listings share one instant (ids order them, as rowids do), None otherwise.  ``low`` and ``high`` bound
    the cursor's second, ``cursor_bound`` (None: no cursor) the rowids after the cursor within it."""
    candidates: list[int] = []
    below = _MAX_ID
    if cursor_bound is not None:
        below = low
        if _one_instant(session, low):
            below = cursor_bound  # the rest of the cursor's second comes in rowid order
        else:
            candidates = list(session.execute(_SECOND_MATCHES_SQL, {
                "fts_query": query, "low": low, "below": high, "n": RECENT_TEXT_MAX_ROWS + 1,
            }).scalars())
    newest = session.execute(_NEWEST_MATCHES_SQL, {"fts_query": query, "below": below, "n": page_limit}).scalars().all()
    candidates += newest
    if len(newest) == page_limit and not _one_instant(session, newest[-1]):
        candidates += session.execute(_SECOND_MATCHES_SQL, {
            "fts_query": query, "low": newest[-1] & ~FTS_ID_MASK, "below": newest[-1], "n": RECENT_TEXT_MAX_ROWS + 1,
        }).scalars().all()
    if len(candidates) > RECENT_TEXT_MAX_ROWS:
        return None
    return [rowid & FTS_ID_MASK for rowid in candidates]


def get_listing(session: Session, listing_id: int) -> Listing:
    """One listing by id."""
    listing = session.get(Listing, listing_id)
    if listing is None:
        raise NotFound(f"no listing {listing_id}")
    return listing


@dataclass(frozen=True, slots=True)
class ListingDetail:
    listing: Listing
    seller: Seller | None
    snapshot: Snapshot | None
    versions: list[ListingVersion]
    reviews: list[Review]


def get_listing_detail(session: Session, listing_id: int) -> ListingDetail:
    """A listing with its seller, evidence snapshot, version history (newest first) and reviews."""
    listing = get_listing(session, listing_id)
    seller = session.get(Seller, listing.seller_id) if listing.seller_id is not None else None
    snapshot = session.get(Snapshot, listing.snapshot_id) if listing.snapshot_id is not None else None
    versions = list(
        session.scalars(
            select(ListingVersion).where(ListingVersion.listing_id == listing_id).order_by(ListingVersion.version.desc())
        )
    )
    reviews = list(
        session.scalars(select(Review).where(Review.listing_id == listing_id, Review.undone_at.is_(None))
                        .order_by(Review.created_at.desc()))
    )
    return ListingDetail(listing=listing, seller=seller, snapshot=snapshot, versions=versions, reviews=reviews)


EXPORT_COLUMNS = [
    "id", "url", "marketplace", "title", "description", "price", "currency", "seller", "seller_url",
    "lang", "first_seen", "last_seen", "score", "flagged", "species", "reasons", "model_version",
    "review_status",
]

_EXPORT_SELECT = (
    Listing.id, Listing.url, Listing.marketplace, Listing.title, Listing.description, Listing.price,
    Listing.currency, Seller.name, Seller.url, Listing.lang, Listing.first_seen, Listing.last_seen,
    Listing.score, Listing.flagged, Listing.species, Listing.reasons, Listing.model_version,
    Listing.review_status,
)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def iter_export_rows(session: Session, filters: ListingFilter, *, chunk: int = 5000) -> Iterator[dict[str, Any]]:
    """Every matching listing as a flat dict of typed values (times as UTC datetimes, ``species`` and
    ``reasons`` as lists), fetched in id-ordered chunks (flat memory); ``store.exports`` writes them."""
    after = 0
    dialect = session.get_bind().dialect.name
    conditions = filters.conditions(dialect)
    while True:
        query = (
            select(*_EXPORT_SELECT)
            .outerjoin(Seller, Listing.seller_id == Seller.id)
            .where(Listing.id > after, *conditions)
            .order_by(Listing.id)
            .limit(chunk)
        )
        rows = session.execute(query).all()
        if not rows:
            return
        for row in rows:
            (listing_id, url, marketplace, title, description, price, currency, seller, seller_url, lang,
             first_seen, last_seen, score, flagged, species, reasons, model_version, review_status) = row
            yield {
                "id": listing_id,
                "url": url,
                "marketplace": marketplace,
                "title": title,
                "description": description,
                "price": None if price is None else float(price),
                "currency": currency,
                "seller": seller,
                "seller_url": None if seller_url is None or seller_url.startswith("name:") else seller_url,
                "lang": lang,
                "first_seen": _utc(first_seen),
                "last_seen": _utc(last_seen),
                "score": score,
                "flagged": flagged,
                "species": [name for name in (species or "").split(";") if name],
                "reasons": [str(reason) for reason in reasons or []],
                "model_version": model_version,
                "review_status": review_status,
            }
        after = rows[-1][0]
