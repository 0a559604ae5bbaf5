"""Bulk load and rescoring of stored listings, on SQLite and PostgreSQL, each beside a same-run ceiling.

    python -m bench.load --rows 1000000                 # the issue's size (both backends)
    python -m bench.load --rows 50000 --backends sqlite # a quick run

For each backend, in a fresh store:

- **load**: ``store.bulk.load_listings`` of ``--rows`` generated listings (``bench/gen_listings.py``,
  generated before timing) with its indexes deferred and rebuilt, against the ceiling of plain
  SQLAlchemy Core ``executemany`` of the same ``listings`` rows alone (no versions, score history,
  species or search index, indexes deferred alike) into another fresh store;
- **score**: ``wildwatch.scoring.score_stored`` of the loaded listings (every one rescored and
  written: they were loaded as scored by another model) with the workers ``wildwatch score``
  uses, against the same listings scored from memory with the same workers and nothing written.

Wall seconds, CPU seconds of this process and its workers, and the load average are reported;
the machine is shared, so compare the ratios.  Prints one JSON document on stdout.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text

from bench.gen_listings import generate_listings, generate_sellers
from store.bulk import (
    _LISTING_COLUMNS,
    _SQLITE_LOAD_PRAGMAS,
    _copy_payloads,
    _listing_tuple,
    deferred_indexes,
    load_listings,
    load_sellers,
)
from store.db import make_engine, migrate
from store.models import Listing

logger = logging.getLogger(__name__)

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(work: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall s, CPU s, result) of ``work``."""
    cpu, start = _cpu(), time.perf_counter()
    result = work()
    return time.perf_counter() - start, _cpu() - cpu, result


