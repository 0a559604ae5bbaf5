"""The domain lexicon: species terms, trade/contact/negative context words and evasion tricks.

The YAML files under ``data/lexicon/`` are the source of truth; :func:`load_lexicon` reads them into
plain data (dicts, lists, strings) so that a trained model can carry an exact copy of the lexicon it
was trained with inside its skops file.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from collections.abc import Sequence
from typing import Any, NamedTuple

import ahocorasick
import yaml

__all__ = [
    "DEFAULT_LEXICON_DIR",
    "Hit",
    "TermMatcher",
    "load_lexicon",
    "is_cjk_term",
]

logger = logging.getLogger(__name__)

#: ``<repo>/data/lexicon`` — the package's parent directory is the repository root.
DEFAULT_LEXICON_DIR = Path(__file__).resolve().parent.parent / "data" / "lexicon"

_CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

#: Kinds a term can have; ``exclusion`` hides the species term inside it.
KINDS = ("species", "code", "exclusion", "trade", "contact", "negative")


def is_cjk_term(term: str) -> bool:
    """Terms with a CJK character are matched anywhere; pure Latin ones only on word boundaries."""
    return bool(_CJK_RE.search(term))


def load_lexicon(directory: Path | None = None) -> dict[str, Any]:
    """Read the three lexicon YAML files into plain, serialisable data."""
    directory = Path(directory) if directory is not None else DEFAULT_LEXICON_DIR
    with open(directory / "species.yaml", encoding="utf-8") as fh:
        species = yaml.safe_load(fh)
    with open(directory / "trade_terms.yaml", encoding="utf-8") as fh:
        trade = yaml.safe_load(fh)
    with open(directory / "evasion.yaml", encoding="utf-8") as fh:
        evasion = yaml.safe_load(fh)
    entries = []
    for item in species["species"]:
        entries.append(
            {
                "name": str(item["name"]),
                "scientific": [str(s) for s in item.get("scientific", [])],
                "cites": str(item.get("cites", "")),
                "zh_hans": str(item.get("zh_hans", "")),
                "zh_hant": str(item.get("zh_hant", "")),
                "en": str(item.get("en", "")),
                "terms": [str(t) for t in item.get("terms", [])],
                "code_words": [str(t) for t in item.get("code_words", [])],
                "exclusions": [str(t) for t in item.get("exclusions", [])],
            }
        )
    return {
        "version": "species {} / trade {} / evasion {}".format(
            species.get("version"), trade.get("version"), evasion.get("version")
        ),
        "species": entries,
        "trade": [str(t) for t in trade.get("trade", [])],
        "contact": [str(t) for t in trade.get("contact", [])],
        "negative": [str(t) for t in trade.get("negative", [])],
        "emoji": {str(k): str(v) for k, v in evasion.get("emoji", {}).items()},
        "separators": "".join(str(c) for c in evasion.get("separators", [])),
        "rewrites": {str(k): str(v) for k, v in evasion.get("rewrites", {}).items()},
    }


class Hit(NamedTuple):
    """One lexicon term found in normalised text (a tuple: thousands are made per batch)."""

    start: int
    end: int
    term: str
    kind: str
    species: str | None


class TermMatcher:
    """Finds lexicon terms (longest match first, no overlaps) in normalised text."""

    def __init__(self, lexicon: dict[str, Any], normalize: Any = None) -> None:
        # term -> list of (kind, species); terms are normalised the same way listings are.
        norm = normalize or (lambda s: s)
        table: dict[str, list[tuple[str, str | None]]] = {}

        def add(term: str, kind: str, species: str | None) -> None:
            key = norm(term).strip()
            if not key:
                return
            keys = [key]
            if not is_cjk_term(key) and key[-1].isalpha() and not key.endswith("s"):
                keys.append(key + "s")  # English plurals: tiger claws, congo greys
            for k in keys:
                table.setdefault(k, [])
                if (kind, species) not in table[k]:
                    table[k].append((kind, species))

        for entry in lexicon["species"]:
            for term in entry["terms"]:
                add(term, "species", entry["name"])
            for term in entry["code_words"]:
                add(term, "code", entry["name"])
            for term in entry["exclusions"]:
                add(term, "exclusion", entry["name"])
        for kind in ("trade", "contact", "negative"):
            for term in lexicon[kind]:
                add(term, kind, None)
        self.table = table
        # Per term: how many hits of each kind it makes, and the species it names (for fast features).
        self.term_counts: dict[str, tuple[tuple[int, ...], frozenset[str]]] = {}
        for term, entries in table.items():
            counts = tuple(sum(1 for kind, _ in entries if kind == k) for k in KINDS)
            named = frozenset(str(sp) for kind, sp in entries if kind == "species" and sp)
            self.term_counts[term] = (counts, named)
        self._latin = {t for t in table if not is_cjk_term(t)}
        automaton = ahocorasick.Automaton()
        for term in table:
            automaton.add_word(term, term)
        if table:
            automaton.make_automaton()
        self._automaton = automaton if table else None

    @property
    def cjk_terms(self) -> list[str]:
        """Every CJK term, for the tokenizer's domain dictionary."""
        return [t for t in self.table if is_cjk_term(t)]

    def find_matches(self, text: str) -> list[tuple[int, str]]:
        """(index of the last character, term) of every hit, leftmost-longest, no overlaps.

        Latin terms count only on word boundaries ("ivory" not inside "ivorycoast").
        """
        if self._automaton is None or not text:
            return []
        matches = list(self._automaton.iter_long(text))
        if self._latin and _LATIN_RE.search(text):
            n = len(text)
            matches = [
                (end, term)
                for end, term in matches
                if term not in self._latin
                or not (
                    (end - len(term) >= 0 and _is_word_char(text[end - len(term)]))
                    or (end + 1 < n and _is_word_char(text[end + 1]))
                )
            ]
        return matches

    def expand(self, matches: Sequence[tuple[int, str]]) -> list[Hit]:
        """Hits (one per kind and species of each matched term) from :meth:`find_matches` output."""
        hits: list[Hit] = []
        table = self.table
        for end, term in matches:
            start = end - len(term) + 1
            for kind, species in table[term]:
                hits.append(_new_hit(Hit, (start, end + 1, term, kind, species)))
        return hits

    def find(self, text: str) -> list[Hit]:
        """All hits in normalised text; an exclusion hides the terms it covers."""
        return self.expand(self.find_matches(text))


_LATIN_RE = re.compile("[a-z0-9]")
#: Builds a Hit without NamedTuple's Python-level __new__ (thousands per batch).
_new_hit = tuple.__new__


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()
