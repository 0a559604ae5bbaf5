"""Reading listings that need a score and recording scores (history + denormalised latest)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.orm import Session

from store.models import Listing, ListingSpecies, Score, utcnow

__all__ = ["ToScore", "ScoreIn", "listings_to_score", "count_to_score", "record_scores"]


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


def record_scores(
    session: Session, scores: Sequence[ScoreIn], *, model_version: str, threshold: float
) -> list[int]:
    """Store a batch of scores; return the ids of listings that became flagged with it.

    Written with bulk statements (one executemany per table, no ORM objects per row): a nightly run
    writes as many rows as it scores.
    """
    if not scores:
        return []
    now = utcnow()
    ids = [s.listing_id for s in scores]
    was_flagged: dict[int, bool | None] = {
        row[0]: row[1] for row in session.execute(select(Listing.id, Listing.flagged).where(Listing.id.in_(ids)))
    }
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
        if s.listing_id not in was_flagged:
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
        if s.flagged and not was_flagged[s.listing_id]:
            newly_flagged.append(s.listing_id)
        updates.append({
            "id": s.listing_id, "score": s.score, "flagged": s.flagged, "species": species, "reasons": reasons,
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
    # Bulk statements bypass the identity map: listings the caller already holds are reloaded on next use.
    written = set(ids)
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Listing) and obj.id in written:
            session.expire(obj)
    return newly_flagged
