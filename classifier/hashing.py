"""Hashed TF-IDF n-grams with numpy alone: what scoring needs, without scikit-learn or scipy.

A batch is turned into one array of code points (characters) or token hashes (words), n-grams are
combined arithmetically, mixed and folded into ``n_features`` columns; one sort of (row, column)
keys gives the counts. :class:`classifier.vectorize.HashedNgramVectorizer` (the scikit-learn
estimator that training fits) builds on this class; a loaded model scores with it directly.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .chars import code_points

__all__ = ["NgramHasher", "Rows"]

_MULT = np.uint64(0x100000001B3)  # FNV-64 prime: combines n-gram parts
_MIX1 = np.uint64(0xFF51AFD7ED558CCD)  # murmur3 fmix64 constants: spread bits before folding
_MIX2 = np.uint64(0xC4CEB9FE1A85EC53)
_SHIFT = np.uint64(33)
_BOUNDARY = 0  # code point / token id that separates documents inside one batch array


#: token -> id memo (a plain dict: cheaper per lookup than lru_cache on the hot path), cleared when full.
_TOKEN_IDS: dict[str, int] = {}
_TOKEN_CACHE_MAX = 1 << 18


def _token_id(token: str) -> int:
    """A stable, non-zero 32-bit id for a token (crc32: same in every process, unlike hash())."""
    return zlib.crc32(token.encode("utf-8", "surrogatepass")) | 1


def _mix(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> _SHIFT)
    h = h * _MIX1
    h = h ^ (h >> _SHIFT)
    h = h * _MIX2
    return np.asarray(h ^ (h >> _SHIFT))



def _fold(values: np.ndarray, n: int) -> np.ndarray:
    """``values % n`` for non-negative integers; a mask when ``n`` is a power of two (every model's
    ``n_features``), several times faster than a division."""
    if n & (n - 1) == 0:
        return np.asarray(np.bitwise_and(values, values.dtype.type(n - 1)))
    return np.asarray(values % values.dtype.type(n))


class Rows(NamedTuple):
    """A CSR matrix as plain arrays (``indptr``, ``indices``, ``data``): one row per document."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    n_rows: int


