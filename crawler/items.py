"""What the spider hands to the pipelines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

__all__ = ["ListingItem", "SkipItem"]


@dataclass
class ListingItem:
    """A listing found on an item page, with the raw page kept as evidence."""

    url: str  # canonical
    fetched_url: str  # the URL actually fetched (after redirects)
    marketplace: str
    title: str
    description: str
    price: Decimal | None
    currency: str | None
    price_text: str | None
    images: list[str]
    lang: str | None
    seller_url: str | None
    seller_name: str | None
    contacts: list[tuple[str, str]]
    body: bytes = field(repr=False)  # raw page: kept as evidence, never logged
    http_status: int
    headers: dict[str, Any]
    encoding: str | None
    fetched_at: datetime
    source: str = "heuristic"
    extra: dict[str, Any] = field(default_factory=dict)
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
