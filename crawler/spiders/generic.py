"""The generic marketplace spider: reads listings from a site it has never seen.

It starts at one URL (or a profile's start URLs and keyword searches), stays on that site, tells
item pages from listing and seller pages, extracts each listing (structured data first,
heuristics second, profile selectors on top) and keeps the raw page as evidence.  Every page that
yields nothing says why, as a ``SkipItem``; nothing a site serves makes it crash.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from parsel import Selector
from pydantic import BaseModel, ConfigDict, NonNegativeInt, field_validator
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, DownloadCancelledError, IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from core.process import become_helper
from crawler.canonical import is_variant, usable_canonical
from crawler.capture import sent_headers
from crawler.contacts import extract_contacts
from crawler.dedupe import canonicalize_url
from crawler.encoding import DecodedBody, decode_body, normalize_encoding_name
from crawler.extract import ExtractedListing, PageAnalysis, PageLinks, analyse_page, clean_text
from crawler.items import ListingItem, SkipItem
from crawler.middlewares import RefusedRequest
from crawler.prices import parse_price
from crawler.profile import FieldRule, SiteProfile, load_profile
from crawler.scope import CrawlScope

logger = logging.getLogger(__name__)

__all__ = ["GenericSpider", "GenericSpiderArgs", "decide_kind", "extract_workers", "skip_reason"]

HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml")
#: Request priorities: listing pages are expanded before items are fetched, so pagination
#: keeps flowing; items before "other" pages.
PRIORITY = {"listing": 20, "item": 10, "seller": 5, "other": 0}


#: An item page's "related items" block rarely has more links than this; a category page has more.
MAX_RELATED_ITEMS = 12


def decide_kind(page_kind: str, link_kind: str | None, listing: ExtractedListing | None, links: PageLinks) -> str:
    """The page's kind from its content (``page_kind``) and from the link that led to it.

    The link's URL shape is evidence too: a page reached through a seller-profile link is a
    seller page even if it shows one featured item, and a page reached through an item link that
    reads as one priced listing with only a few related items is an item page.
    """
    if page_kind == "item" and link_kind == "seller":
        return "seller"
    if (page_kind in ("listing", "other") and link_kind == "item" and listing is not None and listing.title
            and (listing.price is not None or listing.source != "heuristic")
            and len(links.item_links) <= MAX_RELATED_ITEMS):
        return "item"
    return page_kind


def skip_reason(failure: Failure) -> tuple[str, str, int | None]:
    """(reason, detail, http status) for a request that produced no usable response."""
    value = failure.value
    message = str(value)[:300] or type(value).__name__
    if failure.check(RefusedRequest):  # outside the site or its address policy (crawler.middlewares)
        return value.reason, value.detail[:300], None
    if failure.check(HttpError):
        status = value.response.status
        return f"http_{status}", f"HTTP {status}", status
    if failure.check(IgnoreRequest):
        lowered = message.lower()
        if "robots" in lowered:
            return "robots_disallowed", message, None
        if "redirect" in lowered:
            return "redirect_loop", message, None
        if "download_maxsize" in lowered:  # a decompression bomb, stopped while inflating
            return "too_large", message, None
        return "ignored", message, None
    if failure.check(DownloadCancelledError) and not str(value):
        # Scrapy cancels a body without Content-Length once it outgrows DOWNLOAD_MAXSIZE (an endless stream)
        return "too_large", "cancelled while downloading: the body outgrew DOWNLOAD_MAXSIZE", None
    name = type(value).__name__
    lowered = f"{name} {message}".lower()
    if "maxsize" in lowered or "max size" in lowered or "larger than" in lowered:
        return "too_large", message, None
    if "dataloss" in lowered or "data loss" in lowered or "truncat" in lowered:
        return "truncated", message, None
    if "timeout" in lowered or "timed out" in lowered:
        return "timeout", message, None
    if "refused" in lowered:
        return "connection_refused", message, None
    if "dns" in lowered:
        return "dns_error", message, None
    return name.lower()[:64], message, None


class GenericSpiderArgs(BaseModel):
    """The spider's arguments, validated once (``scrapy crawl generic -a start_url=...`` passes strings).

    ``profile`` takes a loaded ``SiteProfile`` or a profile file / shipped profile name;
    ``skip_urls`` are the canonical URLs a resumed run already stored (never fetched again).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    start_url: str
    max_pages: NonNegativeInt = 0
    follow_other: bool = True
    profile: SiteProfile | None = None
    search_terms: list[str] = []
    skip_urls: frozenset[str] = frozenset()
    categories: bool = True  # False: a search-only crawl (search results and their items, nothing else)

    @field_validator("start_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {value!r}")
        return value

    @field_validator("profile", mode="before")
    @classmethod
    def _load_profile(cls, value: object) -> object:
        return load_profile(value) if isinstance(value, str | Path) else value


