"""API latency, load rate and export memory at scale, on SQLite and PostgreSQL.

    python -m bench.api --rows 1000000            # both backends, the issue's targets
    python -m bench.api --rows 20000 --duration 5 # a quick run

For each backend: generate and bulk-load ``--rows`` listings (reused when the bench database
already holds them), start uvicorn on loopback, and drive it with ``wrk`` (a real load
generator; ``apt-get install wrk``) — a bare FastAPI endpoint returning static JSON in the same
server and run, then the analyst queries.  Finally streams a full CSV export and reports the
server's peak RSS.  Prints a table on stderr and JSON on stdout.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from sqlalchemy import create_engine, text

from bench.gen_listings import load
from store.apikeys import create_api_key
from store.db import make_engine, make_session_factory, migrate, session_scope
from core.settings import PROJECT_ROOT, get_settings
from wildwatch.commands.serve import run_app, worker_count

logger = logging.getLogger(__name__)

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SCENARIOS = [
    ("bare (static JSON, no DB, no auth)", "/bench/bare", {}),
    ("flagged=true&species=pangolin", "/v1/listings", {"flagged": "true", "species": "pangolin"}),
    ("flagged=true&species=tiger&limit=50", "/v1/listings", {"flagged": "true", "species": "tiger", "limit": "50"}),
    ("q=象牙 (Simplified)", "/v1/listings", {"q": "象牙"}),
    ("q=鶴頂紅 (Traditional)", "/v1/listings", {"q": "鶴頂紅"}),
    ("q=ivory bangle (English, 2 words)", "/v1/listings", {"q": "ivory bangle"}),
    ("q=手镯 (common word, 1 in 8)", "/v1/listings", {"q": "手镯"}),
]


class _BenchModel:
    """Stands in for the classifier so /healthz is green; /v1/score is not benchmarked."""

    version = "bench"
    threshold = 0.5

    def score_batch(self, titles: list[str], descriptions: list[str]) -> list[Any]:
        return []


def bench_app():  # type: ignore[no-untyped-def]
    """The real app (settings from the environment) plus a bare endpoint for the baseline."""
    from api.app import create_app

    app = create_app(model=_BenchModel())

    @app.get("/bench/bare", include_in_schema=False)
    def bare() -> dict[str, object]:
        return {"status": "ok", "items": [1, 2, 3]}

    return app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _count(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM listings")).scalar() or 0
    except Exception:  # no such database or table yet
        return -1
    finally:
        engine.dispose()


def prepare_store(
    backend: str, rows: int, *, fresh: bool, pg_database: str | None = None
) -> tuple[str, dict[str, Any] | None]:
    """The bench database URL, loaded with ``rows`` listings (load timings when it had to load).

    A reused store is first migrated to the current schema, so the bench measures this code.
    """
    if backend == "sqlite":
        path = PROJECT_ROOT / "var" / "bench" / f"listings-{rows}.db"
        url = f"sqlite:///{path}"
        if fresh or _count(url) != rows:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            path.parent.mkdir(parents=True, exist_ok=True)
            return url, load(url, rows)
        _migrate(url)
        return url, None
    name = pg_database or f"ww_bench_{rows}"
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    if fresh or _count(url) != rows:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return url, load(url, rows)
    _migrate(url)
    return url, None


def _migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        migrate(engine)
    finally:
        engine.dispose()


def _new_key(url: str) -> str:
    engine = make_engine(url)
    with session_scope(make_session_factory(engine)) as session:
        key = create_api_key(session, role="analyst", name="bench", actor="bench")[1]
    engine.dispose()
    return key


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


#: Seconds of a scenario's own traffic before it is measured (steady state: every worker has run it).
WARM_SECONDS = 2


def run_wrk(url: str, key: str, *, duration: int, connections: int, threads: int) -> dict[str, float]:
    """p50/p90/p99 latency (ms) and requests/s from ``wrk --latency``."""
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s",
        "-H", f"Authorization: Bearer {key}", url,
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", out, re.MULTILINE))  # "1.53s " ends in a space
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "p50_ms": _ms(percentiles["50"]),
        "p90_ms": _ms(percentiles["90"]),
        "p99_ms": _ms(percentiles["99"]),
        "requests_per_s": rate,
        "non_2xx": int(errors.group(1)) if errors else 0,
        "requests": requests,
    }


def server_cpu_seconds(pid: int) -> float:
    """User + system CPU time of the server process and its worker processes so far."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    return own + sum(server_cpu_seconds(int(child)) for child in children)


