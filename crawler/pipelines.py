"""Storing what the spider finds: snapshots to disk, listings to the store, in batches."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet.defer import Deferred, succeed
from twisted.internet.threads import deferToThread
from twisted.python.failure import Failure

from crawler.items import ListingItem, SkipItem
from crawler.writer import BatchWriter, WriterConfig, init_worker, warm_up, write_in_worker
from store.db import Store
from store.listings import UpsertCounts
from store.imaging import ImageLimits
from store.runs import Skip

logger = logging.getLogger(__name__)

__all__ = ["StorePipeline", "store_writer_mode"]


def store_writer_mode(value: Any) -> str:
    """"process" or "thread" for a WILDWATCH_STORE_WRITER value ("auto": a process given two cores)."""
    mode = str(value or "auto").strip().lower()
    if mode == "auto":
        return "process" if (os.cpu_count() or 1) >= 2 else "thread"
    if mode not in ("process", "thread"):
        raise NotConfigured(f"WILDWATCH_STORE_WRITER must be auto, process or thread, not {value!r}")
    return mode


class StorePipeline:
    """Buffers items and writes each batch in one transaction (bulk, not one per item).

    Snapshots and the store write happen one batch at a time in a writer process (or thread, see
    ``WILDWATCH_STORE_WRITER``), so the crawl keeps downloading and reading pages meanwhile.  The
    run row is updated with every batch, so a killed crawl still shows what it stored.
    """

    def __init__(self, config: WriterConfig, batch_size: int, progress_seconds: float, stats: Any,
                 mode: str = "thread", store: Store | None = None) -> None:
        self.config = config
        self.store = store  # the crawl process's store, shared by a writer thread
        self.mode = mode
        self.writer: BatchWriter | None = None
        self.pool: ProcessPoolExecutor | None = None
        self.batch_size = batch_size
        self.progress_seconds = progress_seconds
        self.stats = stats
        self.pending_items: list[ListingItem] = []
        self.pending_photo_bytes = 0
        self.batch_photo_bytes = 64_000_000
        self.skips: list[Skip] = []
        self.found = 0
        self._writing: Deferred[Any] = succeed(None)
        self.totals = UpsertCounts()
        self.skip_reasons: Counter[str] = Counter()
        self._last_progress = time.monotonic()
        self.crawler: Crawler | None = None
        self._stopping = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        settings = crawler.settings
        url = settings.get("WILDWATCH_DATABASE_URL")
        snapshot_dir = settings.get("WILDWATCH_SNAPSHOT_DIR")
        if not url or not snapshot_dir:
            raise NotConfigured("WILDWATCH_DATABASE_URL and WILDWATCH_SNAPSHOT_DIR must be set")
        run_id = settings.get("WILDWATCH_RUN_ID")
        site_id = settings.get("WILDWATCH_SITE_ID")
        config = WriterConfig(
            database_url=url,
            snapshot_dir=Path(snapshot_dir),
            run_id=int(run_id) if run_id else None,
            site_id=int(site_id) if site_id else None,
            retry_seconds=settings.getfloat("WILDWATCH_STORE_RETRY_SECONDS", 120.0),
            image_dir=Path(settings["WILDWATCH_IMAGE_DIR"]) if settings.get("WILDWATCH_IMAGE_DIR") else None,
            image_limits=ImageLimits(max_bytes=settings.getint("WILDWATCH_IMAGE_MAX_BYTES", 15_000_000),
                                     max_pixels=settings.getint("WILDWATCH_IMAGE_MAX_PIXELS", 40_000_000),
                                     max_frames=settings.getint("WILDWATCH_IMAGE_MAX_FRAMES", 200)),
            match_index=settings.get("WILDWATCH_IMAGE_MATCH_INDEX", "memory"),
        )
        pipeline = cls(
            config,
            settings.getint("WILDWATCH_STORE_BATCH", 200),
            settings.getfloat("WILDWATCH_PROGRESS_SECONDS", 5.0),
            crawler.stats,
            store_writer_mode(settings.get("WILDWATCH_STORE_WRITER", "auto")),
            settings.get("WILDWATCH_STORE"),
        )
        pipeline.crawler = crawler
        pipeline.batch_photo_bytes = settings.getint("WILDWATCH_STORE_BATCH_PHOTO_BYTES", 64_000_000)
        return pipeline

    def open_spider(self, spider: Spider | None = None) -> None:
        if self.mode == "process":
            # "spawn": forking a process that runs a reactor and threads is not safe.  Started
            # from the reactor thread (which lives as long as the crawl: see init_worker).
            self.pool = ProcessPoolExecutor(
                1, mp_context=multiprocessing.get_context("spawn"), initializer=init_worker,
                initargs=(self.config, logging.getLogger().getEffectiveLevel()))
            self.pool.submit(warm_up)
        else:
            self.writer = BatchWriter(self.config, store=self.store)
            self.writer.start_photo_index()  # in the background, while the first pages are fetched

    async def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if isinstance(item, SkipItem):
            self.skips.append((item.url, item.reason, item.detail, item.http_status))
            self.skip_reasons[item.reason] += 1
            self.stats.inc_value(f"wildwatch/skip/{item.reason}")
        elif isinstance(item, ListingItem):
            self.pending_items.append(item)
            self.pending_photo_bytes += sum(len(fetch.body or b"") for fetch in item.image_fetches)
            self.found += 1
        self._report_progress()
        # photos count too: a batch holds at most ~batch_photo_bytes of them (memory stays bounded)
        if (len(self.pending_items) >= self.batch_size or len(self.skips) >= self.batch_size
                or self.pending_photo_bytes >= self.batch_photo_bytes):
            # The batch is written while the crawl goes on; a second full batch waits for the
            # first (back-pressure: Scrapy holds further items meanwhile).
            await maybe_deferred_to_future(self._write_batch())
        return item

    def _write_batch(self) -> Deferred[None]:
        """Queue the buffered batch for writing; the result fires once it is written (or failed)."""
        items, skips = self.pending_items, self.skips
        self.pending_items, self.skips = [], []
        self.pending_photo_bytes = 0

        def write(_: Any) -> Deferred[UpsertCounts]:
            if self.pool is not None:
                future = asyncio.get_running_loop().run_in_executor(self.pool, write_in_worker, items, skips)
                return Deferred.fromFuture(future)
            assert self.writer is not None
            return deferToThread(self.writer.write, items, skips)

        def done(counts: UpsertCounts) -> None:
            self.totals.add(counts)
            for name in ("new", "updated", "unchanged"):
                self.stats.inc_value(f"wildwatch/listings_{name}", getattr(counts, name))
            # a photo not stored is a skip of the run too (its errors), apart from pages by its prefix
            for reason, count in counts.photo_skips.items():
                self.stats.inc_value(f"wildwatch/skip/photo_{reason}", count)

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
                         "with --resume", self.config.snapshot_dir, failure.getErrorMessage())
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

    def _report_progress(self) -> None:
        now = time.monotonic()
        if now - self._last_progress < self.progress_seconds:
            return
        self._last_progress = now
        logger.info(
            "crawl progress: %d pages fetched, %d listings found, %d written (%d new), %d pages skipped",
            self.stats.get_value("response_received_count", 0) - self.stats.get_value("wildwatch/photo_responses", 0),
            self.found,
            self.totals.new + self.totals.updated + self.totals.unchanged,
            self.totals.new,
            sum(self.skip_reasons.values()),
        )

    async def close_spider(self, spider: Spider | None = None) -> None:
        """Write what is left, wait for every write, then let the engine go."""
        if self.pending_items or self.skips:
            self._write_batch()
        try:
            await maybe_deferred_to_future(self._after_writes())
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=True)
            if self.writer is not None:
                self.writer.close()
