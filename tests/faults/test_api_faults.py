"""The API server under concurrent moderators and hostile clients, and with its database going away.

A real `wildwatch serve` process (forked by the launcher) on SQLite and PostgreSQL.  The same
scenarios run at full size in `python -m bench.hostile` (8 moderators x 50 decisions, 20 x 100 MB
bodies); here they are small.  Before issue 14: 64 of 169 concurrent decisions were refused with
"database is locked" on SQLite, keyless bodies were read whole (three 200 MB bodies took the
server to 2.2 GB), `serve` created an empty store for a missing file, and moving the database
away left /healthz green while requests failed.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from bench.hostile import run_bodies, run_moderators, seed, stored_reviews
from core.settings import Settings
from store.apikeys import create_api_key
from store.db import make_engine, make_session_factory, migrate, session_scope
from tests.databases import postgres_database
from tests.fakes import FakeModel
from tests.faults.launcher import Launcher
from tests.faults.tally import note
from tests.faults.world import fault_env, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]


@contextmanager
def served(launcher: Launcher, url: str, tmp_path: Path, **env: str) -> Iterator[tuple[str, int]]:
    """`wildwatch serve` on a free loopback port: (base URL, pid); killed afterwards."""
    port = free_port()
    log = tmp_path / f"serve-{port}.log"
    pid = launcher.spawn(["serve", "--db", url, "--port", str(port)], log=log,
                         env=fault_env(tmp_path, WILDWATCH_API__RATE_LIMIT_PER_MINUTE="0", **env))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert launcher.wait(pid, 0) is None, log.read_text()[-3000:]
            try:
                if httpx.get(f"{base}/healthz", timeout=5).status_code in (200, 503):
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "serve did not answer in 90 s"
            time.sleep(0.1)
        yield base, pid
    finally:
        launcher.kill(pid)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'api.db'}"
    else:
        with postgres_database() as url:
            yield url


def test_concurrent_moderators_queue_and_each_decision_is_stored_once(
    launcher: Launcher, empty_url: str, tmp_path: Path
) -> None:
    seeded = seed(empty_url, moderators=8, decisions=6)
    with served(launcher, empty_url, tmp_path) as (base, _pid):
        run = run_moderators(base, seeded.keys, seeded.listings)
    note("faults/moderator_requests", sum(run.statuses.values()))
    assert run.errors == [], run.summary()
    stored, doubled = stored_reviews(empty_url)
    assert stored == 8 * 6 and doubled == 0  # the API half retried every request with its Idempotency-Key


def test_hostile_bodies_are_refused_and_memory_stays_flat(launcher: Launcher, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'api.db'}"
    seeded = seed(url, moderators=1, decisions=1)
    with served(launcher, url, tmp_path, WILDWATCH_API__BODY_TIMEOUT_SECONDS="1") as (base, pid):
        run = run_bodies(base, pid, clients=4, megabytes=16, idle_seconds=0.5)
        note("faults/hostile_bodies", run.clients)
        assert run.all_refused, run.summary()
        assert run.rss_growth_mb < 20, run.summary()  # before: every body read whole (16 MB each, and copies)
        assert run.healthz_failed == 0 and run.healthz_answered > 0
        assert _trickle(base, seeded.keys[0]) == 408  # a keyed body that never finishes is cut off


def _trickle(base: str, key: str) -> int:
    """Announce 1,000 bytes with a valid key, send 10 a second: the server's answer."""
    host, port = base.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(f"POST /v1/score HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\n"
                     "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n".encode())
        sock.settimeout(0.1)
        received = b""
        deadline = time.monotonic() + 20
        while b"\r\n\r\n" not in received and time.monotonic() < deadline:
            try:
                sock.send(b" " * 10)
                received += sock.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                break
    match = re.match(rb"HTTP/1\.1 (\d{3})", received)
    return int(match.group(1)) if match else 0


