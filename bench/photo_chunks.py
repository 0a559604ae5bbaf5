"""How many candidate rows a multi-index-hashing layout hands back per query, before any database.

The photo index (``store.image_index``) cuts each 256-bit PDQ hash into chunks; two hashes within 31
bits agree to within ``floor(31 / chunks)`` bits on some chunk (pigeonhole).  Fewer, wider probes per
chunk mean more rows per probed value: this counts both sides of that trade on the same synthetic
data as ``bench/photos.py`` (60 real photos' hashes with 35% of bits flipped, 3 hashes an image;
queries are edits of those photos and unrelated photos), with numpy instead of SQL, so a layout can
be judged before a migration is written for it.

    .venv/bin/python bench/photo_chunks.py --n 100000
    .venv/bin/python bench/photo_chunks.py --n 100000 --layouts 32x8bit 16x16bit
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.gen_photos import edit, jpeg_bytes, photo  # noqa: E402
from bench.photos import _bits  # noqa: E402
from store.image_index import MATCH_DISTANCE  # noqa: E402
from store.imaging import MIN_QUALITY, analyze_image  # noqa: E402
from store.models import PDQ_CHUNK_BITS  # noqa: E402

#: name -> chunk widths in bits (summing to 256)
LAYOUTS = {
    "current": PDQ_CHUNK_BITS,
    "32x8bit": (8,) * 32,  # 32 chunks of 8 bits: an exact chunk match suffices
    "16x16bit": (16,) * 16,  # within 1 bit on some chunk
    "8x32bit": (32,) * 8,  # within 3 bits on some chunk
}


def _chunk_values(bits: np.ndarray, widths: tuple[int, ...]) -> np.ndarray:
    out, start = [], 0
    for width in widths:
        weights = 1 << np.arange(width - 1, -1, -1, dtype=np.int64)
        out.append(bits[:, start:start + width].astype(np.int64) @ weights)
        start += width
    return np.stack(out, axis=1)


def _popcount(values: np.ndarray, width: int) -> np.ndarray:
    count = np.zeros_like(values)
    for shift in range(width):
        count += (values >> shift) & 1
    return count


def count(n: int, layouts: list[str]) -> dict[str, object]:
    """Candidates per query (whole frame against every row, crops against whole frames, as find_matches)."""
    rng = np.random.default_rng(19)
    originals = [photo(30_000 + seed) for seed in range(60)]
    good = [(image, facts) for image in originals if (facts := analyze_image(jpeg_bytes(image))).quality >= MIN_QUALITY]
    bases = np.array([[_bits(value) for _, value in facts.crops] for _, facts in good])
    names = ["reencode", "half_size", "crop_5_all_sides", "issue_80pct_crop_2_5", "watermark"]
    queries = [analyze_image(edit(image, names[i % len(names)], i)) for i, (image, _) in enumerate(good)]
    queries += [f for f in (analyze_image(jpeg_bytes(photo(40_000 + s))) for s in range(60)) if f.quality >= MIN_QUALITY]
    pick = rng.integers(len(bases), size=n)
    flips = rng.random((n, 256)) < 0.35
    rows = np.concatenate([bases[pick, crop] ^ flips for crop in range(bases.shape[1])])
    whole = np.zeros(len(rows), dtype=bool)
    whole[:n] = True
    report: dict[str, object] = {"images": n, "hash_rows": len(rows), "queries": len(queries)}
    for name in layouts:
        widths = tuple(LAYOUTS[name])
        radius = MATCH_DISTANCE // len(widths)
        values = _chunk_values(rows, widths)
        started = time.perf_counter()
        counts = []
        for facts in queries:
            hit = np.zeros(len(rows), dtype=bool)
            for index, (_, value) in enumerate(facts.crops):
                near = np.zeros(len(rows), dtype=bool)
                query = _chunk_values(_bits(value)[None, :], widths)[0]
                for k, width in enumerate(widths):
                    near |= _popcount(values[:, k] ^ query[k], width) <= radius
                hit |= near if index == 0 else near & whole
            counts.append(int(hit.sum()))
        probes = sum(sum(math.comb(width, bits) for bits in range(radius + 1)) for width in widths)
        report[name] = {"chunks": len(widths), "radius_per_chunk": radius, "probes_per_hash": probes,
                        "candidates_p50": int(np.percentile(counts, 50)), "candidates_p99": int(np.percentile(counts, 99)),
                        "seconds": round(time.perf_counter() - started)}
        print(json.dumps({name: report[name]}), file=sys.stderr, flush=True)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="Synthetic images (3 hash rows each).")
    parser.add_argument("--layouts", nargs="+", default=list(LAYOUTS), choices=list(LAYOUTS))
    args = parser.parse_args(argv)
    print(json.dumps(count(args.n, args.layouts), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
