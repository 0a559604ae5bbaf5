"""Downloader middlewares: redirect loops become a recorded skip instead of a silent drop."""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import IgnoreRequest

from crawler.urls import canonicalize_url

__all__ = ["LoopAwareRedirectMiddleware"]


class LoopAwareRedirectMiddleware(RedirectMiddleware):
    """Scrapy's redirects, but A -> B -> A fails as a redirect loop.

    Scrapy would hand the second A to the dupefilter, which drops it without a word; a crawl
    report should say the page loops.  Chains longer than REDIRECT_MAX_TIMES still fail as
    "max redirections reached".
    """

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        seen = {canonicalize_url(url) for url in (*request.meta.get("redirect_urls", []), request.url)}
        if canonicalize_url(redirected.url) in seen:
            raise IgnoreRequest(f"redirect loop back to {redirected.url}")
        return super()._redirect(redirected, request, reason)
