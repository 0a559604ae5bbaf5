"""Listing photos: which perceptual hash to link on, how fast we hash, how fast the index answers at 1M.

Three parts, each printed as it finishes; the last line is a JSON summary.

1. **Hash choice**: seeded test photos (``bench/gen_photos.py``: textured scenes, studio product shots,
   close-up textures) and the edits re-posters make.  For each candidate rule, recall per edit and false
   matches among all pairs of unrelated photos.
2. **Hashing rate** of ``store.imaging.analyze_image`` on 800x800 JPEGs, one process on one core, beside
   a same-run baseline: Pillow decoding the same JPEGs at full size and nothing else.
3. **Match latency** of what the crawl's writer ships, ``store.memory_index.ImageIndex.find_matches``
   (the index in memory), with ``--n`` synthetic images (3 hashes each) on SQLite and PostgreSQL, beside
   the same queries through the database search ``store.image_index.find_matches`` (the previous path,
   and the fallback) in the same run, at 10,000 and at ``--n`` images; with the time to load the index
   from the store, its size, and a check that both paths give the very same answers.  Synthetic hashes
   are real photos' hashes with 35% of their bits flipped at random (one mask per image, shared by its
   crops), so they keep real hashes' bit statistics rather than being uniform; queries are edited copies
   of photos that are in the index, and unrelated photos.

    .venv/bin/python bench/photos.py                       # 300 photos, 1M hashes, both backends
    .venv/bin/python bench/photos.py --photos 80 --n 50000 --backends sqlite   # quick
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.gen_photos import EDITS, edit, jpeg_bytes, photo  # noqa: E402
from store.image_index import find_matches  # noqa: E402
from store.memory_index import ImageIndex  # noqa: E402
from store.imaging import CROPS, MIN_QUALITY, ImageFacts, analyze_image  # noqa: E402
from store.models import PDQ_CHUNK_BITS  # noqa: E402

PG_ADMIN = os.environ.get("WILDWATCH_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- 1. hash choice ------------------------------------------------------------------------------

def _alternatives(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """pHash and dHash (imagehash) of the whole frame, on the same reduced decode our hashing uses."""
    import imagehash
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    image.draft("RGB", (200, 200))
    gray = image.convert("L")
    return imagehash.phash(gray).hash.flatten(), imagehash.dhash(gray).hash.flatten()


def _bits(value: int) -> np.ndarray:
    return np.unpackbits(np.frombuffer(value.to_bytes(32, "big"), dtype=np.uint8)).astype(bool)


def _record(data: bytes) -> dict[str, Any]:
    facts = analyze_image(data)
    phash, dhash = _alternatives(data)
    return {"q": facts.quality, "pdq": _bits(facts.pdq), "crops": [_bits(v) for _, v in facts.crops],
            "phash": phash, "dhash": dhash}


def _distances(a: dict[str, Any], b: dict[str, Any]) -> dict[str, int]:
    whole = int((a["pdq"] != b["pdq"]).sum())
    framed = min([int((a["pdq"] != c).sum()) for c in b["crops"]] + [int((c != b["pdq"]).sum()) for c in a["crops"]])
    return {"pdq": whole, "pdq_crops": framed, "phash": int((a["phash"] != b["phash"]).sum()),
            "dhash": int((a["dhash"] != b["dhash"]).sum()), "q": min(a["q"], b["q"])}


RULES = {
    "PDQ <= 31 (whole frame)": lambda d: d["pdq"] <= 31 and d["q"] >= MIN_QUALITY,
    "PDQ <= 31, frame + centre crops (chosen)": lambda d: d["pdq_crops"] <= 31 and d["q"] >= MIN_QUALITY,
    "pHash <= 10": lambda d: d["phash"] <= 10,
    "dHash <= 10": lambda d: d["dhash"] <= 10,
    "pHash <= 12 and dHash <= 12": lambda d: d["phash"] <= 12 and d["dhash"] <= 12,
    "pHash <= 16": lambda d: d["phash"] <= 16,
}


def hash_choice(photos: int) -> dict[str, Any]:
    """Recall per edit and false matches among unrelated pairs, for each rule."""
    records = []
    positives: dict[str, list[dict[str, int]]] = {name: [] for name in EDITS}
    for seed in range(photos):
        image = photo(10_000 + seed)
        record = _record(jpeg_bytes(image))
        records.append(record)
        for name in EDITS:
            positives[name].append(_distances(record, _record(edit(image, name, seed))))
        if seed % 50 == 49:
            _say(f"hash choice: {seed + 1}/{photos} photos")
    negatives = [_distances(a, b) for i, a in enumerate(records) for b in records[i + 1:]]
    good = sum(1 for r in records if r["q"] >= MIN_QUALITY)
    table: dict[str, Any] = {}
    for rule, test in RULES.items():
        row: dict[str, Any] = {name: round(float(np.mean([test(d) for d in ds])), 3) for name, ds in positives.items()}
        row["recall_quality_50"] = {
            name: round(float(np.mean([test(d) for d in ds if d["q"] >= MIN_QUALITY] or [0])), 3)
            for name, ds in positives.items()
        }
        row["false_matches"] = sum(1 for d in negatives if test(d))
        row["false_matches_quality_50"] = sum(1 for d in negatives if d["q"] >= MIN_QUALITY and test(d))
        table[rule] = row
    return {"photos": photos, "photos_quality_50": good, "unrelated_pairs": len(negatives),
            "unrelated_pairs_quality_50": sum(1 for d in negatives if d["q"] >= MIN_QUALITY), "rules": table}


# -- 2. hashing rate -----------------------------------------------------------------------------

def hashing_rate(count: int, repeats: int) -> dict[str, Any]:
    """Images/s (CPU time of this one process) for analyze_image, and for a full-size decode alone."""
    from PIL import Image

    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    except (AttributeError, OSError):
        pass
    datas = [jpeg_bytes(photo(20_000 + seed), 85) for seed in range(count)]

    def rate(work: Any) -> float:
        start = time.process_time()
        for _ in range(repeats):
            for data in datas:
                work(data)
        return count * repeats / (time.process_time() - start)

    decode = rate(lambda data: Image.open(io.BytesIO(data)).convert("RGB"))
    ours = rate(analyze_image)
    return {"images": count, "size": "800x800 JPEG q85", "cores": 1, "analyze_images_per_cpu_s": round(ours),
            "baseline_full_decode_per_cpu_s": round(decode), "ratio": round(ours / decode, 2)}


# -- 3. match latency ----------------------------------------------------------------------------

def _pack(bits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rows, 256) bools -> four signed 64-bit words and the 11 chunk values per row."""
    packed = np.packbits(bits, axis=1)  # (rows, 32) bytes, big-endian
    words = packed.view(">u8").astype(np.uint64).view(np.int64)
    chunk_values = []
    start = 0
    for size in PDQ_CHUNK_BITS:
        weights = (1 << np.arange(size - 1, -1, -1, dtype=np.int64))
        chunk_values.append(bits[:, start:start + size].astype(np.int64) @ weights)
        start += size
    return words, np.stack(chunk_values, axis=1)


