"""The pinyin channel: every Chinese lexicon term is also matched by how it sounds.

Sellers write a term with other characters of the same reading (代帽 or 岱瑁 for 玳瑁, 西角 for 犀角),
in toneless pinyin (xiangya, chuan shan jia) or by its initials (csj for 穿山甲). None of these need
listing: the lexicon's CJK terms are turned into syllable sequences with the character readings built
from pypinyin (stored in the model, see :func:`classifier.lexicon.build_tables`), and

- **homophones**: listing text is mapped character by character to syllables (one numpy lookup per
  batch) and searched for the terms' syllable sequences. A match written with the term's own
  characters is an ordinary hit; one written otherwise is a homophone hit, unless the characters are an
  everyday word that happens to sound the same (带帽 "hooded", 西郊, 鱼池: ``pinyin_common``, from
  jieba's dictionary) or the match cuts through a word (想压价 is 想 + 压价, not 象牙);
- **toneless pinyin** (``xiangya``, ``xiang ya``) and **initials** (``csj``) become Latin terms of kind
  ``pinyin`` / ``initials``. Initials of two-syllable terms (``xj``, ``hg``) are as short as everyday
  abbreviations (HP, XL), so they are ``weak``: they only add to evidence the listing already has.

All hits are weaker evidence than the written term; the model learns how much weaker, and
``bench/real_text.py`` measures what the channel costs in false positives.
"""

from __future__ import annotations

import logging
from typing import Any

import ahocorasick
import numpy as np

from .chars import TABLE_SIZE, code_points, from_code_points
from .lexicon import Hit, pinyin_terms

__all__ = ["PinyinChannel", "on_word_boundaries"]

logger = logging.getLogger(__name__)

#: Syllable k is written as this private-use character + k, so a syllable sequence is a short string.
_SYLLABLE_BASE = 0xE000
#: Latin pinyin shorter than this is too close to other words to count.
MIN_LATIN_PINYIN = 5
_new_hit = tuple.__new__


class PinyinChannel:
    """Finds homophones of lexicon terms in normalised text and lists the Latin pinyin forms."""

    def __init__(self, lexicon: dict[str, Any]) -> None:
        tables = lexicon.get("tables") or {}
        chars = str(tables.get("pinyin_chars", ""))
        ids = np.asarray(tables.get("pinyin_ids", np.zeros(0)), dtype=np.uint32)
        self.syllables = str(tables.get("pinyin_syllables", "")).split()
        self.common = frozenset(str(w) for w in tables.get("pinyin_common", []))
        table = np.arange(TABLE_SIZE, dtype=np.uint32)
        if chars:
            codes = np.frombuffer(chars.encode("utf-32-le"), dtype=np.uint32)
            table[codes] = _SYLLABLE_BASE + ids
        self._table = table
        self._reading = dict(zip(chars, ids.tolist()))
        self.terms = pinyin_terms(lexicon) if chars else {}
        automaton = ahocorasick.Automaton()
        self.latin: dict[str, list[tuple[str, str | None]]] = {}
        for term, species in self.terms.items():
            key = self.sound(term)
            if key is None:
                continue
            existing = automaton.get(key, None)
            automaton.add_word(key, (existing or ()) + tuple((term, name) for name in species))
            words = [self.syllables[ord(c) - _SYLLABLE_BASE] for c in key]
            for latin in ("".join(words), " ".join(words)):
                if len(latin.replace(" ", "")) >= MIN_LATIN_PINYIN:
                    for name in species:
                        self.latin.setdefault(latin, []).append(("pinyin", name))
            initials = "".join(w[0] for w in words)
            for name in species:
                self.latin.setdefault(initials, []).append(("initials" if len(initials) >= 3 else "weak", name))
        self._automaton = automaton if self.terms else None
        if self._automaton is not None:
            automaton.make_automaton()
        # Every key is two syllables or more, so a text can hold a homophone only where two of its
        # syllables in a row open a key: starts[a, b] for syllables a, b (row and column n: no syllable).
        n = len(self.syllables)
        self._starts = np.zeros((n + 1, n + 1), dtype=bool)
        for key in self._automaton.keys() if self._automaton is not None else ():
            self._starts[ord(key[0]) - _SYLLABLE_BASE, ord(key[1]) - _SYLLABLE_BASE] = True

    def sound(self, text: str) -> str | None:
        """The syllable string of a CJK text (None if a character has no known reading)."""
        out = []
        for char in text:
            k = self._reading.get(char)
            if k is None:
                return None
            out.append(chr(_SYLLABLE_BASE + k))
        return "".join(out)

    def sounds_to_search(self, texts: list[str]) -> list[str | None]:
        """Each text with every known CJK character replaced by its syllable (same length, one batch), or
        None for a text in which no homophone can be found: none of its pairs of syllables in a row opens
        a term (most texts; one numpy pass over the batch instead of a search of each)."""
        if not texts or self._automaton is None:
            return [None] * len(texts)
        joined = "\x00".join(texts)
        codes = code_points(joined).copy()
        small = codes < TABLE_SIZE
        codes[small] = self._table[codes[small]]
        # Syllable index of each character (a character that is no syllable: n, whose row is empty).
        n = len(self.syllables)
        index = codes - _SYLLABLE_BASE
        index[(codes < _SYLLABLE_BASE) | (index > n)] = n
        at = np.flatnonzero(self._starts[index[:-1], index[1:]])
        if not len(at):
            return [None] * len(texts)
        searched = set(np.searchsorted(np.flatnonzero(codes == 0), at).tolist())
        sounds = from_code_points(codes).split("\x00")
        return [sound if k in searched else None for k, sound in enumerate(sounds)]

    def find(self, normalized: str, sound: str, covered: list[tuple[int, int]], cut: Any) -> list[Hit]:
        """Homophone hits in one text: not written as the term, not an everyday word, not across words.

        ``covered`` are spans of ordinary lexicon hits (a homophone inside one is not another hit);
        ``cut`` segments a piece of text into words (jieba).
        """
        if self._automaton is None:
            return []
        hits: list[Hit] = []
        taken = {p for a, b in covered for p in range(a, b)}
        for end, entries in self._automaton.iter(sound):
            start = end - len(entries[0][0]) + 1
            if start in taken or end in taken:
                continue
            written = normalized[start : end + 1]
            if written in self.common or any(written == term for term, _ in entries):
                continue
            if any(p in taken for p in range(start, end + 1)):
                continue
            if not on_word_boundaries(normalized, start, end + 1, cut):
                continue
            for term, name in entries:
                hits.append(_new_hit(Hit, (start, end + 1, f"{written} = {term}", "pinyin", name)))
        return hits


def on_word_boundaries(text: str, start: int, end: int, cut: Any) -> bool:
    """Whether ``text[start:end]`` starts and ends on word boundaries of the clause around it."""
    left = start
    while left > 0 and text[left - 1] not in _CLAUSE_BREAKS:
        left -= 1
    right = end
    while right < len(text) and text[right] not in _CLAUSE_BREAKS:
        right += 1
    position, bounds = left, {left}
    for word in cut(text[left:right]):
        position += len(word)
        bounds.add(position)
    return start in bounds and end in bounds


_CLAUSE_BREAKS = frozenset(" \u3002,.;:!?，；：！？|/()（）【】[]")
