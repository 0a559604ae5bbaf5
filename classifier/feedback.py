"""Learning from moderators: reviewed listings (confirmed / dismissed) become labeled training rows.

The moderator workflow stores a decision per listing; :func:`reviews_to_labeled` turns those into rows
that ``wildwatch train --extra reviews.csv`` (or :func:`classifier.train_model`) accepts. Each listing
is its own ``group`` (keyed by its id), so repeated reviews of one listing never straddle folds, and
every review row is used for training only (``split=train``): the held-out test set stays untouched.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas loads only when reviews become training rows (scoring never needs it)
    import pandas as pd

__all__ = ["CONFIRMED", "DISMISSED", "reviews_to_labeled"]

logger = logging.getLogger(__name__)

#: Decisions that mean "this is wildlife trade" / "this is not".
CONFIRMED = frozenset({"confirmed", "confirm", "positive", "true", "1", "yes", "escalated"})
DISMISSED = frozenset({"dismissed", "dismiss", "negative", "false", "0", "no", "false_positive"})

COLUMNS = ["id", "group", "split", "lang", "title", "description", "label", "hard_negative", "species", "source"]


def reviews_to_labeled(reviews: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Rows with a final decision -> labeled rows; undecided ones are skipped, the latest decision wins.

    Each review needs ``title``, ``description`` (may be empty), ``decision`` and ideally ``listing_id``,
    ``lang`` and the model's ``flagged`` at review time: a dismissed listing the model had flagged is
    exactly the kind of hard negative the next model should learn from, so it is marked as one.
    """
    latest: dict[str, dict[str, Any]] = {}
    skipped = 0
    for i, review in enumerate(reviews):
        decision = str(review.get("decision", "")).strip().lower()
        if decision in CONFIRMED:
            label = 1
        elif decision in DISMISSED:
            label = 0
        else:
            skipped += 1
            continue
        key = str(review.get("listing_id") or review.get("id") or f"row-{i}")
        flagged = str(review.get("flagged", "")).strip().lower() in {"true", "1", "yes"}
        latest[key] = {
            "id": f"review-{key}",
            "group": f"review-{key}",
            "split": "train",
            "lang": str(review.get("lang") or ""),
            "title": str(review.get("title") or ""),
            "description": str(review.get("description") or ""),
            "label": label,
            "hard_negative": int(label == 0 and flagged),
            "species": str(review.get("species") or ""),
            "source": "moderator",
        }
    if skipped:
        logger.info("skipped %d reviews without a final decision", skipped)
    import pandas as pd

    return pd.DataFrame(list(latest.values()), columns=COLUMNS)