def _synthetic(bases: np.ndarray, n: int, first_id: int, rng: np.random.Generator):  # type: ignore[no-untyped-def]
    """Rows for images first_id.. first_id+n-1: a random base's 3 hashes with 35% of bits flipped."""
    pick = rng.integers(len(bases), size=n)
    flips = rng.random((n, 256)) < 0.35
    for crop_index, crop in enumerate(CROPS):
        bits = bases[pick, crop_index] ^ flips
        words, chunk_values = _pack(bits)
        yield crop, words, chunk_values


_HASH_COLUMNS = ["image_id", "crop", *[f"h{k}" for k in range(4)], *[f"c{k}" for k in range(len(PDQ_CHUNK_BITS))]]
_IMAGE_COLUMNS = ["id", "sha256", "path", "size", "mime", "width", "height", "frames", "pdq", "quality", "fetched_at"]


def _bulk_insert(connection: Any, table: str, columns: list[str], rows: list[list[Any]]) -> None:
    """Plain tuples: executemany on SQLite, COPY on PostgreSQL (a dict per row costs more than the insert)."""
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in columns)
        connection.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                                   [tuple(row) for row in rows])


def _populate(engine: Any, bases: np.ndarray, start: int, stop: int, rng: np.random.Generator) -> None:
    """Bulk-load synthetic images with the 11 chunk indexes dropped, then build them again (as a restore
    would); the indexes are what the queries use, so the measurement is the same."""
    from datetime import UTC, datetime

    chunk_indexes = [f"ix_image_hashes_c{k}" for k in range(len(PDQ_CHUNK_BITS))]
    with engine.begin() as connection:
        for name in chunk_indexes:
            connection.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
    now = datetime.now(UTC)
    batch = 100_000
    for first in range(start, stop, batch):
        n = min(batch, stop - first)
        ids = np.arange(first + 1, first + n + 1, dtype=np.int64)
        image_rows = [[int(i), f"{i:064x}", "-", 0, "image/jpeg", 800, 800, 1, "0" * 64, 100, now] for i in ids]
        hash_rows: list[list[Any]] = []
        for crop, words, chunk_values in _synthetic(bases, n, first, rng):
            crops = np.full((n, 1), crop, dtype=np.int64)
            hash_rows += np.column_stack([ids, crops, words, chunk_values]).tolist()
        with engine.begin() as connection:
            _bulk_insert(connection, "images", _IMAGE_COLUMNS, image_rows)
            _bulk_insert(connection, "image_hashes", _HASH_COLUMNS, hash_rows)
        _say(f"  {first + n:,} images loaded")
    with engine.begin() as connection:
        for k, name in enumerate(chunk_indexes):
            connection.exec_driver_sql(f"CREATE INDEX {name} ON image_hashes (c{k})")
    _say("  chunk indexes built")
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE image_hashes" if engine.dialect.name == "postgresql" else "ANALYZE")
        connection.commit()


