"""Moderators' decisions: the review queue, recorded decisions with their audit trail, and the
reviewed listings fed back into training."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.species import severity
from store.errors import Conflict, NotFound
from store.memory import AUTO_REVIEWER, text_fingerprint
from store.models import AuditLog, Listing, Review, Score, Seller, utcnow

__all__ = [
    "DECISIONS",
    "REASONS",
    "QueueItem",
    "SellerHistory",
    "count_decisions_since",
    "current_threshold",
    "list_reviews",
    "priority",
    "queue_size",
    "record_review",
    "record_review_once",
    "record_seller_reviews",
    "review_queue",
    "review_training_rows",
    "seller_history",
    "species_severity",
    "undo_last_decision",
]

DECISIONS = ("confirmed", "dismissed", "escalated")
#: Reason codes offered per decision (labels are translated by the UI).
REASONS: dict[str, tuple[str, ...]] = {
    "confirmed": ("protected_species", "code_words", "price_and_contact", "repeat_seller", "other"),
    "dismissed": ("not_wildlife", "legal_or_farmed", "replica_or_artwork", "news_or_education", "other"),
    "escalated": ("needs_expert", "legal_question", "large_operation", "other"),
}
DEFAULT_THRESHOLD = 0.5
UNCERTAIN_MARGIN = 0.1
#: How long a moderator may take their last decision back.
UNDO_SECONDS = 60


def species_severity(species: Sequence[str]) -> int:
    """3 for a CITES Appendix I species, 2 for Appendix II, 1 otherwise (the worst species counts).

    The appendix is the species catalogue's (``cites`` in the lexicon's species.yaml); a name the
    catalogue does not know counts as 1.
    """
    return severity(species)


def priority(score: float | None, species: Sequence[str]) -> float:
    """Queue order: score x species severity."""
    return round((score or 0.0) * species_severity(species), 4)


def _species(listing: Listing) -> list[str]:
    return [s for s in (listing.species or "").split(";") if s]


@dataclass(slots=True)
class QueueItem:
    """One listing waiting for a decision, with what the queue shows about it."""

    listing: Listing
    seller: Seller | None
    priority: float
    uncertain: bool
    species: list[str]


@dataclass(slots=True)
class SellerHistory:
    """What moderators know about a seller so far."""

    listings: int = 0
    flagged: int = 0
    confirmed: int = 0
    dismissed: int = 0
    escalated: int = 0
    unreviewed_flagged: int = 0
    first_seen: datetime | None = None


def current_threshold(session: Session) -> float:
    """The operating threshold of the most recent score (the live model's)."""
    value = session.scalar(select(Score.threshold).order_by(Score.id.desc()).limit(1))
    return DEFAULT_THRESHOLD if value is None else float(value)


def _queue_filter(session: Session, view: str, margin: float) -> tuple[float, list[Any]]:
    threshold = current_threshold(session)
    if view == "flagged":
        return threshold, [Listing.flagged.is_(True), Listing.review_status.is_(None)]
    if view == "uncertain":
        return threshold, [Listing.review_status.is_(None), Listing.score.is_not(None),
                           Listing.score >= threshold - margin, Listing.score <= threshold + margin]
    if view == "escalated":
        return threshold, [Listing.review_status == "escalated"]
    raise ValueError(f"unknown queue view {view!r}")


def queue_size(session: Session, *, view: str = "flagged", margin: float = UNCERTAIN_MARGIN) -> int:
    """How many listings a queue view holds (for its page count)."""
    _, where = _queue_filter(session, view, margin)
    return int(session.scalar(select(func.count()).select_from(Listing).where(*where)) or 0)


def review_queue(
    session: Session, *, view: str = "flagged", limit: int = 50, offset: int = 0, margin: float = UNCERTAIN_MARGIN,
    candidates: int = 2000,
) -> list[QueueItem]:
    """Listings awaiting a decision, best use of a moderator's time first.

    ``flagged``: unreviewed flagged listings by priority (score x severity).  ``uncertain``:
    unreviewed listings scored within ``margin`` of the threshold, closest first (active learning:
    these decisions teach the model most).  ``escalated``: listings escalated for a second look.
    """
    threshold, where = _queue_filter(session, view, margin)
    query = select(Listing, Seller).outerjoin(Seller, Listing.seller_id == Seller.id).where(*where)
    if view == "flagged":  # priority is computed here: sort the best candidates, then page
        query = query.order_by(Listing.score.desc(), Listing.id).limit(max(candidates, offset + limit))
    elif view == "uncertain":
        query = query.order_by(func.abs(Listing.score - threshold), Listing.id).offset(offset).limit(limit)
    else:
        query = query.order_by(Listing.score.desc(), Listing.id).offset(offset).limit(limit)
    items = []
    for listing, seller in session.execute(query):
        species = _species(listing)
        uncertain = listing.score is not None and abs(listing.score - threshold) <= margin
        items.append(QueueItem(listing, seller, priority(listing.score, species), uncertain, species))
    if view == "flagged":
        items.sort(key=lambda item: (-item.priority, item.listing.id))
        return items[offset:offset + limit]
    return items


def seller_history(session: Session, seller_id: int) -> SellerHistory:
    """Counts of a seller's listings and of the decisions on them."""
    history = SellerHistory()
    row = session.execute(
        select(func.count(), func.count().filter(Listing.flagged.is_(True)),
               func.count().filter(Listing.flagged.is_(True), Listing.review_status.is_(None)),
               func.min(Listing.first_seen))
        .where(Listing.seller_id == seller_id)
    ).one()
    history.listings, history.flagged, history.unreviewed_flagged, history.first_seen = row
    for status, count in session.execute(
        select(Listing.review_status, func.count()).where(Listing.seller_id == seller_id,
                                                          Listing.review_status.is_not(None))
        .group_by(Listing.review_status)
    ):
        if status in DECISIONS:
            setattr(history, status, count)
    return history


def _check(decision: str, reason: str) -> None:
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}")
    if reason not in REASONS[decision]:
        raise ValueError(f"reason for {decision} must be one of {', '.join(REASONS[decision])}")


