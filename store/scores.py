"""Reading listings that need a score and recording scores (history + denormalised latest)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, or_, select, update
from sqlalchemy.orm import Session

from store.batched import bind_json, bind_timestamp, execute_many, id_in
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
    dialect = session.get_bind().dialect.name
    return session.scalar(select(func.count()).select_from(Listing).where(id_in(Listing.id, ids, dialect),
                                                                          Listing.flagged.is_(True))) or 0


def _dismissed_contents(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """listing id -> the content hash its latest decision dismissed (listings whose latest is a dismissal)."""
    dialect = session.get_bind().dialect.name
    latest = (
        select(func.max(Review.id).label("review_id"))
        .where(id_in(Review.listing_id, ids, dialect), Review.undone_at.is_(None))
        .group_by(Review.listing_id).subquery()
    )
    rows = session.execute(
        select(Review.listing_id, Review.content_hash).join(latest, latest.c.review_id == Review.id)
        .where(Review.decision == "dismissed", Review.content_hash.is_not(None))
    )
    return {listing_id: digest for listing_id, digest in rows if digest is not None}


def _columns(rows: Sequence[Sequence[object]], width: int) -> list[list[object]]:
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]


def _write_arrays(connection: Connection, new_scores: Sequence[tuple[object, ...]],
                  updates: Sequence[tuple[object, ...]], species_rows: Sequence[tuple[int, str]]) -> None:
    """PostgreSQL: each table's rows as one statement over column arrays (``unnest``), so the server
    plans once and the batch costs one round trip per table instead of one per row."""
    if new_scores:
        connection.exec_driver_sql(
            "INSERT INTO scores (listing_id, model_version, content_hash, score, threshold, flagged, species, reasons, "
            "scored_at) SELECT v.listing_id, v.model_version, v.content_hash, v.score, v.threshold, v.flagged, "
            "v.species, CAST(v.reasons AS JSON), v.scored_at FROM unnest(%b::bigint[], %b::text[], %b::text[], "
            "%b::float8[], %b::float8[], %b::bool[], %b::text[], %b::text[], %b::timestamptz[]) "
            "AS v(listing_id, model_version, content_hash, score, threshold, flagged, species, reasons, scored_at) "
            "ORDER BY v.listing_id",
            tuple(_columns(new_scores, 9)),
        )
    if updates:
        latest = {row[-1]: row for row in updates}  # one row per listing, the later score wins as in a loop
        connection.exec_driver_sql(
            "UPDATE listings AS l SET score = v.score, flagged = v.flagged, species = v.species, "
            "reasons = CAST(v.reasons AS JSON), model_version = v.model_version, scored_hash = v.scored_hash, "
            "scored_at = v.scored_at FROM unnest(%b::float8[], %b::bool[], %b::text[], %b::text[], %b::text[], "
            "%b::text[], %b::timestamptz[], %b::bigint[]) "
            "AS v(score, flagged, species, reasons, model_version, scored_hash, scored_at, id) WHERE l.id = v.id",
            tuple(_columns(list(latest.values()), 8)),
        )
    if species_rows:
        connection.exec_driver_sql(
            # the listing's flag and last_seen set-based here, not by the per-row trigger (0019)
            "INSERT INTO listing_species (listing_id, species, flagged, last_seen) SELECT v.listing_id, v.species, "
            "l.flagged, l.last_seen FROM unnest(%b::bigint[], %b::text[]) AS v(listing_id, species) "
            "JOIN listings l ON l.id = v.listing_id",
            tuple(_columns(species_rows, 2)),
        )


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
    dialect = session.get_bind().dialect.name
    # listing id -> (flagged, review_status) before this batch
    current: dict[int, tuple[bool | None, str | None]] = {
        row[0]: (row[1], row[2])
        for row in session.execute(
            select(Listing.id, Listing.flagged, Listing.review_status).where(id_in(Listing.id, ids, dialect)))
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
                id_in(Score.listing_id, ids, dialect), Score.model_version == model_version
            )
        )
    }
    # Rows go to the driver as tuples (store.batched): the ORM's per-row bookkeeping cost more than
    # the database's writes.  Values are what the column types would bind (timestamps, JSON).
    stamp = bind_timestamp(now, dialect)
    newly_flagged: list[int] = []
    new_scores: list[tuple[object, ...]] = []
    updates: list[tuple[object, ...]] = []
    reopened: list[int] = []
    species_rows: list[tuple[int, str]] = []
    for s in scores:
        before = current.get(s.listing_id)
        if before is None:
            continue
        species = ";".join(s.species)
        reasons = bind_json(list(s.reasons))
        if (s.listing_id, s.content_hash) not in existing:
            existing.add((s.listing_id, s.content_hash))
            new_scores.append((s.listing_id, model_version, s.content_hash, s.score, threshold, s.flagged, species,
                               reasons, stamp))
        flagged = s.flagged and dismissed.get(s.listing_id) != s.content_hash and s.listing_id not in relists
        if flagged and not before[0]:
            newly_flagged.append(s.listing_id)
        if flagged and before[1] == "dismissed":
            reopened.append(s.listing_id)
        updates.append((s.score, flagged, species, reasons, model_version, s.content_hash, stamp, s.listing_id))
        species_rows += ((s.listing_id, name) for name in dict.fromkeys(s.species))
    connection = session.connection()
    connection.execute(delete(ListingSpecies).where(id_in(ListingSpecies.listing_id, ids, dialect)))
    if dialect == "sqlite":  # in-process: executemany costs no round trips
        execute_many(connection, "INSERT INTO scores (listing_id, model_version, content_hash, score, threshold, "
                     "flagged, species, reasons, scored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", new_scores)
        execute_many(connection, "UPDATE listings SET score = ?, flagged = ?, species = ?, reasons = ?, "
                     "model_version = ?, scored_hash = ?, scored_at = ? WHERE id = ?", updates)
        execute_many(connection, "INSERT INTO listing_species (listing_id, species) VALUES (?, ?)", species_rows)
    else:
        _write_arrays(connection, new_scores, updates, species_rows)
    # A dismissal holds for the content it was made on: new content the model flags goes back to the queue.
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
