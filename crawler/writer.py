"""Writing batches of crawled listings: snapshots to disk, then one store transaction.

The store pipeline runs a ``BatchWriter`` in a thread of the crawl process, or in a writer
process of its own (``WILDWATCH_STORE_WRITER``).  In a process, the write (SQL, search
tokens, gzip, SHA-256) runs on another core while the crawl process downloads and reads pages:
on a two-core machine that is the difference between the crawl keeping up with Scrapy's own
pace and not.  This module imports no Scrapy, so the writer process starts light.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy.exc import IntegrityError, OperationalError

from core.process import become_helper
from crawler.capture import capture_of
from crawler.items import ListingItem
from crawler.photos import HashedPhoto, hash_photos, record_photos, stored_digests
from store.db import Store, session_scope
from store.images import ImageStore
from store.imaging import ImageLimits
from store.memory_index import ImageIndex
from store.listings import SnapshotIn, UpsertCounts, upsert_listings
from store.runs import Skip, add_batch
from store.snapshots import SnapshotStore

logger = logging.getLogger(__name__)

__all__ = ["BatchWriter", "Skip", "WriterConfig", "ParentGone", "init_worker", "write_in_worker"]

_ATTEMPTS = 3
_STORED = ("new", "known")  # record_photos outcomes that are not skips


@dataclass(frozen=True, slots=True)
class WriterConfig:
    """Everything a writer needs, picklable for the writer process."""

    database_url: str
    snapshot_dir: Path
    run_id: int | None
    site_id: int | None
    retry_seconds: float = 120.0
    image_dir: Path | None = None  # where listing photos go (by SHA-256); None: photos are not stored
    image_limits: ImageLimits = ImageLimits()
    match_index: str = "memory"  # "memory": store.memory_index; "database": the SQL search (store.image_index)


class ParentGone(RuntimeError):
    """The crawl process died (kill -9): its batch must not be committed behind its back."""


class BatchWriter:
    """Snapshots to disk, then listings and skips in one transaction, retried while the DB is away."""

    def __init__(self, config: WriterConfig, *, store: Store | None = None,
                 before_commit: Callable[[], None] | None = None) -> None:
        self.config = config
        # In the crawl process the writer shares the crawl's store; a writer process opens its own.
        self._own_store = store is None
        self.store = store or Store(config.database_url)
        self.snapshots = SnapshotStore(config.snapshot_dir)
        self.images = ImageStore(config.image_dir) if config.image_dir is not None else None
        self.before_commit = before_commit
        # Loaded in a thread of its own (start_photo_index), refreshed before each batch with photos
        # once loaded (store.memory_index); until then photos are matched in the database.
        self.photo_index: ImageIndex | None = None
        self._use_photo_index = config.match_index == "memory" and self.images is not None
        self._loading: Future[ImageIndex] | None = None
        self._stop_loading = threading.Event()

    def write(self, items: list[ListingItem], skips: list[Skip]) -> UpsertCounts:
        """Store one batch; OSError (disk full) and a database away too long propagate."""
        records = [self._to_record(item) for item in items]
        photos: list[HashedPhoto] = []
        if self.images is not None and any(record.image_fetches for record in records):
            with session_scope(self.store.sessions) as session:
                stored = stored_digests(session, records)
            photos = hash_photos(records, self.config.image_limits, stored=stored)
        index = self._refreshed_photo_index() if photos else None
        attempt = 0
        deadline = time.monotonic() + self.config.retry_seconds
        while True:
            attempt += 1
            try:
                return self._write(records, skips, photos, index)
            except IntegrityError:
                # Another worker inserted the same seller/listing first: the batch rolled back
                # whole, so writing it again is safe.
                if attempt >= _ATTEMPTS:
                    raise
                logger.info("store batch conflicted (IntegrityError); retrying")
            except OperationalError as exc:
                # The SQLite write lock was held too long, or the database server is down or
                # restarting: keep the batch and wait for it (nothing is lost meanwhile).
                wait = min(0.5 * 2 ** (attempt - 1), 10.0)
                if time.monotonic() + wait > deadline:
                    raise
                logger.warning("database unavailable (%s); keeping %d listings, retrying in %.1fs",
                               type(getattr(exc, "orig", None) or exc).__name__, len(records), wait)
                time.sleep(wait)

    def close(self) -> None:
        self._stop_loading.set()
        if self._loading is not None:
            try:
                self._loading.exception(timeout=60)  # cancelled at its next batch of rows
            except TimeoutError:
                logger.warning("photo index still loading at close")
        if self._own_store:
            self.store.close()

    def _to_record(self, item: ListingItem) -> ListingItem:
        """The same record, with its page written as a snapshot (WARC records, issue 18) and its crawl's site."""
        blob = self.snapshots.save_capture(capture_of(item))
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
        return replace(item, snapshot=snapshot, site_id=self.config.site_id)

    def start_photo_index(self) -> None:
        """Begin loading the in-memory photo index from the store in the background (once)."""
        if self._use_photo_index and self._loading is None and self.photo_index is None:
            self._loading = Future()
            threading.Thread(target=self._load_photo_index, args=(self._loading,), name="photo-index",
                             daemon=True).start()

    def _load_photo_index(self, future: Future[ImageIndex]) -> None:
        try:
            with session_scope(self.store.sessions) as session:
                index = ImageIndex.load(session, stop=self._stop_loading)
        except BaseException as exc:  # handed to the writer's thread, which decides (_refreshed_photo_index)
            future.set_exception(exc)
        else:
            future.set_result(index)  # once the session is closed: close() may dispose of the engine next

    def _refreshed_photo_index(self) -> ImageIndex | None:
        """The in-memory photo index, caught up with what is committed; None: match in the database instead.

        Refreshed in a session of its own that writes nothing, so only committed rows enter it.  While
        it loads (a few seconds per million photos) batches are matched in the database.  A database
        that is away leaves the index as it was (the batch's retries then wait for it); a store too big
        for memory switches this writer to the database search for good."""
        if not self._use_photo_index:
            return None
        if self.photo_index is None:
            self.start_photo_index()
            assert self._loading is not None
            if not self._loading.done():
                return None
            try:
                self.photo_index = self._loading.result()
            except MemoryError:
                logger.warning("photo index does not fit in memory; matching photos in the database from now on")
                self._use_photo_index = False
                return None
            except Exception as exc:
                logger.warning("photo index not loaded (%s: %s); trying again", type(exc).__name__, exc)
                self._loading = None
                return None
        try:
            with session_scope(self.store.sessions) as session:
                self.photo_index.refresh(session)
        except OperationalError as exc:
            logger.warning("photo index not refreshed (%s); matching this batch in the database",
                           type(getattr(exc, "orig", None) or exc).__name__)
            return None
        except MemoryError:
            logger.warning("photo index does not fit in memory; matching photos in the database from now on")
            self.photo_index, self._use_photo_index = None, False
            return None
        return self.photo_index

    def _write(self, records: list[ListingItem], skips: list[Skip], photos: list[HashedPhoto],
               index: ImageIndex | None = None) -> UpsertCounts:
        run_id = self.config.run_id
        with session_scope(self.store.sessions) as session:
            counts = upsert_listings(session, records, run_id=run_id)
            if self.images is not None:
                outcomes = record_photos(session, self.images, photos, self.config.image_limits, index=index)
                counts.photo_skips = {reason: n for reason, n in outcomes.items() if reason not in _STORED}
            add_batch(session, run_id, counts, skips)
            if self.before_commit is not None:
                self.before_commit()
        return counts


# ---------------------------------------------------------------- the writer process

_writer: BatchWriter | None = None
_parent = 0


def init_worker(config: WriterConfig, log_level: int) -> None:
    """Writer-process initializer: die with the crawl process, open the store once."""
    global _writer, _parent
    _parent = os.getppid()
    become_helper()  # a kill -9 of the crawl takes its writer along mid-transaction, as a thread; Ctrl-C does not
    logging.basicConfig(level=log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _writer = BatchWriter(config, before_commit=_check_parent)
    _writer.start_photo_index()  # while the crawl fetches its first pages


def _check_parent() -> None:
    if os.getppid() != _parent:
        raise ParentGone("the crawl process is gone; this batch is not committed")


def write_in_worker(items: list[ListingItem], skips: list[Skip]) -> UpsertCounts:
    """Write one batch in the writer process (see ``init_worker``)."""
    if _writer is None:
        raise RuntimeError("writer process not initialised")
    return _writer.write(items, skips)


def warm_up() -> bool:
    """A no-op job: makes the pool start its process now, not at the first batch."""
    return _writer is not None