def _rss_kb(pid: int, field: str) -> int:
    """``field`` of /proc status for ``pid``, or the largest among its children (uvicorn's workers)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    if children:
        return max(_rss_kb(int(child), field) for child in children)
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def measure_export(base: str, key: str, pid: int, fmt: str) -> dict[str, Any]:
    """Stream a full export, counting bytes and rows; the server's RSS before and its peak after."""
    before = _rss_kb(pid, "VmRSS")
    start = time.perf_counter()
    size = newlines = 0
    with httpx.Client(timeout=None) as client, client.stream(
        "GET", f"{base}/v1/export", params={"format": fmt}, headers={"Authorization": f"Bearer {key}"}
    ) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            size += len(chunk)
            newlines += chunk.count(b"\n")
    elapsed = time.perf_counter() - start
    return {
        "format": fmt,
        "seconds": round(elapsed, 1),
        "megabytes": round(size / 1e6, 1),
        "lines": newlines,
        "server_rss_before_mb": round(before / 1024, 1),
        "server_peak_rss_mb": round(_rss_kb(pid, "VmHWM") / 1024, 1),
    }


def _scenario_url(base: str, path: str, params: dict[str, str]) -> str:
    return base + path + ("?" + urlencode(params, quote_via=quote) if params else "")


def bench_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    db_url, loaded = prepare_store(backend, args.rows, fresh=args.fresh, pg_database=args.pg_database)
    key = _new_key(db_url)
    port = _free_port()
    env = os.environ | {
        "WILDWATCH_DATABASE_URL": db_url,
        "WILDWATCH_API__RATE_LIMIT_PER_MINUTE": "0",
        "WILDWATCH_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(  # served as `wildwatch serve` serves (its worker processes), plus /bench/bare
        [sys.executable, "-m", "bench.api", "--serve-port", str(port), "--workers", str(args.workers)],
        env=env, cwd=PROJECT_ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        else:
            raise RuntimeError("the API did not come up")
        results: dict[str, Any] = {"backend": backend, "rows": args.rows, "load": loaded, "scenarios": []}
        # /healthz answers as soon as one worker is up: load every worker before the first measured
        # scenario (the bare endpoint), or it carries the others' start-up CPU and half the workers
        run_wrk(base + SCENARIOS[0][1], key, duration=3, connections=args.connections, threads=args.threads)
        # The first seconds of the first list page on a fresh server, reported apart: each worker compiles
        # its statements, fills its connections' SQLite page caches and counts its plan statistics, which
        # put 150-300 ms on the p99 of whichever scenario came first (2026-12-07). Every scenario after it
        # is measured at steady state, after WARM_SECONDS of its own traffic.
        label, path, params = SCENARIOS[1]
        cold = run_wrk(_scenario_url(base, path, params), key, duration=args.duration, connections=args.connections,
                       threads=args.threads)
        results["cold_start"] = {"name": f"{label} (first {args.duration} s of a fresh server)", **cold}
        logger.info("%s cold start, %s: %s", backend, label, cold)
        for label, path, params in SCENARIOS:
            url = _scenario_url(base, path, params)
            httpx.get(url, headers={"Authorization": f"Bearer {key}"}, timeout=30).raise_for_status()
            run_wrk(url, key, duration=WARM_SECONDS, connections=args.connections, threads=args.threads)
            cpu = server_cpu_seconds(server.pid)
            stats = run_wrk(url, key, duration=args.duration, connections=args.connections, threads=args.threads)
            # CPU per request: what throughput is on a quiet machine, measurable on a busy one
            stats["server_cpu_ms_per_request"] = round(
                (server_cpu_seconds(server.pid) - cpu) * 1000 / max(stats["requests"], 1), 3)
            results["scenarios"].append({"name": label, **stats})
            logger.info("%s %s: %s", backend, label, stats)
        bare_p99 = results["scenarios"][0]["p99_ms"]
        bare_rate = results["scenarios"][0]["requests_per_s"]
        for row in results["scenarios"]:
            row["p99_ratio_to_bare"] = round(row["p99_ms"] / bare_p99, 1) if bare_p99 else None
            row["rate_ratio_to_bare"] = round(row["requests_per_s"] / bare_rate, 3) if bare_rate else None
            row["cpu_ratio_bare_to_this"] = round(
                results["scenarios"][0]["server_cpu_ms_per_request"] / row["server_cpu_ms_per_request"], 3
            ) if row["server_cpu_ms_per_request"] else None
        if not args.skip_export:
            results["export"] = [measure_export(base, key, server.pid, fmt) for fmt in args.export_formats]
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def _print_table(results: list[dict[str, Any]]) -> None:
    out = sys.stderr
    for result in results:
        load_info = result["load"]
        print(f"\n== {result['backend']}: {result['rows']:,} listings", file=out)
        if load_info:
            print(f"   load: {load_info['rows_per_second']:,} rows/s ({load_info['load_seconds']} s; "
                  f"generation {load_info['generate_seconds']} s not included)", file=out)
        print(f"   {'scenario':40} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'req/s':>8} {'p99/bare':>9} "
              f"{'req/s / bare':>12} {'CPU ms/req':>10} {'bare CPU / this':>15}", file=out)
        for row in result["scenarios"]:
            print(f"   {row['name']:40} {row['p50_ms']:8.2f} {row['p90_ms']:8.2f} {row['p99_ms']:8.2f} "
                  f"{row['requests_per_s']:8.0f} {row['p99_ratio_to_bare']:9.1f} {row['rate_ratio_to_bare']:12.3f} "
                  f"{row['server_cpu_ms_per_request']:10.3f} {row['cpu_ratio_bare_to_this'] or 0:15.3f}", file=out)
        cold = result.get("cold_start")
        if cold:
            print(f"   cold start: {cold['name']}: p50 {cold['p50_ms']:.2f} ms, p99 {cold['p99_ms']:.2f} ms, "
                  f"{cold['requests_per_s']:,.0f} req/s", file=out)
        for export in result.get("export", []):
            print(f"   export {export['format']}: {export['lines']:,} lines, {export['megabytes']} MB in "
                  f"{export['seconds']} s; server RSS {export['server_rss_before_mb']} MB before, "
                  f"peak {export['server_peak_rss_mb']} MB", file=out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="Listings in the store.")
    parser.add_argument("--backends", default="sqlite,postgresql", help="Comma-separated: sqlite, postgresql.")
    parser.add_argument("--duration", type=int, default=15, help="Seconds per wrk scenario.")
    parser.add_argument("--connections", type=int, default=32,
                        help="Concurrent wrk connections (issue 16's target is stated at 32).")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads.")
    parser.add_argument("--fresh", action="store_true", help="Reload the store even if it already has --rows.")
    parser.add_argument(
        "--workers", type=int, default=worker_count(get_settings().api.workers),
        help="Server processes (default: what `wildwatch serve` starts, WILDWATCH_API__WORKERS).",
    )
    parser.add_argument("--pg-database", help="PostgreSQL database for the store (default: ww_bench_<rows>).")
    parser.add_argument("--skip-export", action="store_true", help="Do not measure the full export.")
    parser.add_argument("--export-formats", nargs="+", default=["csv"], choices=["csv", "parquet"])
    parser.add_argument("--serve-port", type=int, help=argparse.SUPPRESS)  # the server process of a run
    args = parser.parse_args(argv)
    if args.serve_port:
        run_app(bench_app(), host="127.0.0.1", port=args.serve_port, processes=args.workers)
        return
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(message)s")
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed (apt-get install wrk)")
    results = [bench_backend(backend.strip(), args) for backend in args.backends.split(",")]
    _print_table(results)
    print(json.dumps({"load_average": os.getloadavg(), "cpus": os.cpu_count(), "workers": args.workers,
                      "connections": args.connections, "results": results}, indent=2))


if __name__ == "__main__":
    main()
