"""Concurrent moderators and hostile clients against a real `wildwatch serve` (issue 14's targets).

    python -m bench.hostile                                   # 8 moderators x 50; 20 x 100 MB bodies
    python -m bench.hostile --decisions 10 --bodies 4 --body-mb 16 --attack-seconds 3 --backends sqlite  # quick

For each backend: a fresh store with moderator keys and flagged listings, `wildwatch serve` in
its own process, then

* **moderators**: one moderator deciding ``--decisions`` listings alone (the baseline), then
  ``--moderators`` at once, each deciding its own ``--decisions`` listings, half through the
  review UI (session, CSRF, form post) and half through ``POST /v1/listings/{id}/reviews`` with
  an ``Idempotency-Key`` that is sent twice (a retry): every request must succeed and every
  decision be stored once;
* **bodies**: ``/healthz`` polled alone (the baseline), then polled while ``--bodies`` clients
  send ``--body-mb`` MB bodies to ``POST /v1/score`` without a key, each starting a new one every
  ``--pace`` seconds for ``--attack-seconds`` (half announce their length, half are chunked, one
  trickles slowly): every one must be refused, the server's RSS (sampled from /proc) must grow
  less than 50 MB, and ``/healthz`` must keep answering with p99 under 50 ms.

Prints a table on stderr and JSON on stdout; exits 1 when a target is missed.  The tests in
`tests/faults/test_api_faults.py` run the same scenarios at a small size.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, select, text

from store.apikeys import create_api_key
from store.db import make_engine, make_session_factory, migrate, session_scope
from store.listings import ListingIn, upsert_listings
from store.models import Listing, Review
from store.scores import ScoreIn, record_scores

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ROOT = Path(__file__).resolve().parent.parent

#: Targets from issue 14.
MAX_RSS_GROWTH_MB = 50.0
MAX_HEALTHZ_P99_MS = 50.0


@dataclass
class Seeded:
    """What the store holds for a run: one key per moderator and the listings each will decide."""

    url: str
    keys: list[str]
    listings: list[list[int]]  # per moderator
    baseline_key: str
    baseline_listings: list[int]


def seed(url: str, moderators: int, decisions: int) -> Seeded:
    """Moderator keys and flagged listings: ``decisions`` per moderator, plus the baseline's own."""
    engine = make_engine(url)
    migrate(engine)
    total = (moderators + 1) * decisions
    with session_scope(make_session_factory(engine)) as session:
        items = [ListingIn(url=f"https://hostile.example/item/{i}", marketplace="hostile.example",
                           title=f"象牙手镯 #{i}", description="老料", lang="zh-Hans") for i in range(total)]
        upsert_listings(session, items)
        rows = list(session.scalars(select(Listing).order_by(Listing.id)))
        record_scores(session, [ScoreIn(r.id, r.content_hash, 0.9, True, ["elephant"], ["lexicon: 象牙"])
                                for r in rows], model_version="bench-1", threshold=0.5)
        keys = [create_api_key(session, role="moderator", name=f"moderator {m}", actor="bench")[1]
                for m in range(moderators + 1)]
        ids = [r.id for r in rows]
    engine.dispose()
    chunks = [ids[m * decisions:(m + 1) * decisions] for m in range(moderators + 1)]
    return Seeded(url, keys[1:], chunks[1:], keys[0], chunks[0])


