"""A test double of the classifier's Model interface (keyword rule), for tests of the glue code."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FakeScore:
    score: float
    flagged: bool
    species: tuple[str, ...]
    reasons: tuple[str, ...]


class FakeModel:
    version = "fake-1"
    threshold = 0.5

    def score_batch(self, titles: Sequence[str], descriptions: Sequence[str]) -> list[FakeScore]:
        out = []
        for title, description in zip(titles, descriptions, strict=True):
            text = f"{title} {description}"
            hit = "象牙" in text or "ivory" in text.lower()
            out.append(
                FakeScore(0.9 if hit else 0.1, hit, ("elephant ivory",) if hit else (), ("象牙",) if hit else ())
            )
        return out
