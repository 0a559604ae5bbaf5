"""Stopping the nightly safely: SIGTERM/SIGINT set a flag checked at safe points, and crawl
children run under a wall-clock budget (SIGTERM, a grace period, then SIGKILL)."""

from __future__ import annotations

import contextlib
import logging
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import Any

from core.errors import WildwatchError
from core.process import die_with_parent_by

__all__ = ["STOPPED_EXIT", "StopFlag", "Stopped", "handle_signals", "run_children"]

logger = logging.getLogger(__name__)

#: 128 + SIGTERM: what a stopped run exits with (systemd and cron read it as "killed").
STOPPED_EXIT = 143


class Stopped(WildwatchError):
    """SIGTERM/SIGINT arrived: the run stopped at a safe point and can be resumed."""

    exit_code = STOPPED_EXIT


class StopFlag:
    """Set by SIGTERM/SIGINT; forwards the signal to the running crawl children."""

    def __init__(self) -> None:
        self.set = False
        self.children: list[subprocess.Popen[bytes]] = []

    def __call__(self, signum: int, frame: Any) -> None:
        logger.warning("received signal %d: stopping at the next safe point", signum)
        self.set = True
        for child in self.children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    def check(self) -> None:
        """Raise ``Stopped`` once a signal arrived (call at safe points only)."""
        if self.set:
            raise Stopped("stopped by signal; rerun `wildwatch nightly` to resume")


@contextlib.contextmanager
def handle_signals(flag: StopFlag) -> Iterator[None]:
    """SIGTERM and SIGINT set ``flag`` while inside (main thread only: elsewhere signals cannot be caught)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, flag) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_children(commands: list[list[str]], budget: float, *, stop: StopFlag, grace_seconds: float) -> bool:
    """Run the crawl processes within ``budget`` seconds (SIGTERM, grace, SIGKILL); True if timed out."""
    # SIGTERM when the nightly dies (even by kill -9): a crawl child never orphans on.  Each child
    # leads its own process group, so Ctrl-C in the terminal reaches only the nightly, which
    # forwards one SIGTERM (two signals would make Scrapy abandon its graceful stop).
    on_parent_death = die_with_parent_by(signal.SIGTERM)
    children = [subprocess.Popen(command, preexec_fn=on_parent_death, process_group=0)  # noqa: PLW1509
                for command in commands]
    stop.children = children
    deadline = time.monotonic() + budget
    timed_out = False
    try:
        while any(child.poll() is None for child in children) and not stop.set:
            if time.monotonic() >= deadline:
                timed_out = True
                logger.warning("crawl budget (%.0fs) exhausted; stopping the crawl", budget)
                break
            time.sleep(0.2)
        for child in children:
            # After a stop signal the flag has forwarded SIGTERM already: a second one would make
            # Scrapy give up its graceful stop ("forcing unclean shutdown") and lose the run's outcome.
            if child.poll() is None and not stop.set:
                child.send_signal(signal.SIGTERM)
        grace = time.monotonic() + grace_seconds
        for child in children:
            try:
                child.wait(timeout=max(0.0, grace - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    finally:
        stop.children = []
    return timed_out
