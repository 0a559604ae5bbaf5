"""Fetching listing photos with Scrapy's media pipeline: the same downloader, politeness and rules as pages.

Each stored listing's image URLs (JSON-LD ``image``, ``og:image``, gallery images; at most
``WILDWATCH_IMAGES_PER_LISTING``) are requested through ``crawler.engine`` like any page, so the
site scope (``crawler.scope``), robots.txt, the address policy's resolver (``crawler.resolver``),
per-domain concurrency and AutoThrottle all apply; an image on another host is fetched only when
the site's profile allows that host.  The bytes ride on the item to the store writer
(``crawler.writer``), which hashes and stores them: this process only downloads.

Every image URL ends as an :class:`crawler.items.ImageFetch`: bytes, or the reason there are
none (an HTTP status such as a hotlink ``http_403``, ``robots_disallowed``, ``too_large`` when
the body outgrew ``WILDWATCH_IMAGE_MAX_BYTES`` while downloading, a refused host...).  Memory is
bounded: a body is cut off at the byte limit, and the media pipeline's per-crawl cache of
results keeps a photo's bytes only until every listing waiting for it has taken them.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.pipelines.media import MediaPipeline
from twisted.python.failure import Failure

from crawler.items import PHOTO_META, ImageFetch, ListingItem
from crawler.spiders.generic import skip_reason
from store.snapshots import sha256_hex

__all__ = ["ListingImagesPipeline", "PhotoFetchFailed"]

logger = logging.getLogger(__name__)


class PhotoFetchFailed(Exception):
    """A photo request that produced no response; ``reason`` is the skip reason recorded for it."""

    def __init__(self, reason: str, detail: str, http_status: int | None = None) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.http_status = http_status


def _not_recorded(record: logging.LogRecord) -> bool:
    """Drop the media pipeline's traceback for a failed photo: it is recorded on the listing, with its reason."""
    message = record.msg
    return not (isinstance(message, Failure) and message.check(PhotoFetchFailed))


