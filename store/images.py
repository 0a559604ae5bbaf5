"""Listing photos as evidence: bytes on disk by SHA-256, a row per image, each listing's image URLs, and
the links between listings (and so sellers) that carry the same photo.

The crawl's writer stage calls :func:`record_listing_image` once per fetched image URL of a listing:
bytes in; a skip reason, or an image row with hashes and links, out.  Nothing about one bad image can
fail the batch: every way an image is unusable is recorded as a skip with its reason.

Retention follows the page snapshots' rules (``wildwatch snapshots prune --older-than DAYS``): a
listing's image record last seen more than DAYS ago is deleted unless its URL is still one of the
listing's images or the listing was reviewed; an image (row, hashes, links and file) goes when no
listing record points at it any more.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session

from core.files import write_atomic
from store.errors import NotFound
from store.image_index import find_matches, hash_rows
from store.imaging import THUMB_SIDE, ImageFacts, ImageLimits, ImageRejected, analyze_image, make_thumbnail
from store.memory_index import ImageIndex
from store.models import ImageHash, ImageLink, ImageRecord, Listing, ListingImage, Seller, utcnow
from store.snapshots import sha256_hex

__all__ = [
    "THUMBS",
    "ImageStore",
    "ImageOutcome",
    "ListingImageView",
    "ImageMatchView",
    "ImagePruneResult",
    "record_listing_image",
    "listing_images",
    "listing_photo_shas",
    "listing_image_matches",
    "image_matches_by_listing",
    "sellers_sharing_images",
    "get_image",
    "prune_images",
]

logger = logging.getLogger(__name__)

_CHUNK = 500
_MATCH_LIMIT = 500
#: Folder under the image root where thumbnails are cached (``<side>/<aa>/<bb>/<sha256>``); not evidence.
THUMBS = "thumbnails"


class ImageStore:
    """A directory of images, each file named by the SHA-256 of its bytes (kept as fetched: photos do not compress)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @staticmethod
    def relative_path(digest: str) -> str:
        """Where the image with this SHA-256 lives, relative to the root."""
        return f"{digest[:2]}/{digest[2:4]}/{digest}"

    def save(self, data: bytes, digest: str) -> str:
        """Store ``data`` atomically (temp file + rename) unless it is there already; its relative path."""
        relative = self.relative_path(digest)
        target = self.root / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, data)
        return relative

    def read(self, relative: str) -> bytes:
        """The bytes of a stored image; refuses paths outside the root."""
        root = self.root.resolve()
        candidate = (root / relative).resolve()
        if not candidate.is_relative_to(root) or not candidate.is_file():
            raise NotFound(f"no image file at {relative!r}")
        return candidate.read_bytes()

    def thumbnail(self, relative: str, digest: str, side: int = THUMB_SIDE) -> bytes:
        """A small JPEG of a stored image, made once with Pillow and then kept under ``THUMBS``.

        Raises NotFound when the image is gone or cannot be made small (it was stored, so it decoded once)."""
        target = self.root / THUMBS / str(side) / self.relative_path(digest)
        try:
            return target.read_bytes()
        except FileNotFoundError:
            pass
        try:
            data = make_thumbnail(self.read(relative), side)
        except ImageRejected as exc:
            raise NotFound(f"no thumbnail for image {digest[:16]}: {exc.reason}") from exc
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, data)
        return data

    def drop_thumbnails(self, digest: str) -> int:
        """Delete the cached thumbnails of an image (its retention ended); how many files went."""
        removed = 0
        folder = self.root / THUMBS
        if folder.is_dir():
            for size in folder.iterdir():
                target = size / self.relative_path(digest)
                if target.is_file():
                    target.unlink()
                    removed += 1
        return removed


@dataclass(frozen=True, slots=True)
class ImageOutcome:
    """What recording one image URL gave: an image (new or already known) and its links, or a skip."""

    sha256: str | None
    image_id: int | None
    skip_reason: str | None = None
    skip_detail: str | None = None
    new: bool = False
    links: int = 0


