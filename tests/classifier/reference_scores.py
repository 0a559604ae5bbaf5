"""Recorded scores of the shipped model on fixed texts: speed work must not change what the model says.

``tests/classifier/test_reference_scores.py`` compares the current code's scores with the file this
module writes, to 1e-9 (probabilities before rounding) and exactly (flags, species, reasons).  After
a retrain (or a lexicon change that is meant to change scores) record the new model's scores:

    .venv/bin/python -m tests.classifier.reference_scores --write
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pandas as pd

import classifier

REPO = Path(__file__).resolve().parents[2]
REFERENCE_FILE = Path(__file__).resolve().parent / "fixtures" / "reference_scores.json"

#: Odd cells the scorer must survive, scored as they are.
ODD = [
    (None, None), ("", ""), (float("nan"), "象牙"), (b"\xe8\xb1\xa1\xe7\x89\x99 bytes", "私聊"), ("\ud800 lone", "犀角"),
    ("象 牙 手 鐲", "包真，可驗貨"), ("1v0ry b@ngle", "DM for price"), ("代帽 手镯", "私聊 微信"), ("🐘🦷手串", "懂的来"),
    ("ＩＶＯＲＹ　ＢＡＮＧＬＥ", "ｗｈａｔｓａｐｐ"), ("⻁⻣酒", "有意私聊"), ("x" * 30_000, "象牙" * 5_000),
]


def reference_texts() -> tuple[list[Any], list[Any]]:
    """Titles and descriptions: held-out set 2, the demo marketplace, the seed test split, odd cells."""
    titles: list[Any] = []
    descriptions: list[Any] = []
    heldout = pd.read_csv(REPO / "data" / "labeled" / "heldout.csv", dtype=str, keep_default_na=False)
    seed = pd.read_csv(REPO / "data" / "labeled" / "seed.csv", dtype=str, keep_default_na=False)
    seed = seed[seed["split"] == "test"]
    for frame in (heldout, seed):
        titles += frame["title"].tolist()
        descriptions += frame["description"].tolist()
    with open(REPO / "data" / "demo" / "listings.jsonl", encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            titles.append(record.get("title", ""))
            descriptions.append(record.get("description", ""))
    for title, description in ODD:
        titles.append(title)
        descriptions.append(description)
    return titles, descriptions


def compute(model: classifier.Model) -> dict[str, Any]:
    """What the model says about every reference text (unrounded probabilities and the verdicts)."""
    titles, descriptions = reference_texts()
    texts = [classifier.join_listing(t, d) for t, d in zip(titles, descriptions)]
    proba = model.predict_proba_texts(texts)
    results = model.score_batch(titles, descriptions)
    return {
        "model": model.version,
        "rows": len(texts),
        "proba": [float(p) for p in proba],
        "verdicts": [[r.score, r.flagged, list(r.species), list(r.reasons)] for r in results],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"record the shipped model's scores in {REFERENCE_FILE}")
    args = parser.parse_args()
    data = compute(classifier.load_model())
    if args.write:
        REFERENCE_FILE.parent.mkdir(parents=True, exist_ok=True)
        REFERENCE_FILE.write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
        print(f"recorded {data['rows']} rows of model {data['model']} in {REFERENCE_FILE}")
    else:
        print(json.dumps({k: data[k] for k in ("model", "rows")}))


if __name__ == "__main__":
    main()