def record_review(
    session: Session, listing_id: int, *, decision: str, reason: str, reviewer: str, note: str | None = None,
    api_key_id: int | None = None, bulk_of: int | None = None, batch: str | None = None,
) -> Review:
    """Record a decision on a listing: the review row, the listing's status and an audit entry.

    A dismissal unflags the listing at once, for the content it was made on (decision memory: a
    re-crawl of the same content stays unflagged, see ``store.scores.record_scores``); any other
    decision gives the listing back its model's verdict.
    """
    _check(decision, reason)
    listing = session.get(Listing, listing_id)
    if listing is None:
        raise NotFound(f"no listing {listing_id}")
    note = (note or "").strip()[:4000] or None
    review = Review(listing_id=listing_id, decision=decision, reason=reason, note=note, reviewer=reviewer,
                    api_key_id=api_key_id, model_version=listing.model_version, score=listing.score, batch=batch,
                    content_hash=listing.content_hash, text_hash=text_fingerprint(listing.title, listing.description))
    session.add(review)
    was_flagged = listing.flagged
    listing.review_status = decision
    listing.flagged = False if decision == "dismissed" else _model_verdict(session, listing)
    session.flush()
    detail: dict[str, Any] = {"decision": decision, "reason": reason, "model_version": listing.model_version,
                              "score": listing.score, "review_id": review.id, "api_key_id": api_key_id,
                              "flagged_before": was_flagged, "flagged_after": listing.flagged}
    if bulk_of is not None:
        detail["bulk_seller_id"] = bulk_of
    session.add(AuditLog(actor=reviewer, action="review.decide", target_type="listing",
                         target_id=str(listing_id), detail=detail))
    return review


def _model_verdict(session: Session, listing: Listing) -> bool | None:
    """What the listing's model said about its current content (``flagged`` before any dismissal)."""
    if listing.model_version is None or listing.scored_hash is None:
        return listing.flagged
    verdict = session.scalar(
        select(Score.flagged).where(Score.listing_id == listing.id, Score.model_version == listing.model_version,
                                    Score.content_hash == listing.scored_hash).order_by(Score.id.desc()).limit(1)
    )
    return listing.flagged if verdict is None else bool(verdict)


def record_review_once(
    session: Session, listing_id: int, *, idempotency_key: str, api_key_id: int, decision: str, reason: str,
    reviewer: str, note: str | None = None,
) -> tuple[Review, bool]:
    """``record_review`` for a client that may retry: (review, replayed).

    The first request with an ``idempotency_key`` stores the review; a retry with the same key
    (from the same API key) returns that review instead of adding a second one, even when the
    two arrive at once.  The same key for a different decision raises ``Conflict``.
    """
    asked = (listing_id, decision, reason, (note or "").strip()[:4000] or None)

    def earlier() -> Review | None:
        review = session.scalar(select(Review).where(Review.api_key_id == api_key_id,
                                                     Review.idempotency_key == idempotency_key))
        if review is not None and (review.listing_id, review.decision, review.reason, review.note) != asked:
            raise Conflict("this Idempotency-Key was used for another review; use a new key for a new decision")
        return review

    found = earlier()
    if found is not None:
        return found, True
    try:
        with session.begin_nested():
            review = record_review(session, listing_id, decision=decision, reason=reason, reviewer=reviewer,
                                   note=note, api_key_id=api_key_id)
            review.idempotency_key = idempotency_key
            session.flush()
    except IntegrityError:
        found = earlier()  # the same request, arriving at the same time, was stored first
        if found is None:
            raise
        return found, True
    return review, False


