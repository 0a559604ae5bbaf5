"""What the spider hands to the pipelines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from store.listings import ListingIn

__all__ = ["PHOTO_META", "ImageFetch", "ListingItem", "SkipItem"]

#: Request meta key of a photo request (crawler.images): the image's position among the listing's.
PHOTO_META = "wildwatch_photo"


@dataclass(slots=True, kw_only=True)
class ImageFetch:
    """What fetching one of a listing's image URLs gave (crawler.images), for the writer to hash and store.

    ``body`` is None when the fetch failed (``reason``/``detail`` say why) or when the same bytes
    went to another listing of this crawl (``sha256`` names them): a photo's bytes travel once.
    """

    url: str
    position: int
    fetched_at: datetime
    http_status: int | None = None
    content_type: str | None = None
    body: bytes | None = field(default=None, repr=False)
    sha256: str | None = None
    reason: str | None = None
    detail: str | None = None


@dataclass(slots=True, kw_only=True)
class ListingItem(ListingIn):
    """A listing found on an item page: the store's record, plus the raw page kept as evidence.

    The listing's fields are ``ListingIn``'s (written once, stored whole); the fields here are the
    capture that the writer turns into the record's ``snapshot``.
    """

    fetched_url: str  # the URL actually fetched (after redirects)
    body: bytes = field(repr=False)  # raw page: kept as evidence, never logged
    http_status: int
    headers: dict[str, Any]
    encoding: str | None
    # For the WARC capture (crawler.capture): what was sent, and the server's address.
    request_headers: dict[str, list[str]] = field(default_factory=dict)
    ip_address: str | None = None
    # The listing's photos as fetched by crawler.images.ListingImagesPipeline (empty when it is off).
    image_fetches: list[ImageFetch] = field(default_factory=list)


@dataclass
class SkipItem:
    """A page that was not stored, and why."""

    url: str
    reason: str
    detail: str | None = None
    http_status: int | None = None