@contextmanager
def fresh_store(backend: str, name: str, tmp: Path) -> Iterator[str]:
    """The URL of a new, migrated store (dropped afterwards)."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp / f'{name}.db'}"
    else:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    try:
        yield url
    finally:
        if backend != "sqlite":
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def core_executemany(url: str, batches: list[list[Any]], sellers: int) -> float:
    """Seconds for SQLAlchemy Core ``insert(listings)`` executemany of the rows, indexes deferred."""
    engine = make_engine(url)
    load_sellers(engine, generate_sellers(sellers))
    sqlite = engine.dialect.name == "sqlite"
    rows = [[dict(zip(_LISTING_COLUMNS, _listing_tuple(row), strict=True)) for row in batch] for batch in batches]
    for batch_rows, batch in zip(rows, batches, strict=True):  # Core binds typed values, not SQLite's text forms
        for values, row in zip(batch_rows, batch, strict=True):
            values.update(first_seen=row.first_seen, last_seen=row.last_seen, fetched_at=row.last_seen,
                          scored_at=row.last_seen, price=row.price, images=[], reasons=list(row.reasons),
                          extra=None)
    start = time.perf_counter()
    with deferred_indexes(engine, ("listings",)):
        for batch_rows in rows:
            with engine.begin() as conn:
                if sqlite:
                    conn.exec_driver_sql("PRAGMA cache_size = -262144")
                conn.execute(insert(Listing), batch_rows)
    seconds = time.perf_counter() - start
    engine.dispose()
    return seconds


def driver_floor(url: str, batches: list[list[Any]], sellers: int) -> tuple[float, float]:
    """(seconds to format, seconds to write) the ``listings`` rows alone by the driver, indexes deferred.

    The rows are formatted first (``_listing_tuple`` for SQLite, the COPY text for PostgreSQL), so
    the write is the database's own time for rows this wide; the loader cannot beat it.
    """
    engine = make_engine(url)
    load_sellers(engine, generate_sellers(sellers))
    sqlite = engine.dialect.name == "sqlite"
    start = time.perf_counter()
    if sqlite:
        formatted: list[Any] = [[_listing_tuple(row) for row in batch] for batch in batches]
    else:
        formatted = [_copy_payloads(batch)[0][2] for batch in batches]
    format_s = time.perf_counter() - start
    placeholders = ", ".join("?" for _ in _LISTING_COLUMNS)
    insert_sql = f"INSERT INTO listings ({', '.join(_LISTING_COLUMNS)}) VALUES ({placeholders})"
    with deferred_indexes(engine, ("listings",)):
        start = time.perf_counter()
        for payload in formatted:
            with engine.begin() as conn:
                driver = conn.connection.driver_connection
                cursor = driver.cursor()  # type: ignore[union-attr]
                if sqlite:  # the loader's own settings
                    for name, value in _SQLITE_LOAD_PRAGMAS.items():
                        conn.exec_driver_sql(f"PRAGMA {name} = {value}")
                    cursor.executemany(insert_sql, payload)
                else:
                    conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
                    with cursor.copy(f"COPY listings ({', '.join(_LISTING_COLUMNS)}) FROM STDIN") as copy:
                        copy.write(payload)
        write_s = time.perf_counter() - start
    engine.dispose()
    return format_s, write_s


def bench_backend(backend: str, rows: int, batch: int, tmp: Path) -> dict[str, Any]:
    sellers = max(10, rows // 10)
    batches = list(generate_listings(rows, sellers, batch=batch))
    out: dict[str, Any] = {"backend": backend, "rows": rows, "load_average_before": os.getloadavg()}
    with fresh_store(backend, f"ww_bench_load_core_{rows}", tmp) as url:
        out["core_executemany_s"] = round(core_executemany(url, batches, sellers), 2)
    with fresh_store(backend, f"ww_bench_load_floor_{rows}", tmp) as url:
        format_s, write_s = driver_floor(url, batches, sellers)
        out |= {"listings_format_rows_per_s": round(rows / format_s), "driver_floor_s": round(write_s, 2),
                "driver_floor_rows_per_s": round(rows / write_s)}
    with fresh_store(backend, f"ww_bench_load_{rows}", tmp) as url:
        engine = make_engine(url)
        load_sellers(engine, generate_sellers(sellers))

        def load() -> int:
            with deferred_indexes(engine):
                return load_listings(engine, batches)

        wall, cpu, _ = _timed(load)
        engine.dispose()
        out |= {"load_s": round(wall, 2), "load_cpu_s": round(cpu, 2), "load_rows_per_s": round(rows / wall),
                "core_executemany_rows_per_s": round(rows / out["core_executemany_s"])}
        keys = ("backend", "load_rows_per_s", "core_executemany_rows_per_s", "driver_floor_rows_per_s",
                "listings_format_rows_per_s")
        print(json.dumps({k: out[k] for k in keys}),
              file=sys.stderr, flush=True)
        out |= score_stored_listings(url, rows)
    out["load_average_after"] = os.getloadavg()
    return out


def score_stored_listings(url: str, rows: int) -> dict[str, Any]:
    """``score_stored`` of every stored listing against scoring the same texts from memory."""
    from core.settings import get_settings
    from store.scores import count_to_score, listings_to_score
    from wildwatch.runtime import open_store
    from wildwatch.scoring import default_workers, load_classifier, score_columns, score_stored

    settings = get_settings()
    model = load_classifier(settings.classifier.model_path, settings.classifier.models_dir)
    batch_size = settings.classifier.batch_size
    store = open_store(url)
    with store.sessions() as session:
        assert count_to_score(session, model_version=model.version) == rows
        listed = listings_to_score(session, model_version=model.version, limit=rows)
    workers = default_workers(rows, batch_size)
    columns = {"id": [str(r.listing_id) for r in listed], "title": [r.title for r in listed],
               "description": [r.description for r in listed]}
    memory_wall, memory_cpu, _ = _timed(lambda: score_columns(columns, model, batch_size=batch_size, workers=workers))
    stored_wall, stored_cpu, result = _timed(lambda: score_stored(store, model, batch_size=batch_size, workers=workers))
    store.close()
    assert result.scored == rows
    figures = {
        "score_workers": workers,
        "score_stored_s": round(stored_wall, 2), "score_stored_cpu_s": round(stored_cpu, 2),
        "score_stored_listings_per_s": round(rows / stored_wall),
        "score_memory_s": round(memory_wall, 2), "score_memory_cpu_s": round(memory_cpu, 2),
        "score_memory_listings_per_s": round(rows / memory_wall),
    }
    print(json.dumps(figures), file=sys.stderr, flush=True)
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=20_000, help="Listings per load batch (transaction).")
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    results = []
    with tempfile.TemporaryDirectory(prefix="wildwatch-bench-load-") as tmp:
        for backend in args.backends:
            results.append(bench_backend(backend, args.rows, args.batch, Path(tmp)))
    print(json.dumps({"cpus": os.cpu_count(), "results": results}, indent=2))


if __name__ == "__main__":
    main()
