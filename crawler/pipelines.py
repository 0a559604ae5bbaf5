"""Storing what the spider finds: snapshots to disk, listings to the store, in batches."""

from __future__ import annotations

import logging
import time
from collections import Counter
from pathlib import Path
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from sqlalchemy.exc import IntegrityError, OperationalError
from twisted.internet.defer import Deferred, succeed
from twisted.internet.threads import deferToThread
from twisted.python.failure import Failure

from crawler.items import ListingItem, SkipItem
from store.db import make_engine, make_session_factory, session_scope
from store.listings import ListingIn, SnapshotIn, UpsertCounts, upsert_listings
from store.models import CrawlRun
from store.runs import record_skips
from store.snapshots import SnapshotStore

logger = logging.getLogger(__name__)

__all__ = ["StorePipeline"]

_ATTEMPTS = 3


class StorePipeline:
    """Buffers items and writes each batch in one transaction (bulk, not one per item).

    Snapshots and the store write happen in a thread, one batch at a time, so the crawl keeps
    downloading and reading pages meanwhile.  The run row is updated with every batch, so a
    killed crawl still shows what it stored.
    """

    def __init__(self, database_url: str, snapshot_dir: Path, run_id: int | None, site_id: int | None,
                 batch_size: int, progress_seconds: float, stats: Any) -> None:
        self.engine = make_engine(database_url)
        self.sessions = make_session_factory(self.engine)
        self.snapshots = SnapshotStore(snapshot_dir)
        self.run_id = run_id
        self.site_id = site_id
        self.batch_size = batch_size
        self.progress_seconds = progress_seconds
        self.stats = stats
        self.pending_items: list[ListingItem] = []
        self.skips: list[tuple[str, str, str | None, int | None]] = []
        self.found = 0
        self._writing: Deferred[Any] = succeed(None)
        self.totals = UpsertCounts()
        self.skip_reasons: Counter[str] = Counter()
        self._last_progress = time.monotonic()
        self.crawler: Crawler | None = None
        self._stopping = False
        self.retry_seconds = 120.0  # how long a batch waits for an unavailable database

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        settings = crawler.settings
        url = settings.get("WILDWATCH_DATABASE_URL")
        snapshot_dir = settings.get("WILDWATCH_SNAPSHOT_DIR")
        if not url or not snapshot_dir:
            raise NotConfigured("WILDWATCH_DATABASE_URL and WILDWATCH_SNAPSHOT_DIR must be set")
        run_id = settings.get("WILDWATCH_RUN_ID")
        site_id = settings.get("WILDWATCH_SITE_ID")
        pipeline = cls(
            url,
            Path(snapshot_dir),
            int(run_id) if run_id else None,
            int(site_id) if site_id else None,
            settings.getint("WILDWATCH_STORE_BATCH", 200),
            settings.getfloat("WILDWATCH_PROGRESS_SECONDS", 5.0),
            crawler.stats,
        )
        pipeline.crawler = crawler
        pipeline.retry_seconds = settings.getfloat("WILDWATCH_STORE_RETRY_SECONDS", 120.0)
        return pipeline

    async def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if isinstance(item, SkipItem):
            self.skips.append((item.url, item.reason, item.detail, item.http_status))
            self.skip_reasons[item.reason] += 1
            self.stats.inc_value(f"wildwatch/skip/{item.reason}")
        elif isinstance(item, ListingItem):
            self.pending_items.append(item)
            self.found += 1
        self._report_progress()
        if len(self.pending_items) >= self.batch_size or len(self.skips) >= self.batch_size:
            # The batch is written in a thread while the crawl goes on; a second full batch
            # waits for the first (back-pressure: Scrapy holds further items meanwhile).
            await maybe_deferred_to_future(self._write_in_thread())
        return item

    def _write_in_thread(self) -> Deferred[None]:
        """Queue the buffered batch for writing; the result fires once it is written (or failed)."""
        items, skips = self.pending_items, self.skips
        self.pending_items, self.skips = [], []

        def write(_: Any) -> Deferred[UpsertCounts]:
            return deferToThread(self._write_batch, items, skips)

        def done(counts: UpsertCounts) -> None:
            self.totals.add(counts)
            for name in ("new", "updated", "unchanged"):
                self.stats.inc_value(f"wildwatch/listings_{name}", getattr(counts, name))

        def failed(failure: Failure) -> None:
            self.stats.inc_value("wildwatch/store_errors")
            logger.error("a batch of %d listings was not stored (a resumed crawl fetches them again): %s",
                         len(items), failure.getErrorMessage())
            self._stop_failed(failure)

        self._writing.addCallback(write)
        self._writing.addCallbacks(done, failed)  # the chain goes on with None either way
        return self._after_writes()

    def _stop_failed(self, failure: Failure) -> None:
        """Listings that could not be stored (disk full for snapshots, database gone for longer than
        WILDWATCH_STORE_RETRY_SECONDS) stop the crawl; the run ends ``failed`` (see crawler.run), so
        `--resume` fetches them again instead of the run claiming it completed."""
        if self._stopping:
            return
        self._stopping = True
        if failure.check(OSError):
            logger.error("cannot write snapshots to %s (%s): stopping the crawl; free space, then run it again "
                         "with --resume", self.snapshots.root, failure.getErrorMessage())
        engine = self.crawler.engine if self.crawler is not None else None
        if engine is not None and engine.running:
            deferred_from_coro(engine.close_spider_async(reason="store_failed"))

    def _after_writes(self) -> Deferred[None]:
        """A fresh Deferred that fires when every queued write is done (callers may chain on it)."""
        waiter: Deferred[None] = Deferred()

        def release(result: Any) -> Any:
            waiter.callback(None)
            return result

        self._writing.addBoth(release)
        return waiter

    def _to_record(self, item: ListingItem) -> ListingIn:
        blob = self.snapshots.save(item.body)
        snapshot = SnapshotIn(
            url=item.fetched_url,
            http_status=item.http_status,
            sha256=blob.sha256,
            path=blob.path,
            size=blob.size,
            headers=item.headers,
            encoding=item.encoding,
            fetched_at=item.fetched_at,
        )
        return ListingIn(
            url=item.url,
            marketplace=item.marketplace,
            title=item.title,
            description=item.description,
            price=item.price,
            currency=item.currency,
            price_text=item.price_text,
            images=item.images,
            lang=item.lang,
            seller_url=item.seller_url,
            seller_name=item.seller_name,
            fetched_at=item.fetched_at,
            snapshot=snapshot,
            contacts=item.contacts,
            site_id=self.site_id,
        )

    def _write_batch(self, items: list[ListingItem], skips: list[tuple[str, str, str | None, int | None]]) -> UpsertCounts:
        """Snapshots to disk, then listings and skips in one transaction (runs in a thread)."""
        records = [self._to_record(item) for item in items]  # OSError (disk full) fails the batch, see failed()
        attempt = 0
        deadline = time.monotonic() + self.retry_seconds
        while True:
            attempt += 1
            try:
                return self._write(records, skips)
            except IntegrityError:
                # Another worker inserted the same seller/listing first: the batch rolled back
                # whole, so writing it again is safe.
                if attempt >= _ATTEMPTS:
                    raise
                logger.info("store batch conflicted (IntegrityError); retrying")
            except OperationalError as exc:
                # The SQLite write lock was held too long, or the database server is down or
                # restarting: keep the batch and wait for it (this thread waits, nothing is lost).
                wait = min(0.5 * 2 ** (attempt - 1), 10.0)
                if time.monotonic() + wait > deadline:
                    raise
                logger.warning("database unavailable (%s); keeping %d listings, retrying in %.1fs",
                               type(getattr(exc, "orig", None) or exc).__name__, len(records), wait)
                time.sleep(wait)

    def _write(self, records: list[ListingIn], skips: list[tuple[str, str, str | None, int | None]]) -> UpsertCounts:
        with session_scope(self.sessions) as session:
            counts = upsert_listings(session, records, run_id=self.run_id)
            record_skips(session, self.run_id, skips)
            if self.run_id is not None:
                run = session.get(CrawlRun, self.run_id)
                if run is not None:
                    run.listings_new += counts.new
                    run.listings_updated += counts.updated
                    run.listings_unchanged += counts.unchanged
        return counts

    def _report_progress(self) -> None:
        now = time.monotonic()
        if now - self._last_progress < self.progress_seconds:
            return
        self._last_progress = now
        logger.info(
            "crawl progress: %d pages fetched, %d listings found, %d written (%d new), %d pages skipped",
            self.stats.get_value("response_received_count", 0),
            self.found,
            self.totals.new + self.totals.updated + self.totals.unchanged,
            self.totals.new,
            sum(self.skip_reasons.values()),
        )

    async def close_spider(self, spider: Spider | None = None) -> None:
        """Write what is left, wait for every write, then let the engine go."""
        if self.pending_items or self.skips:
            self._write_in_thread()
        try:
            await maybe_deferred_to_future(self._after_writes())
        finally:
            self.engine.dispose()