def stored_reviews(url: str) -> tuple[int, int]:
    """(reviews stored, listings with more than one review)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(Review)).scalar_one()
            per_listing = select(Review.listing_id).group_by(Review.listing_id).having(func.count() > 1).subquery()
            doubled = conn.execute(select(func.count()).select_from(per_listing)).scalar_one()
    finally:
        engine.dispose()
    return total, doubled


@dataclass
class ModeratorRun:
    """One pass of decisions: what was asked, what came back, and how long it took."""

    moderators: int
    decisions: int
    seconds: float = 0.0
    statuses: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.moderators * self.decisions / self.seconds if self.seconds else 0.0

    def summary(self) -> dict[str, Any]:
        data = {k: v for k, v in asdict(self).items() if k not in ("latencies_ms", "statuses")}
        data["statuses"] = dict(self.statuses)
        data["errors"] = self.errors[:10]
        data["error_count"] = len(self.errors)
        data["decisions_per_s"] = round(self.per_second, 1)
        data["p99_ms"] = round(_percentile(self.latencies_ms, 99), 1)
        return data


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    if not match:
        raise AssertionError("no CSRF token on the page")
    return match.group(1)


def _moderate(base_url: str, key: str, listing_ids: list[int], *, ui: bool, run: ModeratorRun,
              lock: threading.Lock) -> None:
    def record(status: int, expected: tuple[int, ...], what: str, started: float) -> None:
        with lock:
            run.latencies_ms.append((time.perf_counter() - started) * 1000)
            run.statuses[str(status)] += 1
            if status not in expected:
                run.errors.append(f"{what}: HTTP {status}")

    with httpx.Client(base_url=base_url, timeout=120, follow_redirects=False) as client:
        if ui:
            page = client.get("/review/login")
            login = client.post("/review/login", data={"api_key": key, "csrf": _csrf(page.text)})
            if login.status_code != 303:
                with lock:
                    run.errors.append(f"login: HTTP {login.status_code}")
                return
        for listing_id in listing_ids:
            if ui:
                page = client.get(f"/review/listings/{listing_id}")
                started = time.perf_counter()
                response = client.post(f"/review/listings/{listing_id}/decision",
                                       data={"decision": "confirmed", "reason": "protected_species",
                                             "csrf": _csrf(page.text)})
                record(response.status_code, (303,), f"UI decision on {listing_id}", started)
            else:
                headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": str(uuid.uuid4())}
                body = {"decision": "confirmed", "reason": "protected_species"}
                for attempt in ("first", "retry"):
                    started = time.perf_counter()
                    response = client.post(f"/v1/listings/{listing_id}/reviews", json=body, headers=headers)
                    record(response.status_code, (201,), f"API decision on {listing_id} ({attempt})", started)


def run_moderators(base_url: str, keys: list[str], listings: list[list[int]]) -> ModeratorRun:
    """All moderators at once, each deciding its own listings; even-numbered ones through the UI."""
    run = ModeratorRun(len(keys), len(listings[0]) if listings else 0)
    lock = threading.Lock()
    threads = [threading.Thread(target=_moderate, args=(base_url, key, ids),
                                kwargs={"ui": m % 2 == 0, "run": run, "lock": lock})
               for m, (key, ids) in enumerate(zip(keys, listings, strict=True))]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(600)
    run.seconds = time.perf_counter() - started
    return run


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` in MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise ValueError(f"no VmRSS for pid {pid}")


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


class _Poller:
    """Polls /healthz and samples the server's RSS until stopped."""

    def __init__(self, base_url: str, pid: int) -> None:
        self.base_url, self.pid = base_url, pid
        self.latencies_ms: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.rss: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=30) as client:
            while not self._stop.is_set():
                started = time.perf_counter()
                try:
                    status = client.get("/healthz").status_code
                except httpx.HTTPError:
                    status = 0
                self.latencies_ms.append((time.perf_counter() - started) * 1000)
                self.statuses[status] += 1
                self.rss.append(rss_mb(self.pid))
                self._stop.wait(0.02)

    def __enter__(self) -> _Poller:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(60)


def _send_body(host: str, port: int, megabytes: int, mode: str, outcome: Counter[str], lock: threading.Lock) -> None:
    """Send one keyless body (``length``: announced; ``chunked``; ``slow``: chunked, trickling) and
    record the server's answer."""
    size = megabytes * 1024 * 1024
    chunk = b'{"title": "' + b"A" * (64 * 1024 - 11)
    head = f"POST /v1/score HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
    head += f"Content-Length: {size}\r\n\r\n" if mode == "length" else "Transfer-Encoding: chunked\r\n\r\n"
    answer = "no answer"
    try:
        with socket.create_connection((host, port), timeout=30) as sock:
            sock.sendall(head.encode())
            sent = 0
            sock.setblocking(False)
            deadline = time.monotonic() + 120
            received = b""
            while time.monotonic() < deadline:
                try:
                    data = sock.recv(65536)
                    if not data:
                        break
                    received += data
                    if b"\r\n\r\n" in received:
                        break
                except BlockingIOError:
                    pass
                if sent < size:
                    piece = chunk if mode != "slow" else b"A" * 64
                    framed = piece if mode == "length" else f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
                    try:
                        sock.send(framed)
                        sent += len(piece)
                    except BlockingIOError:
                        time.sleep(0.001)
                    except OSError:
                        sent = size  # the server closed: read its answer
                    if mode == "slow":
                        time.sleep(0.05)
                else:
                    time.sleep(0.005)
            match = re.match(rb"HTTP/1\.1 (\d{3})", received)
            answer = match.group(1).decode() if match else "no answer"
    except OSError as exc:
        answer = f"connection error: {type(exc).__name__}"
    with lock:
        outcome[answer] += 1


