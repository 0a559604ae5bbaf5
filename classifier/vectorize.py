"""A fast TF-IDF n-gram vectorizer that hashes whole batches with numpy instead of per-string Python loops.

scikit-learn's ``TfidfVectorizer`` builds every n-gram as a Python string and looks it up in a dict;
at ~150 characters per listing that alone costs more than our whole scoring budget. Here a batch is
turned into one array of code points (characters) or token hashes (words), n-grams are combined
arithmetically, mixed, and folded into ``n_features`` columns; the rest is sparse-matrix algebra.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted

__all__ = ["HashedNgramVectorizer"]

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


class HashedNgramVectorizer(TransformerMixin, BaseEstimator):
    """TF-IDF of hashed character or word n-grams (words: input is space-separated tokens).

    Parameters follow ``TfidfVectorizer``: ``ngram_range``, ``min_df`` (columns seen in fewer
    training documents get weight 0), ``sublinear_tf``; rows are L2-normalised.
    """

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

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.requires_fit = True
        return tags

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

    def _counts(self, docs: Sequence[str]) -> sp.csr_matrix:
        docs = [d if isinstance(d, str) else "" for d in docs]
        units = self._units(docs)
        starts, _, cols = self._hash_units(units)
        row_of_unit = np.concatenate([[0], np.cumsum(units == _BOUNDARY)])[:-1]
        rows = row_of_unit[starts]
        data = np.ones(len(cols), dtype=np.float32)
        # COO -> CSR sums duplicate (row, column) pairs: the n-gram counts.
        return sp.coo_matrix((data, (rows, cols)), shape=(len(docs), self.n_features)).tocsr()

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

    # -- estimator API ---------------------------------------------------------------------
    def fit(self, X: Sequence[str], y: object = None) -> HashedNgramVectorizer:
        """Learn inverse document frequencies (columns below ``min_df`` get weight 0)."""
        counts = self._counts(list(X))
        n_docs = counts.shape[0]
        df = np.bincount(counts.indices, minlength=self.n_features)
        idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
        idf[df < max(self.min_df, 1)] = 0.0
        self.idf_ = idf.astype(np.float32)
        self.n_docs_ = int(n_docs)
        return self

    def transform(self, X: Sequence[str]) -> sp.csr_matrix:
        """Sublinear TF x IDF, L2-normalised rows."""
        check_is_fitted(self, "idf_")
        counts = self._counts(list(X))
        if self.sublinear_tf:
            np.log(counts.data, out=counts.data)
            counts.data += 1.0
        counts.data *= self.idf_[counts.indices]
        counts.eliminate_zeros()
        return normalize(counts, norm="l2", copy=False)
