"""What the spider hands to the pipelines."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from store.listings import ListingIn

__all__ = ["ListingItem", "SkipItem"]


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


@dataclass
class SkipItem:
    """A page that was not stored, and why."""

    url: str
    reason: str
    detail: str | None = None
    http_status: int | None = None
