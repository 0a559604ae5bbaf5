"""Reading listings that need a score and recording scores (history + denormalised latest)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from store.memory import AUTO_REVIEWER, PriorDecision, prior_decisions
from store.models import AuditLog, Listing, ListingSpecies, Review, Score, utcnow
from store.reviews import REASONS, record_review

__all__ = ["ToScore", "ScoreIn", "count_flagged", "listings_to_score", "count_to_score", "record_scores"]


@dataclass(frozen=True, slots=True)
class ToScore:
    listing_id: int
    title: str
    description: str
    content_hash: str


@dataclass(frozen=True, slots=True)
class ScoreIn:
    listing_id: int
    content_hash: str
    score: float
    flagged: bool
    species: Sequence[str]
    reasons: Sequence[str]


def _needs_score(model_version: str):  # type: ignore[no-untyped-def]
    return or_(
        Listing.scored_hash.is_(None),
        Listing.scored_hash != Listing.content_hash,
        Listing.model_version != model_version,
    )


def listings_to_score(session: Session, *, model_version: str, limit: int, after_id: int = 0) -> list[ToScore]:
    """The next batch (by id) of listings this model has not scored in their current content."""
    rows = session.execute(
        select(Listing.id, Listing.title, Listing.description, Listing.content_hash)
        .where(Listing.id > after_id, _needs_score(model_version))
        .order_by(Listing.id)
        .limit(limit)
    )
    return [ToScore(*row) for row in rows]


def count_to_score(session: Session, *, model_version: str) -> int:
    """How many listings `listings_to_score` would walk through (for progress bars)."""
    from sqlalchemy import func

    return session.scalar(select(func.count()).select_from(Listing).where(_needs_score(model_version))) or 0


def count_flagged(session: Session, ids: Sequence[int]) -> int:
    """How many of these listings are flagged now (after decision memory)."""
    return session.scalar(select(func.count()).select_from(Listing).where(Listing.id.in_(ids),
                                                                          Listing.flagged.is_(True))) or 0


def _dismissed_contents(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """listing id -> the content hash its latest decision dismissed (listings whose latest is a dismissal)."""
    latest = (
        select(func.max(Review.id).label("review_id")).where(Review.listing_id.in_(ids), Review.undone_at.is_(None))
        .group_by(Review.listing_id).subquery()
    )
    rows = session.execute(
        select(Review.listing_id, Review.content_hash).join(latest, latest.c.review_id == Review.id)
        .where(Review.decision == "dismissed", Review.content_hash.is_not(None))
    )
    return {listing_id: digest for listing_id, digest in rows if digest is not None}


def record_scores(
    session: Session, scores: Sequence[ScoreIn], *, model_version: str, threshold: float,
    auto_dismiss_relists: bool = False,
) -> list[int]:
    """Store a batch of scores; return the ids of listings that became flagged with it.

    Decision memory: the score history keeps every model's verdict, but a listing whose latest
    decision dismissed this very content stays unflagged (and is never "newly flagged", so no
    alert goes out again).  With ``auto_dismiss_relists`` a flagged, unreviewed relist of a
    dismissed listing by the same seller (``store.memory``) is dismissed on the spot, audited.

    Written with bulk statements (one executemany per table, no ORM objects per row): a nightly run
    writes as many rows as it scores.
    """
    if not scores:
        return []
    now = utcnow()
    ids = [s.listing_id for s in scores]
    # listing id -> (flagged, review_status) before this batch
    current: dict[int, tuple[bool | None, str | None]] = {
        row[0]: (row[1], row[2])
        for row in session.execute(
            select(Listing.id, Listing.flagged, Listing.review_status).where(Listing.id.in_(ids)))
    }
    dismissed = _dismissed_contents(session, ids)
    relists: dict[int, PriorDecision] = {}
    if auto_dismiss_relists:
        unreviewed = [s.listing_id for s in scores if s.flagged and s.listing_id in current
                      and current[s.listing_id][1] is None]
        candidates = list(session.scalars(select(Listing).where(Listing.id.in_(unreviewed)))) if unreviewed else []
        relists = {lid: prior for lid, prior in prior_decisions(session, candidates).items()
                   if prior.decision == "dismissed"}
    existing = {
        tuple(row)
        for row in session.execute(
            select(Score.listing_id, Score.content_hash).where(
                Score.listing_id.in_(ids), Score.model_version == model_version
            )
        )
    }
    newly_flagged: list[int] = []
    new_scores: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    species_rows: list[dict[str, Any]] = []
    for s in scores:
        if s.listing_id not in current:
            continue
        species = ";".join(s.species)
        reasons = list(s.reasons)
        if (s.listing_id, s.content_hash) not in existing:
            existing.add((s.listing_id, s.content_hash))
            new_scores.append({
                "listing_id": s.listing_id, "model_version": model_version, "content_hash": s.content_hash,
                "score": s.score, "threshold": threshold, "flagged": s.flagged, "species": species,
                "reasons": reasons, "scored_at": now,
            })
        flagged = s.flagged and dismissed.get(s.listing_id) != s.content_hash and s.listing_id not in relists
        if flagged and not current[s.listing_id][0]:
            newly_flagged.append(s.listing_id)
        updates.append({
            "id": s.listing_id, "score": s.score, "flagged": flagged, "species": species, "reasons": reasons,
            "model_version": model_version, "scored_hash": s.content_hash, "scored_at": now,
        })
        species_rows += ({"listing_id": s.listing_id, "species": name} for name in dict.fromkeys(s.species))
    session.execute(delete(ListingSpecies).where(ListingSpecies.listing_id.in_(ids)))
    if new_scores:
        session.execute(insert(Score), new_scores)
    if updates:
        session.execute(update(Listing), updates)  # ORM bulk UPDATE by primary key: one executemany
    if species_rows:
        session.execute(insert(ListingSpecies), species_rows)
    # A dismissal holds for the content it was made on: new content the model flags goes back to the queue.
    reopened = [u["id"] for u in updates if u["flagged"] and current[u["id"]][1] == "dismissed"]
    if reopened:
        session.execute(update(Listing).where(Listing.id.in_(reopened)).values(review_status=None)
                        .execution_options(synchronize_session=False))
        session.add_all(AuditLog(actor=AUTO_REVIEWER, action="review.reopen", target_type="listing",
                                 target_id=str(listing_id), detail={"why": "content changed after a dismissal",
                                                                    "model_version": model_version})
                        for listing_id in reopened)
    # Bulk statements bypass the identity map: listings the caller already holds are reloaded on next use.
    written = set(ids)
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Listing) and obj.id in written:
            session.expire(obj)
    for listing_id, prior in relists.items():
        earlier = session.get(Review, prior.review_id)
        earlier_reason = earlier.reason if earlier is not None else None
        record_review(session, listing_id, decision="dismissed",
                      reason=earlier_reason if earlier_reason in REASONS["dismissed"] else "other",
                      reviewer=AUTO_REVIEWER,
                      note=f"relist of listing {prior.listing_id} (review {prior.review_id}, {prior.via})")
    return newly_flagged
