"""Downloader middlewares: the crawl fetches only its site, and says why when it does not.

* :class:`SiteScopeMiddleware` (before robots.txt, so a refused host's robots.txt is never asked
  for) refuses every request outside the spider's :class:`crawler.scope.CrawlScope` and makes sure
  the address policy's resolver (``crawler.resolver.PolicyResolver``) is the one connecting.
* :class:`LoopAwareRedirectMiddleware` and :class:`ScopedMetaRefreshMiddleware` follow redirects
  only within the site: a ``Location`` (or ``<meta refresh>``) to another host, port or scheme,
  with credentials or unparseable, and a loop back to a URL already visited, end as a recorded skip.
* :class:`AddressRefusalMiddleware` (after the retry middleware sees exceptions, so refused
  names are not retried) turns the resolver's "no addresses" for a refused name into the skip
  reason ``address_refused``.

A refusal is a :class:`RefusedRequest` carrying the skip reason; the spider's errback records it.
robots.txt requests have no errback, so their refusals are counted in the run's errors here.
"""

from __future__ import annotations

import logging
from typing import Any, NoReturn
from urllib.parse import urljoin

from scrapy import Request, Spider, signals
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import load_object
from twisted.internet.error import DNSLookupError
from w3lib.url import safe_url_string

from crawler.items import PHOTO_META
from crawler.resolver import PolicyResolver, installed_resolver
from crawler.scope import CrawlScope, Refusal
from crawler.urls import canonicalize_url

__all__ = [
    "AddressRefusalMiddleware",
    "LoopAwareRedirectMiddleware",
    "RefusedRequest",
    "ScopedMetaRefreshMiddleware",
    "SiteScopeMiddleware",
]

logger = logging.getLogger(__name__)

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class RefusedRequest(IgnoreRequest):
    """A request the crawl will not make; ``reason`` is the skip reason recorded for it."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def _scope(crawler: Crawler) -> CrawlScope:
    scope = getattr(crawler.spider, "scope", None)
    if not isinstance(scope, CrawlScope):
        raise RefusedRequest("no_scope", "the spider has no CrawlScope: nothing may be fetched")
    return scope


def _refuse(crawler: Crawler, request: Request, refusal: Refusal) -> NoReturn:
    if request.callback is NO_CALLBACK and PHOTO_META not in request.meta:  # robots.txt: no errback records it
        if crawler.stats is not None:
            crawler.stats.inc_value(f"wildwatch/skip/{refusal.reason}")
        logger.warning("not fetching %s: %s", request.url, refusal.detail)
    raise RefusedRequest(refusal.reason, refusal.detail)


def _connects_through_reactor(crawler: Crawler) -> bool:
    """True when http(s) downloads connect through the reactor's resolver (Scrapy's HTTP/1.1 handler);
    the aiohttp/httpx/HTTP2 handlers resolve names themselves, out of the address policy's sight."""
    handlers = crawler.settings.getwithbase("DOWNLOAD_HANDLERS")
    for scheme in ("http", "https"):
        handler = handlers.get(scheme)
        try:
            cls = load_object(handler) if isinstance(handler, str) else handler
        except (ImportError, NameError, ValueError):
            return False
        if not (isinstance(cls, type) and issubclass(cls, HTTP11DownloadHandler)):
            return False
    return True


class SiteScopeMiddleware:
    """Refuse requests outside the crawl's site, and any request while the address policy is off."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.resolver: PolicyResolver | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteScopeMiddleware:
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        self.resolver = installed_resolver() if _connects_through_reactor(self.crawler) else None
        if self.resolver is None:
            logger.error("the address policy is not in force (TWISTED_DNS_RESOLVER must be "
                         "crawler.resolver.PolicyResolver, and http(s) downloads Scrapy's HTTP/1.1 handler): "
                         "refusing every request")
        elif getattr(spider, "start_url", None):
            self.resolver.trust_start_host(spider.start_url)

    def process_request(self, request: Request) -> None:
        if self.resolver is None:
            _refuse(self.crawler, request, Refusal("address_policy_missing", "TWISTED_DNS_RESOLVER must be "
                                                   "crawler.resolver.PolicyResolver, with Scrapy's HTTP/1.1 handler"))
        refusal = _scope(self.crawler).refusal(request.url, redirect=bool(request.meta.get("redirect_urls")))
        if refusal is not None:
            _refuse(self.crawler, request, refusal)


class AddressRefusalMiddleware:
    """Say ``address_refused`` (with the address and why) when the resolver refused a host."""

    def process_exception(self, request: Request, exception: BaseException) -> None:
        if not isinstance(exception, (DNSLookupError, CannotResolveHostError)):
            return
        resolver = installed_resolver()
        host = urlparse_cached(request).hostname or ""
        refusal = resolver.refusal(host) if resolver is not None else None
        if refusal is not None:
            raise RefusedRequest("address_refused", refusal)


class _ScopedRedirects:
    """Redirect checks shared by HTTP and ``<meta refresh>`` redirects."""

    crawler: Crawler

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        refusal = _scope(self.crawler).refusal(redirected.url, redirect=True)
        if refusal is not None:
            _refuse(self.crawler, request, Refusal(refusal.reason, f"{reason} {refusal.detail}"))
        seen = {canonicalize_url(url) for url in (*request.meta.get("redirect_urls", []), request.url)}
        if canonicalize_url(redirected.url) in seen:
            raise IgnoreRequest(f"redirect loop back to {redirected.url}")
        return super()._redirect(redirected, request, reason)  # type: ignore[misc]


class LoopAwareRedirectMiddleware(_ScopedRedirects, RedirectMiddleware):
    """Scrapy's redirects, kept on the site; A -> B -> A fails as a redirect loop.

    Scrapy would hand the second A to the dupefilter, which drops it without a word, and would
    pass a redirect to another scheme (``file:``, ``ftp:``) on as a 3xx page; a crawl report
    should say what happened.  Chains longer than REDIRECT_MAX_TIMES still fail as
    "max redirections reached".
    """

    def process_response(  # spider: Scrapy < 2.13 still passes it
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        location = response.headers.get(b"Location")
        handled = (request.meta.get("dont_redirect") or request.meta.get("handle_httpstatus_all")
                   or response.status in request.meta.get("handle_httpstatus_list", ())
                   or response.status in getattr(self.crawler.spider, "handle_httpstatus_list", ()))
        if response.status in _REDIRECT_STATUSES and location and not handled:
            try:
                target = urljoin(request.url, safe_url_string(location))
            except ValueError as exc:
                _refuse(self.crawler, request, Refusal("bad_redirect", f"{response.status} to an unusable "
                                                       f"Location {location[:200]!r}: {exc}"))
            refusal = _scope(self.crawler).refusal(target, redirect=True)
            if refusal is not None:
                _refuse(self.crawler, request, Refusal(refusal.reason, f"{response.status} {refusal.detail}"))
        return super().process_response(request, response)


class ScopedMetaRefreshMiddleware(_ScopedRedirects, MetaRefreshMiddleware):
    """Scrapy's ``<meta http-equiv="refresh">`` redirects, kept on the site like HTTP redirects."""
