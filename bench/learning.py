"""The learning loop's two figures (issue 20): which review weight, and how long retraining takes.

``weights``: for each candidate weight, train on the seed data plus the eight trained-on reviews of
the look-alike scenario (tests/fixtures/learning_scenario.jsonl: six dismissed look-alikes, the first
two of four confirmed offers; the last two are held out by time as the CLI does) and report the
generated test split (F1, hard-negative FP rate), how many of the six unseen siblings stay flagged,
the offers, and hand-written held-out set 2 (data/labeled/heldout.csv).  Weight 0 is the same-run
baseline: the reviews are there but count for nothing.

``timing``: ``wildwatch train`` through the CLI on a SQLite store holding N reviewed listings
(default 1,000, drawn from the demo marketplace and held-out set 2), against plain ``wildwatch train``
in the same run (the baseline).  Report wall and CPU time (children) and the load average.

Run: `.venv/bin/python bench/learning.py weights [--weights 0,1,3,10,30]`
     `.venv/bin/python bench/learning.py timing [--reviews 1000]`
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SCENARIO = REPO / "tests" / "fixtures" / "learning_scenario.jsonl"


def _scenario() -> list[dict[str, object]]:
    return [json.loads(line) for line in SCENARIO.read_text(encoding="utf-8").splitlines() if line.strip()]


def weights(candidates: list[float], folds: int) -> list[dict[str, object]]:
    import pandas as pd

    import classifier
    from wildwatch.commands.model import read_labeled_csv

    seed = read_labeled_csv(REPO / "data" / "labeled" / "seed.csv")
    heldout = read_labeled_csv(REPO / "data" / "labeled" / "heldout.csv")
    rows = _scenario()
    reviewed = [r for r in rows if r["role"] == "dismissed"] + [r for r in rows if r["role"] == "offer"][:2]
    reviews = pd.DataFrame({"title": [r["title"] for r in reviewed], "description": [r["description"] for r in reviewed],
                            "label": [int(r["role"] == "offer") for r in reviewed], "lang": [r["lang"] for r in reviewed],
                            "hard_negative": 0, "split": "train", "source": "review",
                            "group": [f"review-{i}" for i in range(len(reviewed))]})
    full = pd.concat([seed, reviews], ignore_index=True)
    for column in full.columns:
        if column not in ("label", "hard_negative"):
            full[column] = full[column].astype(object).where(full[column].notna(), "").astype(str)
    test = full[full["split"] == "test"]
    siblings = [r for r in rows if r["role"] == "sibling"]
    offers = [r for r in rows if r["role"] == "offer"]
    out = []
    for weight in candidates:
        started = time.perf_counter()
        model = classifier.train_model(full, folds=folds,
                                       source_weights={**classifier.DEFAULT_SOURCE_WEIGHTS, "review": weight})
        seconds = time.perf_counter() - started
        split = classifier.evaluate(model, test)
        second = classifier.evaluate(model, heldout)
        flags = {name: sum(v.flagged for v in model.score_batch([str(r["title"]) for r in group],
                                                                 [str(r["description"]) for r in group]))
                 for name, group in (("siblings", siblings), ("offers", offers))}
        figure = {"weight": weight, "test_f1": split["overall"]["f1"],
                  "test_hard_negative_fp_rate": split["hard_negatives"]["false_positive_rate"],
                  "heldout2_f1": second["overall"]["f1"], "heldout2_fp_rate": second["overall"]["false_positive_rate"],
                  "siblings_flagged_of_6": flags["siblings"], "offers_flagged_of_4": flags["offers"],
                  "threshold": round(model.threshold, 4), "train_seconds": round(seconds, 1)}
        print(json.dumps(figure), flush=True)
        out.append(figure)
    return out


def _review_store(db_url: str, n: int) -> None:
    """A store with ``n`` listings, each with one decision (truth from the demo and held-out labels)."""
    import pandas as pd

    from store.db import session_scope
    from store.models import Listing
    from store.reviews import record_review
    from wildwatch.demo.records import load_listings
    from wildwatch.runtime import open_store

    pool = [(r["title"], r.get("description", ""), int(r["label"])) for r in load_listings()]
    heldout = pd.read_csv(REPO / "data" / "labeled" / "heldout.csv", dtype=str, keep_default_na=False)
    pool += [(t, d, int(label)) for t, d, label in zip(heldout["title"], heldout["description"], heldout["label"])]
    rng = random.Random(20)
    store = open_store(db_url)
    with session_scope(store.sessions) as session:
        for i in range(n):
            title, description, label = rng.choice(pool)
            listing = Listing(url=f"https://bench.test/item/{i}", marketplace="bench.test", title=f"{title} #{i}",
                              description=description, content_hash=f"{i:064d}", lang="")
            session.add(listing)
            session.flush()
            record_review(session, listing.id, decision="confirmed" if label else "dismissed",
                          reason="protected_species" if label else "not_wildlife", reviewer="bench")
    store.close()


def _timed(args: list[str], env: dict[str, str]) -> dict[str, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "wildwatch.cli", *args], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(result.stderr[-2000:])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_seconds": round(wall, 1), "cpu_seconds": round(cpu, 1)}


def timing(n: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        _review_store(db_url, n)
        env = {**os.environ, "WILDWATCH_DATABASE_URL": db_url}
        load = os.getloadavg()[0]
        baseline = _timed(["train", "--models-dir", str(Path(tmp) / "a"), "--no-promote"], env)
        reviews = _timed(["train", "--with-reviews", "--models-dir", str(Path(tmp) / "b")], env)
        figure = {"reviews": n, "load_average_at_start": round(load, 2), "load_average_at_end": round(os.getloadavg()[0], 2),
                  "train_baseline": baseline, "train_with_reviews": reviews,
                  "cpu_ratio": round(reviews["cpu_seconds"] / max(baseline["cpu_seconds"], 0.1), 2)}
    print(json.dumps(figure))
    return figure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    w = sub.add_parser("weights")
    w.add_argument("--weights", default="0,1,3,10,30")
    w.add_argument("--folds", type=int, default=5)
    t = sub.add_parser("timing")
    t.add_argument("--reviews", type=int, default=1000)
    args = parser.parse_args()
    if args.what == "weights":
        weights([float(x) for x in args.weights.split(",")], args.folds)
    else:
        timing(args.reviews)


if __name__ == "__main__":
    main()
