"""The generic marketplace spider: reads listings from a site it has never seen.

It starts at one URL, stays on that site, tells item pages from listing and seller pages,
extracts each listing (structured data first, heuristics second) and keeps the raw page.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.contacts import extract_contacts
from crawler.encoding import decode_body
from crawler.extract import classify_page, extract_links, extract_listing
from crawler.items import ListingItem, SkipItem
from crawler.urls import canonicalize_url, same_site

logger = logging.getLogger(__name__)

__all__ = ["GenericSpider"]

HTML_TYPES = ("text/html", "application/xhtml+xml")
#: Request priorities: listing pages are expanded before items are fetched, so pagination
#: keeps flowing; items before "other" pages.
PRIORITY = {"listing": 20, "item": 10, "seller": 5, "other": 0}


class GenericSpider(scrapy.Spider):
    """Crawl one marketplace from ``start_url`` without a site-specific spider."""

    name = "generic"

    def __init__(self, start_url: str, max_pages: int | str = 0, follow_other: bool | str = True,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        parts = urlsplit(start_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {start_url!r}")
        self.start_url = start_url
        self.marketplace = parts.hostname.lower()
        self.max_pages = int(max_pages or 0)
        self.follow_other = str(follow_other).lower() not in ("0", "false", "no")
        self.pages_seen = 0

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.start_url, callback=self.parse, errback=self.on_error, priority=PRIORITY["listing"])

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        self.pages_seen += 1
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
        if content_type and not content_type.split(";")[0].strip() in HTML_TYPES:
            yield SkipItem(response.url, "not_html", content_type[:100], response.status)
            return
        if not response.body.strip():
            yield SkipItem(response.url, "empty", None, response.status)
            return
        decoded = decode_body(response.body, content_type or None)
        html = decoded.text
        kind = classify_page(html, response.url)
        if kind == "item":
            listing = extract_listing(html, response.url)
            if listing is None or not listing.title:
                yield SkipItem(response.url, "no_listing_found", "item-like page without a title", response.status)
            else:
                yield self._item(response, listing, decoded.encoding)
        yield from self._follow(response, html)

    def _item(self, response: Response, listing: Any, encoding: str | None) -> ListingItem:
        text = f"{listing.title}\n{listing.description}"
        return ListingItem(
            url=canonicalize_url(response.url),
            fetched_url=response.url,
            marketplace=self.marketplace,
            title=listing.title,
            description=listing.description,
            price=listing.price,
            currency=listing.currency,
            price_text=listing.price_text,
            images=list(listing.images),
            lang=listing.lang,
            seller_url=listing.seller_url,
            seller_name=listing.seller_name,
            contacts=[(c.kind, c.value) for c in extract_contacts(text)],
            body=response.body,
            http_status=response.status,
            headers={k.decode("latin-1"): [v.decode("latin-1") for v in vs] for k, vs in response.headers.items()},
            encoding=encoding,
            fetched_at=datetime.now(UTC),
            source=listing.source,
        )

    def _follow(self, response: Response, html: str) -> Iterator[scrapy.Request]:
        if self.max_pages and self.pages_seen >= self.max_pages:
            return
        links = extract_links(html, response.url)
        groups = [("listing", links.listing_links), ("item", links.item_links), ("seller", links.seller_links)]
        if self.follow_other:
            groups.append(("other", links.other_links))
        for kind, urls in groups:
            for url in urls:
                if same_site(url, self.start_url):
                    yield scrapy.Request(url, callback=self.parse, errback=self.on_error, priority=PRIORITY[kind])

    def on_error(self, failure: Failure) -> Iterator[SkipItem]:
        """Record why a request produced no page (HTTP error, timeout, too large, robots...)."""
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(HttpError):
            response = failure.value.response
            yield SkipItem(request.url, f"http_{response.status}", None, response.status)
            return
        name = type(failure.value).__name__
        message = str(failure.value)[:300]
        reason = "too_large" if "maxsize" in message.lower() or "max size" in message.lower() else name.lower()
        logger.info("skipped %s: %s", request.url, message or name)
        yield SkipItem(request.url, reason, message or name, None)
