"""Text -> features: normalisation, jieba tokens with the domain dictionary, and lexicon counts."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from typing import Any, NamedTuple

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
    "lex:species_without_trade",
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


class Analysis(NamedTuple):
    """Everything derived from one listing's text (a tuple: one per listing on the hot path)."""

    normalized: str
    tokens: str  # jieba tokens joined by white space (split() gives the tokens)
    matches: list[tuple[int, str]]  # TermMatcher.find_matches output
    matcher: TermMatcher

    @property
    def hits(self) -> list[Hit]:
        """Lexicon hits, built on demand (most listings never need them)."""
        return self.matcher.expand(self.matches) if self.matches else []


#: Punctuation and symbols: token boundaries for jieba, never tokens themselves.
_PUNCT_RE = re.compile(r"[\W_]+")


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
        return " ".join(self._jieba.cut(_PUNCT_RE.sub(" ", normalized), False)).split()

    def analyze_batch(self, texts: Sequence[Any]) -> list[Analysis]:
        """Normalise, tokenise and match many texts."""
        normalized = self.normalizer.normalize_batch(list(texts))
        out = []
        cut, find, punct, matcher = self._jieba.cut, self.matcher.find_matches, _PUNCT_RE.sub, self.matcher
        for norm in normalized:
            out.append(Analysis(norm, " ".join(cut(punct(" ", norm), False)), find(norm), matcher))
        return out

    def lexicon_vector(self, matches: Sequence[tuple[int, str]]) -> list[float]:
        """Dense lexicon features for one listing (see :data:`LEXICON_FEATURES`)."""
        n_species = n_code = n_excl = n_trade = n_contact = n_neg = 0
        named: set[str] = set()
        term_counts = self.matcher.term_counts
        for _, term in matches:
            (a, b, c, d, e, f), names = term_counts[term]
            n_species += a
            n_code += b
            n_excl += c
            n_trade += d
            n_contact += e
            n_neg += f
            if names:
                named |= names
        species = n_species > 0
        negative = n_neg + n_excl > 0
        evidence = species or n_code > 0
        return [
            math.log1p(n_species),
            math.log1p(n_code),
            math.log1p(n_excl),
            math.log1p(n_trade),
            math.log1p(n_contact),
            math.log1p(n_neg),
            float(species and n_trade > 0),
            float(species and n_contact > 0),
            float(species and negative),
            float(evidence and not negative),
            float(evidence and n_trade == 0 and n_contact == 0),
            float(len(named)),
        ]

    def lexicon_matrix(self, analyses: Sequence[Analysis]) -> np.ndarray:
        """The dense lexicon features of many listings."""
        if not analyses:
            return np.zeros((0, len(LEXICON_FEATURES)))
        return np.array([self.lexicon_vector(a.matches) for a in analyses], dtype=np.float64)