def record_seller_reviews(
    session: Session, seller_id: int, *, decision: str, reason: str, reviewer: str, note: str | None = None,
    api_key_id: int | None = None, batch: str | None = None,
) -> list[Review]:
    """Apply one decision to every flagged, unreviewed listing of a seller (bulk action; one Undo takes
    them all back)."""
    batch = batch or secrets.token_hex(8)
    _check(decision, reason)
    ids = list(session.scalars(
        select(Listing.id).where(Listing.seller_id == seller_id, Listing.flagged.is_(True),
                                 Listing.review_status.is_(None)).order_by(Listing.id)
    ))
    return [record_review(session, listing_id, decision=decision, reason=reason, reviewer=reviewer, note=note,
                          api_key_id=api_key_id, bulk_of=seller_id, batch=batch) for listing_id in ids]


def undo_last_decision(
    session: Session, *, api_key_id: int, reviewer: str, now: datetime | None = None,
    window: float = UNDO_SECONDS,
) -> list[Review]:
    """Take back a moderator's last decision (every listing of a bulk one) within ``window`` seconds.

    The reviews stay, marked undone, and each listing gets back the decision it had before (or
    none: it returns to the queue); the audit log records who undid what.  ``Conflict`` when the
    last decision is older than the window or there is none.
    """
    now = now or utcnow()
    last = session.scalar(select(Review).where(Review.api_key_id == api_key_id, Review.undone_at.is_(None))
                          .order_by(Review.id.desc()).limit(1))
    if last is None or last.created_at < now - timedelta(seconds=window):
        raise Conflict(f"nothing to undo: only your last decision, within {window:.0f} s, can be undone")
    group = [last]
    if last.batch is not None:
        group = list(session.scalars(select(Review).where(Review.api_key_id == api_key_id, Review.batch == last.batch,
                                                          Review.undone_at.is_(None)).order_by(Review.id)))
    for review in group:
        review.undone_at = now
    session.flush()
    for review in group:
        restored = session.scalar(select(Review.decision).where(Review.listing_id == review.listing_id,
                                                                Review.undone_at.is_(None))
                                  .order_by(Review.id.desc()).limit(1))
        listing = session.get(Listing, review.listing_id)
        if listing is not None:
            listing.review_status = restored
            # as record_review does: a dismissal unflags, anything else gives back the model's verdict
            listing.flagged = False if restored == "dismissed" else _model_verdict(session, listing)
        session.add(AuditLog(actor=reviewer, action="review.undo", target_type="listing",
                             target_id=str(review.listing_id),
                             detail={"review_id": review.id, "decision": review.decision, "reason": review.reason,
                                     "restored": restored, "api_key_id": api_key_id}))
    return group


def list_reviews(
    session: Session, *, listing_id: int | None = None, decision: str | None = None, after_id: int = 0,
    limit: int = 100,
) -> list[Review]:
    """Decisions oldest first from ``after_id`` (for analysts and exports)."""
    query = select(Review).where(Review.id > after_id, Review.undone_at.is_(None)).order_by(Review.id).limit(limit)
    if listing_id is not None:
        query = query.where(Review.listing_id == listing_id)
    if decision is not None:
        query = query.where(Review.decision == decision)
    return list(session.scalars(query))


def count_decisions_since(session: Session, since: datetime | None) -> int:
    """Human decisions that teach a model (confirmed, dismissed) made after ``since`` (all when None)."""
    query = select(func.count()).select_from(Review).where(
        Review.decision.in_(("confirmed", "dismissed")), Review.reviewer != AUTO_REVIEWER)
    if since is not None:
        query = query.where(Review.created_at > since)
    return session.scalar(query) or 0


def review_training_rows(session: Session) -> list[dict[str, Any]]:
    """Reviewed listings as training rows: latest decision wins; confirmed -> 1, dismissed -> 0.

    Escalated listings are left out: nobody has decided them yet; so are decisions the store took
    on its own (automatic dismissal of relists): they repeat a human decision already counted.
    """
    latest = (
        select(Review.listing_id, func.max(Review.id).label("review_id"))
        .where(Review.reviewer != AUTO_REVIEWER, Review.undone_at.is_(None)).group_by(Review.listing_id).subquery()
    )
    rows = session.execute(
        select(Review.id, Listing.title, Listing.description, Listing.lang, Review.decision, Review.created_at)
        .join(latest, latest.c.listing_id == Listing.id)
        .join(Review, Review.id == latest.c.review_id)
        .where(Review.decision.in_(("confirmed", "dismissed")))
        .order_by(Listing.id)
    )
    return [
        {"review_id": review_id, "title": title, "description": description, "label": int(decision == "confirmed"),
         "lang": lang or "", "reviewed_at": reviewed_at}
        for review_id, title, description, lang, decision, reviewed_at in rows
    ]
