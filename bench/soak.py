"""`make soak`: the API under steady load for ``--minutes`` (default 10): p50/p99 and memory over time.

Starts ``wildwatch serve`` on a seeded SQLite store in its own process, drives a fixed request
rate from a few client threads (a mix of list, filter, search, detail, stats and review posts),
and samples the server's resident memory every ``--interval`` seconds.  Memory must not grow:
after the warm-up, the last fifth of the samples may exceed the first fifth by at most
``--max-growth-mb`` (default 25 MB).  Exit status 1 when it grows or errors appear.
A JSON report goes to ``--json`` (default ``var/bench/soak.json``).

    .venv/bin/python bench/soak.py --minutes 10 --rate 40
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_TITLES = ("象牙手镯 老料 包真", "Carved ivory bangle", "穿山甲片 正品", "犀牛角 杯", "普洱茶饼 2010年", "Vintage chair",
           "儿童毛绒玩具熊", "Tomato seedlings", "玳瑁梳子 老货", "Rosewood box")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def seed(db_url: str, listings: int) -> tuple[str, str, list[int]]:
    """A store with ``listings`` scored listings; returns (analyst key, moderator key, listing ids)."""
    from store.apikeys import create_api_key
    from store.db import make_engine, make_session_factory, migrate, session_scope
    from store.listings import ListingIn, upsert_listings
    from store.models import Listing
    from store.scores import ScoreIn, record_scores
    from sqlalchemy import select

    engine = make_engine(db_url)
    migrate(engine)
    sessions = make_session_factory(engine)
    rng = random.Random(1)
    with session_scope(sessions) as session:
        for start in range(0, listings, 1000):
            upsert_listings(session, [
                ListingIn(url=f"https://soak.example/item/{i}", marketplace=rng.choice(("a.example", "b.example")),
                          title=f"{rng.choice(_TITLES)} #{i}", description=f"lot {i} " * 20,
                          seller_url=f"https://soak.example/seller/{i % 97}", seller_name=f"seller{i % 97}")
                for i in range(start, min(listings, start + 1000))])
        rows = list(session.scalars(select(Listing)))
        record_scores(session, [ScoreIn(r.id, r.content_hash, rng.random(), rng.random() > 0.6, ["elephant"], [])
                                for r in rows], model_version="soak-1", threshold=0.5)
        analyst = create_api_key(session, role="analyst", name="soak analyst")[1]
        moderator = create_api_key(session, role="moderator", name="soak moderator")[1]
        ids = [r.id for r in rows]
    engine.dispose()
    return analyst, moderator, ids


class Load:
    """Steady open-loop load: requests scheduled at a fixed rate, latencies recorded per interval."""

    def __init__(self, base: str, analyst: str, moderator: str, ids: list[int], rate: float, threads: int) -> None:
        self.base, self.rate, self.threads = base, rate, threads
        self.analyst, self.moderator, self.ids = analyst, moderator, ids
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors: dict[str, int] = {}
        self.requests = 0
        self.stop = threading.Event()

    def _request(self, client: httpx.Client, rng: random.Random) -> None:
        analyst = {"Authorization": f"Bearer {self.analyst}"}
        kind = rng.random()
        listing = rng.choice(self.ids)
        if kind < 0.35:
            response = client.get("/v1/listings", params={"limit": 50, "flagged": "true"}, headers=analyst)
        elif kind < 0.55:
            response = client.get("/v1/listings", params={"q": rng.choice(("象牙", "ivory", "穿山甲", "chair"))},
                                  headers=analyst)
        elif kind < 0.8:
            response = client.get(f"/v1/listings/{listing}", headers=analyst)
        elif kind < 0.9:
            response = client.get("/v1/stats", headers=analyst)
        else:
            response = client.post(f"/v1/listings/{listing}/reviews", headers={"Authorization": f"Bearer {self.moderator}"},
                                   json={"decision": "escalated", "reason": "needs_expert", "note": "soak"})
        if response.status_code >= 400:
            with self.lock:
                key = f"HTTP {response.status_code}"
                self.errors[key] = self.errors.get(key, 0) + 1

    def _worker(self, index: int) -> None:
        rng = random.Random(index)
        period = self.threads / self.rate
        next_at = time.monotonic() + rng.random() * period
        with httpx.Client(base_url=self.base, timeout=30, trust_env=False) as client:
            while not self.stop.is_set():
                delay = next_at - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                next_at += period
                started = time.monotonic()
                try:
                    self._request(client, rng)
                except httpx.HTTPError as exc:
                    with self.lock:
                        self.errors[type(exc).__name__] = self.errors.get(type(exc).__name__, 0) + 1
                with self.lock:
                    self.latencies.append((time.monotonic() - started) * 1000)
                    self.requests += 1

    def start(self) -> list[threading.Thread]:
        workers = [threading.Thread(target=self._worker, args=(i,), daemon=True) for i in range(self.threads)]
        for worker in workers:
            worker.start()
        return workers

    def take(self) -> list[float]:
        with self.lock:
            out, self.latencies = self.latencies, []
        return out


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def soak(minutes: float, rate: float, threads: int, interval: float, listings: int, warmup: float) -> dict[str, Any]:
    """Run the soak; returns the report (samples, summary, verdict inputs)."""
    work = Path(tempfile.mkdtemp(prefix="wildwatch-soak-"))
    db_url = f"sqlite:///{work / 'soak.db'}"
    analyst, moderator, ids = seed(db_url, listings)
    port = _free_port()
    env = dict(os.environ, WILDWATCH_DATABASE_URL=db_url, WILDWATCH_VAR_DIR=str(work),
               WILDWATCH_API__RATE_LIMIT_PER_MINUTE="0", WILDWATCH_LOG_LEVEL="WARNING", PYTHONWARNINGS="ignore")
    server = subprocess.Popen([sys.executable, "-m", "wildwatch.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    samples: list[dict[str, float]] = []
    load = Load(base, analyst, moderator, ids, rate, threads)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=2, trust_env=False).status_code in (200, 503):
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(f"the API did not start: {server.stderr.read() if server.stderr else ''}")
            time.sleep(0.2)
        started = time.monotonic()
        workers = load.start()
        end = started + minutes * 60
        while time.monotonic() < end:
            time.sleep(min(interval, max(0.0, end - time.monotonic())))
            window = load.take()
            sample = {"t": round(time.monotonic() - started, 1), "rss_mb": round(_rss_mb(server.pid), 1),
                      "requests": len(window), "p50_ms": _pct(window, 0.5), "p99_ms": _pct(window, 0.99)}
            samples.append(sample)
            print(f"t={sample['t']:7.1f}s rss={sample['rss_mb']:7.1f} MB  {sample['requests']:5d} req  "
                  f"p50={sample['p50_ms']:7.2f} ms  p99={sample['p99_ms']:7.2f} ms", file=sys.stderr, flush=True)
        load.stop.set()
        for worker in workers:
            worker.join(timeout=35)
    finally:
        load.stop.set()
        try:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(server.pid, signal.SIGKILL)
        if server.stderr:
            server.stderr.close()
    steady = [s for s in samples if s["t"] >= warmup] or samples
    fifth = max(1, len(steady) // 5)
    first = statistics.median(s["rss_mb"] for s in steady[:fifth])
    last = statistics.median(s["rss_mb"] for s in steady[-fifth:])
    all_p50 = [s["p50_ms"] for s in steady]
    all_p99 = [s["p99_ms"] for s in steady]
    return {
        "minutes": minutes, "rate_per_s": rate, "threads": threads, "listings": listings,
        "requests": load.requests, "errors": load.errors,
        "p50_ms_median": round(statistics.median(all_p50), 2) if all_p50 else None,
        "p99_ms_median": round(statistics.median(all_p99), 2) if all_p99 else None,
        "p99_ms_worst": max(all_p99) if all_p99 else None,
        "rss_mb_first_fifth": first, "rss_mb_last_fifth": last, "rss_growth_mb": round(last - first, 1),
        "samples": samples,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=40.0, help="Requests per second (steady).")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--interval", type=float, default=10.0, help="Seconds between samples.")
    parser.add_argument("--listings", type=int, default=5000)
    parser.add_argument("--warmup", type=float, default=30.0, help="Seconds ignored by the memory verdict.")
    parser.add_argument("--max-growth-mb", type=float, default=25.0)
    parser.add_argument("--json", type=Path, default=ROOT / "var" / "bench" / "soak.json")
    args = parser.parse_args(argv)
    report = soak(args.minutes, args.rate, args.threads, args.interval, args.listings, args.warmup)
    report["max_growth_mb"] = args.max_growth_mb
    grew = report["rss_growth_mb"] > args.max_growth_mb
    report["verdict"] = "memory grew" if grew else ("errors" if report["errors"] else "ok")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\n{report['requests']} requests in {args.minutes:g} min at {args.rate:g}/s: "
          f"p50 {report['p50_ms_median']} ms, p99 {report['p99_ms_median']} ms (worst interval {report['p99_ms_worst']} ms); "
          f"RSS {report['rss_mb_first_fifth']:.1f} -> {report['rss_mb_last_fifth']:.1f} MB "
          f"(growth {report['rss_growth_mb']:+.1f} MB, limit {args.max_growth_mb:g}); errors {report['errors'] or 'none'}; "
          f"verdict: {report['verdict']}\nreport: {args.json}")
    return 0 if report["verdict"] == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
