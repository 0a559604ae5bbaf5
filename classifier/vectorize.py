"""A fast TF-IDF n-gram vectorizer that hashes whole batches with numpy instead of per-string Python loops.

scikit-learn's ``TfidfVectorizer`` builds every n-gram as a Python string and looks it up in a dict;
at ~150 characters per listing that alone costs more than our whole scoring budget. The hashing
lives in :mod:`classifier.hashing` (numpy only, what a loaded model scores with); this module adds
the scikit-learn estimator contract that training uses (``fit`` learns the IDF, ``transform`` gives
a scipy CSR matrix).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .hashing import NgramHasher

__all__ = ["HashedNgramVectorizer"]


class HashedNgramVectorizer(NgramHasher, TransformerMixin, BaseEstimator):
    """TF-IDF of hashed character or word n-grams (words: input is space-separated tokens).

    Parameters follow ``TfidfVectorizer``: ``ngram_range``, ``min_df`` (columns seen in fewer
    training documents get weight 0), ``sublinear_tf``; rows are L2-normalised. The constructor is
    ``NgramHasher``'s: scikit-learn's ``get_params`` reads its signature through the MRO.
    """

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.requires_fit = True
        return tags

    def fit(self, X: Sequence[str], y: object = None) -> HashedNgramVectorizer:
        """Learn inverse document frequencies (columns below ``min_df`` get weight 0)."""
        counts = self.counts(list(X))
        n_docs = counts.n_rows
        df = np.bincount(counts.indices, minlength=self.n_features)
        idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
        idf[df < max(self.min_df, 1)] = 0.0
        self.idf_ = idf.astype(np.float32)
        self.n_docs_ = int(n_docs)
        return self

    def transform(self, X: Sequence[str]) -> sp.csr_matrix:
        """Sublinear TF x IDF, L2-normalised rows."""
        check_is_fitted(self, "idf_")
        rows = self.tfidf(list(X))
        return sp.csr_matrix((rows.data, rows.indices, rows.indptr), shape=(rows.n_rows, self.n_features))
