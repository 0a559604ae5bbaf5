"""The learning loop: moderators' decisions become weighted training rows, the most recent ones are
held out by time, and a retrained model replaces the current one only through the promotion gate.

The gate (docs/classifier.md, "The promotion gate"):

- **non-inferiority on the generated test split**: the new model's F1 is at most ``MARGIN`` (0.5
  points) below the current model's, and its false-positive rate on the split's hard negatives at
  most ``MARGIN`` or one hard negative above it, whichever is larger (with 158 hard negatives one row
  is 0.63 points: a margin finer than one row would fail a model for a single listing);
- **no loss on the held-out reviews**: on the most recent decisions (never trained on) the new model
  agrees with the moderators at least as often as the current one.

Both must hold.  An administrator can promote anyway with a reason (``train --force --reason``),
recorded in the audit log and the model card.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

import classifier
from classifier.protocol import ScoringModel
from store.db import session_scope
from store.models import AuditLog
from store.reviews import review_training_rows
from wildwatch.runtime import Store

logger = logging.getLogger(__name__)

__all__ = [
    "HOLDOUT_FRACTION",
    "MARGIN",
    "REVIEW_WEIGHT",
    "ReviewSplit",
    "compare_models",
    "gate",
    "record_forced_promotion",
    "review_summary",
    "reviews_frame",
    "split_reviews",
]

#: Training weight of one reviewed listing, against 1 for a generated row and 3 for a hand-written
#: one.  Chosen by measurement (bench/learning.py, docs/classifier.md): 10 moves the unseen siblings
#: of dismissed look-alikes without costing the generated test split more than the margin.
REVIEW_WEIGHT = 10.0
#: The most recent share of decisions held out by time as the second evaluation split.
HOLDOUT_FRACTION = 0.2
#: Non-inferiority margin of the gate on the generated test split (0.5 points of F1 and of the
#: hard-negative false-positive rate).
MARGIN = 0.005


def reviews_frame(store: Store) -> pd.DataFrame:
    """Reviewed listings as labeled rows (confirmed -> 1, dismissed -> 0), oldest decision first."""
    with session_scope(store.sessions) as session:
        rows = review_training_rows(session)
    frame = pd.DataFrame(rows, columns=["review_id", "title", "description", "label", "lang", "reviewed_at"])
    frame["label"] = frame["label"].astype(int)
    frame["hard_negative"] = 0
    frame["group"] = [f"review-{i}" for i in frame["review_id"]]
    frame["source"] = "review"
    return frame.sort_values(["reviewed_at", "review_id"], kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class ReviewSplit:
    """Reviews to train on, and the most recent ones held out to judge the new model."""

    train: pd.DataFrame
    holdout: pd.DataFrame


def split_reviews(frame: pd.DataFrame, *, fraction: float = HOLDOUT_FRACTION) -> ReviewSplit:
    """Hold out the most recent ``fraction`` of decisions (by time; none below five decisions).

    Holding out by time asks the question that matters: does a model trained on yesterday's
    decisions agree with today's?  The next retraining trains on today's and holds out newer ones.
    """
    n_holdout = math.ceil(len(frame) * fraction) if len(frame) >= 5 else 0
    cut = len(frame) - n_holdout
    train = frame.iloc[:cut].copy()
    train["split"] = "train"
    holdout = frame.iloc[cut:].copy()
    holdout["split"] = "review_holdout"
    return ReviewSplit(train, holdout)


def review_summary(split: ReviewSplit, *, weight: float) -> dict[str, Any]:
    """What the model card records about the reviews that went in (ids, so they can be traced)."""

    def part(frame: pd.DataFrame) -> dict[str, Any]:
        positives = int(frame["label"].sum()) if len(frame) else 0
        return {
            "count": len(frame), "confirmed": positives, "dismissed": len(frame) - positives,
            "review_ids": [int(i) for i in frame["review_id"]],
            "reviewed_from": None if frame.empty else str(frame["reviewed_at"].min()),
            "reviewed_to": None if frame.empty else str(frame["reviewed_at"].max()),
        }

    return {"weight": weight, "trained_on": part(split.train), "held_out": part(split.holdout)}


def _agreement(model: ScoringModel, frame: pd.DataFrame) -> dict[str, Any]:
    verdicts = model.score_batch(list(frame["title"]), list(frame["description"]))
    agree = sum(int(v.flagged) == int(label) for v, label in zip(verdicts, frame["label"], strict=True))
    return {"n": len(frame), "agree": agree, "accuracy": round(agree / len(frame), 4) if len(frame) else None}


def _split_figures(model: ScoringModel, test: pd.DataFrame) -> dict[str, Any]:
    metrics = classifier.evaluate(model, test)
    hard = metrics.get("hard_negatives") or {}
    return {**{k: metrics["overall"][k] for k in ("precision", "recall", "f1")},
            "hard_negative_fp_rate": float(hard.get("false_positive_rate", 0.0))}


def _hard_negatives(test: pd.DataFrame) -> int:
    """Hard negatives in the split (the denominator of its hard-negative false-positive rate)."""
    if "hard_negative" not in test.columns:
        return 0
    hard = pd.to_numeric(test["hard_negative"], errors="coerce").fillna(0).astype(int) == 1
    return int((hard & (pd.to_numeric(test["label"], errors="coerce") == 0)).sum())


def gate(new: classifier.Model, models_dir: Path, test: pd.DataFrame, holdout: pd.DataFrame,
         *, margin: float = MARGIN) -> dict[str, Any]:
    """The promotion gate's decision and figures for ``new`` against the current model in ``models_dir``."""
    try:
        current = classifier.load_model(None, models_dir=models_dir)
    except classifier.ModelLoadError:
        return {"compared_to": None, "promoted": True, "why": "no current model"}
    return compare_models(new, current, test, holdout, margin=margin)


