"""Serve one ASGI app from several forked processes on one listening socket.

uvicorn's own ``--workers`` spawns each worker, which imports everything again (seconds on a
busy 2-core machine, and the tokenizer's dictionaries once per worker).  Here the parent builds
the app and loads what it needs once, then forks: a worker is up in milliseconds and shares
the parent's memory pages until it writes to them.

Supervision: a worker that dies is replaced (at most once a second); SIGINT or SIGTERM stop
every worker gracefully (uvicorn's own shutdown), SIGKILL after ``STOP_SECONDS``.  Workers
are killed by the kernel when the parent dies (Linux ``PR_SET_PDEATHSIG``), so ``kill -9`` of
the parent, as an OOM killer or a supervisor's stop does, leaves no worker serving on its own.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

import uvicorn

__all__ = ["serve_forked", "STOP_SECONDS"]

logger = logging.getLogger(__name__)

#: How long stopping waits for the workers' graceful shutdown before killing them.
STOP_SECONDS = 30.0
_PR_SET_PDEATHSIG = 1
_RESTART_PAUSE = 1.0


class _Stop(Exception):
    """SIGINT or SIGTERM reached the supervisor."""


def _die_with_parent(parent: int) -> None:
    """Ask Linux to SIGKILL this process when its parent dies (no-op elsewhere)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no prctl in this libc
            pass
    if os.getppid() != parent:  # the parent died before the request above took effect
        os._exit(1)


def _run_worker(config: uvicorn.Config, sockets: list[Any], parent: int, after_fork: Callable[[], None]) -> None:
    """The forked child: serve until told to stop, then leave without running the parent's cleanup."""
    code = 1
    try:
        _die_with_parent(parent)
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD):
            signal.signal(signum, signal.SIG_DFL)
        after_fork()
        uvicorn.Server(config).run(sockets=sockets)
        code = 0
    except BaseException:  # noqa: BLE001 - a worker reports and exits; it never returns into the supervisor
        logger.exception("API worker %d failed", os.getpid())
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def serve_forked(
    config: uvicorn.Config, processes: int, *, after_fork: Callable[[], None] = lambda: None
) -> None:
    """Serve ``config`` (an app object, not an import string) from ``processes`` forked workers.

    ``after_fork`` runs in each worker before it serves: drop what must not be shared across a
    fork, such as pooled database connections (``engine.dispose(close=False)``).
    """
    sockets = [config.bind_socket()]
    parent = os.getpid()
    workers: dict[int, float] = {}  # pid -> start time

    def start() -> None:
        pid = os.fork()
        if pid == 0:
            _run_worker(config, sockets, parent, after_fork)
        workers[pid] = time.monotonic()

    def stop(signum: int, frame: object) -> None:
        raise _Stop  # out of the blocking waitpid (which PEP 475 would otherwise resume)

    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        for _ in range(processes):
            start()
        while True:
            try:
                pid, status = os.waitpid(-1, 0)
            except ChildProcessError:
                break
            if pid in workers:
                started = workers.pop(pid)
                logger.warning("API worker %d exited (%s); starting another", pid, os.waitstatus_to_exitcode(status))
                time.sleep(max(0.0, _RESTART_PAUSE - (time.monotonic() - started)))
                start()
    except _Stop:
        pass
    finally:
        _stop_all(workers)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for sock in sockets:
            sock.close()


def _stop_all(workers: dict[int, float]) -> None:
    """SIGTERM (uvicorn's graceful shutdown), then SIGKILL whatever is left after ``STOP_SECONDS``."""
    for pid in workers:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + STOP_SECONDS
    while workers:
        for pid in list(workers):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = pid
            if done:
                del workers[pid]
        if workers and time.monotonic() > deadline:
            for pid in workers:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            deadline = float("inf")
        if workers:
            time.sleep(0.05)