class ListingImagesPipeline(MediaPipeline):
    """Download each listing's photos before the store pipeline writes it (see module docstring)."""

    LOG_FAILED_RESULTS = False  # every failure is recorded on the listing, with its reason

    def __init__(self, crawler: Crawler, per_listing: int, max_bytes: int) -> None:
        super().__init__(crawler=crawler)
        self.per_listing = per_listing
        self.max_bytes = max_bytes
        #: SHA-256 + URL of a finished download -> [its bytes, listings still waiting for them] (see _take_body)
        self._bodies: dict[str, list[Any]] = {}
        media_logger = logging.getLogger("scrapy.pipelines.media")
        if _not_recorded not in media_logger.filters:
            media_logger.addFilter(_not_recorded)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ListingImagesPipeline:
        settings = crawler.settings
        per_listing = settings.getint("WILDWATCH_IMAGES_PER_LISTING", 10)
        if not settings.get("WILDWATCH_IMAGE_DIR") or per_listing <= 0:
            raise NotConfigured  # no message: Scrapy logs a NotConfigured with one as a warning on the console
        return cls(crawler, per_listing, settings.getint("WILDWATCH_IMAGE_MAX_BYTES", 15_000_000))

    # ------------------------------------------------------------------ requests

    def get_media_requests(self, item: Any, info: MediaPipeline.SpiderInfo) -> list[Request]:
        if not isinstance(item, ListingItem):
            return []
        requests = []
        for position, url in enumerate(list(dict.fromkeys(item.images))[:self.per_listing]):
            # Every URL is requested: the scope middleware refuses (with a reason) what is not the site's.
            try:
                requests.append(Request(url, priority=15, meta={
                    PHOTO_META: position,
                    # Scrapy stops a body at this size: a huge file never sits in memory whole
                    "download_maxsize": self.max_bytes + 1,
                    "download_warnsize": 0,
                }))
            except ValueError:  # no scheme at all: shown as an image URL never fetched
                continue
        return requests

    def file_path(self, request: Request, response: Response | None = None,
                  info: MediaPipeline.SpiderInfo | None = None, *, item: Any = None) -> str:
        """Unused: the store writer names photo files by the SHA-256 of their bytes (store.images)."""
        return ""

    def media_to_download(self, request: Request, info: MediaPipeline.SpiderInfo, *, item: Any = None) -> None:
        return None  # always download: the writer knows which bytes are stored already

    # returns more than a FileInfo (status, type, fetch time, SHA-256): item_completed reads it
    def media_downloaded(  # type: ignore[override]
        self, response: Response, request: Request, info: MediaPipeline.SpiderInfo, *, item: Any = None
    ) -> dict[str, Any]:
        fetched_at = datetime.now(UTC)
        if self.crawler.stats is not None:  # not a page: crawler.run leaves it out of the run's page count
            self.crawler.stats.inc_value("wildwatch/photo_responses")
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")[:100] or None
        result: dict[str, Any] = {"url": request.url, "status": response.status, "content_type": content_type,
                                  "fetched_at": fetched_at, "sha256": None, "reason": None, "detail": None}
        if not 200 <= response.status < 300:
            result["reason"] = f"http_{response.status}"
            result["detail"] = f"HTTP {response.status}"
        elif "dataloss" in response.flags:
            result["reason"], result["detail"] = "truncated", "body shorter than Content-Length"
        elif len(response.body) > self.max_bytes:
            result["reason"], result["detail"] = "too_large", f"{len(response.body)} bytes"
        else:
            body = response.body
            result["sha256"] = sha256_hex(body)
            # the media pipeline caches this result for the crawl: the bytes go only to the
            # listings waiting now, and later listings with the same URL get the SHA-256 alone
            waiting = len(info.waiting.get(self._fingerprinter.fingerprint(request), ())) or 1
            result["key"] = result["sha256"] + request.url
            self._bodies[result["key"]] = [body, waiting]
        return result

    def media_failed(self, failure: Failure, request: Request, info: MediaPipeline.SpiderInfo) -> Failure:
        reason, detail, status = skip_reason(failure)
        raise PhotoFetchFailed(reason, detail, status)

    # ------------------------------------------------------------------ results

    def _take_body(self, key: str | None) -> bytes | None:
        entry = self._bodies.get(key or "")
        if entry is None:
            return None
        body, waiting = entry
        if waiting <= 1:
            del self._bodies[key or ""]
        else:
            entry[1] = waiting - 1
        return body  # type: ignore[no-any-return]

    def item_completed(self, results: list[Any], item: Any, info: MediaPipeline.SpiderInfo) -> Any:
        if not isinstance(item, ListingItem):
            return item
        requests = self.get_media_requests(item, info)
        fetches = []
        for request, (ok, value) in zip(requests, results, strict=False):
            position = int(request.meta[PHOTO_META])
            if ok:
                fetches.append(ImageFetch(
                    url=request.url, position=position, fetched_at=value["fetched_at"], http_status=value["status"],
                    content_type=value["content_type"], body=self._take_body(value.get("key")),
                    sha256=value["sha256"], reason=value["reason"], detail=value["detail"]))
            else:
                error = value.value if isinstance(value, Failure) else value
                reason = getattr(error, "reason", None) or type(error).__name__.lower()[:64]
                detail = getattr(error, "detail", None) or str(error)[:300]
                fetches.append(ImageFetch(url=request.url, position=position, fetched_at=datetime.now(UTC),
                                          http_status=getattr(error, "http_status", None), reason=reason,
                                          detail=detail))
        stats = self.crawler.stats
        if stats is not None:
            for fetch in fetches:
                stats.inc_value(f"wildwatch/photos/{fetch.reason or 'fetched'}")
        item.image_fetches = fetches
        return item

    def close_spider(self, spider: Spider | None = None) -> None:
        self._bodies.clear()
