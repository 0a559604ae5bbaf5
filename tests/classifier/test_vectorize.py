"""HashedNgramVectorizer keeps scikit-learn's estimator contract and matches its own explanations.

scikit-learn's `check_estimator` skips estimators whose input is text, so the contract is checked by hand.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.linear_model import LogisticRegression

from classifier.vectorize import HashedNgramVectorizer

DOCS = ["象牙手镯 包真", "仿象牙树脂手镯", "ivory bangle", "tiger balm", "", "象牙 象牙 象牙"]
TOKENS = ["象牙 手镯 包真", "仿 象牙 树脂 手镯", "ivory bangle", "tiger balm", "", "象牙 象牙 象牙"]


@pytest.mark.parametrize("analyzer", ["char", "word"])
def test_params_are_stored_untouched(analyzer: str) -> None:
    params = {"analyzer": analyzer, "ngram_range": (1, 3), "n_features": 1024, "min_df": 1, "sublinear_tf": False}
    vec = HashedNgramVectorizer(**params)
    assert vec.get_params() == params
    assert clone(vec).get_params() == params
    assert not [k for k in vars(vec) if k.endswith("_")]


@pytest.mark.parametrize(("analyzer", "docs"), [("char", DOCS), ("word", TOKENS)])
def test_fit_transform_contract(analyzer: str, docs: list[str]) -> None:
    vec = HashedNgramVectorizer(analyzer=analyzer, ngram_range=(1, 2), n_features=4096, min_df=1)
    with pytest.raises(NotFittedError):
        vec.transform(docs)
    assert vec.fit(docs) is vec
    assert vec.idf_.shape == (4096,)
    X = vec.transform(docs)
    assert X.shape == (len(docs), 4096)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    assert np.allclose(norms[[i for i, d in enumerate(docs) if d]], 1.0, atol=1e-5)
    assert X[docs.index("")].nnz == 0
    assert np.allclose(vec.fit_transform(docs).toarray(), X.toarray())


def test_min_df_drops_rare_columns() -> None:
    vec = HashedNgramVectorizer(analyzer="word", ngram_range=(1, 1), n_features=4096, min_df=2).fit(TOKENS)
    (seen_twice, once) = vec.columns(["手镯", "包真"])
    assert vec.idf_[seen_twice] > 0
    assert vec.idf_[once] == 0


@pytest.mark.parametrize(("analyzer", "doc"), [("char", "老料象牙手镯"), ("word", "老料 象牙 手镯")])
def test_columns_match_transform(analyzer: str, doc: str) -> None:
    vec = HashedNgramVectorizer(analyzer=analyzer, ngram_range=(1, 3), n_features=1 << 16, min_df=1).fit([doc])
    grams = vec.doc_ngrams(doc)
    assert {col for _, col in grams} == set(vec.transform([doc]).indices.tolist())
    assert vec.columns([g for g, _ in grams]) == [c for _, c in grams]
    assert vec.columns([""]) == [-1]


def test_documents_do_not_leak_into_each_other() -> None:
    vec = HashedNgramVectorizer(analyzer="char", ngram_range=(2, 2), n_features=1 << 16, min_df=1).fit(["ab", "cd"])
    together = vec.transform(["ab", "cd"])
    assert together[0].nnz == 1 and together[1].nnz == 1  # no "bc" n-gram across the boundary
    assert np.allclose(together[1].toarray(), vec.transform(["cd"]).toarray())


def test_hashing_is_stable_across_processes() -> None:
    """Python's hash() is salted per process; the vectorizer must not depend on it."""
    code = (
        "from classifier.vectorize import HashedNgramVectorizer as V;"
        "print(V(analyzer='word', n_features=1<<20).columns(['象牙 手镯', 'ivory']))"
    )
    outputs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1


def test_works_inside_a_pipeline() -> None:
    pipe = make_pipeline(HashedNgramVectorizer(n_features=1 << 12, min_df=1), LogisticRegression())
    pipe.fit(["象牙手镯 包真", "树脂手镯 仿制", "象牙筷子 私聊", "塑料筷子 包邮"], [1, 0, 1, 0])
    assert pipe.predict_proba(["象牙吊坠"]).shape == (1, 2)


@pytest.mark.parametrize("analyzer", ["char", "word"])
def test_counts_are_the_same_whether_rows_are_sorted_one_by_one_or_all_at_once(analyzer: str) -> None:
    """A batch whose longest document would make the per-row padding huge takes the one-big-sort path;
    both paths must give the same CSR arrays (scores depend on the column order within a row)."""
    from classifier.hashing import NgramHasher

    docs = DOCS if analyzer == "char" else TOKENS
    hasher = NgramHasher(analyzer, (1, 3), n_features=1 << 12)
    long_doc = " ".join(docs) * 2000
    together = hasher.counts(docs + [long_doc])  # one sort (the padding would be ~7x the n-grams)
    apart = [hasher.counts(docs), hasher.counts([long_doc])]  # row by row
    assert np.array_equal(together.indices, np.concatenate([rows.indices for rows in apart]))
    assert np.array_equal(together.data, np.concatenate([rows.data for rows in apart]))
    assert np.array_equal(together.indptr[: len(docs) + 1], apart[0].indptr)
