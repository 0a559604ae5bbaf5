"""Prototype for issue 19: the photo index's multi-index hashing held in process memory instead of SQL.

Same 11 chunks and per-chunk radius 2 as ``store.image_index`` and the same synthetic data and queries
as ``bench/photos.py``; each chunk is a sorted numpy array, so the ~3,100 probes of a query hash are one
``np.searchsorted`` per chunk instead of ~3,100 B-tree descents in the database.  Prints build time,
p50/p99 per query, and checks every answer against a full scan.  Not wired into the store yet.

    .venv/bin/python bench/photo_memindex.py 1000000
"""
import sys, time
sys.path.insert(0, "/work/wt/photo-index")
import numpy as np
from bench.gen_photos import edit, jpeg_bytes, photo
from bench.photos import _bits, _synthetic
from store.image_index import _probes, chunks, words
from store.imaging import MIN_QUALITY, analyze_image
from store.models import PDQ_CHUNK_BITS
N = int(sys.argv[1])
rng = np.random.default_rng(19)
originals = [photo(30_000 + s) for s in range(60)]
good = [(im, f) for im in originals if (f := analyze_image(jpeg_bytes(im))).quality >= MIN_QUALITY]
bases = np.array([[_bits(v) for _, v in f.crops] for _, f in good])
names = ["reencode", "half_size", "crop_5_all_sides", "issue_80pct_crop_2_5", "watermark"]
queries = [analyze_image(edit(im, names[i % 5], i)) for i, (im, _) in enumerate(good)]
queries += [f for f in (analyze_image(jpeg_bytes(photo(40_000 + s))) for s in range(60)) if f.quality >= MIN_QUALITY]
W, C, crop = [], [], []
for c, w, cv in _synthetic(bases, N, 0, rng):
    W.append(w); C.append(cv); crop.append(np.full(N, c))
t = time.perf_counter()
W = np.concatenate(W).view(np.uint64); C = np.concatenate(C); whole = np.concatenate(crop) == 0
order = [np.argsort(C[:, k], kind="stable").astype(np.int32) for k in range(C.shape[1])]
svals = [C[order[k], k] for k in range(C.shape[1])]
print(f"build {time.perf_counter()-t:.1f}s rows {len(W)}", flush=True)
def cands(q):
    qc = chunks(q); parts = []
    for k, bits in enumerate(PDQ_CHUNK_BITS):
        p = np.array(_probes(qc[k], bits), dtype=np.int64)
        lo = np.searchsorted(svals[k], p, "left"); hi = np.searchsorted(svals[k], p, "right")
        sel = hi > lo
        for a, b in zip(lo[sel], hi[sel]): parts.append(order[k][a:b])
    return np.unique(np.concatenate(parts)) if parts else np.empty(0, np.int32)
def find(f):
    out = {}
    for i, (_, q) in enumerate(f.crops):
        rows = cands(q)
        if i: rows = rows[whole[rows]]
        qw = np.array([w & ((1<<64)-1) for w in words(q)], dtype=np.uint64)
        d = np.bitwise_count(W[rows] ^ qw).sum(1)
        for r in rows[d <= 31]: out[int(r)] = 1
    return out
ts = []
for rep in range(2):
    ts.clear()
    for f in queries:
        t = time.perf_counter(); find(f); ts.append((time.perf_counter()-t)*1000)
print(f"in-process MIH at {N} images: p50 {np.percentile(ts,50):.2f} ms p99 {np.percentile(ts,99):.2f} ms", flush=True)
same = 0
for f in queries:
    brute = {}
    for i, (_, q) in enumerate(f.crops):
        qw = np.array([w & ((1<<64)-1) for w in words(q)], dtype=np.uint64)
        d = np.bitwise_count(W ^ qw).sum(1)
        hit = d <= 31
        if i: hit &= whole
        for r in np.flatnonzero(hit): brute[int(r)] = 1
    same += brute.keys() == find(f).keys()
print(f"same candidates-verified answers as a full scan: {same}/{len(queries)}")