def _insert_real(engine: Any, facts: list[ImageFacts], first_id: int) -> None:
    from sqlalchemy import insert

    from store.image_index import hash_rows
    from store.models import ImageHash, ImageRecord

    with engine.begin() as connection:
        for offset, fact in enumerate(facts):
            image_id = first_id + offset
            connection.execute(insert(ImageRecord), [{
                "id": image_id, "sha256": f"real{image_id:060x}", "path": "-", "size": 0, "mime": fact.mime,
                "width": fact.width, "height": fact.height, "frames": 1, "pdq": fact.pdq_hex, "quality": fact.quality}])
            rows = hash_rows(image_id, fact)
            if rows:
                connection.execute(insert(ImageHash), rows)


def _latencies(engine: Any, queries: list[tuple[ImageFacts, int | None]], index: ImageIndex | None = None,
               answers: list[Any] | None = None) -> dict[str, Any]:
    """Per-query latency through ``index`` (in memory), or the database search when None; each answer
    is appended to ``answers``."""
    from sqlalchemy.orm import Session

    times = []
    found = missed = false = 0
    with Session(engine) as session:
        for rep in range(2):  # warm the cache, then measure
            times.clear()
            for facts, expected in queries:
                start = time.perf_counter()
                matches = index.find_matches(session, facts) if index is not None else find_matches(session, facts)
                times.append((time.perf_counter() - start) * 1000)
                if rep and answers is not None:
                    answers.append(matches)
                ids = {m.image_id for m in matches}
                if expected is not None:
                    found += expected in ids
                    missed += expected not in ids
                false += len(ids - {expected})
    return {"queries": len(queries), "p50_ms": round(float(np.percentile(times, 50)), 2),
            "p99_ms": round(float(np.percentile(times, 99)), 2), "max_ms": round(max(times), 2),
            "true_matches_found": found // 2, "true_matches_missed": missed // 2, "other_matches": false // 2}


def _both_paths(engine: Any, queries: list[tuple[ImageFacts, int | None]]) -> dict[str, Any]:
    """The shipped in-memory index (loaded from the store, timed) beside the database search, same queries."""
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        started = time.perf_counter()
        index = ImageIndex.load(session)
        load_s = time.perf_counter() - started
    database: list[Any] = []
    memory: list[Any] = []
    baseline = _latencies(engine, queries, None, database)
    shipped = _latencies(engine, queries, index, memory)
    shipped.update(index_load_s=round(load_s, 2), index_rows=len(index), index_mib=round(index.nbytes / 2**20, 1),
                   same_answers_as_database=sum(a == b for a, b in zip(memory, database, strict=True)))
    return {"memory_index": shipped, "database_query": baseline}


def match_latency(backend: str, n: int, photos: int) -> dict[str, Any]:
    """Latency of both matching paths at 10,000 and at ``n`` images on one backend."""
    from sqlalchemy import create_engine, text

    from store.db import make_engine, migrate

    rng = np.random.default_rng(19)
    originals = [photo(30_000 + seed) for seed in range(photos)]
    facts = [analyze_image(jpeg_bytes(image)) for image in originals]
    good = [(image, fact) for image, fact in zip(originals, facts, strict=True) if fact.quality >= MIN_QUALITY]
    bases = np.array([[_bits(v) for _, v in fact.crops] for _, fact in good])
    edit_names = ["reencode", "half_size", "crop_5_all_sides", "issue_80pct_crop_2_5", "watermark"]
    queries = [(analyze_image(edit(image, edit_names[i % len(edit_names)], i)), None) for i, (image, _) in enumerate(good)]
    unrelated = [analyze_image(jpeg_bytes(photo(40_000 + seed))) for seed in range(photos)]
    queries += [(fact, None) for fact in unrelated if fact.quality >= MIN_QUALITY]

    tmp = tempfile.TemporaryDirectory(prefix="bench-photos-")
    admin = None
    if backend == "sqlite":
        url = f"sqlite:///{tmp.name}/photos.db"
    else:
        name = f"ww_bench_photos_{os.getpid()}"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    try:
        migrate(engine)
        real_first = 1
        _insert_real(engine, [fact for _, fact in good], real_first)
        expected = {i: real_first + i for i in range(len(good))}
        labelled = [(q, expected.get(i)) for i, (q, _) in enumerate(queries)]
        offset = real_first + len(good)
        small = 10_000
        _say(f"{backend}: indexing {small:,} synthetic images")
        _populate(engine, bases, offset, offset + small, rng)
        at_small = _both_paths(engine, labelled)
        _say(f"{backend}: at {small:,}: {at_small}; indexing up to {n:,}")
        started = time.perf_counter()
        _populate(engine, bases, offset + small, offset + n, rng)
        load_s = time.perf_counter() - started
        at_n = _both_paths(engine, labelled)
        _say(f"{backend}: at {n:,}: {at_n}")
        return {"backend": backend, "images": n, "hash_rows": 3 * n, "load_s": round(load_s, 1),
                f"at_{small}": at_small, f"at_{n}": at_n,
                "p99_ratio_to_database": round(at_n["memory_index"]["p99_ms"]
                                               / max(at_n["database_query"]["p99_ms"], 1e-9), 3)}
    finally:
        engine.dispose()
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
        tmp.cleanup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=300, help="Test photos for the hash choice (pairs grow as n^2).")
    parser.add_argument("--n", type=int, default=1_000_000, help="Synthetic images in the index.")
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--skip", nargs="*", default=[], choices=["choice", "rate", "latency"])
    args = parser.parse_args(argv)
    summary: dict[str, Any] = {"load_average_1min": round(os.getloadavg()[0], 2), "python": sys.version.split()[0]}
    if "choice" not in args.skip:
        summary["hash_choice"] = hash_choice(args.photos)
        _say(json.dumps(summary["hash_choice"], indent=1))
    if "rate" not in args.skip:
        summary["hashing"] = hashing_rate(40, 5)
        _say(json.dumps(summary["hashing"]))
    if "latency" not in args.skip:
        summary["matching"] = [match_latency(backend, args.n, 60) for backend in args.backends]
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
