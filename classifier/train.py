"""Training: fit the evidence and context stages, calibrate, choose the threshold, write the card."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .features import (
    EVIDENCE_FEATURES,
    EVIDENCE_SIGNS,
    Analysis,
    TextAnalyzer,
    join_listing,
)
from .lexicon import load_lexicon
from .model import FORMAT, Model
from .persist import version_today

if TYPE_CHECKING:  # imported inside the functions that train: scoring never loads them (start-up time)
    import pandas as pd
    import scipy.sparse as sp

    from .vectorize import HashedNgramVectorizer

logger = logging.getLogger(__name__)

#: Logits of evidence a listing needs beyond the most its words alone could add before the threshold
#: can flag it (the threshold is chosen only above that score).
EVIDENCE_MARGIN = 1.0

#: Training weight of a row by its ``source`` (others: 1).
DEFAULT_SOURCE_WEIGHTS = {"handwritten": 3.0, "moderator": 3.0, "review": 3.0}

#: Default bound of the context stage, in logits (see the module docstring).
DEFAULT_NGRAM_BOUND = 2.0


def assign_split(group: Any, *, validation: float = 0.15, test: float = 0.15) -> str:
    """Deterministic train/validation/test split by group, so near-duplicates never cross splits."""
    digest = hashlib.sha256(str(group).encode("utf-8")).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    if u < test:
        return "test"
    if u < test + validation:
        return "validation"
    return "train"

def _word_vectorizer() -> HashedNgramVectorizer:
    from .vectorize import HashedNgramVectorizer

    return HashedNgramVectorizer(analyzer="word", ngram_range=(1, 2), n_features=1 << 16, min_df=2)


def _char_vectorizer() -> HashedNgramVectorizer:
    from .vectorize import HashedNgramVectorizer

    return HashedNgramVectorizer(analyzer="char", ngram_range=(2, 3), n_features=1 << 17, min_df=2)


def _prepare(df: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    missing = {"title", "description", "label"} - set(df.columns)
    if missing:
        raise ValueError(f"labeled data lacks columns: {sorted(missing)}")
    out = df.copy()
    if "group" not in out.columns:
        out["group"] = [f"row-{i}" for i in range(len(out))]
    if "split" not in out.columns:
        out["split"] = [assign_split(g) for g in out["group"]]
    if "lang" not in out.columns:
        out["lang"] = "unknown"
    if "hard_negative" not in out.columns:
        out["hard_negative"] = 0
    if "weight" not in out.columns:
        out["weight"] = 1.0
    out["weight"] = pd.to_numeric(out["weight"], errors="coerce").fillna(1.0).astype(float)
    out["label"] = out["label"].astype(int)
    out["hard_negative"] = out["hard_negative"].fillna(0).astype(int)
    out["text"] = [join_listing(t, d) for t, d in zip(out["title"], out["description"])]
    return out


def choose_threshold(
    y: np.ndarray,
    proba: np.ndarray,
    *,
    min_precision: float = 0.95,
    hard_negative: np.ndarray | None = None,
    max_hard_fpr: float = 0.01,
    sample_weight: np.ndarray | None = None,
    above: float = 0.0,
) -> float:
    """Best-F1 threshold among those keeping precision ≥ ``min_precision`` and hard-negative FPR ≤ ``max_hard_fpr``.

    Only scores above ``above`` are candidates (training passes the highest score a listing without
    evidence can reach, so no ordinary words can ever flag one).

    Precision and F1 count each row with its ``sample_weight`` (the training weight, so hand-written
    rows weigh as they do in the fit and the many template rows do not drown them out); the
    hard-negative rate counts rows. Constraints are relaxed in that order (hard negatives first) when
    no threshold meets them.
    """
    y = np.asarray(y).astype(int)
    proba = np.asarray(proba, dtype=float)
    hard = np.zeros(len(y), dtype=bool) if hard_negative is None else (np.asarray(hard_negative).astype(int) == 1)
    hard &= y == 0
    w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    candidates = np.unique(np.concatenate([proba, [0.5]]))
    candidates = candidates[candidates > above] if (candidates > above).any() else candidates

    def best(check_hard: bool, check_precision: bool) -> tuple[float, float] | None:
        found: tuple[float, float] | None = None
        for t in candidates:
            pred = proba >= t
            tp = float(np.sum(w[pred & (y == 1)]))
            fp = float(np.sum(w[pred & (y == 0)]))
            fn = float(np.sum(w[~pred & (y == 1)]))
            if tp == 0:
                continue
            precision, recall = tp / (tp + fp), tp / (tp + fn)
            if check_precision and precision < min_precision:
                continue
            if check_hard and hard.any() and np.sum(pred & hard) / hard.sum() > max_hard_fpr:
                continue
            f1 = 2 * precision * recall / (precision + recall)
            if found is None or f1 > found[0] + 1e-12:
                found = (f1, float(t))
        return found

    chosen = best(True, True) or best(False, True) or best(False, False)
    if chosen is None:
        return 0.5
    # Sit between the chosen score and the next lower one, so tiny shifts do not flip decisions.
    lower = candidates[candidates < chosen[1]]
    return float((chosen[1] + lower.max()) / 2) if len(lower) else chosen[1]


def _word_names(vectorizer: HashedNgramVectorizer, v_words: np.ndarray, analyses: Sequence[Analysis]) -> dict[int, str]:
    """For each word column that raises the score, the most frequent training n-gram hashed into it."""
    counts: dict[int, dict[str, int]] = {}
    for analysis in analyses:
        for gram, col in vectorizer.doc_ngrams(analysis.tokens):
            if v_words[col] > 0:
                bucket = counts.setdefault(col, {})
                bucket[gram] = bucket.get(gram, 0) + 1
    return {col: max(bucket.items(), key=lambda kv: (kv[1], kv[0]))[0] for col, bucket in counts.items()}




def _code_version() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
        if out.returncode == 0:
            return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return "unknown"


@dataclass
class _Fit:
    """Fitted parameters of the two stages."""

    w: np.ndarray
    b: float
    v: np.ndarray


def _fit(
    evidence: np.ndarray,
    ngrams: sp.csr_matrix,
    y: np.ndarray,
    weight: np.ndarray,
    *,
    bound: float,
    C: float,
    max_iter: int = 400,
) -> _Fit:
    """Weighted logistic loss of the two-stage margin, L-BFGS-B with the evidence signs as bounds.

    L2 penalty ``|v|^2 / (2 C)`` on the n-gram weights (per unit of total row weight, like liblinear's
    C for a sum of losses) and a light one on the evidence weights.
    """
    from scipy.optimize import minimize

    n, k = evidence.shape
    # Only columns some training row uses can get a weight; optimising the rest (all zero) costs time.
    used = np.unique(ngrams.indices)
    full_width = ngrams.shape[1]
    ngrams = ngrams[:, used]
    m = ngrams.shape[1]
    total = float(weight.sum())
    lam_v = 1.0 / (2.0 * C * total)
    lam_w = 1e-3 / total
    ngrams_t = ngrams.T.tocsr()

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b, v = theta[:k], theta[k], theta[k + 1 :]
        u = ngrams @ v
        t = np.tanh(u / bound)
        margin = evidence @ w + b + bound * t
        # log(1 + exp(m)) - y m, stably
        loss = np.logaddexp(0.0, margin) - y * margin
        p = 1.0 / (1.0 + np.exp(-margin))
        r = weight * (p - y) / total
        value = float(weight @ loss) / total + lam_v * float(v @ v) + lam_w * float(w @ w)
        grad = np.empty_like(theta)
        grad[:k] = evidence.T @ r + 2 * lam_w * w
        grad[k] = r.sum()
        grad[k + 1 :] = ngrams_t @ (r * (1.0 - t * t)) + 2 * lam_v * v
        return value, grad

    bounds: list[tuple[float | None, float | None]] = [
        (0.0, None) if sign > 0 else (None, 0.0) if sign < 0 else (None, None) for sign in EVIDENCE_SIGNS
    ]
    bounds += [(None, None)] * (1 + m)
    theta0 = np.zeros(k + 1 + m)
    result = minimize(objective, theta0, jac=True, method="L-BFGS-B", bounds=bounds,
                      options={"maxiter": max_iter, "maxfun": max_iter * 2})
    theta = result.x
    v = np.zeros(full_width)
    v[used] = theta[k + 1 :]
    return _Fit(theta[:k].copy(), float(theta[k]), v)


def _margins(fit: _Fit, evidence: np.ndarray, ngrams: sp.csr_matrix, bound: float) -> np.ndarray:
    return np.asarray(evidence @ fit.w + fit.b + bound * np.tanh((ngrams @ fit.v) / bound))


def _platt(margins: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Slope and intercept of a logistic fit of the labels on the margins."""
    from scipy.optimize import minimize

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = theta[0] * margins + theta[1]
        p = 1.0 / (1.0 + np.exp(-z))
        value = float(np.sum(np.logaddexp(0.0, z) - y * z))
        return value, np.array([np.sum((p - y) * margins), np.sum(p - y)])

    result = minimize(objective, np.array([1.0, 0.0]), jac=True, method="L-BFGS-B", bounds=[(1e-3, None), (None, None)])
    return float(result.x[0]), float(result.x[1])


