"""Request de-duplication on canonical URLs, locally and across workers (scrapy-redis).

Scrapy's default fingerprint keeps tracking parameters and mobile hosts apart, so the same
listing reached as ``/item/1?utm_source=x`` and ``m.site/item/1`` would be fetched twice.  We
fingerprint ``crawler.urls.canonicalize_url`` instead, and give the Redis dupefilter the same key.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any
from weakref import WeakKeyDictionary

from scrapy import Request
from scrapy_redis.dupefilter import RFPDupeFilter as RedisRFPDupeFilter

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

__all__ = [
    "CanonicalFingerprinter",
    "RedisCanonicalDupeFilter",
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


def redis_settings(redis_url: str, prefix: str) -> dict[str, Any]:
    """Scrapy settings that put scheduler queue and dupefilter in Redis under ``prefix``.

    The queue and fingerprints persist when a worker stops (other workers still use them);
    whoever starts a fresh distributed crawl clears the prefix first.
    """
    return {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
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
