"""The domain lexicon: species terms, trade/contact/negative context words and evasion tricks.

The YAML files under ``data/lexicon/`` are the source of truth; :func:`load_lexicon` reads them into
plain data (dicts, lists, strings) so that a trained model can carry an exact copy of the lexicon it
was trained with inside its skops file.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "DEFAULT_LEXICON_DIR",
    "Hit",
    "TermMatcher",
    "load_lexicon",
    "is_cjk_term",
    "trie_regex",
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


def trie_regex(words: list[str]) -> str:
    """A regex alternation built as a trie, so matching many literals stays fast and longest-first."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def render(node: dict[str, Any]) -> str:
        ends = "" in node
        branches = [re.escape(ch) + render(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            # Optional continuation: greedy, so the longest term wins, then backtracks to shorter.
            return "(?:" + body + ")?"
        return body

    return render(trie)


@dataclass(frozen=True, slots=True)
class Hit:
    """One lexicon term found in normalised text."""

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
            if key:
                table.setdefault(key, [])
                if (kind, species) not in table[key]:
                    table[key].append((kind, species))

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
        cjk = sorted(t for t in table if is_cjk_term(t))
        latin = sorted(t for t in table if not is_cjk_term(t))
        parts = []
        if cjk:
            parts.append(trie_regex(cjk))
        if latin:
            parts.append(r"(?<![a-z0-9])" + trie_regex(latin) + r"(?![a-z0-9])")
        self._regex = re.compile("|".join(f"(?:{p})" for p in parts)) if parts else None

    @property
    def cjk_terms(self) -> list[str]:
        """Every CJK term, for the tokenizer's domain dictionary."""
        return [t for t in self.table if is_cjk_term(t)]

    def find(self, text: str) -> list[Hit]:
        """All non-overlapping hits, leftmost-longest; an exclusion hides the terms it covers."""
        if self._regex is None or not text:
            return []
        hits = []
        for m in self._regex.finditer(text):
            term = m.group()
            if not term:
                continue
            for kind, species in self.table.get(term, ()):
                hits.append(Hit(m.start(), m.end(), term, kind, species))
        return hits
