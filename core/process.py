"""Child processes that die with their parent: one ``PR_SET_PDEATHSIG`` helper for the crawl and the nightly.

A ``kill -9`` (or the OOM killer) takes only the process it hits; without this its children
would linger.  Two callers, two signals, on purpose:

- a crawl's helper processes (extraction workers, the store writer) get SIGKILL: a writer must not
  commit a batch behind the back of a resumed crawl;
- the nightly's crawl children get SIGTERM: they stop gracefully and flush what they hold (a
  resumed crawl waits for them on the crawl's lock).

Linux only; elsewhere a no-op (the store writer also checks its parent before each commit).

Ctrl-C in a terminal sends SIGINT to the whole foreground process group, helpers included: a
helper (``become_helper``) ignores it, so it prints no ``KeyboardInterrupt`` traceback and its
crawl process decides when it stops (it shuts its pools down on the way out).
"""

from __future__ import annotations

import ctypes
import signal
import sys
from collections.abc import Callable
from functools import partial

__all__ = ["become_helper", "die_with_parent", "die_with_parent_by"]

PR_SET_PDEATHSIG = 1

try:  # resolved at import: a forked child (``preexec_fn``) must not dlopen before it execs
    _prctl: Callable[..., int] | None = (
        ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None
    )
except (OSError, AttributeError):
    _prctl = None


def die_with_parent(signum: int = signal.SIGKILL) -> None:
    """Have the kernel send ``signum`` to this process when its parent dies (a pool initializer)."""
    if _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, signum)


def die_with_parent_by(signum: int) -> Callable[[], None]:
    """``die_with_parent(signum)`` as a no-argument callable (``subprocess.Popen(preexec_fn=...)``)."""
    return partial(die_with_parent, signum)


def become_helper() -> None:
    """Initializer of a crawl's helper process (extraction worker, store writer): SIGKILL with the
    parent, and Ctrl-C left to the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()
