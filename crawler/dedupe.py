"""Request de-duplication on canonical URLs, locally and across workers (scrapy-redis).

Scrapy's default fingerprint keeps tracking parameters and mobile hosts apart, so the same
listing reached as ``/item/1?utm_source=x`` and ``m.site/item/1`` would be fetched twice.  We
fingerprint ``crawler.urls.canonicalize_url`` instead, and give the Redis dupefilter the same key.
"""

from __future__ import annotations

import hashlib
import logging
import time
from functools import lru_cache
from typing import Any
from weakref import WeakKeyDictionary

from redis.exceptions import RedisError
from scrapy import Request
from scrapy.utils.defer import deferred_from_coro
from scrapy_redis.dupefilter import RFPDupeFilter as RedisRFPDupeFilter
from scrapy_redis.scheduler import Scheduler as RedisScheduler

from crawler import urls

_CACHE_SIZE = 1 << 16


@lru_cache(maxsize=_CACHE_SIZE)
def canonicalize_url(url: str) -> str:
    """``crawler.urls.canonicalize_url``, memoised: a site's links repeat on every page."""
    return urls.canonicalize_url(url)


@lru_cache(maxsize=_CACHE_SIZE)
def site_key(url: str) -> str:
    """``crawler.urls.site_key``, memoised."""
    return urls.site_key(url)


logger = logging.getLogger(__name__)

__all__ = [
    "CanonicalFingerprinter",
    "RedisCanonicalDupeFilter",
    "ResilientRedisScheduler",
    "canonical_fingerprint",
    "canonicalize_url",
    "redis_settings",
    "site_key",
]

_cache: WeakKeyDictionary[Request, bytes] = WeakKeyDictionary()


def canonical_fingerprint(request: Request) -> bytes:
    """SHA-1 of method, canonical URL and body: equal for URL variants of the same page."""
    cached = _cache.get(request)
    if cached is None:
        digest = hashlib.sha1(request.method.encode())
        digest.update(b"\x00" + canonicalize_url(request.url).encode("utf-8", "surrogatepass"))
        digest.update(b"\x00" + (request.body or b""))
        cached = _cache[request] = digest.digest()
    return cached


class CanonicalFingerprinter:
    """Scrapy ``REQUEST_FINGERPRINTER_CLASS`` based on canonical URLs."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> CanonicalFingerprinter:
        return cls()

    def fingerprint(self, request: Request) -> bytes:
        return canonical_fingerprint(request)


class RedisCanonicalDupeFilter(RedisRFPDupeFilter):
    """scrapy-redis' shared dupefilter keyed on canonical URLs, like the local one."""

    def request_fingerprint(self, request: Request) -> str:
        return canonical_fingerprint(request).hex()


class ResilientRedisScheduler(RedisScheduler):
    """scrapy-redis' scheduler that fails the crawl (reason ``redis_unavailable``) when Redis stays
    unreachable for ``WILDWATCH_REDIS_GRACE_SECONDS``, instead of spinning on errors forever."""

    _down_since: float | None = None
    _closing = False

    def _failed(self, exc: RedisError) -> None:
        now = time.monotonic()
        grace = self.spider.crawler.settings.getfloat("WILDWATCH_REDIS_GRACE_SECONDS", 30.0)
        if self._down_since is None:
            self._down_since = now
            logger.error("Redis unavailable (%s): the crawl stops unless it is back within %.0fs", exc, grace)
        elif now - self._down_since >= grace and not self._closing:
            self._closing = True
            logger.error("Redis still unavailable: stopping the crawl; run it again with --resume --redis-reset")
            deferred_from_coro(self.spider.crawler.engine.close_spider_async(reason="redis_unavailable"))

    def enqueue_request(self, request: Request) -> bool:
        try:
            queued = super().enqueue_request(request)
        except RedisError as exc:  # the page is rediscovered by --resume (the run fails, see _failed)
            self._failed(exc)
            return False
        self._down_since = None
        return queued

    def next_request(self) -> Request | None:
        try:
            request = super().next_request()
        except RedisError as exc:
            self._failed(exc)
            return None
        self._down_since = None
        return request

    def has_pending_requests(self) -> bool:
        try:
            return super().has_pending_requests()
        except RedisError as exc:
            self._failed(exc)
            return True  # unknown: never let an outage look like a finished crawl

    def close(self, reason: str) -> None:
        try:
            super().close(reason)
        except RedisError as exc:
            logger.warning("Redis unavailable while closing (%s)", exc)


def redis_settings(redis_url: str, prefix: str) -> dict[str, Any]:
    """Scrapy settings that put scheduler queue and dupefilter in Redis under ``prefix``.

    The queue and fingerprints persist when a worker stops (other workers still use them);
    whoever starts a fresh distributed crawl clears the prefix first.
    """
    return {
        "SCHEDULER": "crawler.dedupe.ResilientRedisScheduler",
        "DUPEFILTER_CLASS": "crawler.dedupe.RedisCanonicalDupeFilter",
        "SCHEDULER_DUPEFILTER_CLASS": "crawler.dedupe.RedisCanonicalDupeFilter",
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "SCHEDULER_QUEUE_KEY": f"{prefix}:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:dupefilter",
        "DUPEFILTER_KEY": f"{prefix}:dupefilter",
        "SCHEDULER_PERSIST": True,
        "REDIS_URL": redis_url,
        "WILDWATCH_REDIS_URL": redis_url,
        "WILDWATCH_REDIS_PREFIX": prefix,
    }
