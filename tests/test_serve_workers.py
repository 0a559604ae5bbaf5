"""`wildwatch serve` starts one worker process per core by default, forked and supervised (issue 16)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from core.settings import Settings
from store.db import make_engine, migrate
from wildwatch.commands.serve import AUTO_WORKERS_MAX, worker_count


def test_a_configured_worker_count_is_used_as_given() -> None:
    assert worker_count(3) == 3
    assert worker_count(1) == 1


@pytest.mark.parametrize(("cores", "expected"), [(1, 1), (2, 2), (16, AUTO_WORKERS_MAX)])
def test_zero_means_one_per_usable_core_at_most_four(monkeypatch: pytest.MonkeyPatch, cores: int, expected: int) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)
    assert worker_count(0) == expected


def test_serve_forks_one_worker_per_core_by_default() -> None:
    assert Settings().api.workers == 0


def _children(pid: int) -> set[int]:
    return {int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


def _wait_until(check, seconds: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline
        time.sleep(0.1)


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5, trust_env=False).status_code == 200
    except httpx.TransportError:
        return False


@contextmanager
def _serving(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """`wildwatch serve` with two workers on a free loopback port, healthy; killed with its group at the end."""
    db_url = f"sqlite:///{tmp_path / 'serve.db'}"
    migrate(make_engine(db_url))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = dict(os.environ, WILDWATCH_VAR_DIR=str(tmp_path), WILDWATCH_API__WORKERS="2")
    server = subprocess.Popen(
        [sys.executable, "-m", "wildwatch.cli", "serve", "--db", db_url, "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        _wait_until(lambda: _healthy(port))
        yield server, port
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(30)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and PR_SET_PDEATHSIG")
def test_forked_workers_are_replaced_and_die_with_their_parent(tmp_path: Path) -> None:
    """A worker killed is replaced; the parent killed with -9 leaves no worker serving on its own."""
    with _serving(tmp_path) as (server, port):
        workers = _children(server.pid)
        assert len(workers) == 2
        os.kill(min(workers), signal.SIGKILL)
        _wait_until(lambda: len(_children(server.pid) - {min(workers)}) == 2)
        workers = _children(server.pid)
        assert _healthy(port)
        os.kill(server.pid, signal.SIGKILL)
        server.wait(30)

        def gone() -> bool:
            return not any(Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text()
                           for pid in workers)

        _wait_until(gone, 30)
        assert not _healthy(port)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")
def test_sigterm_stops_every_worker(tmp_path: Path) -> None:
    with _serving(tmp_path) as (server, _port):
        workers = _children(server.pid)
        server.terminate()
        assert server.wait(40) == 0
        assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