def _upsert_association(session: Session, *, listing_id: int, url: str, image_id: int | None, position: int,
                        content_type: str | None, http_status: int | None, skip: ImageRejected | None,
                        fetched_at: datetime) -> None:
    """One row per (listing, URL, outcome): a re-fetch with the same outcome only moves ``last_seen``."""
    query = select(ListingImage).where(ListingImage.listing_id == listing_id, ListingImage.url == url)
    if image_id is None:
        query = query.where(ListingImage.image_id.is_(None), ListingImage.skip_reason == (skip.reason if skip else None))
    else:
        query = query.where(ListingImage.image_id == image_id)
    row = session.scalars(query.limit(1)).first()
    if row is None:
        session.add(ListingImage(
            listing_id=listing_id, image_id=image_id, url=url, position=position, content_type=content_type,
            http_status=http_status, skip_reason=skip.reason if skip else None,
            skip_detail=(skip.detail[:500] or None) if skip else None, fetched_at=fetched_at, last_seen=fetched_at,
        ))
        return
    row.last_seen = max(row.last_seen, fetched_at)
    row.position = position
    row.content_type = content_type
    row.http_status = http_status


def _add_image(session: Session, store: ImageStore, data: bytes, digest: str, facts: ImageFacts,
               fetched_at: datetime, index: ImageIndex | None) -> tuple[ImageRecord, int]:
    path = store.save(data, digest)
    record = ImageRecord(sha256=digest, path=path, size=len(data), mime=facts.mime, width=facts.width,
                         height=facts.height, frames=facts.frames, pdq=facts.pdq_hex, quality=facts.quality,
                         fetched_at=fetched_at)
    session.add(record)
    session.flush()
    rows = hash_rows(record.id, facts)
    if index is not None:
        matches = index.find_matches(session, facts, exclude=record.id)
    else:
        matches = find_matches(session, facts, exclude=record.id)
    if rows:
        session.execute(insert(ImageHash), rows)
    links = []
    for match in matches[:_MATCH_LIMIT]:
        links.append({"image_id": record.id, "other_id": match.image_id, "distance": match.distance})
        links.append({"image_id": match.image_id, "other_id": record.id, "distance": match.distance})
    if links:
        session.execute(insert(ImageLink), links)
    return record, len(matches)


def record_listing_image(
    session: Session,
    store: ImageStore,
    *,
    listing_id: int,
    url: str,
    body: bytes | None,
    content_type: str | None = None,
    http_status: int | None = 200,
    position: int = 0,
    fetched_at: datetime | None = None,
    limits: ImageLimits | None = None,
    facts: ImageFacts | None = None,
    skip: ImageRejected | None = None,
    sha256: str | None = None,
    index: ImageIndex | None = None,
) -> ImageOutcome:
    """Record one fetched image URL of a listing: the image, its hashes and its links, or why it was skipped.

    ``body`` is None when nothing usable came back (pass the ``http_status``, e.g. a hotlink 403,
    or the ``skip`` the fetch ended with, e.g. robots.txt), or when the same bytes were handed to
    another listing of the crawl (pass their ``sha256``).  ``facts`` may be computed beforehand with
    :func:`store.imaging.analyze_image` (off the database thread), or the ``skip`` it raised; the
    bytes are hashed here otherwise.  Bytes already stored (same SHA-256) are not hashed again.
    Near-identical photos are found with ``index`` (in memory, ``store.memory_index``) when given,
    else with the database query (``store.image_index``): the same answers.  Never raises for a bad image; does not commit.
    """
    fetched_at = fetched_at or utcnow()
    declared = (content_type or "").split(";")[0].strip().lower()[:100] or None
    if skip is None and http_status is not None and not 200 <= http_status < 300:
        skip = ImageRejected(f"http_{http_status}", "the server refused or failed the request")
    elif skip is None and body is None and sha256 is None:
        skip = ImageRejected("no_body", "nothing was fetched")
    if skip is None and (body is not None or sha256 is not None):
        digest = sha256_hex(body) if body is not None else str(sha256)
        known = session.scalars(select(ImageRecord).where(ImageRecord.sha256 == digest)).first()
        if known is not None:
            _upsert_association(session, listing_id=listing_id, url=url, image_id=known.id, position=position,
                                content_type=declared, http_status=http_status, skip=None, fetched_at=fetched_at)
            return ImageOutcome(sha256=digest, image_id=known.id)
        try:
            if body is None:
                raise ImageRejected("not_stored", "the same bytes were fetched for another listing and not stored")
            facts = facts or analyze_image(body, limits)
        except ImageRejected as exc:
            skip = exc
        else:
            record, links = _add_image(session, store, body, digest, facts, fetched_at, index)
            _upsert_association(session, listing_id=listing_id, url=url, image_id=record.id, position=position,
                                content_type=declared, http_status=http_status, skip=None, fetched_at=fetched_at)
            return ImageOutcome(sha256=digest, image_id=record.id, new=True, links=links)
    assert skip is not None
    logger.info("image skipped for listing %d (%s): %s", listing_id, skip.reason, url[:200])
    _upsert_association(session, listing_id=listing_id, url=url, image_id=None, position=position,
                        content_type=declared, http_status=http_status, skip=skip, fetched_at=fetched_at)
    return ImageOutcome(sha256=None, image_id=None, skip_reason=skip.reason, skip_detail=skip.detail)


