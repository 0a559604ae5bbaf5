"""Run a function in a forked child with a wall-clock and an address-space limit.

A hostile page must not hang the crawler or eat the machine: the child gets ``seconds`` of wall
time and ``memory_mb`` of address space beyond what it inherited; exceeding either is a failure
the test reports, not a frozen CI job.
"""

from __future__ import annotations

import multiprocessing
import resource
from collections.abc import Callable
from typing import Any

__all__ = ["run_boxed", "BoxedFailure"]


class BoxedFailure(AssertionError):
    """The boxed call hung, ran out of memory, or crashed."""


def _vm_size_bytes() -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _child(conn: Any, fn: Callable[..., Any], args: tuple[Any, ...], memory_mb: int) -> None:
    limit = _vm_size_bytes() + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        conn.send(("ok", fn(*args)))
    except MemoryError:
        conn.send(("memory", f"more than {memory_mb} MB"))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent as the failure
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def run_boxed(fn: Callable[..., Any], *args: Any, seconds: float = 60.0, memory_mb: int = 1024) -> Any:
    """``fn(*args)`` in a fork with limits; returns its (picklable) result or raises BoxedFailure."""
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(child, fn, args, memory_mb), daemon=True)
    process.start()
    child.close()
    try:
        if not parent.poll(seconds):
            raise BoxedFailure(f"{getattr(fn, '__name__', fn)} did not finish within {seconds}s (hang)")
        status, value = parent.recv()
    except EOFError as exc:
        raise BoxedFailure(f"{getattr(fn, '__name__', fn)} died (exit {process.exitcode})") from exc
    finally:
        if process.is_alive():
            process.kill()
        process.join(10)
        parent.close()
    if status != "ok":
        raise BoxedFailure(f"{getattr(fn, '__name__', fn)}: {status}: {value}")
    return value