def train_model(
    df: pd.DataFrame,
    *,
    lexicon: dict[str, Any] | None = None,
    min_precision: float = 0.95,
    max_hard_fpr: float = 0.01,
    C: float = 4.0,
    folds: int = 5,
    seed: int = 0,
    source_weights: dict[str, float] | None = None,
    ngram_bound: float = DEFAULT_NGRAM_BOUND,
) -> Model:
    """Fit on the development rows (``train`` + ``validation``); calibrate and pick the threshold out-of-fold.

    Rows in the ``test`` split are never looked at. Without a ``split`` column the split is a
    deterministic hash of ``group`` (:func:`assign_split`). Folds are by group too, so the
    out-of-fold scores that set the calibration and the threshold never come from a near-duplicate.
    Each row weighs ``source_weights[source]`` (hand-written and moderator rows x3) times its ``weight``
    column when there is one (e.g. a reviewer's confidence).

    The evidence floor (:meth:`Model._floor`) flags its rows whatever the threshold, so they count as
    flagged when the threshold is chosen; ``card["monotone"]`` records the bound and checks that a
    listing without evidence stays under the threshold whatever its words.
    """
    import pandas as pd
    import scipy.sparse as sp
    from sklearn.model_selection import GroupKFold

    data = _prepare(df)
    lexicon = lexicon if lexicon is not None else load_lexicon()
    analyzer = TextAnalyzer(lexicon)
    dev = data[data["split"] != "test"].reset_index(drop=True)
    if dev["label"].nunique() < 2:
        raise ValueError("training data needs both positive and negative rows")
    dev_an = analyzer.analyze_batch(list(dev["text"]))
    word_vec = _word_vectorizer().fit([a.tokens for a in dev_an])
    char_vec = _char_vectorizer().fit([a.normalized for a in dev_an])
    ngrams = sp.hstack(
        [word_vec.transform([a.tokens for a in dev_an]), char_vec.transform([a.normalized for a in dev_an])],
        format="csr",
    )
    evidence = np.array([a.evidence.vector for a in dev_an], dtype=np.float64)
    y = dev["label"].to_numpy().astype(np.float64)
    groups = dev["group"].to_numpy()
    # Rows written one by one (or reviewed by moderators) are rarer and closer to real listings than
    # template rows, so they count more; classes are balanced as liblinear's "balanced" did.
    weights_by_source = DEFAULT_SOURCE_WEIGHTS if source_weights is None else source_weights
    sources = dev["source"].astype(str) if "source" in dev.columns else pd.Series([""] * len(dev))
    weight = np.array([weights_by_source.get(src, 1.0) for src in sources], dtype=np.float64) * dev["weight"].to_numpy()
    balance = np.where(y == 1, len(y) / (2.0 * max(y.sum(), 1)), len(y) / (2.0 * max((1 - y).sum(), 1)))
    fit_weight = weight * balance

    n_splits = int(min(folds, len(np.unique(groups))))
    oof = np.zeros(len(y))
    for tr, te in GroupKFold(n_splits=n_splits).split(evidence, y, groups):
        if len(np.unique(y[tr])) < 2:
            continue
        fold = _fit(evidence[tr], ngrams[tr], y[tr], fit_weight[tr], bound=ngram_bound, C=C)
        oof[te] = _margins(fold, evidence[te], ngrams[te], ngram_bound)
    calibration = _platt(oof, y)
    slope, offset = calibration
    oof_proba = 1.0 / (1.0 + np.exp(-(slope * oof + offset)))
    floor = np.array([an.evidence.strong_with_context and not an.evidence.blocked for an in dev_an])
    oof_proba = np.where(floor, 1.0, oof_proba)  # the floor flags these whatever the threshold
    hard = dev["hard_negative"].to_numpy()
    fit = _fit(evidence, ngrams, y, fit_weight, bound=ngram_bound, C=C)
    # No threshold a listing without evidence could reach, and evidence must add at least EVIDENCE_MARGIN.
    no_evidence_best = 1.0 / (1.0 + np.exp(-(slope * (fit.b + ngram_bound + EVIDENCE_MARGIN) + offset)))
    threshold = choose_threshold(
        y, oof_proba, min_precision=min_precision, hard_negative=hard, max_hard_fpr=max_hard_fpr, sample_weight=weight,
        above=float(no_evidence_best),
    )
    threshold_margin = (np.log(threshold / (1 - threshold)) - offset) / slope
    bound = ngram_bound
    n_words = word_vec.n_features

    model = Model(
        word_names=_word_names(word_vec, fit.v[:n_words], dev_an),
        version=version_today(),
        threshold=threshold,
        lexicon=lexicon,
        word_vectorizer=word_vec,
        char_vectorizer=char_vec,
        evidence_weights=fit.w,
        intercept=fit.b,
        ngram_weights=fit.v,
        ngram_bound=bound,
        calibration=calibration,
    )
    pred = oof_proba >= threshold
    hard_mask = (hard == 1) & (y == 0)
    model.card = {
        "format": FORMAT,
        "version": model.version,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "code_version": _code_version(),
        "lexicon_version": lexicon.get("version", ""),
        "threshold": model.threshold,
        "threshold_rule": (
            f"best out-of-fold F1 on the development rows among thresholds keeping precision >= {min_precision} "
            f"and hard-negative false-positive rate <= {max_hard_fpr:.0%} (relaxed in that order if impossible); "
            "precision and F1 weight each row by its training weight (hand-written rows x3), the hard-negative "
            "rate counts rows; only scores above the highest a listing without evidence can reach plus "
            f"{EVIDENCE_MARGIN:g} logit; placed midway "
            "to the next lower score"
        ),
        "evidence_weights": {name: round(float(w), 4) for (name, _), w in zip(EVIDENCE_FEATURES, fit.w)},
        "intercept": round(fit.b, 4),
        "monotone": {
            "context_bound": round(model.ngram_bound, 4),
            "threshold_margin": round(float(threshold_margin), 4),
            "no_evidence_margin": round(fit.b, 4),
            "no_evidence_stays_below_threshold": bool(fit.b + model.ngram_bound < threshold_margin),
            "evidence_floor": "a species term or description with trade, contact or an authenticity claim and no "
                              "imitation or merchandise cue in its clause, no non-offer context cue in a listing that offers nothing, no denial and no harmless "
                              "sense scores at least the threshold",
            "development_rows_on_the_floor": int(floor.sum()),
            "of_which_negative": int((floor & (y == 0)).sum()),
        },
        "cross_validation": {
            "folds": n_splits,
            "by": "group",
            "overall": _metrics(y.astype(int), pred),
            "hard_negatives": {
                "n": int(hard_mask.sum()),
                "false_positives": int((pred & hard_mask).sum()),
                "false_positive_rate": round(float((pred & hard_mask).sum() / hard_mask.sum()), 4) if hard_mask.any() else 0.0,
            },
            "by_language": {
                str(lang): _metrics(y[mask].astype(int), pred[mask])
                for lang in sorted(dev["lang"].astype(str).unique())
                if (mask := (dev["lang"].astype(str) == lang).to_numpy()).any()
            },
        },
        "training": {
            "rows": int(len(data)),
            "development_rows": int(len(dev)),
            "test_rows_held_out": int((data["split"] == "test").sum()),
            "development_positives": int(y.sum()),
            "development_hard_negatives": int(hard_mask.sum()),
            "C": C,
            "source_weights": dict(weights_by_source),
            "features": {
                "word_ngram_columns_used": int((word_vec.idf_ > 0).sum()),
                "char_ngram_columns_used": int((char_vec.idf_ > 0).sum()),
                "evidence": len(EVIDENCE_FEATURES),
            },
        },
    }
    return model


def _metrics(y: np.ndarray, pred: np.ndarray) -> dict[str, float | int]:
    tp = int(np.sum(pred & (y == 1)))
    fp = int(np.sum(pred & (y == 0)))
    fn = int(np.sum(~pred & (y == 1)))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"n": int(len(y)), "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}

