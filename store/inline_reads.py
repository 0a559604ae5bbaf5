"""Short SQLite reads run on the calling thread, given up past a time limit or at the first lock.

The API's event loop runs a listing page's read with this instead of handing it to a worker
thread: the hop to a thread, and the GIL passed back and forth while SQLite steps, cost more
CPU than the page's own SQL (py-spy, 1M listings, 2026-12-07).  A read on the loop holds up
every other request of the process while it runs, so it must be short and must never wait:

- it runs on a connection of its own, opened (in a thread) with no busy timeout and
  ``query_only``: a lock answers "database is locked" at once instead of blocking the loop;
- a progress handler interrupts it once it has run ``budget`` seconds of this thread's CPU time
  (not wall time: on a busy machine a read descheduled for a few ms is not a long read);
- a read of a kind (``key``) that overran is not tried inline again for a while: ``FIRST_SLOW_SECONDS``,
  doubled at each overrun in a row up to ``SLOW_SECONDS``;
- it never counts a plan statistic (store.queries): one not counted yet, or due for a recount,
  sends the read to the thread, which counts it.

Whenever it does not answer (interrupted, locked, the file replaced, any database error) it
raises :class:`NotAnswered` and the caller runs the same read the usual way, which answers
(or fails) exactly as before.  A read must therefore be free of side effects other than
caches that stay correct when a read stops half-way (the plan statistics and statements).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from store.db import sqlite_file
from store.queries import StatisticNotCounted, cached_statistics_only

__all__ = ["InlineReader", "NotAnswered", "INLINE_BUDGET", "FIRST_SLOW_SECONDS", "SLOW_SECONDS"]

logger = logging.getLogger(__name__)

#: CPU seconds an inline read may run before it is interrupted and redone in a thread.  A species page
#: takes about 1 ms of SQL at 1M listings, a text page 5-9 ms (2026-12-07).
INLINE_BUDGET = 0.005

#: Seconds a kind of read that overran once goes straight to the thread before it is tried inline again.
#: Short, because the thread path is the slow one under load: a page of 1.7 ms on the loop answered 600
#: requests/s with p99 0.97 s in threads, against 870/s inline, and a kind that overran once (a cold page)
#: spent 10 s there (q=象牙, 1M listings, 32 connections, 2026-12-07).  Trying it again costs one budget.
FIRST_SLOW_SECONDS = 0.25

#: The longest such while: each overrun in a row doubles it, so a kind that is always slow costs one
#: interrupted budget every ``SLOW_SECONDS`` (0.05 % of the loop).
SLOW_SECONDS = 10.0

#: SQLite virtual-machine steps between two looks at the clock (a look costs a GIL round trip; at
#: this spacing a species page looks a handful of times).
PROGRESS_STEPS = 20_000

_SLOW_MAX = 4096

_T = TypeVar("_T")


class NotAnswered(Exception):
    """The inline read did not answer; run it the usual way."""


class InlineReader:
    """One connection, opened off the loop, for reads that must answer within ``budget`` or not at all.

    ``open`` blocks (run it in a thread); ``read`` is for one thread at a time (the event loop's).
    """

    def __init__(self, engine: Engine, path: Path, *, budget: float = INLINE_BUDGET,
                 first_slow_seconds: float = FIRST_SLOW_SECONDS, slow_seconds: float = SLOW_SECONDS,
                 steps: int = PROGRESS_STEPS,
                 clock: Callable[[], float] = time.thread_time) -> None:
        self.engine = engine
        self.path = path
        self.budget = budget
        self.first_slow_seconds = first_slow_seconds
        self.slow_seconds = slow_seconds
        self.steps = steps
        self._clock = clock
        self._connection: Connection | None = None
        self._inode: tuple[int, int] | None = None
        self._pid = 0
        self._deadline = float("inf")
        self._slow: dict[Hashable, tuple[float, int]] = {}  # kind -> (tried inline again after, overruns in a row)
        self._open_lock = threading.Lock()

    @classmethod
    def for_engine(cls, engine: Engine, **kwargs: Any) -> InlineReader | None:
        """A reader for ``engine``'s database when it is a SQLite file; None otherwise."""
        path = sqlite_file(engine)
        return None if path is None else cls(engine, path, **kwargs)

    @property
    def ready(self) -> bool:
        """True once ``open`` has run in this process (a forked worker opens its own)."""
        return self._connection is not None and self._pid == os.getpid()

    def open(self) -> None:
        """Open the reader's connection (blocking: it may wait for a lock like any other connection)."""
        with self._open_lock:
            if self.ready:
                return
            self._connection = None  # a connection inherited across a fork is never used
            path = str(self.path)
            stat = os.stat(path)

            def connect() -> sqlite3.Connection:
                dbapi = sqlite3.connect(f"file:{quote(path)}?mode=rw", uri=True, timeout=30, check_same_thread=False)
                dbapi.execute("PRAGMA query_only=ON")
                dbapi.execute("PRAGMA busy_timeout=0")  # from here on a lock answers at once
                dbapi.set_progress_handler(self._progress, self.steps)
                return dbapi

            # the engine's URL, so that plan statistics cached per database are shared with its sessions
            engine = create_engine(self.engine.url, creator=connect, poolclass=StaticPool)
            self._connection = engine.connect()
            self._inode = (stat.st_dev, stat.st_ino)
            self._pid = os.getpid()

    def close(self) -> None:
        """Close the reader's connection (``open`` again to use it)."""
        connection, self._connection = self._connection, None
        if connection is not None and self._pid == os.getpid():
            connection.close()
            connection.engine.dispose()

    def _progress(self) -> int:
        return 1 if self._clock() > self._deadline else 0

    def read(self, read: Callable[[Session], _T], *, key: Hashable = None) -> _T:
        """``read(session)`` on this thread, or NotAnswered (then nothing of it is left behind)."""
        connection = self._connection
        if connection is None or self._pid != os.getpid():
            raise NotAnswered("not open")
        slow = self._slow.get(key)
        if slow is not None and time.monotonic() < slow[0]:
            raise NotAnswered("slow")
        try:
            stat = os.stat(self.path)
        except OSError:
            stat = None
        if stat is None or (stat.st_dev, stat.st_ino) != self._inode:
            self._drop()  # moved away or replaced: the usual path says so
            raise NotAnswered("file replaced")
        self._deadline = self._clock() + self.budget
        try:
            with cached_statistics_only(), Session(bind=connection, expire_on_commit=False) as session:
                answer = read(session)
            if slow is not None:
                self._slow.pop(key, None)  # answered in time again: its next overrun starts the while afresh
            return answer
        except StatisticNotCounted as exc:
            raise NotAnswered("a plan statistic is due: counted in the thread") from exc
        except DBAPIError as exc:
            error = getattr(exc.orig, "sqlite_errorname", "")
            if error == "SQLITE_INTERRUPT":
                if len(self._slow) >= _SLOW_MAX:
                    self._slow.clear()
                overruns = 1 if slow is None else slow[1] + 1
                wait = min(self.slow_seconds, self.first_slow_seconds * 2 ** min(overruns - 1, 30))
                self._slow[key] = (time.monotonic() + wait, overruns)
                logger.debug("inline read %r overran %d time(s) in a row: to the thread for %.2f s", key, overruns, wait)
                raise NotAnswered("over the time limit") from exc
            if not error.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
                logger.info("inline read failed, connection dropped: %s", exc.orig)
                self._drop()
            raise NotAnswered("database error") from exc
        finally:
            self._deadline = float("inf")

    def _drop(self) -> None:
        """Forget the connection without closing it here (closing may wait); ``open`` makes a new one."""
        connection, self._connection = self._connection, None
        if connection is not None:
            threading.Thread(target=self._close_quietly, args=(connection,), daemon=True).start()

    @staticmethod
    def _close_quietly(connection: Connection) -> None:
        try:
            connection.close()
            connection.engine.dispose()
        except Exception:  # noqa: BLE001 - a broken connection may fail to close; it is gone either way
            logger.debug("closing a dropped inline connection failed", exc_info=True)