@dataclass(frozen=True, slots=True)
class ListingImageView:
    """One image URL of a listing for the API: the image when it was stored, else the skip reason."""

    url: str
    image: ImageRecord | None
    skip_reason: str | None


def listing_images(session: Session, listing: Listing) -> list[ListingImageView]:
    """The listing's current image URLs in page order (stored or not), then earlier images it carried."""
    rows = session.execute(
        select(ListingImage, ImageRecord)
        .outerjoin(ImageRecord, ImageRecord.id == ListingImage.image_id)
        .where(ListingImage.listing_id == listing.id)
        .order_by(ListingImage.last_seen.desc(), ListingImage.id.desc())
    ).all()
    latest: dict[str, tuple[ListingImage, ImageRecord | None]] = {}
    for association, record in rows:
        latest.setdefault(association.url, (association, record))
    current = [str(url) for url in listing.images or []]
    out: list[ListingImageView] = []
    for url in dict.fromkeys(current):
        found = latest.pop(url, None)
        if found is None:
            out.append(ListingImageView(url, None, None))
        else:
            out.append(ListingImageView(url, found[1], found[0].skip_reason))
    for url, (_, earlier) in latest.items():
        if earlier is not None:
            out.append(ListingImageView(url, earlier, None))
    return out


def listing_photo_shas(session: Session, listing_ids: Sequence[int], *, per_listing: int = 4) -> dict[int, list[str]]:
    """The SHA-256s of each listing's stored photos (page order, most recently seen first): thumbnails for a list."""
    out: dict[int, list[str]] = {}
    for start in range(0, len(listing_ids), _CHUNK):
        rows = session.execute(
            select(ListingImage.listing_id, ImageRecord.sha256)
            .join(ImageRecord, ImageRecord.id == ListingImage.image_id)
            .where(ListingImage.listing_id.in_(listing_ids[start:start + _CHUNK]))
            .order_by(ListingImage.listing_id, ListingImage.last_seen.desc(), ListingImage.position)
        )
        for listing_id, sha in rows:
            shas = out.setdefault(listing_id, [])
            if len(shas) < per_listing and sha not in shas:
                shas.append(sha)
    return out


@dataclass(frozen=True, slots=True)
class ImageMatchView:
    """Another listing carrying the same photo as one of a listing's images."""

    listing_id: int
    url: str  # the other listing's image URL
    seller_id: int | None
    marketplace: str
    distance: int  # PDQ bits; 0 for the very same bytes
    sha256: str  # the other listing's image
    via_sha256: str  # this listing's image it matched


def _image_ids_of(session: Session, listing_ids: Sequence[int]) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    for listing_id, image_id in session.execute(
        select(ListingImage.listing_id, ListingImage.image_id)
        .where(ListingImage.listing_id.in_(listing_ids), ListingImage.image_id.is_not(None))
        .distinct()
    ):
        if image_id is not None:  # excluded by the query; narrows the type
            out.setdefault(listing_id, set()).add(image_id)
    return out


def _related_images(session: Session, image_ids: set[int]) -> dict[int, list[tuple[int, int]]]:
    """image id -> [(related image id, distance)], the image itself at distance 0 included."""
    related: dict[int, list[tuple[int, int]]] = {image_id: [(image_id, 0)] for image_id in image_ids}
    if image_ids:
        for image_id, other_id, distance in session.execute(
            select(ImageLink.image_id, ImageLink.other_id, ImageLink.distance).where(ImageLink.image_id.in_(image_ids))
        ):
            related[image_id].append((other_id, distance))
    return related


