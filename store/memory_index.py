"""The photo index held in process memory: the same multi-index hashing as ``store.image_index``, without SQL.

``store.image_index.find_matches`` asks the database for the rows whose chunk ``n`` is one of the ~280
values within two bits of the query's, for each of the 11 chunks: ~3,100 B-tree descents per query
frame, 107 ms p99 on SQLite and 151 ms on PostgreSQL at 1M images.  :class:`ImageIndex` keeps each
chunk column as a sorted numpy array (and the row each value came from), bucketed by the values' top
bits, so a probe reads one short run of memory; the candidates' full 256 bits are then checked with
vectorised popcounts.  About 130 bytes per hash row, three rows per image: 380 MiB at 1M images;
p99 3-11 ms at 1M (``bench/photos.py``, figures in ``docs/api.md``).

Answers are the database search's answers, by construction:

- **Rows indexed**: everything committed when :meth:`ImageIndex.refresh` last ran, plus, read at each
  query in the caller's session, every row with a larger id (the caller's own uncommitted rows and
  other writers' new ones): what the SQL query would see, but for a row another writer commits
  between two refreshes with an id below the highest indexed one (PostgreSQL sequences hand out ids
  before commit), which the next refresh takes in.  Rows enter the sorted arrays only
  through ``refresh`` in a session that has written nothing, so a rolled-back batch never leaves a
  row behind.  ``refresh`` re-reads a window of recent ids, so a row whose transaction committed
  after one with a larger id (PostgreSQL sequences) is still picked up.
- **Rows deleted** (retention, ``wildwatch snapshots prune``) stay in memory until the process
  ends, so matched image ids are checked against ``images`` before they are returned.
- **Distances**: every stored row within 31 bits shares a chunk to within 2 bits (pigeonhole), so it
  is a candidate here as in SQL, and the smallest distance over an image's rows is the same.

The crawl's writer owns one index for its whole run (``crawler.writer``): loaded in a thread of its
own as the crawl starts (photos are matched in SQL until it is ready), refreshed before each batch.  ``WILDWATCH_IMAGES__MATCH_INDEX=database`` uses the SQL
search instead.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from store.image_index import _RADIUS, MATCH_DISTANCE, Match, _flip_masks, chunks
from store.imaging import MIN_QUALITY, ImageFacts
from store.models import PDQ_CHUNK_BITS

__all__ = ["ImageIndex", "LoadCancelled"]

logger = logging.getLogger(__name__)

_MASK64 = (1 << 64) - 1
_READ_BATCH = 100_000
#: Rows searched by brute force before they are merged into the sorted arrays (~0.3 ms to scan).
_DELTA_ROWS = 16_384
#: Ids below the highest indexed one that ``refresh`` reads again: transactions that commit out of id
#: order (concurrent writers on PostgreSQL) are caught unless this many rows committed meanwhile.
_LATE_WINDOW = 20_000
_COLUMNS = "id, image_id, crop, h0, h1, h2, h3"
_TOP_BITS = 18  # at most 2**18 buckets per chunk (see ImageIndex._bucket)

_STARTS = tuple(sum(PDQ_CHUNK_BITS[:n]) for n in range(len(PDQ_CHUNK_BITS)))  # first bit, from the top


def _popcount(values: np.ndarray) -> np.ndarray:
    """Set bits per uint64 (numpy >= 2 has it built in)."""
    counts: np.ndarray
    if hasattr(np, "bitwise_count"):
        counts = np.bitwise_count(values)
    else:
        counts = _BYTE_BITS[values.view(np.uint8).reshape(*values.shape, 8)].sum(axis=-1)
    return counts


_BYTE_BITS = np.array([bin(n).count("1") for n in range(256)], dtype=np.uint8)


def _chunk_columns(words: np.ndarray) -> list[np.ndarray]:
    """(rows, 4) uint64 words, most significant first -> the 11 chunk values per row, as ``chunks`` gives."""
    out = []
    for start, bits in zip(_STARTS, PDQ_CHUNK_BITS, strict=True):
        end = start + bits  # exclusive, counted from the most significant bit
        first, last = start // 64, (end - 1) // 64
        if first == last:
            value = (words[:, first] >> np.uint64(64 * (first + 1) - end)) & np.uint64((1 << bits) - 1)
        else:
            high = 64 * (first + 1) - start
            low = bits - high
            value = ((words[:, first] & np.uint64((1 << high) - 1)) << np.uint64(low)) | (
                words[:, last] >> np.uint64(64 - low))
        out.append(value.astype(np.uint32))
    return out


@lru_cache(maxsize=4)
def _masks(bits: int) -> np.ndarray:
    return np.array(_flip_masks(bits), dtype=np.uint32)


def _query_words(value: int) -> np.ndarray:
    return np.array([(value >> shift) & _MASK64 for shift in (192, 128, 64, 0)], dtype=np.uint64)


class _Rows:
    """Hash rows as parallel arrays: image id, whole frame or not, the four words."""

    __slots__ = ("image", "whole", "words")

    def __init__(self, image: np.ndarray, whole: np.ndarray, words: np.ndarray) -> None:
        self.image = image
        self.whole = whole
        self.words = words

    @classmethod
    def empty(cls) -> _Rows:
        return cls(np.empty(0, np.int64), np.empty(0, bool), np.empty((0, 4), np.uint64))

    @classmethod
    def from_records(cls, records: np.ndarray) -> _Rows:
        """(rows, 6) int64: image_id, crop, h0..h3 (the signed BIGINT words)."""
        return cls(records[:, 0].copy(), records[:, 1] == 0, np.ascontiguousarray(records[:, 2:6]).view(np.uint64))

    def __len__(self) -> int:
        return len(self.image)

    def concat(self, other: _Rows) -> _Rows:
        return _Rows(np.concatenate([self.image, other.image]), np.concatenate([self.whole, other.whole]),
                     np.concatenate([self.words, other.words]))


class LoadCancelled(Exception):
    """A load given up because its ``stop`` event was set (the writer is closing)."""


def _check(stop: threading.Event | None) -> None:
    if stop is not None and stop.is_set():
        raise LoadCancelled("photo index load cancelled")


def _read(session: Session, where: str, params: tuple[Any, ...], *, bulk: bool = False,
          stop: threading.Event | None = None) -> tuple[np.ndarray, _Rows]:
    """Hash rows straight from the driver cursor, in batches: (row ids, rows).

    ``bulk``: a full load or a refresh; on PostgreSQL packed on the server (psycopg making a Python int
    of each value costs ~5 s per million rows, a binary COPY ~3 s: one message per row; packed ~1.5 s)."""
    _check(stop)
    connection = session.connection()
    raw: Any = connection.connection
    if connection.dialect.name == "postgresql":
        if bulk:
            return _packed_postgres(raw.driver_connection, where.replace("?", "%s"), params, stop)
        where = where.replace("?", "%s")
    cursor = raw.cursor()
    ids: list[np.ndarray] = []
    parts: list[np.ndarray] = []
    try:
        cursor.execute(f"SELECT {_COLUMNS} FROM image_hashes {where}", params)
        while batch := cursor.fetchmany(_READ_BATCH):
            _check(stop)
            array = np.array(batch, dtype=np.int64)
            ids.append(array[:, 0])
            parts.append(array[:, 1:])
    finally:
        cursor.close()
    return _assemble(ids, parts)


def _newer_and_alive(session: Session, max_id: int, image_ids: list[int]) -> tuple[_Rows, set[int]]:
    """Hash rows with an id above ``max_id``, and those of ``image_ids`` still in ``images``, in one statement.

    The second part comes back with row id 0, which no newer hash row has (their ids are above ``max_id`` >= 0)."""
    where = "WHERE id > ?"
    if image_ids:
        listed = ", ".join(str(int(image_id)) for image_id in image_ids)  # integers from our own arrays
        where += f" UNION ALL SELECT 0, id, 0, 0, 0, 0, 0 FROM images WHERE id IN ({listed})"
    ids, rows = _read(session, where, (max_id,))
    marker = ids == 0
    kept = ~marker
    return _Rows(rows.image[kept], rows.whole[kept], rows.words[kept]), set(rows.image[marker].tolist())


def _assemble(ids: list[np.ndarray], parts: list[np.ndarray]) -> tuple[np.ndarray, _Rows]:
    if not parts:
        return np.empty(0, np.int64), _Rows.empty()
    return np.concatenate(ids), _Rows.from_records(np.concatenate(parts))


#: PostgreSQL packs each group of rows into one bytea on the server (``int8send`` and friends: big-endian), so
#: the client makes one Python object per ~65,000 rows instead of seven per row.
_PACKED_ROW = np.dtype([("id", ">i8"), ("image_id", ">i8"), ("crop", ">i4"),
                        ("h0", ">i8"), ("h1", ">i8"), ("h2", ">i8"), ("h3", ">i8")])
_PACKED_GROUP = 65_536


def _packed_postgres(driver: Any, where: str, params: tuple[Any, ...], stop: threading.Event | None
                     ) -> tuple[np.ndarray, _Rows]:
    """The rows as packed bytea groups, read a few groups at a time through a server-side cursor."""
    query = ("SELECT string_agg(int8send(id) || int8send(CAST(image_id AS bigint)) || int4send(CAST(crop AS integer))"
             " || int8send(h0) || int8send(h1) || int8send(h2) || int8send(h3), ''::bytea)"
             f" FROM image_hashes {where} GROUP BY id / {_PACKED_GROUP}")
    ids: list[np.ndarray] = []
    parts: list[np.ndarray] = []
    with driver.cursor(name="photo_index_load") as cursor:
        cursor.itersize = 4  # groups (~3 MB each) held by the client at a time
        cursor.execute(query, params)
        for (blob,) in cursor:
            _check(stop)
            rows = np.frombuffer(blob, dtype=_PACKED_ROW)
            ids.append(rows["id"].astype(np.int64))
            parts.append(np.column_stack([rows[name].astype(np.int64)
                                          for name in ("image_id", "crop", "h0", "h1", "h2", "h3")]))
    return _assemble(ids, parts)


class ImageIndex:
    """Near-identical photos among the stored images, found in memory; see the module docstring."""

    def __init__(self) -> None:
        self._rows = _Rows.empty()  # indexed by the sorted chunk arrays
        self._sorted: list[np.ndarray] = [np.empty(0, np.uint32) for _ in PDQ_CHUNK_BITS]
        self._order: list[np.ndarray] = [np.empty(0, np.int32) for _ in PDQ_CHUNK_BITS]
        self._top = 1  # leading bits of a chunk value that pick its bucket
        self._starts: list[np.ndarray] = [np.zeros(3, np.int32) for _ in PDQ_CHUNK_BITS]
        self._delta = _Rows.empty()  # committed rows not merged yet: scanned in full
        self._max_id = 0
        self._recent: set[int] = set()  # row ids above _max_id - _LATE_WINDOW already indexed
        self.loaded = False

    def __len__(self) -> int:
        return len(self._rows) + len(self._delta)

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays."""
        arrays = [*self._sorted, *self._order, *self._starts]
        for rows in (self._rows, self._delta):
            arrays += [rows.image, rows.whole, rows.words]
        return sum(array.nbytes for array in arrays)

    @classmethod
    def load(cls, session: Session, *, stop: threading.Event | None = None) -> ImageIndex:
        """An index of every hash row committed in the store; :class:`LoadCancelled` once ``stop`` is set."""
        index = cls()
        index.refresh(session, stop=stop)
        return index

    def refresh(self, session: Session, *, stop: threading.Event | None = None) -> int:
        """Take in the rows committed since the last refresh; call it in a session that has written nothing.

        The first call reads the whole table.  Returns the number of rows added."""
        started = time.perf_counter()
        low = max(0, self._max_id - _LATE_WINDOW) if self.loaded else 0
        ids, rows = _read(session, "WHERE id > ?", (low,), bulk=True, stop=stop)
        fresh = ~np.isin(ids, np.fromiter(self._recent, np.int64, len(self._recent))) if self._recent else None
        if fresh is not None:
            ids = ids[fresh]
            rows = _Rows(rows.image[fresh], rows.whole[fresh], rows.words[fresh])
        if len(ids):
            self._max_id = max(self._max_id, int(ids.max()))
        floor = self._max_id - _LATE_WINDOW
        self._recent = {row_id for row_id in self._recent if row_id > floor}
        self._recent.update(int(row_id) for row_id in ids[ids > floor])
        if not self.loaded:
            self._rows, self._delta = rows, _Rows.empty()
            self._build()
            self.loaded = True
            logger.log(logging.INFO if len(rows) else logging.DEBUG,  # an empty store is not news
                       "photo index: %d hash rows loaded in %.2fs", len(rows), time.perf_counter() - started)
        elif len(rows):
            self._delta = self._delta.concat(rows)
            if len(self._delta) >= _DELTA_ROWS:
                self._merge()
        return len(ids)

    def _build(self) -> None:
        columns = _chunk_columns(self._rows.words)
        self._order = [np.argsort(column, kind="stable").astype(np.int32) for column in columns]
        self._sorted = [column[order] for column, order in zip(columns, self._order, strict=True)]
        self._bucket()

    def _merge(self) -> None:
        """Fold the delta into the sorted arrays: O(rows) copies, no re-sort."""
        delta, base = self._delta, len(self._rows)
        for n, column in enumerate(_chunk_columns(delta.words)):
            order = np.argsort(column, kind="stable")
            at = np.searchsorted(self._sorted[n], column[order], side="right")
            self._sorted[n] = np.insert(self._sorted[n], at, column[order])
            self._order[n] = np.insert(self._order[n], at, (order + base).astype(np.int32))
        self._rows = self._rows.concat(delta)
        self._delta = _Rows.empty()
        self._bucket()

    def _bucket(self) -> None:
        """Where each run of values sharing their top bits starts in the sorted arrays.

        A probe then reads one entry of this table and one short run of the sorted array (a cache
        line or two), where a binary search over millions of values misses the cache ~20 times; about
        8 rows a bucket, at most 2**18 buckets (1 MB) a chunk."""
        rows = len(self._rows)
        self._top = max(1, min(_TOP_BITS, rows.bit_length() - 3))
        self._starts = []
        for values, bits in zip(self._sorted, PDQ_CHUNK_BITS, strict=True):
            counts = np.bincount(values >> np.uint32(bits - self._top), minlength=1 << self._top)
            self._starts.append(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))

    def _candidates(self, queries: Iterable[int]) -> np.ndarray:
        """Positions in ``_rows`` that share a chunk, to within 2 bits, with one of ``queries`` (repeats possible)."""
        found = []
        for query in queries:
            pieces = chunks(query)
            for n, bits in enumerate(PDQ_CHUNK_BITS):
                probes = np.uint32(pieces[n]) ^ _masks(bits)
                bucket = probes >> np.uint32(bits - self._top)
                lo = self._starts[n][bucket]
                lengths = self._starts[n][bucket + 1] - lo
                total = int(lengths.sum())
                if not total:
                    continue
                # every row of the probes' buckets (the ranges lo[i]:lo[i]+lengths[i], without a Python
                # loop), then the ones whose chunk is the probe itself
                at = np.repeat(lo - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
                hit = self._sorted[n][at] == np.repeat(probes, lengths)
                found.append(self._order[n][at[hit]])
        # a row found through several chunks is checked several times: cheaper than de-duplicating
        return np.concatenate(found) if found else np.empty(0, np.int64)

    @staticmethod
    def _closest(rows: _Rows, positions: np.ndarray | None, queries: list[int], whole_only: bool,
                 max_distance: int, best: dict[int, int]) -> None:
        """Fold into ``best`` (image id -> distance) the rows at ``positions`` (all when None) within reach."""
        if positions is None:
            image, words = (rows.image[rows.whole], rows.words[rows.whole]) if whole_only else (rows.image, rows.words)
        else:
            if whole_only:
                positions = positions[rows.whole[positions]]
            image, words = rows.image[positions], rows.words[positions]
        if not len(image):
            return
        for query in queries:
            distance = _popcount(words ^ _query_words(query)).sum(axis=1)
            near = distance <= max_distance
            for image_id, bits in zip(image[near].tolist(), distance[near].tolist(), strict=True):
                if bits < best.get(image_id, 257):
                    best[image_id] = bits

    def find_matches(self, session: Session, facts: ImageFacts, *, exclude: int | None = None,
                     max_distance: int = MATCH_DISTANCE) -> list[Match]:
        """What ``store.image_index.find_matches`` answers for the same session, from memory (closest first)."""
        if not self.loaded:
            raise RuntimeError("ImageIndex.find_matches before refresh()")
        if facts.quality < MIN_QUALITY:
            return []
        max_distance = min(max_distance, MATCH_DISTANCE)
        whole = [facts.pdq]
        crops = [value for crop, value in facts.crops if crop != 0]
        indexed: dict[int, int] = {}  # image id -> distance, from the rows held in memory
        for queries, whole_only in ((whole, False), (crops, True)):
            if queries:
                self._closest(self._rows, self._candidates(queries), queries, whole_only, max_distance, indexed)
                self._closest(self._delta, None, queries, whole_only, max_distance, indexed)
        # One round trip: the rows newer than the index (this transaction's own and other writers' latest)
        # and which of the images found are still stored (retention may have deleted some since).
        newer, alive = _newer_and_alive(session, self._max_id, list(indexed))
        best = {image_id: bits for image_id, bits in indexed.items() if image_id in alive}
        for queries, whole_only in ((whole, False), (crops, True)):
            if queries and len(newer):
                self._closest(newer, None, queries, whole_only, max_distance, best)
        if exclude is not None:
            best.pop(exclude, None)
        return [Match(image_id, bits) for image_id, bits in sorted(best.items(), key=lambda item: (item[1], item[0]))]


assert _RADIUS * len(PDQ_CHUNK_BITS) <= MATCH_DISTANCE < (_RADIUS + 1) * len(PDQ_CHUNK_BITS)