class NgramHasher:
    """TF-IDF of hashed character or word n-grams (words: input is space-separated tokens).

    Parameters follow ``TfidfVectorizer``: ``ngram_range``, ``min_df`` (columns seen in fewer
    training documents get weight 0), ``sublinear_tf``; rows are L2-normalised. ``idf_`` is set by
    fitting (:class:`classifier.vectorize.HashedNgramVectorizer`) or by loading a model.
    """

    idf_: np.ndarray

    def __init__(
        self,
        analyzer: str = "char",
        ngram_range: tuple[int, int] = (2, 3),
        n_features: int = 1 << 17,
        min_df: int = 2,
        sublinear_tf: bool = True,
    ) -> None:
        self.analyzer = analyzer
        self.ngram_range = ngram_range
        self.n_features = n_features
        self.min_df = min_df
        self.sublinear_tf = sublinear_tf

    # -- hashing ---------------------------------------------------------------------------
    def _units(self, docs: Sequence[str]) -> np.ndarray:
        """One uint64 array: each document's units (code points or token ids) then a boundary."""
        if self.analyzer == "char":
            joined = "\x00".join(docs) + "\x00"
            return code_points(joined).astype(np.uint64)
        if self.analyzer == "word":
            ids: list[int] = []
            cache = _TOKEN_IDS
            if len(cache) > _TOKEN_CACHE_MAX:
                cache.clear()
            for doc in docs:
                tokens = doc.split()
                try:
                    ids.extend([cache[tok] for tok in tokens])
                except KeyError:
                    for tok in tokens:
                        if tok not in cache:
                            cache[tok] = _token_id(tok)
                    ids.extend([cache[tok] for tok in tokens])
                ids.append(_BOUNDARY)
            return np.array(ids, dtype=np.uint64)
        raise ValueError(f"analyzer must be 'char' or 'word', not {self.analyzer!r}")

    def _hash_blocks(self, units: np.ndarray, columns: np.ndarray | None = None) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """(n, start positions, columns) of the n-grams of each size n that cross no document boundary
        (and fall in a column ``columns`` keeps, a mask, if given); the starts of each size ascend (so,
        within a size, n-grams come row by row)."""
        lo, hi = self.ngram_range
        is_boundary = units == _BOUNDARY
        # boundaries_before[i] = number of boundaries in units[:i]
        boundaries_before = np.concatenate([[0], np.cumsum(is_boundary)])
        blocks = []
        length = len(units)
        for n in range(lo, hi + 1):
            if length < n:
                continue
            m = length - n + 1
            h = units[:m].copy()
            for k in range(1, n):
                h = h * _MULT + units[k : k + m]
            ok = boundaries_before[n : n + m] - boundaries_before[:m] == 0
            cols = _fold(_mix(h + np.uint64(n)), self.n_features).astype(np.int64)
            if columns is not None:
                ok &= columns[cols]
            blocks.append((n, np.flatnonzero(ok), cols[ok]))
        return blocks

    def _hash_units(self, units: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(start position, length, column) of every n-gram that does not cross a document boundary."""
        blocks = self._hash_blocks(units)
        if not blocks:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        return (np.concatenate([starts for _, starts, _ in blocks]),
                np.concatenate([np.full(len(starts), n, dtype=np.int64) for n, starts, _ in blocks]),
                np.concatenate([cols for _, _, cols in blocks]))

    def counts(self, docs: Sequence[str]) -> Rows:
        """N-gram counts per document, rows in order and columns sorted within a row (CSR arrays)."""
        return self._counts(docs)[0]

    def _counts(self, docs: Sequence[str], columns: np.ndarray | None = None) -> tuple[Rows, np.ndarray]:
        """:meth:`counts` and the row of each entry; with ``columns`` (a mask over the columns), only the
        n-grams of the columns it keeps are counted."""
        docs = [d if isinstance(d, str) else "" for d in docs]
        units = self._units(docs)
        row_of_unit = np.concatenate([[0], np.cumsum(units == _BOUNDARY)])[:-1]
        blocks = [(row_of_unit[starts], cols) for _, starts, cols in self._hash_blocks(units, columns)]
        keys = _sorted_keys(blocks, len(docs), self.n_features)
        first = np.empty(len(keys), dtype=bool)
        first[:1] = True
        np.not_equal(keys[1:], keys[:-1], out=first[1:])
        at = np.flatnonzero(first)
        unique = keys[at].astype(np.int64)
        counts = np.diff(np.append(at, len(keys)))
        n = self.n_features
        rows = unique >> (n.bit_length() - 1) if n & (n - 1) == 0 else unique // n
        indptr = np.zeros(len(docs) + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=len(docs)), out=indptr[1:])
        counted = Rows(indptr, _fold(unique, n).astype(np.int32), counts.astype(np.float32), len(docs))
        return counted, rows

    def tfidf(self, docs: Sequence[str]) -> Rows:
        """Sublinear TF x IDF, L2-normalised rows, in float32 as scikit-learn's ``normalize`` computes them.

        Columns below min_df (IDF 0) are dropped, as ``eliminate_zeros()`` does: before counting, since
        a TF is never 0 (a third of the character n-grams of a batch need no sorting then)."""
        rows, row_of = self._counts(docs, self.idf_ != 0)
        data = rows.data
        if self.sublinear_tf:
            np.log(data, out=data)
            data += np.float32(1.0)
        data *= self.idf_[rows.indices]
        # Squares in float32, sums in float64 row by row, division in float64 stored as float32.
        norms = np.sqrt(np.bincount(row_of, weights=(data * data).astype(np.float64), minlength=rows.n_rows))
        norms[norms == 0.0] = 1.0
        return Rows(rows.indptr, rows.indices, (data / norms[row_of]).astype(np.float32), rows.n_rows)

    def dot(self, rows: Rows, weights: np.ndarray) -> np.ndarray:
        """``rows @ weights`` for float64 weights, summed in row order as scipy's CSR product does."""
        row_of = np.repeat(np.arange(rows.n_rows), np.diff(rows.indptr))
        return np.bincount(row_of, weights=rows.data.astype(np.float64) * weights[rows.indices], minlength=rows.n_rows)

    def doc_ngrams(self, doc: str) -> list[tuple[str, int]]:
        """Every n-gram of one document with its column, e.g. to explain a score."""
        units = self._units([doc])
        starts, sizes, cols = self._hash_units(units)
        parts: Sequence[str] = doc.split() if self.analyzer == "word" else doc
        glue = " " if self.analyzer == "word" else ""
        return [
            (glue.join(parts[s : s + n]), int(c)) for s, n, c in zip(starts.tolist(), sizes.tolist(), cols.tolist())
        ]

    def columns(self, grams: Sequence[str]) -> list[int]:
        """The column of each n-gram (characters, or tokens joined by spaces); -1 for an empty one."""
        grams = list(grams)
        if not grams:
            return []
        units = self._units(grams)
        starts, sizes, cols = self._hash_units(units)
        doc_starts = np.concatenate([[0], np.nonzero(units == _BOUNDARY)[0] + 1])[:-1]
        doc_sizes = np.nonzero(units == _BOUNDARY)[0] - doc_starts
        lookup = dict(zip(zip(starts.tolist(), sizes.tolist()), cols.tolist()))
        return [int(lookup.get((int(a), int(n)), -1)) for a, n in zip(doc_starts, doc_sizes)]



def _sorted_keys(blocks: list[tuple[np.ndarray, np.ndarray]], n_rows: int, n_features: int) -> np.ndarray:
    """Sorted ``row * n_features + column`` keys of every n-gram; ``blocks`` are (rows, columns) with
    rows ascending within a block.

    Sorting each row on its own (a padded 2-D array, ``sort(axis=1)``) is an order of magnitude
    faster than one sort of the whole batch: numpy sorts short rows with SIMD sorting networks. A
    batch with one very long document (which would make the padding huge) takes the one big sort;
    both give the same keys.
    """
    total = sum(len(cols) for _, cols in blocks)
    per_row = np.zeros(n_rows, dtype=np.int64)
    for rows, _ in blocks:
        per_row += np.bincount(rows, minlength=n_rows)
    width = int(per_row.max()) if n_rows and total else 0
    small = n_rows * n_features <= 1 << 32  # 32-bit keys (half the sorting time of 64-bit ones)
    if not total or n_rows * width > 4 * total + (1 << 16) or n_features > 1 << 31:
        keys = np.concatenate([rows * n_features + cols for rows, cols in blocks]) if blocks else np.zeros(0, np.int64)
        if small:
            keys = keys.astype(np.uint32)
        keys.sort()  # equal keys are indistinguishable: no need for the slower stable sort
        return keys
    grid = np.full((n_rows, width), np.iinfo(np.int32).max, dtype=np.int32)
    filled = np.zeros(n_rows, dtype=np.int64)  # slots of each row taken by earlier blocks
    for rows, cols in blocks:
        in_block = np.bincount(rows, minlength=n_rows)
        first = np.cumsum(in_block) - in_block  # where each row's n-grams start in this block
        slot = np.arange(len(rows)) - first[rows] + filled[rows]
        grid[rows, slot] = cols
        filled += in_block
    grid.sort(axis=1)
    cols = grid[np.arange(width) < per_row[:, None]]
    keys = np.repeat(np.arange(n_rows, dtype=np.int64), per_row) * n_features + cols
    return keys.astype(np.uint32) if small else keys
