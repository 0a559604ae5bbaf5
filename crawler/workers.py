"""Helper processes of a crawl (extraction workers, the store writer) die with the crawl."""

from __future__ import annotations

import ctypes
import signal
import sys

__all__ = ["die_with_parent"]


def die_with_parent() -> None:
    """Process-pool initializer: SIGKILL this process when the crawl process dies.

    A kill -9 (or the OOM killer) takes only the crawl process; without this its workers would
    linger, and a writer could commit a batch behind the back of a resumed crawl.  Linux only
    (PR_SET_PDEATHSIG); elsewhere the writer checks its parent before each commit.
    """
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