def listing_image_matches(session: Session, listing_id: int, *, limit: int = 200) -> list[ImageMatchView]:
    """Other listings (any seller, any marketplace) that carry one of this listing's photos, closest first."""
    if session.get(Listing, listing_id) is None:
        raise NotFound(f"no listing {listing_id}")
    return image_matches_by_listing(session, [listing_id], limit=limit).get(listing_id, [])


def image_matches_by_listing(session: Session, listing_ids: Sequence[int], *, limit: int = 200
                             ) -> dict[int, list[ImageMatchView]]:
    """:func:`listing_image_matches` for many listings at once (a page of the review queue): a few queries in all."""
    out: dict[int, list[ImageMatchView]] = {}
    for start in range(0, len(listing_ids), _CHUNK):
        part = list(listing_ids[start:start + _CHUNK])
        mine_by_listing = _image_ids_of(session, part)
        every_mine = set().union(*mine_by_listing.values())
        related = _related_images(session, every_mine)
        reverse_by_listing: dict[int, dict[int, tuple[int, int]]] = {}  # listing -> related image -> (distance, mine)
        for listing_id, mine in mine_by_listing.items():
            reverse = reverse_by_listing.setdefault(listing_id, {})
            for my_image in mine:
                for other_image, distance in related[my_image]:
                    if other_image not in reverse or (distance, my_image) < reverse[other_image]:
                        reverse[other_image] = (distance, my_image)
        wanted = set().union(*(set(reverse) for reverse in reverse_by_listing.values()))
        if not wanted:
            continue
        rows = session.execute(
            select(ListingImage.listing_id, ListingImage.url, ListingImage.image_id, Listing.seller_id,
                   Listing.marketplace, ImageRecord.sha256)
            .join(Listing, Listing.id == ListingImage.listing_id)
            .join(ImageRecord, ImageRecord.id == ListingImage.image_id)
            .where(ListingImage.image_id.in_(list(wanted)))
        ).all()
        shas = dict(session.execute(select(ImageRecord.id, ImageRecord.sha256)
                                    .where(ImageRecord.id.in_(list(every_mine)))).all())
        for listing_id, reverse in reverse_by_listing.items():
            best: dict[int, ImageMatchView] = {}
            for other_listing, url, image_id, seller_id, marketplace, sha in rows:
                if other_listing == listing_id or image_id not in reverse:
                    continue
                distance, my_image = reverse[image_id]
                view = ImageMatchView(other_listing, url, seller_id, marketplace, distance, sha, shas[my_image])
                if other_listing not in best or (distance, url) < (best[other_listing].distance,
                                                                   best[other_listing].url):
                    best[other_listing] = view
            if best:
                out[listing_id] = sorted(best.values(), key=lambda view: (view.distance, view.listing_id))[:limit]
    return out


def sellers_sharing_images(session: Session, seller_id: int, *, limit: int = 200) -> list[tuple[Seller, list[str]]]:
    """Other sellers (any marketplace) whose listings carry a photo that one of this seller's listings carries,
    with the SHA-256s of this seller's images that they share."""
    listing_ids = list(session.scalars(select(Listing.id).where(Listing.seller_id == seller_id)))
    mine: set[int] = set()
    for start in range(0, len(listing_ids), _CHUNK):
        for ids in _image_ids_of(session, listing_ids[start:start + _CHUNK]).values():
            mine |= ids
    if not mine:
        return []
    related = _related_images(session, mine)
    via: dict[int, int] = {}  # related image -> my image
    for my_image, pairs in related.items():
        for other_image, _ in pairs:
            via.setdefault(other_image, my_image)
    shared: dict[int, set[int]] = {}
    for other_seller, image_id in session.execute(
        select(Listing.seller_id, ListingImage.image_id)
        .join(Listing, Listing.id == ListingImage.listing_id)
        .where(ListingImage.image_id.in_(list(via)), Listing.seller_id.is_not(None), Listing.seller_id != seller_id)
        .distinct()
    ):
        if other_seller is not None and image_id is not None:  # excluded by the query; narrows the type
            shared.setdefault(other_seller, set()).add(via[image_id])
    if not shared:
        return []
    shas = dict(session.execute(select(ImageRecord.id, ImageRecord.sha256).where(ImageRecord.id.in_(mine))).all())
    sellers = {s.id: s for s in session.scalars(select(Seller).where(Seller.id.in_(list(shared))))}
    ranked = sorted(shared.items(), key=lambda item: (-len(item[1]), item[0]))[:limit]
    return [(sellers[sid], sorted(shas[i] for i in images)) for sid, images in ranked if sid in sellers]


