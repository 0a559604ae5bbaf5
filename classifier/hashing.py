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
            return np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
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

    def _hash_units(self, units: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(start position, length, column) of every n-gram that does not cross a document boundary."""
        lo, hi = self.ngram_range
        is_boundary = units == _BOUNDARY
        # boundaries_before[i] = number of boundaries in units[:i]
        boundaries_before = np.concatenate([[0], np.cumsum(is_boundary)])
        starts_all, sizes_all, cols_all = [], [], []
        length = len(units)
        for n in range(lo, hi + 1):
            if length < n:
                continue
            m = length - n + 1
            h = units[:m].copy()
            for k in range(1, n):
                h = h * _MULT + units[k : k + m]
            ok = boundaries_before[n : n + m] - boundaries_before[:m] == 0
            h = _mix(h + np.uint64(n))
            starts_all.append(np.nonzero(ok)[0])
            sizes_all.append(np.full(int(ok.sum()), n, dtype=np.int64))
            cols_all.append((h[ok] % np.uint64(self.n_features)).astype(np.int64))
        if not starts_all:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        return np.concatenate(starts_all), np.concatenate(sizes_all), np.concatenate(cols_all)

    def counts(self, docs: Sequence[str]) -> Rows:
        """N-gram counts per document, rows in order and columns sorted within a row (CSR arrays)."""
        docs = [d if isinstance(d, str) else "" for d in docs]
        units = self._units(docs)
        starts, _, cols = self._hash_units(units)
        row_of_unit = np.concatenate([[0], np.cumsum(units == _BOUNDARY)])[:-1]
        keys = row_of_unit[starts] * self.n_features + cols
        # One sort of (row, column) keys gives the CSR order and the counts of duplicates; 32-bit keys
        # (every batch of up to 2^32 / n_features rows) sort in half the time of 64-bit ones.
        if len(docs) * self.n_features <= 1 << 32:
            keys = keys.astype(np.uint32)
        keys.sort()  # equal keys are indistinguishable: no need for the slower stable sort
        first = np.empty(len(keys), dtype=bool)
        first[:1] = True
        np.not_equal(keys[1:], keys[:-1], out=first[1:])
        at = np.flatnonzero(first)
        unique = keys[at].astype(np.int64)
        counts = np.diff(np.append(at, len(keys)))
        rows = unique // self.n_features
        indptr = np.zeros(len(docs) + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=len(docs)), out=indptr[1:])
        return Rows(indptr, (unique % self.n_features).astype(np.int32), counts.astype(np.float32), len(docs))

    def tfidf(self, docs: Sequence[str]) -> Rows:
        """Sublinear TF x IDF, L2-normalised rows, in float32 as scikit-learn's ``normalize`` computes them."""
        rows = self.counts(docs)
        data = rows.data
        if self.sublinear_tf:
            np.log(data, out=data)
            data += np.float32(1.0)
        data *= self.idf_[rows.indices]
        keep = data != 0
        if not keep.all():  # columns below min_df (IDF 0) are dropped, as eliminate_zeros() does
            row_of = np.repeat(np.arange(rows.n_rows), np.diff(rows.indptr))[keep]
            indptr = np.zeros(rows.n_rows + 1, dtype=np.int64)
            np.cumsum(np.bincount(row_of, minlength=rows.n_rows), out=indptr[1:])
            rows = Rows(indptr, rows.indices[keep], data[keep], rows.n_rows)
            data = rows.data
        # Squares in float32, sums in float64 row by row, division in float64 stored as float32.
        row_of = np.repeat(np.arange(rows.n_rows), np.diff(rows.indptr))
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

