"""Chinese full-text search: jieba tokens of Simplified-normalised text in an index table.

SQLite keeps the tokens in an FTS5 table (``listings_fts``, rowid = ``fts_rowid``: the listing's
``last_seen`` second and id, so a word's matches come newest first); PostgreSQL in
``listing_fts`` as a ``tsvector`` with a GIN index.  Both hold *pre-tokenised* lexemes, so the
database never segments Chinese itself: Traditional text is converted to Simplified (OpenCC
``t2s``) and segmented with jieba before it is stored or queried, which is what makes a
Simplified query find a Traditional listing and vice versa.  The tokenizer is injectable
(``set_tokenizer``) so callers can swap in the classifier's normaliser.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    DateTime,
    Float,
    Integer,
    bindparam,
    cast,
    column,
    func,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.orm import Session

from store.models import Listing

logger = logging.getLogger(__name__)

__all__ = [
    "Tokenizer",
    "default_tokenizer",
    "set_tokenizer",
    "get_tokenizer",
    "index_listings",
    "index_rows",
    "search_document",
    "rebuild_index",
    "reindex_in_migration",
    "match_clause",
    "query_tokens",
    "count_matches",
    "estimate_matches",
    "document_counts",
    "optimize_index",
    "listing_fts",
    "fts_match",
    "fts_query",
    "fts5_query",
    "FTS_ID_BITS",
    "FTS_ID_MASK",
    "fts_rowid",
    "fts_rowid_sql",
    "fts_second",
]

Tokenizer = Callable[[str], list[str]]

#: SQLite: a listing's FTS5 rowid is ``(whole seconds of last_seen << FTS_ID_BITS) + id`` (0020_fts_recency).
#: A word's matches then come from FTS5 in ``last_seen`` order (to the second), so the newest page of
#: a rare word is a few dozen lookups instead of a sort of every match; the id is the low bits.
FTS_ID_BITS = 30
FTS_ID_MASK = (1 << FTS_ID_BITS) - 1


def fts_rowid_sql(table: str) -> str:
    """SQL of the FTS5 rowid of ``table``'s listing row (``listings``, or a trigger's ``old``/``new``).

    The second is the stored text's own (its first 19 characters): SQLite's date functions round a
    fraction to milliseconds, which would put 13:59:59.9999 in the next second, unlike ``fts_rowid``.
    """
    return f"((CAST(strftime('%s', substr({table}.last_seen, 1, 19)) AS INTEGER) << {FTS_ID_BITS}) + {table}.id)"


def _check_fits(listing_id: int) -> None:
    if not 0 < listing_id <= FTS_ID_MASK:
        raise ValueError(f"listing id {listing_id} does not fit the SQLite search index (ids up to 2**{FTS_ID_BITS} - 1)")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_ONE_SECOND = timedelta(seconds=1)


def fts_second(moment: datetime) -> int:
    """The lowest FTS5 rowid of ``moment``'s second (a naive ``moment`` is UTC, as stored)."""
    seconds = (moment - (_EPOCH if moment.tzinfo else _NAIVE_EPOCH)) // _ONE_SECOND  # exact, unlike a float
    return seconds << FTS_ID_BITS


def fts_rowid(listing_id: int, last_seen: datetime) -> int:
    """``fts_rowid_sql`` computed in Python, for a ``last_seen`` stored as UTC."""
    _check_fits(listing_id)
    return fts_second(last_seen) + listing_id


_WORD = re.compile(r"[^\W_]+")  # words without "_": a handle like yl_laoliao888 is found by its parts
_MAX_QUERY_TOKENS = 16


