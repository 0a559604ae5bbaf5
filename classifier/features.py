"""Text -> features: normalisation, jieba tokens with the domain dictionary, and lexicon counts."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import rjieba

from .lexicon import Hit, TermMatcher
from .normalize import Normalizer, clean_text

__all__ = ["LEXICON_FEATURES", "Analysis", "TextAnalyzer", "join_listing"]

logger = logging.getLogger(__name__)

#: Names of the dense lexicon features, in column order.
LEXICON_FEATURES = (
    "lex:species",
    "lex:code_word",
    "lex:exclusion",
    "lex:trade",
    "lex:contact",
    "lex:negative",
    "lex:species+trade",
    "lex:species+contact",
    "lex:species+negative",
    "lex:evidence_without_negative",
    "lex:n_species_kinds",
)

#: Between title and description: not a separator, so the two never merge into one word.
_JOIN = " \u3002 "

#: jieba frequency given to domain terms so they stay single tokens.
_DOMAIN_FREQ = 2_000_000


def join_listing(title: Any, description: Any) -> str:
    """The one text a listing is scored on: title, a hard break, description."""
    title_text = clean_text(title)
    description_text = clean_text(description)
    if not description_text:
        return title_text
    if not title_text:
        return description_text
    return title_text + _JOIN + description_text


@dataclass(frozen=True, slots=True)
class Analysis:
    """Everything derived from one listing's text."""

    normalized: str
    tokens: str  # space-joined jieba tokens
    hits: tuple[Hit, ...]


def _is_token(tok: str) -> bool:
    return bool(tok.strip()) and any(ch.isalnum() for ch in tok)


class TextAnalyzer:
    """Normaliser + lexicon matcher + jieba tokenizer loaded with the domain dictionary."""

    def __init__(self, lexicon: dict[str, Any]) -> None:
        self.lexicon = lexicon
        self.normalizer = Normalizer(lexicon)
        self.matcher = TermMatcher(lexicon, normalize=self.normalizer.normalize)
        self._jieba = rjieba.Jieba()
        for term in self.matcher.cjk_terms:
            if " " not in term:
                self._jieba.add_word(term, _DOMAIN_FREQ, None)

    def tokenize(self, normalized: str) -> list[str]:
        """jieba (jieba-rs) tokens of normalised text, white space and bare punctuation dropped."""
        return [t for t in self._jieba.cut(normalized, False) if _is_token(t)]

    def analyze_batch(self, texts: Sequence[Any]) -> list[Analysis]:
        """Normalise, tokenise and match many texts."""
        normalized = self.normalizer.normalize_batch(list(texts))
        out = []
        for norm in normalized:
            tokens = " ".join(self.tokenize(norm))
            out.append(Analysis(norm, tokens, tuple(self.matcher.find(norm))))
        return out

    @staticmethod
    def lexicon_vector(hits: Sequence[Hit]) -> list[float]:
        """Dense lexicon features for one listing (see :data:`LEXICON_FEATURES`)."""
        counts = {"species": 0, "code": 0, "exclusion": 0, "trade": 0, "contact": 0, "negative": 0}
        kinds = set()
        for hit in hits:
            counts[hit.kind] += 1
            if hit.kind == "species":
                kinds.add(hit.species)
        species = counts["species"] > 0
        negative = counts["negative"] + counts["exclusion"] > 0
        evidence = species or counts["code"] > 0
        return [
            math.log1p(counts["species"]),
            math.log1p(counts["code"]),
            math.log1p(counts["exclusion"]),
            math.log1p(counts["trade"]),
            math.log1p(counts["contact"]),
            math.log1p(counts["negative"]),
            float(species and counts["trade"] > 0),
            float(species and counts["contact"] > 0),
            float(species and negative),
            float(evidence and not negative),
            float(len(kinds)),
        ]

    def lexicon_matrix(self, analyses: Sequence[Analysis]) -> np.ndarray:
        """The dense lexicon features of many listings."""
        if not analyses:
            return np.zeros((0, len(LEXICON_FEATURES)))
        return np.array([self.lexicon_vector(a.hits) for a in analyses], dtype=np.float64)