class GenericSpider(scrapy.Spider):
    """Crawl one marketplace without a site-specific spider (see module docstring)."""

    name = "generic"

    def __init__(self, **kwargs: Any) -> None:
        ours = {name: kwargs.pop(name) for name in list(kwargs) if name in GenericSpiderArgs.model_fields}
        super().__init__(**kwargs)
        self.args = args = GenericSpiderArgs.model_validate(ours)
        profile = args.profile
        self.start_url = args.start_url
        self.marketplace = (urlsplit(args.start_url).hostname or "").lower()
        #: What this crawl may fetch (scheme, host, port; crawler.scope), for links and middlewares.
        self.scope = CrawlScope(args.start_url, profile.allowed_hosts if profile else ())
        self.max_pages = args.max_pages
        self.profile = profile
        self.follow_other = args.follow_other and (profile is None or profile.follow_other)
        self.search_terms = list(args.search_terms)
        self.categories = args.categories
        self.skip_urls = args.skip_urls
        self.pages_seen = 0
        self._requested: set[str] = set()
        #: Canonical URLs stored by this crawl, and those fetched because a variant page declared them.
        self._stored: set[str] = set()
        self._canonical_followed: set[str] = set()
        self.max_bytes = 0
        self.redis_idle_seconds = 0.0
        self._idle_since: float | None = None
        self._selector_fields = dict(profile.fields) if profile else {}
        self._encoding = normalize_encoding_name(profile.encoding) if profile and profile.encoding else None
        self._pool: ProcessPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> GenericSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.max_bytes = crawler.settings.getint("DOWNLOAD_MAXSIZE", 0)
        workers = extract_workers(crawler.settings.get("WILDWATCH_EXTRACT_WORKERS", 0))
        if workers:
            # "spawn": forking a process that runs a reactor and threads is not safe.
            spider._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                               initializer=become_helper)
            crawler.signals.connect(spider._close_pool, signal=signals.spider_closed)
        if crawler.settings.get("WILDWATCH_REDIS_URL"):
            spider.redis_idle_seconds = crawler.settings.getfloat("WILDWATCH_REDIS_IDLE_SECONDS", 10.0)
            crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        return spider

    # ------------------------------------------------------------------ requests

    def _request(self, url: str, kind: str, **meta: Any) -> scrapy.Request:
        callback = self.parse_in_pool if self._pool is not None else self.parse
        return scrapy.Request(url, callback=callback, errback=self.on_error, priority=PRIORITY[kind],
                              meta={"kind": kind, **meta})

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for request in self.start_requests_list():
            yield request

    def start_requests_list(self) -> list[scrapy.Request]:
        """Category/start pages, then one search per keyword (trafficking monitors' way)."""
        urls = self.profile.resolve_start_urls(self.start_url) if self.profile else [self.start_url]
        requests = [self._request(url, "listing", listing_page=1) for url in urls] if self.categories else []
        if self.profile and self.search_terms:
            for term, url in self.profile.search_urls(self.start_url, self.search_terms):
                requests.append(self._request(url, "listing", listing_page=1, search_term=term))
        return requests

    # ------------------------------------------------------------------ parsing

    def _decode(self, response: Response) -> SkipItem | DecodedBody:
        """The page's text, or why there is none worth reading."""
        self.pages_seen += 1
        self._idle_since = None
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
        media_type = content_type.split(";")[0].strip()
        if media_type and media_type not in HTML_TYPES:
            return SkipItem(response.url, "not_html", content_type[:100], response.status)
        if "dataloss" in response.flags:
            return SkipItem(response.url, "truncated", "body shorter than Content-Length", response.status)
        if self.max_bytes and len(response.body) > self.max_bytes:
            return SkipItem(response.url, "too_large", f"{len(response.body)} bytes", response.status)
        if not response.body.strip():
            return SkipItem(response.url, "empty", None, response.status)
        if self._encoding:
            return decode_body(response.body, f"text/html; charset={self._encoding}")
        return decode_body(response.body, content_type or None)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """Read a page in this process."""
        decoded = self._decode(response)
        if isinstance(decoded, SkipItem):
            yield decoded
            return
        yield from self._handle(response, decoded, analyse_page(decoded.text, response.url))

    async def parse_in_pool(self, response: Response, **kwargs: Any) -> AsyncIterator[Any]:
        """Read a page in an extraction worker process, so the reactor keeps downloading meanwhile."""
        decoded = self._decode(response)
        if isinstance(decoded, SkipItem):
            yield decoded
            return
        analysis: PageAnalysis | None = None
        if self._pool is not None:
            try:
                analysis = await asyncio.get_running_loop().run_in_executor(
                    self._pool, analyse_page, decoded.text, response.url)
            except BrokenProcessPool:
                logger.warning("extraction worker died; reading pages in the crawl process from now on")
                self._close_pool()
            except Exception:  # noqa: BLE001 (a page the worker could not return is read here instead)
                logger.debug("extraction worker failed on %s; reading it in-process", response.url, exc_info=True)
        if analysis is None:
            analysis = analyse_page(decoded.text, response.url)
        for output in self._handle(response, decoded, analysis):
            yield output

    def _handle(self, response: Response, decoded: DecodedBody, analysis: PageAnalysis) -> Iterator[Any]:
        html = decoded.text
        listing = analysis.listing
        if decoded.replaced:  # a few undecodable bytes: read as declared, and said so (crawler.encoding)
            yield SkipItem(response.url, "encoding_replaced", f"{decoded.replaced} undecodable byte sequence(s) "
                           f"shown as U+FFFD ({decoded.encoding}); the page was read", response.status)
        kind = (self.profile.page_kind(canonicalize_url(response.url)) if self.profile else None) or decide_kind(
            analysis.kind, response.meta.get("kind"), listing, analysis.links)
        selector = Selector(text=html) if self._selector_fields or (
            self.profile and self.profile.pagination.next) else None
        fallback = response.meta.get("canonical_fallback")
        if kind == "item":
            if selector is not None and self._selector_fields:
                listing = self._apply_overrides(selector, response.url, listing)
            if listing is None or not listing.title:
                yield SkipItem(response.url, "no_listing_found", "item-like page without a title", response.status)
                if fallback is not None:
                    yield self._stored_item(fallback)
            else:
                yield from self._store(response, listing, decoded.encoding, analysis.canonical)
        elif fallback is not None:  # the declared canonical page is no item page: keep the variant's
            yield self._stored_item(fallback)
        yield from self._follow(response, analysis.links, selector)

    def _store(self, response: Response, listing: ExtractedListing, encoding: str | None,
               declared: str | None) -> Iterator[Any]:
        """The listing under the canonical URL its page declares (crawler.canonical).

        A variant (mobile host or path) is not stored: its declared page is fetched and stored
        instead, with the variant's listing as the fallback should that fetch fail.
        """
        target = usable_canonical(declared, self.scope, self.start_url)
        own = canonicalize_url(response.url)
        key = canonicalize_url(target) if target else own
        item = self._item(response, listing, encoding, url=key)
        if target is None or response.meta.get("canonical_of") or not is_variant(response.url, target):
            yield self._stored_item(item)
            return
        if key in self._stored or key in self.skip_urls or key in self._canonical_followed or (
                key != own and key in self._requested):
            logger.debug("%s is a variant of %s, stored from there", response.url, target)
            return
        self._canonical_followed.add(key)
        self._requested.add(key)
        request = self._request(target, "item", canonical_of=response.url, canonical_fallback=item)
        request.dont_filter = key == own  # an m. host: same fingerprint as the page just read
        yield request

    def _stored_item(self, item: ListingItem) -> ListingItem:
        self._stored.add(item.url)
        return item

    def _apply_overrides(self, selector: Selector, url: str, listing: ExtractedListing | None) -> ExtractedListing:
        values = {name: _select(selector, rule) for name, rule in self._selector_fields.items()}
        base = listing or ExtractedListing(title="", description="", price=None, currency=None, price_text=None,
                                           seller_name=None, seller_url=None, images=[], source="profile",
                                           lang=None)
        changes: dict[str, Any] = {}
        if values.get("title"):
            changes["title"] = clean_text(" ".join(values["title"]))
            changes["source"] = "profile"
        if values.get("description"):
            changes["description"] = clean_text("\n".join(values["description"]), multiline=True)
        if values.get("price"):
            price_text = clean_text(" ".join(values["price"]))
            currency = self.profile.currency if self.profile else None
            parsed = parse_price(price_text, default_currency=currency)
            changes["price_text"] = price_text
            changes["price"] = parsed.amount if parsed else None
            changes["currency"] = parsed.currency if parsed else currency
        if values.get("currency"):
            changes["currency"] = clean_text(values["currency"][0])[:8]
        if values.get("seller_name"):
            changes["seller_name"] = clean_text(values["seller_name"][0])
        if values.get("seller_url"):
            changes["seller_url"] = canonicalize_url(urljoin(url, values["seller_url"][0].strip()))
        if values.get("images"):
            changes["images"] = [urljoin(url, v.strip()) for v in values["images"] if v.strip()]
        return replace(base, **changes)

    def _item(self, response: Response, listing: ExtractedListing, encoding: str | None,
              url: str | None = None) -> ListingItem:
        text = f"{listing.title}\n{listing.description}"
        return ListingItem(
            url=url or canonicalize_url(response.url),
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
            extra={"search_term": response.meta["search_term"]} if response.meta.get("search_term") else {},
            request_headers=sent_headers(response),
            ip_address=str(response.ip_address) if response.ip_address else None,
        )

    def _follow(self, response: Response, links: PageLinks, selector: Selector | None) -> Iterator[scrapy.Request]:
        if self.max_pages and self.pages_seen >= self.max_pages:
            return
        term = response.meta.get("search_term")
        page_no = int(response.meta.get("listing_page", 1))
        max_listing_pages = self.profile.pagination.max_pages if self.profile else 0
        next_pages: list[str] = []
        if self.profile and self.profile.pagination.next and selector is not None:
            next_pages = [urljoin(response.url, href.strip())
                          for href in _select(selector, self.profile.pagination.next)[:1] if href.strip()]
        elif links.next_page:
            next_pages = [links.next_page]
        if not max_listing_pages or page_no < max_listing_pages:
            for url in next_pages:
                yield from self._maybe(url, "listing", listing_page=page_no + 1, search_term=term)
        if not self.categories:  # search-only: results pages lead to items, items lead nowhere
            groups = [("item", links.item_links)] if term and response.meta.get("kind") == "listing" else []
        else:
            groups = [("listing", links.listing_links), ("item", links.item_links), ("seller", links.seller_links)]
            if self.follow_other:
                groups.append(("other", links.other_links))
        for kind, urls in groups:
            for url in urls:
                if kind == "listing" and url in next_pages:
                    continue
                if kind == "item":
                    yield from self._maybe(url, kind, search_term=term)
                else:
                    yield from self._maybe(url, kind)

    def _maybe(self, url: str, kind: str, **meta: Any) -> Iterator[scrapy.Request]:
        if not self.scope.allows(url):  # other host, port or scheme: links off the site are not followed
            return
        if self.profile is not None:
            if not self.profile.may_follow(url):
                return
            kind = self.profile.page_kind(url) or kind
        canonical = canonicalize_url(url)
        if canonical in self._requested:  # pre-filter: spares the scheduler and dupefilter the repeats
            return
        self._requested.add(canonical)
        if canonical in self.skip_urls:
            return
        yield self._request(url, kind, **{k: v for k, v in meta.items() if v is not None})

    # ------------------------------------------------------------------ failures and idling

    def on_error(self, failure: Failure) -> Iterator[SkipItem | ListingItem]:
        """Record why a request produced no page (HTTP error, timeout, too large, robots...)."""
        request = failure.request  # type: ignore[attr-defined]
        reason, detail, status = skip_reason(failure)
        url = request.url
        redirects = request.meta.get("redirect_urls")
        if redirects:  # report the URL the crawl asked for, and where it ended
            url, detail = redirects[0], f"{detail} (at {request.url})"
        logger.debug("skipped %s: %s", url, reason)
        yield SkipItem(url, reason, detail, status)
        fallback = request.meta.get("canonical_fallback")
        if fallback is not None:  # the declared canonical page failed: keep the variant's listing
            yield self._stored_item(fallback)

    def _close_pool(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def on_idle(self) -> None:
        """In distributed mode, wait a little for requests other workers may still enqueue."""
        now = time.monotonic()
        if self._idle_since is None:
            self._idle_since = now
        if now - self._idle_since < self.redis_idle_seconds:
            raise DontCloseSpider


def extract_workers(value: Any) -> int:
    """Extraction worker processes for a WILDWATCH_EXTRACT_WORKERS value.

    "auto": one per core beyond two, at most 4, and one on two cores; none on one core.  The crawl
    process and the store writer process (see crawler.pipelines) take two cores, yet on two cores a
    worker still paces the crawl: the crawl process reading pages itself is the bottleneck.  In four
    runs of bench/crawl.py (2026-11-25 to 12-07) one worker crawled 1.08-1.25x the bare spider's
    pages/s against 0.83-1.09x, for 0.5-3 ms more CPU a page (shipping pages to it).
    """
    if str(value).strip().lower() == "auto":
        cpus = os.cpu_count() or 1
        return 0 if cpus < 2 else min(4, max(1, cpus - 2))
    return max(0, int(value or 0))


def _select(selector: Selector, rule: FieldRule) -> list[str]:
    """Strings a profile rule selects: text nodes/attributes as given, elements as their text."""
    found = selector.css(rule.css) if rule.css else selector.xpath(rule.xpath or "")
    values: list[str] = []
    for node in found:
        root = node.root
        if isinstance(root, str):
            values.append(root)
        else:
            values.append(" ".join(t for t in node.xpath(".//text()").getall()))
    return [v for v in values if v and v.strip()]
