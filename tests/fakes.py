"""A test double of the classifier model (same interface as ``classifier.load_model``'s result)."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.secrets import SecretBox, secret_box
from core.settings import get_settings


def settings_box() -> SecretBox:
    """The box the alert sender uses by default: seal test subscriptions' secrets with it."""
    return secret_box(get_settings())


@dataclass(frozen=True)
class FakeResult:
    score: float
    flagged: bool
    species: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


class FakeModel:
    """Flags text that mentions ivory (象牙) or pangolin (穿山甲); everything else scores low."""

    version = "fake-1"
    threshold = 0.5
    _WORDS = {"象牙": "elephant", "ivory": "elephant", "穿山甲": "pangolin", "pangolin": "pangolin"}

    def score_batch(self, titles: list[str], descriptions: list[str]) -> list[FakeResult]:
        out = []
        for title, description in zip(titles, descriptions, strict=True):
            text = f"{title} {description}".lower()
            hits = {word: species for word, species in self._WORDS.items() if word in text}
            if hits:
                out.append(FakeResult(0.9, True, sorted(set(hits.values())), [f"term: {w}" for w in hits]))
            else:
                out.append(FakeResult(0.05, False))
        return out
