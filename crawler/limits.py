"""The page cap, held at the moment it is reached.

Scrapy's CloseSpider extension counts responses and, at the Nth, schedules the spider's close as
a coroutine that runs a loop turn later.  Until it runs, every freed download slot pulls the next
queued request, so a cap of 20 at 4 concurrent requests was seen to end at 25 pages.  This
extension counts the same signal and pauses the engine in the handler itself: no request leaves
the queue after the Nth response, and the run stops at N plus the requests already in flight, as
``docs/crawler.md`` says.  It closes the spider too, with CloseSpider's reason, so the cap holds
even where that extension is switched off.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro

__all__ = ["PageCap"]


class PageCap:
    """Stops pulling requests at ``CLOSESPIDER_PAGECOUNT`` responses (robots.txt and photos count)."""

    def __init__(self, crawler: Crawler, cap: int) -> None:
        self.crawler = crawler
        self.cap = cap
        self.responses = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PageCap:
        cap = crawler.settings.getint("CLOSESPIDER_PAGECOUNT")
        if cap <= 0:
            raise NotConfigured
        extension = cls(crawler, cap)
        crawler.signals.connect(extension.response_received, signal=signals.response_received)
        return extension

    def response_received(self, response: Response, request: Request, spider: Spider, **_: Any) -> None:
        self.responses += 1
        engine = self.crawler.engine
        if self.responses != self.cap or engine is None:
            return
        engine.pause()
        deferred_from_coro(engine.close_spider_async(reason="closespider_pagecount"))