def compare_models(new: ScoringModel, current: ScoringModel, test: pd.DataFrame, holdout: pd.DataFrame,
                   *, margin: float = MARGIN) -> dict[str, Any]:
    """The gate's two checks for ``new`` against ``current`` (see the module docstring)."""
    if test.empty or test["label"].nunique() < 2:
        return {"compared_to": current.version, "promoted": False, "why": "no usable generated test split"}
    old_split, new_split = _split_figures(current, test), _split_figures(new, test)
    f1_ok = new_split["f1"] >= old_split["f1"] - margin - 1e-9
    hard_margin = max(margin, 1.0 / max(_hard_negatives(test), 1))
    # The rates are rounded to 4 decimals (classifier.evaluate): allow that rounding, not only float noise.
    hard_ok = new_split["hard_negative_fp_rate"] <= old_split["hard_negative_fp_rate"] + hard_margin + 1e-4
    result: dict[str, Any] = {
        "compared_to": current.version,
        "rule": f"generated test split: F1 at most {margin * 100:.1f} points lower and hard-negative FP rate at "
                f"most {hard_margin * 100:.2f} points higher ({margin * 100:.1f} points or one hard negative) than "
                "the current model's; held-out reviews: agrees with the moderators at least as often",
        "test_split": {"rows": len(test), "current": old_split, "new": new_split, "passed": bool(f1_ok and hard_ok)},
    }
    if holdout.empty:
        result["held_out_reviews"] = {"n": 0, "passed": True, "note": "no held-out reviews (fewer than five)"}
    else:
        old_reviews, new_reviews = _agreement(current, holdout), _agreement(new, holdout)
        result["held_out_reviews"] = {"n": len(holdout), "current": old_reviews, "new": new_reviews,
                                      "passed": new_reviews["agree"] >= old_reviews["agree"]}
    result["promoted"] = bool(result["test_split"]["passed"] and result["held_out_reviews"]["passed"])
    logger.info("gate for the new model vs %s: %s", current.version, "promote" if result["promoted"] else "keep")
    return result


def record_forced_promotion(store: Store, *, version: str, actor: str, reason: str, decision: dict[str, Any]) -> None:
    """Audit an administrator's promotion past the gate (who, why, and what the gate said)."""
    with session_scope(store.sessions) as session:
        session.add(AuditLog(actor=actor, action="model.force_promote", target_type="model", target_id=version,
                             detail={"reason": reason, "gate": decision}))
