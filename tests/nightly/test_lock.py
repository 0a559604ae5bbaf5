"""The run lock: exclusive, non-blocking, and taken over when its holder died."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import socket
from pathlib import Path

import pytest

from wildwatch.lock import AlreadyRunning, PgAdvisoryLock, RunLock, holder_state, read_lock_info


def _hold_and_die(path: str, ready: str) -> None:
    RunLock(Path(path)).acquire()
    Path(ready).touch()
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_second_holder_is_refused_at_once_with_the_holder_named(tmp_path: Path) -> None:
    path = tmp_path / "nightly.lock"
    with RunLock(path):
        with pytest.raises(AlreadyRunning, match=rf"already running \(pid {os.getpid()} on {socket.gethostname()}"):
            RunLock(path).acquire()
    assert holder_state(path) == ("idle", None)
    with RunLock(path) as again:
        assert again.took_over is None  # a clean release leaves no stale holder behind


def test_the_lock_of_a_killed_holder_is_taken_over(tmp_path: Path) -> None:
    path, ready = tmp_path / "nightly.lock", tmp_path / "ready"
    process = multiprocessing.get_context("spawn").Process(target=_hold_and_die, args=(str(path), str(ready)))
    process.start()
    process.join(60)
    assert process.exitcode == -signal.SIGKILL and ready.exists()
    assert read_lock_info(path).pid == process.pid  # type: ignore[union-attr]
    assert holder_state(path)[0] == "stale"
    with RunLock(path) as lock:
        assert holder_state(path)[0] == "running"
        assert lock.took_over is not None and lock.took_over.pid == process.pid
        assert json.loads(path.read_text())["pid"] == os.getpid()


@pytest.mark.postgres
def test_postgres_advisory_lock_is_exclusive(pg_url: str) -> None:
    from store.db import make_engine

    engine = make_engine(pg_url)
    try:
        first = PgAdvisoryLock(engine).acquire()
        with pytest.raises(AlreadyRunning, match="advisory lock"):
            PgAdvisoryLock(engine).acquire()
        first.release()
        PgAdvisoryLock(engine).acquire().release()
    finally:
        engine.dispose()
