"""The writer stage of listing photos: hash the fetched bytes, then record them with the batch's listings.

Hashing (decode + PDQ of three frames, ~5 ms a photo) runs in the store writer before its
transaction opens, once per distinct image of the batch and never for bytes the store already
holds; recording runs inside the batch's transaction, so a listing and its photos are committed
together.  Imports no Scrapy (the writer process starts light).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.items import ImageFetch, ListingItem
from store.images import ImageStore, record_listing_image
from store.imaging import ImageFacts, ImageLimits, ImageRejected, analyze_image
from store.memory_index import ImageIndex
from store.models import ImageRecord, Listing
from store.snapshots import sha256_hex

__all__ = ["HashedPhoto", "hash_photos", "record_photos", "stored_digests"]

logger = logging.getLogger(__name__)

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class HashedPhoto:
    """One image URL of a listing, with its hashes or the reason it cannot be hashed."""

    listing_url: str
    fetch: ImageFetch
    sha256: str | None
    facts: ImageFacts | None = None
    rejected: ImageRejected | None = None


def _stored(session: Session, digests: Iterable[str]) -> set[str]:
    wanted = sorted(set(digests))
    found: set[str] = set()
    for start in range(0, len(wanted), _CHUNK):
        found.update(session.scalars(select(ImageRecord.sha256).where(
            ImageRecord.sha256.in_(wanted[start:start + _CHUNK]))))
    return found


def hash_photos(records: Sequence[ListingItem], limits: ImageLimits, *, stored: set[str] | None = None
                ) -> list[HashedPhoto]:
    """The batch's fetched photos, hashed once per distinct image (none for the ``stored`` SHA-256s)."""
    stored = stored or set()
    done: dict[str, ImageFacts | ImageRejected] = {}
    out: list[HashedPhoto] = []
    for record in records:
        for fetch in record.image_fetches:
            if fetch.body is None or fetch.reason:
                out.append(HashedPhoto(record.url, fetch, fetch.sha256))
                continue
            digest = fetch.sha256 or sha256_hex(fetch.body)
            if digest not in stored and digest not in done:
                try:
                    done[digest] = analyze_image(fetch.body, limits)
                except ImageRejected as exc:
                    done[digest] = exc
            result = done.get(digest)
            out.append(HashedPhoto(record.url, fetch, digest,
                                   facts=result if isinstance(result, ImageFacts) else None,
                                   rejected=result if isinstance(result, ImageRejected) else None))
    return out


def stored_digests(session: Session, records: Sequence[ListingItem]) -> set[str]:
    """The SHA-256s among the batch's photos that the store holds already (they are not hashed again)."""
    return _stored(session, (fetch.sha256 for record in records for fetch in record.image_fetches
                             if fetch.sha256 and fetch.body is not None))


def record_photos(session: Session, store: ImageStore, photos: Sequence[HashedPhoto],
                  limits: ImageLimits, *, index: ImageIndex | None = None) -> Counter[str]:
    """Record each photo against its listing (just upserted in ``session``); outcome counts by reason.

    New photos are matched with ``index`` (in memory) when given, else with the database query."""
    outcomes: Counter[str] = Counter()
    if not photos:
        return outcomes
    urls = sorted({photo.listing_url for photo in photos})
    ids: dict[str, int] = {}
    for start in range(0, len(urls), _CHUNK):
        ids.update((url, listing_id) for listing_id, url in session.execute(
            select(Listing.id, Listing.url).where(Listing.url.in_(urls[start:start + _CHUNK]))))
    # bytes first: a photo whose bytes went to another listing of the batch is then found by SHA-256
    for photo in sorted(photos, key=lambda photo: photo.fetch.body is None):
        listing_id = ids.get(photo.listing_url)
        if listing_id is None:
            continue
        fetch = photo.fetch
        skip = photo.rejected
        if skip is None and fetch.reason:
            skip = ImageRejected(fetch.reason, fetch.detail or "")
        outcome = record_listing_image(
            session, store, listing_id=listing_id, url=fetch.url, body=fetch.body, content_type=fetch.content_type,
            http_status=fetch.http_status, position=fetch.position, fetched_at=fetch.fetched_at, limits=limits,
            facts=photo.facts, skip=skip, sha256=photo.sha256, index=index)
        outcomes[outcome.skip_reason or ("new" if outcome.new else "known")] += 1
    if outcomes:
        logger.info("photos: %s", ", ".join(f"{count} {name}" for name, count in sorted(outcomes.items())))
    return outcomes
