"""Whole-process scoring benchmark: `wildwatch score` against a naive scorer, in the same run.

What a user waits for, from process start to the written file:

- **file**: `wildwatch score --input N.csv --output out.csv` on listings of ~150 characters (the mix of
  `bench/score.py`) against a naive process that loads a pickled `jieba.lcut` + `TfidfVectorizer` +
  `LogisticRegression` pipeline (trained on the seed data before timing), reads the same CSV with
  pandas, scores it and writes the scores;
- **ready**: from `wildwatch score` starting to the model being loaded (its "model ..." line on
  stderr), against `python -c pass`, on a one-row file;
- **stored**: `wildwatch score` of N stored listings (SQLite, loaded by `bench/gen_listings.py` as
  scored by another model, so every one is rescored and written), against the same N listings
  scored from a file in the same run.

Wall seconds and CPU seconds (user + system of the process and its workers) are the median of
``--repeats`` runs. Prints one JSON document.

    .venv/bin/python -m bench.score_cli [--sizes 20000 200000] [--stored-rows 100000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

NAIVE = r'''
import sys
import joblib, pandas as pd
model_file, source, target = sys.argv[1:4]
pipeline = joblib.load(model_file)
frame = pd.read_csv(source, dtype=str, keep_default_na=False)
texts = (frame["title"] + " 。 " + frame["description"]).tolist()
frame["score"] = pipeline.predict_proba(texts)[:, 1].round(4)
frame.to_csv(target, index=False)
'''

TRAIN_NAIVE = r'''
import sys
import jieba, joblib, pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
seed = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
seed = seed[seed["split"] == "train"]
texts = (seed["title"] + " 。 " + seed["description"]).tolist()
from naive_tokens import lcut  # a module function: jieba.lcut itself (a bound method) does not pickle
pipeline = make_pipeline(TfidfVectorizer(tokenizer=lcut, lowercase=False, token_pattern=None),
                         LogisticRegression(max_iter=1000))
pipeline.fit(texts, seed["label"].astype(int))
joblib.dump(pipeline, sys.argv[2])
'''


TOKENS = r'''
import jieba


def lcut(text):
    return jieba.lcut(text)
'''


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one whole process; fails loudly if it fails."""
    cpu, start = _children_cpu(), time.perf_counter()
    proc = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{argv} failed: {proc.stderr[-2000:]}")
    return wall, _children_cpu() - cpu


def median_run(argv: list[str], repeats: int, env: dict[str, str] | None = None) -> tuple[float, float]:
    runs = [run(argv, env) for _ in range(repeats)]
    return statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)


def ready_seconds(argv: list[str]) -> float:
    """Seconds from starting ``argv`` until it prints the "model ..." line (the model is loaded)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    ready = float("nan")
    for line in proc.stderr:
        if line.startswith("model "):
            ready = time.perf_counter() - start
    if proc.wait() != 0:
        raise RuntimeError(f"{argv} failed")
    return ready


def write_listings(path: Path, n: int) -> None:
    sys.path.insert(0, str(REPO))
    from bench.score import make_listings

    titles, descriptions = make_listings(n)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "title", "description"])
        writer.writerows((i, t, d) for i, (t, d) in enumerate(zip(titles, descriptions), 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--stored-rows", type=int, default=100_000, help="0 to skip the stored-listings run")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    python = sys.executable
    wildwatch = [python, "-m", "wildwatch.cli"]
    result: dict[str, object] = {"load_average_before": os.getloadavg(), "cpus": os.cpu_count(),
                                 "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None}
    with tempfile.TemporaryDirectory(prefix="wildwatch-bench-score-cli-") as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "naive.py").write_text(NAIVE, encoding="utf-8")
        (tmp / "train_naive.py").write_text(TRAIN_NAIVE, encoding="utf-8")
        (tmp / "naive_tokens.py").write_text(TOKENS, encoding="utf-8")
        run([python, str(tmp / "train_naive.py"), str(REPO / "data" / "labeled" / "seed.csv"), str(tmp / "naive.joblib")])
        files = []
        for n in args.sizes:
            source = tmp / f"listings-{n}.csv"
            write_listings(source, n)
            ours_wall, ours_cpu = median_run([*wildwatch, "score", "--input", str(source), "--output",
                                              str(tmp / "ours.csv")], args.repeats)
            naive_wall, naive_cpu = median_run([python, str(tmp / "naive.py"), str(tmp / "naive.joblib"), str(source),
                                                str(tmp / "naive.csv")], args.repeats)
            files.append({
                "listings": n,
                "wildwatch_s": round(ours_wall, 2), "wildwatch_cpu_s": round(ours_cpu, 2),
                "wildwatch_listings_per_s": round(n / ours_wall),
                "naive_s": round(naive_wall, 2), "naive_cpu_s": round(naive_cpu, 2),
                "naive_listings_per_s": round(n / naive_wall),
                "speedup": round(naive_wall / ours_wall, 2),
                "load_average_1min": round(os.getloadavg()[0], 2),
            })
            print(json.dumps(files[-1]), file=sys.stderr, flush=True)
        result["file"] = files
        one = tmp / "one.csv"
        write_listings(one, 1)
        readies = [ready_seconds([*wildwatch, "score", "--input", str(one), "--output", str(tmp / "one-out.csv")])
                   for _ in range(args.repeats)]
        bare = [run([python, "-c", "pass"])[0] for _ in range(args.repeats)]
        result["ready"] = {"wildwatch_model_loaded_s": round(statistics.median(readies), 3),
                           "python_start_s": round(statistics.median(bare), 3)}
        print(json.dumps(result["ready"]), file=sys.stderr, flush=True)
        if args.stored_rows:
            result["stored"] = _stored(tmp, args.stored_rows, wildwatch)
            print(json.dumps(result["stored"]), file=sys.stderr, flush=True)
    result["load_average_after"] = os.getloadavg()
    print(json.dumps(result, indent=2))


def _stored(tmp: Path, rows: int, wildwatch: list[str]) -> dict[str, object]:
    """Score ``rows`` stored listings (all written back) against the same listings from a file."""
    db = f"sqlite:///{tmp / 'stored.db'}"
    run([sys.executable, "-m", "bench.gen_listings", "--db", db, "--rows", str(rows)])
    env = {**os.environ, "WILDWATCH_DATABASE_URL": db}
    stored_wall, stored_cpu = run([*wildwatch, "score", "--db", db], env)
    export = tmp / "stored.csv"
    run([*wildwatch, "export", "--db", db, "--output", str(export)], env)
    file_wall, file_cpu = run([*wildwatch, "score", "--input", str(export), "--output", str(tmp / "stored-out.csv")])
    return {
        "listings": rows,
        "wildwatch_stored_s": round(stored_wall, 2), "wildwatch_stored_cpu_s": round(stored_cpu, 2),
        "stored_listings_per_s": round(rows / stored_wall),
        "same_listings_from_a_file_s": round(file_wall, 2), "file_listings_per_s": round(rows / file_wall),
        "ratio": round(file_wall / stored_wall, 2),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


if __name__ == "__main__":
    main()