@dataclass
class BodyRun:
    """What the hostile bodies got, and how the server held up meanwhile."""

    clients: int
    megabytes: int
    bodies_sent: int
    answers: dict[str, int]
    rss_before_mb: float
    rss_peak_mb: float
    healthz_idle_p99_ms: float
    healthz_p99_ms: float
    healthz_p50_ms: float
    healthz_answered: int
    healthz_failed: int
    seconds: float

    @property
    def rss_growth_mb(self) -> float:
        return self.rss_peak_mb - self.rss_before_mb

    @property
    def all_refused(self) -> bool:
        return sum(n for answer, n in self.answers.items() if answer in ("401", "413")) == self.bodies_sent

    def summary(self) -> dict[str, Any]:
        return {**asdict(self), "rss_growth_mb": round(self.rss_growth_mb, 1), "all_refused": self.all_refused}


def _attack(host: str, port: int, megabytes: int, mode: str, outcome: Counter[str], lock: threading.Lock,
            until: float, pace: float) -> None:
    """One client: a body, then the next one ``pace`` seconds after the last began, until ``until``."""
    while True:
        started = time.monotonic()
        _send_body(host, port, megabytes, mode, outcome, lock)
        if time.monotonic() >= until:
            return
        time.sleep(max(0.0, min(pace - (time.monotonic() - started), until - time.monotonic())))


def run_bodies(base_url: str, pid: int, *, clients: int, megabytes: int, seconds: float = 0.0, pace: float = 1.0,
               idle_seconds: float = 2.0) -> BodyRun:
    """``clients`` keyless bodies at once, each client starting another every ``pace`` seconds (0: as
    soon as one is refused) for ``seconds``, while /healthz is polled; half announce their length."""
    host, port = base_url.removeprefix("http://").rsplit(":", 1)
    with _Poller(base_url, pid) as idle:
        time.sleep(idle_seconds)
    before = max(idle.rss[-5:])
    outcome: Counter[str] = Counter()
    lock = threading.Lock()
    modes = ["slow" if i == clients - 1 and clients > 2 else "length" if i % 2 == 0 else "chunked"
             for i in range(clients)]
    started = time.perf_counter()
    until = time.monotonic() + seconds
    threads = [threading.Thread(target=_attack, args=(host, int(port), megabytes, mode, outcome, lock, until, pace))
               for mode in modes]
    with _Poller(base_url, pid) as busy:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
        time.sleep(0.5)  # memory settles (or not) after the last client
    return BodyRun(
        clients=clients, megabytes=megabytes, bodies_sent=sum(outcome.values()), answers=dict(outcome), rss_before_mb=round(before, 1),
        rss_peak_mb=round(max(busy.rss or [before]), 1), healthz_idle_p99_ms=round(_percentile(idle.latencies_ms, 99), 1),
        healthz_p99_ms=round(_percentile(busy.latencies_ms, 99), 1),
        healthz_p50_ms=round(statistics.median(busy.latencies_ms or [0.0]), 1),
        healthz_answered=sum(n for s, n in busy.statuses.items() if s), healthz_failed=busy.statuses.get(0, 0),
        seconds=round(time.perf_counter() - started, 1),
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(url: str, var_dir: Path) -> Iterator[tuple[str, int]]:
    """`wildwatch serve` on a free loopback port in its own process: (base URL, pid)."""
    port = _free_port()
    env = dict(os.environ, WILDWATCH_VAR_DIR=str(var_dir), WILDWATCH_API__RATE_LIMIT_PER_MINUTE="0",
               WILDWATCH_LOG_LEVEL="WARNING", PYTHONWARNINGS="ignore")
    log = var_dir / "serve.log"
    var_dir.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "wildwatch.cli", "serve", "--db", url, "--port", str(port)],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"serve exited {proc.returncode}: {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=5).status_code in (200, 503):
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("serve did not answer within 180 s")
            time.sleep(0.2)
        yield base, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(30)