@pytest.mark.parametrize("state", ["missing", "empty", "old"])
def test_serve_refuses_a_database_that_is_missing_or_not_migrated(
    launcher: Launcher, empty_url: str, tmp_path: Path, state: str
) -> None:
    sqlite_path = Path(empty_url.removeprefix("sqlite:///")) if empty_url.startswith("sqlite") else None
    if state == "empty" and sqlite_path is not None:
        sqlite_path.touch()
    if state == "old":
        engine = make_engine(empty_url)
        migrate(engine, "0008_review_idempotency")
        engine.dispose()
    if state == "missing" and sqlite_path is None:
        empty_url = empty_url.rsplit("/", 1)[0] + "/ww_no_such_database"
    log = tmp_path / "serve.log"
    rc = launcher.run(["serve", "--db", empty_url, "--port", str(free_port())], env=fault_env(tmp_path), log=log,
                      timeout=60)
    output = log.read_text()
    assert rc == 4, output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1 and "wildwatch init" in lines[0] and "Traceback" not in output, output
    if state == "missing" and sqlite_path is not None:
        assert not sqlite_path.exists()  # nothing was created
    note("faults/serve_refused")


def test_serve_warns_loudly_on_a_non_loopback_address_in_development(launcher: Launcher, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'api.db'}"
    seed(url, moderators=1, decisions=1)
    log = tmp_path / "exposed.log"
    pid = launcher.spawn(["serve", "--db", url, "--host", "0.0.0.0", "--port", str(free_port())],
                         env=fault_env(tmp_path), log=log)
    try:
        deadline = time.monotonic() + 60
        while not log.exists() or "WildWatch API on" not in log.read_text():
            assert time.monotonic() < deadline and launcher.wait(pid, 0) is None, log.read_text()
            time.sleep(0.1)
    finally:
        launcher.kill(pid)
    output = log.read_text()
    assert "WARNING: development mode on 0.0.0.0" in output and "WILDWATCH_ENV=production" in output


@pytest.fixture
def served_file(tmp_path: Path) -> Iterator[tuple[TestClient, Path, str]]:
    """The app over a SQLite file as `serve` opens it (never creating it), and an analyst key."""
    path = tmp_path / "db" / "api.db"
    path.parent.mkdir()
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with session_scope(make_session_factory(engine)) as session:
        key = create_api_key(session, role="analyst", name="file")[1]
    engine.dispose()
    serving: Engine = make_engine(f"sqlite:///{path}", create=False)
    settings = Settings(database_url=f"sqlite:///{path}", var_dir=tmp_path / "var")
    settings.api.key_cache_seconds = 0
    with TestClient(create_app(settings, engine=serving, model=FakeModel()), raise_server_exceptions=False) as client:
        yield client, path, key
    serving.dispose()


def _statuses(client: TestClient, key: str) -> list[int]:
    headers = {"Authorization": f"Bearer {key}"}
    return [client.get(path, headers=headers).status_code for path in ("/healthz", "/v1/listings", "/v1/stats")] * 3


def test_healthz_and_every_request_fail_alike_when_the_database_file_is_moved_away(
    served_file: tuple[TestClient, Path, str],
) -> None:
    client, path, key = served_file
    assert set(_statuses(client, key)) == {200}
    moved = path.with_name("moved.db")
    path.rename(moved)
    try:
        down = _statuses(client, key)
        health = client.get("/healthz").json()
    finally:
        moved.rename(path)
    note("faults/database_file_moved")
    assert set(down) == {503}, down  # before: /healthz 200 and a mix of 200s and 503s
    assert "gone" in health["detail"] and not path.with_name("api.db-journal").exists()
    assert set(_statuses(client, key)) == {200}  # back in place: served again


def test_healthz_fails_when_the_database_file_is_read_only(served_file: tuple[TestClient, Path, str]) -> None:
    client, path, key = served_file
    if os.geteuid() == 0:  # root writes through file modes: make the file immutable instead
        if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
            pytest.skip("running as root without chattr +i: cannot make a file read-only")
        undo = ["chattr", "-i", str(path)]
    else:
        path.chmod(0o444)
        undo = ["chmod", "644", str(path)]
    try:
        response = client.get("/healthz")
    finally:
        subprocess.run(undo, check=True)
    note("faults/database_file_read_only")
    assert response.status_code == 503 and "not writable" in response.json()["detail"]
    assert client.get("/healthz").status_code == 200