class _JiebaTokenizer:
    """OpenCC t2s + jieba search-mode segmentation, lower-cased; loaded on first use.

    Segmentation is jieba-rs (``rjieba``): the same dictionary and algorithm as Python jieba, with
    the same tokens, at a tenth of the cost; the crawl indexes every listing it stores.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jieba: Any = None
        self._converter: Any = None

    def _load(self) -> None:
        with self._lock:
            if self._jieba is None:
                import opencc
                import rjieba

                self._converter = opencc.OpenCC("t2s")
                self._jieba = rjieba.Jieba()

    def __call__(self, value: str) -> list[str]:
        """Index tokens: search-mode segmentation also yields the words inside long words."""
        return self._tokens(value, search_mode=True)

    def query(self, value: str) -> list[str]:
        """Query tokens: precise segmentation (its words are among a document's index tokens)."""
        return self._tokens(value, search_mode=False)

    def _tokens(self, value: str, *, search_mode: bool) -> list[str]:
        if not value:
            return []
        if self._jieba is None:
            self._load()
        simplified = self._converter.convert(value.lower())
        pieces = self._jieba.cut_for_search(simplified) if search_mode else self._jieba.cut(simplified)
        tokens: list[str] = []
        for piece in pieces:
            tokens.extend(_WORD.findall(piece))
        return tokens


default_tokenizer: Tokenizer = _JiebaTokenizer()
_tokenizer: Tokenizer = default_tokenizer


def set_tokenizer(tokenizer: Tokenizer | None) -> None:
    """Use ``tokenizer`` for indexing and queries (None restores the jieba + OpenCC default)."""
    global _tokenizer
    _tokenizer = tokenizer or default_tokenizer


def get_tokenizer() -> Tokenizer:
    """The tokenizer in use."""
    return _tokenizer


def _document(title: str, description: str) -> str:
    tokens = _tokenizer(f"{title or ''}\n{description or ''}")
    return " ".join(dict.fromkeys(tokens))


def search_document(title: str, description: str) -> str:
    """A listing's search document as ``index_listings`` writes it (distinct tokens, space-separated)."""
    return _document(title, description)


def query_tokens(q: str) -> list[str]:
    """The distinct tokens of a free-text query, capped so a huge query stays cheap."""
    tokenize = getattr(_tokenizer, "query", _tokenizer)
    return list(dict.fromkeys(tokenize(q)))[:_MAX_QUERY_TOKENS]


_LISTING_ROWID = fts_rowid_sql("listings")
_SQLITE_UNINDEX = text(
    f"DELETE FROM listings_fts WHERE rowid IN (SELECT {_LISTING_ROWID} FROM listings "
    "WHERE id IN (SELECT value FROM json_each(:ids)))")
#: One statement, in rowid order: FTS5 writes out its pending index whenever a rowid is not above the last
#: one, and a batch in id order is not in rowid order (rebuilding 100,000 listings took 8.2 s against 2.8).
_SQLITE_INDEX = text(
    f"INSERT INTO listings_fts (rowid, tokens) SELECT {_LISTING_ROWID}, json_extract(doc.value, '$[1]') "
    "FROM json_each(:docs) AS doc JOIN listings ON listings.id = json_extract(doc.value, '$[0]') ORDER BY 1")


def index_rows(connection: Connection, rows: Iterable[tuple[int, str]]) -> int:
    """Write pre-tokenised documents ``(listing_id, "tok tok ...")`` of stored listings, replacing earlier ones."""
    pairs = list(rows)
    if not pairs:
        return 0
    if connection.dialect.name == "sqlite":
        ids = [listing_id for listing_id, _ in pairs]
        _check_fits(max(ids))
        connection.execute(_SQLITE_UNINDEX, {"ids": json.dumps(ids)})
        connection.execute(_SQLITE_INDEX, {"docs": json.dumps(pairs, ensure_ascii=False)})
    else:
        connection.execute(
            text(
                "INSERT INTO listing_fts (listing_id, tsv) "
                "VALUES (:id, array_to_tsvector(string_to_array(:doc, ' '))) "
                "ON CONFLICT (listing_id) DO UPDATE SET tsv = EXCLUDED.tsv"
            ),
            [{"id": listing_id, "doc": doc or None} for listing_id, doc in pairs],
        )
    return len(pairs)


def index_listings(session: Session, listings: Sequence[Listing]) -> int:
    """Keep the index in step with these listings' current title and description."""
    return index_rows(
        session.connection(), ((listing.id, _document(listing.title, listing.description)) for listing in listings)
    )


def reindex_in_migration(bind: Connection) -> int:
    """For a migration: write every stored listing's search document again (none stored: no-op)."""
    if not bind.execute(text("SELECT 1 FROM listings LIMIT 1")).first():
        return 0
    with Session(bind=bind) as session:
        total = rebuild_index(session)
        session.flush()
    return total


def rebuild_index(session: Session, *, batch_size: int = 2000) -> int:
    """Re-tokenise every listing (after changing the tokenizer, or for a store loaded in bulk)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.execute(text("DELETE FROM listings_fts"))
    else:
        connection.execute(text("TRUNCATE listing_fts"))
    after, total = 0, 0
    while True:
        rows = session.execute(
            select(Listing.id, Listing.title, Listing.description)
            .where(Listing.id > after)
            .order_by(Listing.id)
            .limit(batch_size)
        ).all()
        if not rows:
            break
        total += index_rows(connection, ((row.id, _document(row.title, row.description)) for row in rows))
        after = rows[-1].id
    optimize_index(session)  # rebuilt batch by batch: one segment per batch otherwise
    logger.info("rebuilt the search index for %d listings", total)
    return total


def fts5_query(tokens: Sequence[str]) -> str:
    """SQLite: the FTS5 query text matching listings that hold every one of ``tokens``."""
    return " ".join('"' + token.replace('"', '""') + '"' for token in tokens)


def _tsquery(tokens: Sequence[str]) -> str:
    return " & ".join("'" + token.replace("\\", "\\\\").replace("'", "''") + "'" for token in tokens)


def fts_query(dialect: str, q: str) -> str | None:
    """The search-index query text for ``q`` (FTS5 on SQLite, tsquery on PostgreSQL), None when nothing is searchable.

    The value of the ``fts_query`` parameter of ``match_clause`` and ``fts_match``: a statement built
    for one query runs for another with this value (see ``store.queries``).
    """
    tokens = query_tokens(q)
    if not tokens:
        return None
    return fts5_query(tokens) if dialect == "sqlite" else _tsquery(tokens)


def _matches(dialect: str, tokens: Sequence[str]) -> Any:
    if dialect == "sqlite":
        return text(f"SELECT rowid & {FTS_ID_MASK} AS id FROM listings_fts WHERE listings_fts MATCH :fts_query").bindparams(
            fts_query=fts5_query(tokens)
        )
    return text("SELECT listing_id AS id FROM listing_fts WHERE tsv @@ CAST(:fts_query AS tsquery)").bindparams(
        fts_query=_tsquery(tokens)
    )


#: PostgreSQL's search table: each listing's tsvector beside copies of its sort keys, kept exact by
#: triggers (0005_fts_sort_keys), so a match's top page is ranked without visiting ``listings``.
listing_fts = table(
    "listing_fts",
    column("listing_id", BigInteger),
    column("tsv", TSVECTOR),
    column("last_seen", DateTime(timezone=True)),
    column("first_seen", DateTime(timezone=True)),
    column("score", Float),
)


def fts_match(q: str) -> ColumnElement[bool] | None:
    """PostgreSQL: ``listing_fts`` rows containing every token of ``q`` (None: no searchable token)."""
    tokens = query_tokens(q)
    if not tokens:
        return None
    return listing_fts.c.tsv.bool_op("@@")(cast(bindparam("fts_query", _tsquery(tokens)), TSQUERY))


def estimate_matches(session: Session, q: str) -> int:
    """PostgreSQL's own estimate of how many listings match ``q`` (from its tsvector statistics)."""
    tokens = query_tokens(q)
    if not tokens:
        return 0
    plan = session.execute(
        text("EXPLAIN (FORMAT JSON) SELECT listing_id FROM listing_fts WHERE tsv @@ CAST(:fts_query AS tsquery)"),
        {"fts_query": _tsquery(tokens)},
    ).scalar()
    return int(plan[0]["Plan"]["Plan Rows"])  # type: ignore[index]


def count_matches(session: Session, q: str, *, limit: int) -> int:
    """How many listings match ``q``, counting no further than ``limit`` (a cheap estimate)."""
    tokens = query_tokens(q)
    if not tokens:
        return 0
    matches = _matches(session.get_bind().dialect.name, tokens).columns(column("id", Integer)).subquery()
    return session.scalar(select(func.count()).select_from(select(matches.c.id).limit(limit).subquery())) or 0


def document_counts(session: Session, tokens: Sequence[str]) -> dict[str, int]:
    """SQLite: how many listings hold each token, from the FTS5 vocabulary table (0007_fts_vocab).

    Exact, and read from the token's own doclist: cheaper than counting a query's matches.
    """
    if not tokens:
        return {}
    rows = session.execute(
        text("SELECT term, doc FROM listings_fts_vocab WHERE term IN :terms").bindparams(
            bindparam("terms", expanding=True)
        ),
        {"terms": list(tokens)},
    )
    counts = dict.fromkeys(tokens, 0)
    counts.update({term: int(doc) for term, doc in rows})
    return counts


def optimize_index(target: Session | Connection) -> bool:
    """SQLite: merge the FTS5 index into one segment; False (nothing to do) on PostgreSQL.

    Every committed write adds a segment, merged only a few at a time; a lookup of one listing
    in the index (the walk in sort order over a common word) reads every segment, so it costs
    ten times as much after a bulk load or a day of crawling.  About a second per million listings.
    """
    connection = target.connection() if isinstance(target, Session) else target
    if connection.dialect.name != "sqlite":
        return False
    connection.execute(text("INSERT INTO listings_fts (listings_fts) VALUES ('optimize')"))
    return True


def match_clause(dialect: str, q: str, *, in_order: bool = False, probe: bool = False) -> ColumnElement[bool] | None:
    """A WHERE clause on ``Listing.id`` for listings containing every token of ``q``.

    ``in_order`` writes the key as ``id + 0`` so SQLite cannot drive the query from the match
    (it then walks the sort index, probing the materialised match set).  ``probe`` (SQLite)
    materialises nothing: each listing the walk visits is looked up in the FTS5 index, which
    wins when the match set is huge and a page is found after a few hundred listings.  Returns
    None when ``q`` has no searchable token (punctuation only): the caller then matches nothing.
    """
    tokens = query_tokens(q)
    if not tokens:
        return None
    if probe and dialect == "sqlite":
        return text(
            "EXISTS (SELECT 1 FROM listings_fts WHERE listings_fts MATCH :fts_query "
            f"AND listings_fts.rowid = {_LISTING_ROWID})"
        ).bindparams(fts_query=fts5_query(tokens))  # type: ignore[return-value]
    key = (Listing.id + 0) if in_order else Listing.id
    return key.in_(_matches(dialect, tokens).columns(column("id", Integer)))