@contextmanager
def store_url(backend: str, tmp: Path) -> Iterator[str]:
    """A new, empty database on ``backend`` (a PostgreSQL one is dropped afterwards)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'hostile.db'}"
        return
    name = f"ww_bench_hostile_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    """Both scenarios on one backend."""
    result: dict[str, Any] = {"backend": backend}
    with tempfile.TemporaryDirectory(prefix="wildwatch-hostile-") as tmp, store_url(backend, Path(tmp)) as url:
        seeded = seed(url, args.moderators, args.decisions)
        with serve(url, Path(tmp) / "var") as (base, pid):
            if not args.skip_moderators:
                baseline = run_moderators(base, [seeded.baseline_key], [seeded.baseline_listings])
                concurrent = run_moderators(base, seeded.keys, seeded.listings)
                stored, doubled = stored_reviews(url)
                result["moderators"] = {
                    "baseline": baseline.summary(), "concurrent": concurrent.summary(),
                    "reviews_stored": stored, "reviews_expected": (args.moderators + 1) * args.decisions,
                    "listings_reviewed_twice": doubled,
                    "ratio_decisions_per_s": round(concurrent.per_second / baseline.per_second, 2)
                    if baseline.per_second else None,
                }
            if not args.skip_bodies:
                result["bodies"] = run_bodies(base, pid, clients=args.bodies, megabytes=args.body_mb,
                                              seconds=args.attack_seconds, pace=args.pace).summary()
    return result


def targets_met(result: dict[str, Any]) -> list[str]:
    """The targets a backend's result misses (empty when all are met)."""
    missed = []
    moderators = result.get("moderators")
    if moderators:
        if moderators["concurrent"]["error_count"] or moderators["baseline"]["error_count"]:
            missed.append(f"{result['backend']}: moderator requests failed: {moderators['concurrent']['errors']}")
        if moderators["reviews_stored"] != moderators["reviews_expected"] or moderators["listings_reviewed_twice"]:
            missed.append(f"{result['backend']}: {moderators['reviews_stored']} reviews stored, "
                          f"{moderators['reviews_expected']} expected")
    bodies = result.get("bodies")
    if bodies:
        if not bodies["all_refused"]:
            missed.append(f"{result['backend']}: bodies not all refused: {bodies['answers']}")
        if bodies["rss_growth_mb"] >= MAX_RSS_GROWTH_MB:
            missed.append(f"{result['backend']}: RSS grew {bodies['rss_growth_mb']} MB")
        if bodies["healthz_p99_ms"] >= MAX_HEALTHZ_P99_MS or bodies["healthz_failed"]:
            missed.append(f"{result['backend']}: /healthz p99 {bodies['healthz_p99_ms']} ms, "
                          f"{bodies['healthz_failed']} failed")
    return missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--moderators", type=int, default=8)
    parser.add_argument("--decisions", type=int, default=50, help="Decisions per moderator.")
    parser.add_argument("--bodies", type=int, default=20, help="Concurrent keyless bodies.")
    parser.add_argument("--body-mb", type=int, default=100, help="Size of each body in MB.")
    parser.add_argument("--attack-seconds", type=float, default=15.0, help="How long the clients keep sending.")
    parser.add_argument("--pace", type=float, default=1.0,
                        help="Each client starts a body every PACE seconds (0: a flood, the next as soon as one "
                        "is refused: a connection-rate test beyond the issue's target).")
    parser.add_argument("--skip-moderators", action="store_true")
    parser.add_argument("--skip-bodies", action="store_true")
    args = parser.parse_args(argv)
    results = []
    for backend in args.backends:
        print(f"{backend}: seeding, starting `wildwatch serve` ...", file=sys.stderr, flush=True)
        result = run_backend(backend, args)
        results.append(result)
        moderators, bodies = result.get("moderators"), result.get("bodies")
        if moderators:
            c, b = moderators["concurrent"], moderators["baseline"]
            print(f"{backend}: {args.moderators} moderators x {args.decisions}: {c['error_count']} errors, "
                  f"{moderators['reviews_stored']}/{moderators['reviews_expected']} reviews stored, "
                  f"{moderators['listings_reviewed_twice']} twice; {c['decisions_per_s']} decisions/s vs "
                  f"{b['decisions_per_s']} alone (ratio {moderators['ratio_decisions_per_s']}), "
                  f"p99 {c['p99_ms']} ms vs {b['p99_ms']} ms", file=sys.stderr)
        if bodies:
            print(f"{backend}: {args.bodies} clients sending {args.body_mb} MB keyless bodies (one each every "
                  f"{args.pace:g} s) for {args.attack_seconds:g} s ({bodies['bodies_sent']} bodies): "
                  f"{bodies['answers']}; server RSS "
                  f"{bodies['rss_before_mb']} -> peak {bodies['rss_peak_mb']} MB (+{bodies['rss_growth_mb']}); "
                  f"/healthz p99 {bodies['healthz_p99_ms']} ms vs {bodies['healthz_idle_p99_ms']} ms idle "
                  f"({bodies['healthz_answered']} answered, {bodies['healthz_failed']} failed)", file=sys.stderr)
    missed = [miss for result in results for miss in targets_met(result)]
    for miss in missed:
        print(f"TARGET MISSED: {miss}", file=sys.stderr)
    print(json.dumps({"results": results, "missed": missed, "cpus": os.cpu_count(),
                      "load_average": os.getloadavg()}, indent=2))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
