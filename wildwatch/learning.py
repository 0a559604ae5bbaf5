"""The learning loop: moderators' decisions become training rows, and a retrained model replaces
the current one only if it is not worse on the held-out test split."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd

import classifier
from store.db import session_scope
from store.reviews import review_training_rows
from wildwatch.runtime import Store

logger = logging.getLogger(__name__)

__all__ = ["compare_models", "promotion_check", "review_summary", "reviews_frame"]


def reviews_frame(store: Store) -> pd.DataFrame:
    """Reviewed listings as labeled rows (confirmed -> 1, dismissed -> 0), all in the train split.

    They never enter the test split, so the promotion check compares old and new models on the
    same held-out seed rows.
    """
    with session_scope(store.sessions) as session:
        rows = review_training_rows(session)
    frame = pd.DataFrame(rows, columns=["title", "description", "label", "lang"])
    frame["label"] = frame["label"].astype(int)
    frame["hard_negative"] = 0
    frame["split"] = "train"
    frame["group"] = [f"review-{i}" for i in range(len(frame))]
    frame["source"] = "review"
    return frame


def review_summary(frame: pd.DataFrame) -> dict[str, int]:
    """What the model card records about the reviews that went in."""
    positives = int(frame["label"].sum()) if len(frame) else 0
    return {"count": len(frame), "confirmed": positives, "dismissed": len(frame) - positives}


def compare_models(new: classifier.Model, current: classifier.Model, test: pd.DataFrame) -> dict[str, Any]:
    """F1 of both models on ``test``; the new one is promoted when its F1 is not lower."""
    new_metrics = classifier.evaluate(new, test)["overall"]
    old_metrics = classifier.evaluate(current, test)["overall"]
    promoted = new_metrics["f1"] >= old_metrics["f1"]
    return {
        "compared_to": current.version,
        "metric": "F1 on the held-out test split",
        "test_rows": len(test),
        "current": {k: old_metrics[k] for k in ("precision", "recall", "f1")},
        "new": {k: new_metrics[k] for k in ("precision", "recall", "f1")},
        "promoted": bool(promoted),
    }


def promotion_check(new: classifier.Model, models_dir: Path, test: pd.DataFrame) -> dict[str, Any]:
    """Compare ``new`` with the current model in ``models_dir`` (promote when there is none)."""
    try:
        current = classifier.load_model(None, models_dir=models_dir)
    except classifier.ModelLoadError:
        return {"compared_to": None, "promoted": True, "metric": "no current model"}
    if test.empty or test["label"].nunique() < 2:
        return {"compared_to": current.version, "promoted": False, "metric": "no usable held-out test split"}
    result = compare_models(new, current, test)
    logger.info("new model F1 %.4f vs current %s F1 %.4f: %s", result["new"]["f1"], current.version,
                result["current"]["f1"], "promote" if result["promoted"] else "keep the current model")
    return result
