"""Storing what the spider finds: snapshots to disk, listings to the store, in batches."""

from __future__ import annotations

import logging
import time
from collections import Counter
from pathlib import Path
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.defer import deferred_from_coro
from sqlalchemy.exc import IntegrityError, OperationalError

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

    The run row is updated with every batch, so a killed crawl still shows what it stored.
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
        self.pending: list[ListingIn] = []
        self.skips: list[tuple[str, str, str | None, int | None]] = []
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

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if isinstance(item, SkipItem):
            self.skips.append((item.url, item.reason, item.detail, item.http_status))
            self.skip_reasons[item.reason] += 1
            self.stats.inc_value(f"wildwatch/skip/{item.reason}")
        elif isinstance(item, ListingItem):
            try:
                record = self._to_record(item)
            except OSError as exc:
                self._snapshot_failed(exc)
                raise DropItem(f"snapshot not written: {item.url}", log_level="DEBUG") from exc
            self.pending.append(record)
        if len(self.pending) >= self.batch_size or len(self.skips) >= self.batch_size:
            self.flush()
        self._report_progress()
        return item

    def _snapshot_failed(self, exc: OSError) -> None:
        """Evidence that cannot be written stops the crawl as failed (disk full, read-only ...), so
        `--resume` fetches the rest once there is space; storing listings without it would lose it."""
        if self._stopping:
            return
        self._stopping = True
        logger.error("cannot write snapshots to %s (%s): stopping the crawl; free space, then run it again "
                     "with --resume", self.snapshots.root, exc.strerror or exc)
        if self.crawler is not None and self.crawler.engine is not None:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="snapshot_write_failed"))

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

    def flush(self) -> None:
        """Write what is buffered in one transaction."""
        if not self.pending and not self.skips:
            return
        attempt = 0
        deadline = time.monotonic() + self.retry_seconds
        while True:
            attempt += 1
            try:
                counts = self._write()
                break
            except IntegrityError:
                # Another worker inserted the same seller/listing first: the batch rolled back
                # whole, so writing it again is safe.
                if attempt >= _ATTEMPTS:
                    raise
                logger.info("store batch conflicted (IntegrityError); retrying")
            except OperationalError as exc:
                # The SQLite write lock was held too long, or the database server is down or
                # restarting: keep the batch and wait for it (the crawl pauses; nothing is lost).
                wait = min(0.5 * 2 ** (attempt - 1), 10.0)
                if time.monotonic() + wait > deadline:
                    raise
                logger.warning("database unavailable (%s); keeping %d listings, retrying in %.1fs",
                               type(getattr(exc, "orig", None) or exc).__name__, len(self.pending), wait)
                time.sleep(wait)
        self.totals.add(counts)
        for name in ("new", "updated", "unchanged"):
            self.stats.inc_value(f"wildwatch/listings_{name}", getattr(counts, name))
        self.pending.clear()
        self.skips.clear()

    def _write(self) -> UpsertCounts:
        with session_scope(self.sessions) as session:
            counts = upsert_listings(session, self.pending, run_id=self.run_id)
            record_skips(session, self.run_id, self.skips)
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
            self.totals.new + self.totals.updated + self.totals.unchanged + len(self.pending),
            self.totals.new + self.totals.updated + self.totals.unchanged,
            self.totals.new,
            sum(self.skip_reasons.values()),
        )

    def close_spider(self, spider: Spider | None = None) -> None:
        try:
            self.flush()
        finally:
            self.engine.dispose()
