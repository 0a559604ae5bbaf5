"""The classifier on real text nobody on this team wrote (and that the model never trains on).

Reads the evaluation-only corpora in ``shared/corpora`` (see its README: never train, tune thresholds
on, or commit rows from them; this script only counts). Missing files are skipped with a message.

- ``online_shopping_10_cats.csv``: Chinese reviews (none sell wildlife): flagged rate, all and the
  slice that mentions a watched animal word, as written and converted to Hong Kong Traditional;
- ``product_titles_sample.csv``: real marketplace titles (none sell wildlife): flagged rate overall,
  per source, and on the ``animal_word=1`` slice (犀牛盾, 象牙白, Mac OS X Tiger, IVORY soap …);
- ``false_postives_from_v3_ivory.json``: English tweets with "ivory" that sell none: flagged rate;
- ``share_data.csv`` (WLT-OSN, Mou et al., ICWSM 2024): recall on the ivory-sale tweets (label 1,
  tweet text + account description as the listing) and flagged rate on their non-sale neighbours.
- ``--pinyin-ablation``: the same figures with the pinyin channel off, to show what it costs.

Run: ``.venv/bin/python bench/real_text.py [--corpora DIR] [--model DIR] [--update-card] [--pinyin-ablation]``
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import opencc

import classifier

REPO = Path(__file__).resolve().parent.parent
ZH_ANIMALS = re.compile(r"象牙|犀|穿山甲|老虎|虎|豹|鹦鹉|乌龟|海龟|猴|熊|鱼翅|玳瑁|鲨|羚羊|鹤顶|麝|海马|砗磲")
MAX_EXAMPLES = 8


def default_corpora() -> Path | None:
    """``$WILDWATCH_CORPORA``, else ``shared/corpora`` beside the repository (or beside its worktree folder)."""
    env = os.environ.get("WILDWATCH_CORPORA")
    candidates = [Path(env)] if env else []
    candidates += [REPO.parent / "shared" / "corpora", REPO.parent.parent / "shared" / "corpora"]
    return next((c for c in candidates if c.is_dir()), None)


def flagged_rate(model: classifier.Model, titles: list[str], descriptions: list[str] | None = None,
                 batch: int = 2000) -> dict[str, Any]:
    """Share of listings flagged, with a few examples (first 80 characters)."""
    descriptions = descriptions if descriptions is not None else [""] * len(titles)
    flagged: list[str] = []
    for i in range(0, len(titles), batch):
        chunk_t, chunk_d = titles[i : i + batch], descriptions[i : i + batch]
        for t, d, result in zip(chunk_t, chunk_d, model.score_batch(chunk_t, chunk_d)):
            if result.flagged:
                flagged.append(f"{t} | {d}"[:80])
    n = len(titles)
    return {"n": n, "flagged": len(flagged), "flagged_rate": round(len(flagged) / n, 5) if n else 0.0,
            "examples": flagged[:MAX_EXAMPLES]}


def reviews(model: classifier.Model, path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        texts = [row["review"].strip() for row in csv.DictReader(fh) if (row.get("review") or "").strip()]
    hk = opencc.OpenCC("s2hk")
    animal = [t for t in texts if ZH_ANIMALS.search(t)]
    return {
        "reviews_zh_hans": flagged_rate(model, texts),
        "reviews_zh_hant_s2hk": flagged_rate(model, [hk.convert(t) for t in texts]),
        "reviews_mentioning_animals": flagged_rate(model, animal),
    }


def product_titles(model: classifier.Model, path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out: dict[str, Any] = {
        "titles_all": flagged_rate(model, [r["title"] for r in rows], [r["description"] for r in rows]),
    }
    animal = [r for r in rows if r["animal_word"] == "1"]
    out["titles_animal_word"] = flagged_rate(model, [r["title"] for r in animal], [r["description"] for r in animal])
    for source in sorted({r["source"] for r in rows}):
        part = [r for r in rows if r["source"] == source]
        out[f"titles_{source}"] = flagged_rate(model, [r["title"] for r in part], [r["description"] for r in part])
    return out


def ivory_tweets(model: classifier.Model, path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {"ivory_word_tweets_no_sale": flagged_rate(model, [str(d.get("text", "")) for d in data])}


def wlt_osn(model: classifier.Model, path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    sale = [r for r in rows if r["label"] == "1"]
    other = [r for r in rows if r["label"] == "0"]
    caught = flagged_rate(model, [r["tweet_text_cleaned"] for r in sale], [r["user_description_cleaned"] for r in sale])
    caught["recall"] = caught.pop("flagged_rate")
    misses = []
    results = model.score_batch([r["tweet_text_cleaned"] for r in sale], [r["user_description_cleaned"] for r in sale])
    for r, result in zip(sale, results):
        if not result.flagged:
            misses.append(r["tweet_text_cleaned"][:80])
    caught["missed_examples"] = misses[:MAX_EXAMPLES]
    return {
        "wlt_osn_sale_tweets": caught,
        "wlt_osn_non_sale_neighbours": flagged_rate(
            model, [r["tweet_text_cleaned"] for r in other], [r["user_description_cleaned"] for r in other]
        ),
    }


CORPORA = {
    "online_shopping_10_cats.csv": reviews,
    "product_titles_sample.csv": product_titles,
    "false_postives_from_v3_ivory.json": ivory_tweets,
    "share_data.csv": wlt_osn,
}


def measure(model: classifier.Model, corpora: Path | None) -> dict[str, Any]:
    """Every figure the available corpora allow (missing files are reported, not fatal)."""
    out: dict[str, Any] = {"model": model.version, "threshold": round(model.threshold, 4)}
    if corpora is None:
        print("real-text corpora not found (set WILDWATCH_CORPORA or pass --corpora): skipping", file=sys.stderr)
        out["skipped"] = "corpora not found"
        return out
    for name, fn in CORPORA.items():
        path = corpora / name
        if not path.is_file():
            print(f"{path} missing: skipping", file=sys.stderr)
            continue
        out.update(fn(model, path))
    return out


def _without_pinyin(model: classifier.Model) -> None:
    """Switch the pinyin channel off (homophones, toneless pinyin, initials) in a loaded model."""
    model._analyzer = classifier.TextAnalyzer(model.lexicon, pinyin=False)  # noqa: SLF001 - a measurement switch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--corpora", type=Path, default=None)
    parser.add_argument("--update-card", action="store_true", help="Store the figures in the model card.")
    parser.add_argument("--pinyin-ablation", action="store_true", help="Also measure with the pinyin channel off.")
    args = parser.parse_args()
    corpora = args.corpora if args.corpora is not None else default_corpora()
    model = classifier.load_model(args.model)
    out = measure(model, corpora)
    if args.pinyin_ablation and corpora is not None:
        ablated = classifier.load_model(args.model)
        _without_pinyin(ablated)
        out["without_pinyin_channel"] = {
            k: {kk: vv for kk, vv in v.items() if "examples" not in kk} if isinstance(v, dict) else v
            for k, v in measure(ablated, corpora).items()
        }
    print(json.dumps(out, indent=2, ensure_ascii=False))
    if args.update_card and model.path is not None:
        model.card["real_text"] = {
            k: {kk: vv for kk, vv in v.items() if "examples" not in kk} if isinstance(v, dict) else v
            for k, v in out.items()
        }
        classifier.persist.write_model_card(model, model.path)
        # The card inside model.skops is the training-time copy; model_card.json carries the figures.


if __name__ == "__main__":
    main()
