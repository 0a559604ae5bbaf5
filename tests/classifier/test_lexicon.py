"""Lexicon matching: the batch matcher finds exactly what the one-text matcher finds."""

from __future__ import annotations

import copy
import random

import numpy as np
import pytest

import classifier
from classifier.lexicon import TermMatcher


def _texts(matcher: TermMatcher, rng: random.Random, n: int) -> list[str]:
    """Random texts dense in whole terms, pieces of terms, single characters of the terms and others
    (emoji, a lone surrogate, the control characters the batch matcher reads text with)."""
    terms = list(matcher.table)
    alphabet = sorted({c for term in terms for c in term})
    others = [*" .,。!?xyz123的了", "\U0001F418", "\x01", "\x02", "\ud800"]

    def piece() -> str:
        r = rng.random()
        if r < 0.5:
            term = rng.choice(terms)
            a = rng.randrange(len(term))
            return term if r < 0.25 else term[a : rng.randint(a + 1, len(term))]
        return rng.choice(alphabet) if r < 0.8 else rng.choice(others)

    return ["".join(piece() for _ in range(rng.randint(0, 40))) for _ in range(n)]


@pytest.mark.parametrize("order", ["as seen", "rare first"])
def test_batch_matches_equal_one_by_one(shipped_model: classifier.Model, order: str) -> None:
    """Whatever order the batch automaton's nodes have (its speed depends on it), it finds the same
    terms as pyahocorasick's own automaton, quirks of its longest-match walk included."""
    matcher = copy.copy(shipped_model.analyzer.matcher)
    rng = random.Random(16)
    seen = np.zeros(0x10000, dtype=np.int64)
    for char in "".join(_texts(matcher, rng, 200)):
        if ord(char) < 0x10000:
            seen[ord(char)] += 1
    if order == "rare first":
        seen = seen.max() - seen
    matcher._ordered = matcher._ordered_automaton(seen)
    for _ in range(20):
        batch = _texts(matcher, rng, 200)
        assert matcher.find_matches_batch(batch) == [matcher.find_matches(text) for text in batch]


def test_batch_matcher_orders_itself_after_enough_text(shipped_model: classifier.Model) -> None:
    matcher = copy.copy(shipped_model.analyzer.matcher)
    matcher._ordered, matcher._seen = None, np.zeros(0x10000, dtype=np.int64)
    batch = ["象牙手镯 包真", "ivory bangle, DM me", "", "xyz"]
    assert matcher.find_matches_batch(batch) == [matcher.find_matches(text) for text in batch]
    assert matcher._ordered is None  # too little text yet: the one-text matcher answered
    long_batch = batch * 10_000
    assert matcher.find_matches_batch(long_batch) == [matcher.find_matches(text) for text in long_batch]
    assert matcher._ordered is not None
    odd = ["象牙\x00手镯", "犀角"]  # a text that holds the separator is matched on its own
    assert matcher.find_matches_batch(odd) == [matcher.find_matches(text) for text in odd]