def get_image(session: Session, sha256: str) -> ImageRecord:
    """The image with this SHA-256 (hex, lower case)."""
    record = session.scalars(select(ImageRecord).where(ImageRecord.sha256 == sha256.lower())).first()
    if record is None:
        raise NotFound(f"no image {sha256}")
    return record


@dataclass
class ImagePruneResult:
    records_deleted: int = 0  # listing image records (URL and outcome)
    records_kept: int = 0  # old records still evidence
    images_deleted: int = 0
    files_deleted: int = 0
    bytes_freed: int = 0
    orphan_files_deleted: int = 0


def prune_images(session: Session, store: ImageStore, *, older_than: timedelta, dry_run: bool = False,
                 now: datetime | None = None) -> ImagePruneResult:
    """Apply the retention policy in the module docstring; rows are deleted in ``session``, files on disk."""
    cutoff = (now or utcnow()) - older_than
    result = ImagePruneResult()
    old = session.execute(
        select(ListingImage.id, ListingImage.url, Listing.images, Listing.review_status)
        .join(Listing, Listing.id == ListingImage.listing_id)
        .where(ListingImage.last_seen < cutoff)
    ).all()
    doomed = [row.id for row in old if row.review_status is None and row.url not in (row.images or [])]
    result.records_kept = len(old) - len(doomed)
    result.records_deleted = len(doomed)
    if not dry_run:
        for start in range(0, len(doomed), _CHUNK):
            session.execute(delete(ListingImage).where(ListingImage.id.in_(doomed[start:start + _CHUNK])))
        session.flush()
    doomed_set = set(doomed)
    still_used = {
        image_id for row_id, image_id in session.execute(
            select(ListingImage.id, ListingImage.image_id).where(ListingImage.image_id.is_not(None)))
        if row_id not in doomed_set
    }
    unused = session.execute(
        select(ImageRecord.id, ImageRecord.path).where(ImageRecord.fetched_at < cutoff)
    ).all()
    gone = [row for row in unused if row.id not in still_used]
    result.images_deleted = len(gone)
    for start in range(0, len(gone), _CHUNK):
        ids = [row.id for row in gone[start:start + _CHUNK]]
        if not dry_run:
            session.execute(delete(ImageLink).where(or_(ImageLink.image_id.in_(ids), ImageLink.other_id.in_(ids))))
            session.execute(delete(ImageHash).where(ImageHash.image_id.in_(ids)))
            session.execute(delete(ImageRecord).where(ImageRecord.id.in_(ids)))
    for row in gone:
        target = store.root / row.path
        if target.is_file():
            result.files_deleted += 1
            result.bytes_freed += target.stat().st_size
            if not dry_run:
                target.unlink()
        if not dry_run:
            store.drop_thumbnails(Path(row.path).name)  # files are named by their SHA-256
    known = {path for (path,) in session.execute(select(ImageRecord.path))} | {row.path for row in gone}
    result.orphan_files_deleted = _prune_orphans(store, known, cutoff, dry_run)
    logger.info("image prune: %d listing image records and %d images (%d files) deleted, %d old records kept as "
                "evidence, %d orphan files", result.records_deleted, result.images_deleted, result.files_deleted,
                result.records_kept, result.orphan_files_deleted)
    return result


def _prune_orphans(store: ImageStore, known: set[str], cutoff: datetime, dry_run: bool) -> int:
    """Files no row points at (a crawl killed between writing the file and committing), once older than the cutoff."""
    if not store.root.is_dir():
        return 0
    limit = time.time() - (utcnow() - cutoff).total_seconds()
    removed = 0
    for directory, _, files in os.walk(store.root):
        for name in files:
            full = os.path.join(directory, name)
            relative = os.path.relpath(full, store.root).replace(os.sep, "/")
            thumbnail = relative.startswith(f"{THUMBS}/")
            if thumbnail:  # <THUMBS>/<side>/<the image's own relative path>: kept while its image is
                relative = relative.split("/", 2)[-1]
            if relative not in known and os.stat(full).st_mtime < limit:
                removed += not thumbnail  # a thumbnail is a cache, not a file the crawl left behind
                if not dry_run:
                    os.unlink(full)
    return removed
