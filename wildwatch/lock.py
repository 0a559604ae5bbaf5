"""One nightly run at a time: an ``fcntl.flock`` lock file that a crashed holder cannot keep.

The kernel drops a ``flock`` when its holder's process dies (even on ``kill -9``), so a lock file
that exists but is not locked is stale by definition: the next run takes it over and logs who held
it.  The file carries the holder's pid, hostname and start time for the "already running" message.
``flock`` is per host; when several hosts share one PostgreSQL store, :class:`PgAdvisoryLock`
adds a database-wide lock (see docs/operations.md).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Engine, text

from core.errors import WildwatchError

logger = logging.getLogger(__name__)

__all__ = ["AlreadyRunning", "LockInfo", "RunLock", "PgAdvisoryLock", "read_lock_info", "holder_state"]

#: EX_TEMPFAIL: "try again later", what a scheduler should see while another run holds the lock.
ALREADY_RUNNING_EXIT = 75
#: The advisory-lock key for nightly runs (any fixed 64-bit number; "wildwatc" in ASCII).
PG_LOCK_KEY = 0x77696C6477617463


class AlreadyRunning(WildwatchError):
    """Another run holds the lock."""

    exit_code = ALREADY_RUNNING_EXIT


@dataclass(frozen=True)
class LockInfo:
    pid: int
    hostname: str
    started_at: str

    def describe(self) -> str:
        return f"pid {self.pid} on {self.hostname}, started {self.started_at}"


def read_lock_info(path: Path) -> LockInfo | None:
    """Who holds (or last held) the lock at ``path``; None when unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return LockInfo(int(data["pid"]), str(data["hostname"]), str(data["started_at"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def holder_state(path: Path) -> tuple[str, LockInfo | None]:
    """``idle``, ``running`` or ``stale`` (holder died) — read-only, never contends for the lock."""
    holder = read_lock_info(path)
    if holder is None:
        return "idle", None
    if holder.hostname != socket.gethostname():
        return "running", holder  # cannot check another host's pids; the next run will tell
    return ("running" if _pid_alive(holder.pid) else "stale"), holder


class RunLock:
    """An exclusive, non-blocking lock on ``path``; use as a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None
        self.took_over: LockInfo | None = None  # the crashed holder we replaced, if any

    def acquire(self) -> RunLock:
        """Take the lock or raise :class:`AlreadyRunning` at once (never waits)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = read_lock_info(self.path)
            who = holder.describe() if holder else "unknown holder"
            raise AlreadyRunning(f"a nightly run is already running ({who}); lock file {self.path}") from None
        previous = read_lock_info(self.path)
        if previous is not None:
            # Locked by nobody but still has content: its holder died without cleaning up.
            self.took_over = previous
            state = "dead" if previous.hostname == socket.gethostname() and not _pid_alive(previous.pid) else "gone"
            logger.warning("taking over a stale lock from %s (holder %s)", previous.describe(), state)
        info = {"pid": os.getpid(), "hostname": socket.gethostname(), "started_at": datetime.now(UTC).isoformat()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        os.fsync(fd)
        self._fd = fd
        return self

    def release(self) -> None:
        """Empty the file (a clean exit leaves no stale holder behind) and unlock it."""
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.release()


class PgAdvisoryLock:
    """A session-level PostgreSQL advisory lock, for several hosts sharing one store.

    The lock lives as long as its connection: a crashed holder's connection closes and
    PostgreSQL releases it, so it is stale-proof like ``flock``.  A no-op on other databases.
    """

    def __init__(self, engine: Engine, key: int = PG_LOCK_KEY) -> None:
        self.engine = engine
        self.key = key
        self._connection: Any = None

    def acquire(self) -> PgAdvisoryLock:
        """Take the lock or raise :class:`AlreadyRunning` at once."""
        if self.engine.dialect.name != "postgresql":
            return self
        connection = self.engine.connect()
        got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar()
        connection.commit()
        if not got:
            connection.close()
            raise AlreadyRunning("a nightly run is already running against this database (PostgreSQL advisory lock)")
        self._connection = connection
        return self

    def release(self) -> None:
        if self._connection is None:
            return
        try:
            self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            self._connection.commit()
        finally:
            self._connection.close()
            self._connection = None
