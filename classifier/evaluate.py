"""Honest measurement: precision, recall, F1, false positives on hard negatives, per language."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .protocol import ScoringModel

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["evaluate", "binary_metrics", "write_pr_curve"]

logger = logging.getLogger(__name__)


def binary_metrics(y: np.ndarray, pred: np.ndarray) -> dict[str, float | int]:
    """Precision, recall, F1 and counts for 0/1 arrays."""
    y = np.asarray(y).astype(bool)
    pred = np.asarray(pred).astype(bool)
    tp = int(np.sum(pred & y))
    fp = int(np.sum(pred & ~y))
    fn = int(np.sum(~pred & y))
    tn = int(np.sum(~pred & ~y))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    fpr = fp / (fp + tn) if fp + tn else 0.0
    return {
        "n": int(len(y)),
        "positives": int(y.sum()),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "false_positive_rate": round(fpr, 4),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
    }


def evaluate(model: ScoringModel, df: pd.DataFrame, *, threshold: float | None = None) -> dict[str, Any]:
    """Score labeled rows (title, description, label[, lang, hard_negative]) and report metrics."""
    if "label" not in df.columns:
        raise ValueError("labeled data needs a `label` column (0/1)")
    threshold = model.threshold if threshold is None else threshold
    titles = list(df["title"]) if "title" in df.columns else [""] * len(df)
    descriptions = list(df["description"]) if "description" in df.columns else [""] * len(df)
    results = model.score_batch(titles, descriptions)
    proba = np.array([r.score for r in results])
    y = df["label"].astype(int).to_numpy()
    # At the model's own threshold its own verdict counts (it includes the evidence floor and policy).
    pred = np.array([r.flagged for r in results], dtype=bool) if threshold == model.threshold else proba >= threshold
    out: dict[str, Any] = {"model": model.version, "threshold": round(float(threshold), 4)}
    out["overall"] = binary_metrics(y, pred)
    if "hard_negative" in df.columns:
        hard = df["hard_negative"].fillna(0).astype(int).to_numpy() == 1
        n_hard = int(hard.sum())
        fp_hard = int(np.sum(pred & hard & (y == 0)))
        out["hard_negatives"] = {
            "n": n_hard,
            "false_positives": fp_hard,
            "false_positive_rate": round(fp_hard / n_hard, 4) if n_hard else 0.0,
        }
    if "lang" in df.columns:
        out["by_language"] = {
            str(lang): binary_metrics(y[mask], pred[mask])
            for lang in sorted(df["lang"].dropna().astype(str).unique())
            if (mask := (df["lang"].astype(str) == lang).to_numpy()).any()
        }
    if "source" in df.columns:
        out["by_source"] = {
            str(src): binary_metrics(y[mask], pred[mask])
            for src in sorted(df["source"].dropna().astype(str).unique())
            if (mask := (df["source"].astype(str) == src).to_numpy()).any()
        }
    if "kind" in df.columns:
        # Held-out set 2 marks each row's kind: offer, evasion, lookalike, mention, ordinary.
        out["by_kind"] = {}
        for kind in sorted(df["kind"].dropna().astype(str).unique()):
            mask = (df["kind"].astype(str) == kind).to_numpy()
            if mask.any():
                out["by_kind"][kind] = {"n": int(mask.sum()), "positives": int(y[mask].sum()),
                                        "flagged_rate": round(float(pred[mask].mean()), 4)}
    if "species" in df.columns:
        # Of the positives that name a species, how many got that species tagged.
        expected = df["species"].fillna("").astype(str).to_numpy()
        rows = [(e, r.species) for e, r, label in zip(expected, results, y) if label == 1 and e]
        if rows:
            hits = sum(all(name in tagged for name in e.split(";")) for e, tagged in rows)
            out["species_recall"] = round(hits / len(rows), 4)
    out["_scores"] = proba
    out["_labels"] = y
    return out


def write_pr_curve(y: np.ndarray, scores: np.ndarray, path: Path, *, threshold: float | None = None, title: str = "") -> Path:
    """Save a precision-recall curve PNG (with the operating point marked)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import average_precision_score, precision_recall_curve

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    y = np.asarray(y).astype(int)
    fig, ax = plt.subplots(figsize=(5, 4), dpi=100)
    if len(np.unique(y)) == 2:
        precision, recall, _ = precision_recall_curve(y, scores)
        ap = average_precision_score(y, scores)
        ax.plot(recall, precision, label=f"AP = {ap:.3f}")
        if threshold is not None:
            pred = np.asarray(scores) >= threshold
            m = binary_metrics(y, pred)
            ax.scatter([m["recall"]], [m["precision"]], color="red", zorder=3, label=f"threshold {threshold:.3f}")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1.01)
    ax.set_ylim(0, 1.01)
    ax.set_title(title or "WildWatch classifier: precision-recall")
    ax.legend(loc="lower left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
