"""Decision memory: what moderators decided is remembered at once, before any retraining.

A dismissed listing that comes back unchanged (same content hash) is not flagged again, and a
relist of a reviewed listing by the same seller (the same text once normalised, or near-identical
text) carries the earlier decision (:class:`PriorDecision`), so the review UI and the API can show
it and the scorer can dismiss the relist on its own when ``moderation.auto_dismiss_relists`` is on.

Normalisation here is deliberately plain (NFKC, case folding, letters and digits only): the
store does not import the classifier, and a relist that differs by more than punctuation, spacing
or a few characters is left to the model.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import Listing, Review

__all__ = [
    "AUTO_REVIEWER",
    "NEAR_IDENTICAL",
    "PriorDecision",
    "normalise_text",
    "prior_decisions",
    "similarity",
    "text_fingerprint",
]

#: The reviewer name of decisions the store takes on its own (never a source of memory or training).
AUTO_REVIEWER = "decision-memory"
#: Jaccard similarity of character 3-grams from which two texts count as near-identical.
NEAR_IDENTICAL = 0.9
#: Reviewed listings of one seller looked at per lookup (the most recent decisions).
MAX_CANDIDATES = 500

Via = Literal["same_text", "near_identical_text"]


@dataclass(frozen=True, slots=True)
class PriorDecision:
    """An earlier human decision on another listing that this one duplicates."""

    review_id: int
    decision: str
    listing_id: int
    reviewed_at: datetime
    via: Via


def normalise_text(title: str, description: str) -> str:
    """Title and description as compared for relists: NFKC, case-folded, letters and digits only."""
    text = unicodedata.normalize("NFKC", f"{title}\n{description}").casefold()
    return "".join(ch for ch in text if ch.isalnum())


def text_fingerprint(title: str, description: str) -> str:
    """SHA-256 of :func:`normalise_text` (unlike ``content_hash`` it ignores the price)."""
    return hashlib.sha256(normalise_text(title, description).encode("utf-8")).hexdigest()


def _shingles(text: str) -> set[str]:
    return {text[i : i + 3] for i in range(max(len(text) - 2, 1))} if text else set()


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the character 3-grams of two normalised texts (1.0: the same)."""
    left, right = _shingles(a), _shingles(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def prior_decisions(session: Session, listings: Sequence[Listing]) -> dict[int, PriorDecision]:
    """For each listing with a seller, the latest human decision on a relist of it by that seller.

    Only confirmed and dismissed count (an escalation decides nothing), only a listing's latest
    decision counts (a later confirmation overrides a dismissal), and decisions the store took on
    its own are never a source, so an automatic dismissal cannot spread further than its origin.
    """
    sellers = {listing.seller_id for listing in listings if listing.seller_id is not None}
    if not sellers:
        return {}
    latest = (
        select(func.max(Review.id).label("review_id"))
        .where(Review.reviewer != AUTO_REVIEWER)
        .group_by(Review.listing_id)
        .subquery()
    )
    rows = session.execute(
        select(Review.id, Review.decision, Review.listing_id, Review.created_at, Review.text_hash,
               Listing.seller_id, Listing.title, Listing.description)
        .join(latest, latest.c.review_id == Review.id)
        .join(Listing, Listing.id == Review.listing_id)
        .where(Listing.seller_id.in_(sellers), Review.decision.in_(("confirmed", "dismissed")))
        .order_by(Review.id.desc())
        .limit(MAX_CANDIDATES * len(sellers))
    ).all()
    by_seller: dict[int, list[tuple[PriorDecision, str, str]]] = {}
    for review_id, decision, listing_id, reviewed_at, text_hash, seller_id, title, description in rows:
        if seller_id is None:  # excluded by the query; keeps the types honest
            continue
        normal = normalise_text(title, description)
        fingerprint = text_hash or hashlib.sha256(normal.encode("utf-8")).hexdigest()
        decided = PriorDecision(review_id, decision, listing_id, reviewed_at, "same_text")
        by_seller.setdefault(seller_id, []).append((decided, fingerprint, normal))
    found: dict[int, PriorDecision] = {}
    for listing in listings:
        candidates = [c for c in by_seller.get(listing.seller_id or -1, []) if c[0].listing_id != listing.id]
        if not candidates:
            continue
        normal = normalise_text(listing.title, listing.description)
        fingerprint = hashlib.sha256(normal.encode("utf-8")).hexdigest()
        same = next((decided for decided, other, _ in candidates if other == fingerprint), None)
        if same is not None:
            found[listing.id] = same
            continue
        score, d = max(((similarity(normal, other), decided) for decided, _, other in candidates),
                       key=lambda pair: (pair[0], pair[1].review_id))
        if score >= NEAR_IDENTICAL:
            found[listing.id] = PriorDecision(d.review_id, d.decision, d.listing_id, d.reviewed_at,
                                              "near_identical_text")
    return found
