"""The domain lexicon: species terms, context words, evasion data and the character tables built from them.

The YAML files under ``data/lexicon/`` are the source of truth; :func:`load_lexicon` reads them into
plain data (dicts, lists, strings) so that a trained model carries an exact copy of the lexicon it was
trained with. The character tables that normalisation needs (Unicode confusables, CJK radicals, pinyin
readings) are built from maintained sources once, when the lexicon is loaded for training, and stored
as plain strings in the same dict: scoring never imports ``pypinyin`` or ``confusable_homoglyphs``.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import ahocorasick
import numpy as np

from .chars import TABLE_SIZE, code_points, from_code_points

__all__ = [
    "CJK_CHARS",
    "DEFAULT_LEXICON_DIR",
    "KINDS",
    "Hit",
    "TermMatcher",
    "build_tables",
    "is_cjk_term",
    "load_lexicon",
]

logger = logging.getLogger(__name__)

#: ``<repo>/data/lexicon`` — the package's parent directory is the repository root.
DEFAULT_LEXICON_DIR = Path(__file__).resolve().parent.parent / "data" / "lexicon"

#: The CJK ideographs that terms and text are matched as (a regex character class's inside).
CJK_CHARS = r"\u3400-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{CJK_CHARS}]")

#: Kinds a term can have. ``species``/``alias``/``code``/``weak`` name a species (strongest first);
#: ``exclusion`` hides the species term inside it; the rest are context (see trade_terms.yaml).
KINDS = (
    "species", "alias", "code", "weak", "exclusion",
    "trade", "contact", "authenticity", "imitation", "merch", "nonsale", "keeping",
    "pinyin", "initials",
)
#: Context kinds read from trade_terms.yaml.
CONTEXT_KINDS = ("trade", "contact", "authenticity", "imitation", "merch", "nonsale", "keeping")
#: Code points of the Kangxi Radicals and CJK Radicals Supplement blocks (mapped to unified ideographs).
_RADICAL_BLOCKS = (0x2E80, 0x2FDF)


@lru_cache(maxsize=1 << 14)  # asked about the same lexicon words for every listing
def is_cjk_term(term: str) -> bool:
    """Terms with a CJK character are matched anywhere; pure Latin ones only on word boundaries."""
    return not term.isascii() and bool(_CJK_RE.search(term))


def _strings(values: Any) -> list[str]:
    return [str(v) for v in values or []]


def load_lexicon(directory: Path | None = None, *, tables: bool = True) -> dict[str, Any]:
    """Read the lexicon YAML files into plain, serialisable data (plus the character tables)."""
    import yaml  # here, not at the top: a saved model carries its lexicon, and scoring never reads YAML

    directory = Path(directory) if directory is not None else DEFAULT_LEXICON_DIR
    with open(directory / "species.yaml", encoding="utf-8") as fh:
        species = yaml.safe_load(fh)
    with open(directory / "trade_terms.yaml", encoding="utf-8") as fh:
        trade = yaml.safe_load(fh)
    with open(directory / "evasion.yaml", encoding="utf-8") as fh:
        evasion = yaml.safe_load(fh)
    misspellings_file = directory / "misspellings.yaml"
    misspellings: dict[str, Any] = {}
    if misspellings_file.is_file():
        with open(misspellings_file, encoding="utf-8") as fh:
            misspellings = yaml.safe_load(fh) or {}
    entries = []
    for item in species["species"]:
        entries.append(
            {
                "name": str(item["name"]),
                "scientific": _strings(item.get("scientific")),
                "cites": str(item.get("cites", "")),
                "zh_hans": str(item.get("zh_hans", "")),
                "zh_hant": str(item.get("zh_hant", "")),
                "en": str(item.get("en", "")),
                "terms": _strings(item.get("terms")) + _strings(item.get("cantonese")),
                "aliases": [t for group in item.get("aliases") or [] for t in _strings(group.get("terms"))],
                "code_words": _strings(item.get("code_words")),
                "weak_words": _strings(item.get("weak_words")),
                "exclusions": _strings(item.get("exclusions")),
                "senses": [
                    {
                        "terms": _strings(s.get("terms")),
                        "window": int(s.get("window", 0)),
                        "harmless": _strings(s.get("harmless")),
                    }
                    for s in item.get("senses") or []
                ],
                "cover": _strings(item.get("cover")),
                "confirms": [
                    {
                        "terms": _strings(c.get("terms")),
                        "window": int(c.get("window", 0)),
                        "words": _strings(c.get("words")),
                    }
                    for c in item.get("confirms") or []
                ],
                "modifiers": [
                    {"terms": _strings(m.get("terms")), "keep": _strings(m.get("keep")), "after": _strings(m.get("after"))}
                    for m in item.get("modifiers") or []
                ],
            }
        )
    lexicon: dict[str, Any] = {
        "version": "species {} / context {} / evasion {}".format(
            species.get("version"), trade.get("version"), evasion.get("version")
        ),
        "species": entries,
        **{kind: _strings(trade.get(kind)) for kind in CONTEXT_KINDS},
        "negators": _strings(trade.get("negators")),
        "everyday": _strings(trade.get("everyday")),
        # Offer evidence, for the non-offer context cues (nonsale): see trade_terms.yaml.
        "describes": _strings(trade.get("describes")),
        "offers": _strings(trade.get("offers")),
        "valuations": _strings(trade.get("valuations")),
        # Chinese words that end in a character naming a display (回顾展, 巡展, 个展): see trade_terms.yaml.
        "keeping_suffixes": [
            {"suffix": str(entry.get("suffix", "")), "not_after": str(entry.get("not_after", "")),
             "not_before": str(entry.get("not_before", ""))}
            for entry in trade.get("keeping_suffixes") or [] if entry.get("suffix")
        ],
        # Words that, right after a species term, make it the object's shape ("rhino horn shaped").
        "shapes": _strings(trade.get("shapes")),
        "emoji": {str(k): str(v) for k, v in (evasion.get("emoji") or {}).items()},
        "separators": "".join(str(c) for c in evasion.get("separators", [])),
        "rewrites": {str(k): str(v) for k, v in (evasion.get("rewrites") or {}).items()},
        "leet": {str(k): str(v) for k, v in (evasion.get("leet") or {}).items()},
        "real_words": sorted({str(w).lower() for w in misspellings.get("real_words") or []}),
    }
    if tables:
        key = json.dumps({k: v for k, v in lexicon.items()}, sort_keys=True, ensure_ascii=False)
        lexicon["tables"] = _tables_for(str(directory), key)
    return lexicon


@lru_cache(maxsize=4)
def _tables_for(directory: str, lexicon_json: str) -> dict[str, Any]:
    """build_tables, once per lexicon (building reads jieba's and pypinyin's dictionaries: seconds)."""
    return build_tables(json.loads(lexicon_json), Path(directory))


# -- character tables ---------------------------------------------------------------------
def build_tables(lexicon: dict[str, Any], directory: Path | None = None) -> dict[str, Any]:
    """Confusables, radicals and pinyin tables as plain strings (stored in the model with the lexicon).

    - ``confusable_from``/``confusable_to``: a non-Latin letter that looks like an ASCII letter or digit
      (Cyrillic о, Greek ο, Cherokee Ꭺ …) -> that ASCII character, from Unicode's confusables data as
      shipped by the maintained ``confusable_homoglyphs`` package;
    - ``radical_from``/``radical_to``: Kangxi Radicals and CJK Radicals Supplement -> the equivalent
      unified ideograph (⻁ -> 虎, ⽛ -> 牙), from Unicode's EquivalentUnifiedIdeograph.txt;
    - ``pinyin_chars``/``pinyin_syllables``: each CJK character's most common toneless reading
      (index into ``syllables``), from pypinyin's character dictionary;
    - ``pinyin_common``: everyday words (jieba's dictionary) that sound like a lexicon term but are
      not evasions (带帽 for 玳瑁, 西郊 for 犀角, 鱼池 for 鱼翅), so the pinyin channel skips them.
    """
    directory = Path(directory) if directory is not None else DEFAULT_LEXICON_DIR
    conf_from, conf_to = _confusables()
    rad_from, rad_to = _radicals(directory / "unicode" / "EquivalentUnifiedIdeograph.txt")
    chars, syllables, ids = _pinyin_table()
    tables = {
        "confusable_from": conf_from,
        "confusable_to": conf_to,
        "radical_from": rad_from,
        "radical_to": rad_to,
        "pinyin_chars": chars,
        "pinyin_syllables": " ".join(syllables),
        "pinyin_ids": np.asarray(ids, dtype=np.uint16),
    }
    tables["pinyin_common"] = _common_homophones(lexicon, tables)
    return tables


def _confusables() -> tuple[str, str]:
    """Non-Latin look-alikes of ASCII letters and digits (lower-case targets)."""
    import confusable_homoglyphs  # training-time only

    path = Path(confusable_homoglyphs.__file__).resolve().parent / "confusables.json"
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    pairs: dict[str, str] = {}
    for char, glyphs in data.items():
        if len(char) != 1 or char.isascii() or _excluded_from_confusables(char):
            continue
        targets = [g["c"] for g in glyphs if len(g["c"]) == 1 and g["c"].isascii() and g["c"].isalnum()]
        if not targets:
            continue
        letters = [t for t in targets if t.isalpha()]
        lower = char.lower() == char and char.upper() != char
        preferred = [t for t in letters if t.islower() == lower] or letters or targets
        pairs[char] = preferred[0].lower()
    ordered = sorted(pairs)
    return "".join(ordered), "".join(pairs[c] for c in ordered)


def _excluded_from_confusables(char: str) -> bool:
    """CJK, kana, hangul and full-width forms keep their own meaning (NFKC handles full-width)."""
    code = ord(char)
    if 0x2E80 <= code <= 0xA4CF or 0xAC00 <= code <= 0xD7AF or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF:
        return True
    category = unicodedata.category(char)
    return not (category.startswith("L") or category.startswith("N"))


def _radicals(path: Path) -> tuple[str, str]:
    """Radical characters -> unified ideographs (EquivalentUnifiedIdeograph.txt, Kangxi + Supplement)."""
    pairs: dict[str, str] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            source, target = (part.strip() for part in line.split(";"))
            first, _, last = source.partition("..")
            for code in range(int(first, 16), int(last or first, 16) + 1):
                if _RADICAL_BLOCKS[0] <= code <= _RADICAL_BLOCKS[1]:
                    pairs[chr(code)] = chr(int(target, 16))
    # Kangxi radicals without an entry still have an NFKC compatibility mapping.
    for code in range(0x2F00, 0x2FD6):
        char = chr(code)
        if char not in pairs:
            folded = unicodedata.normalize("NFKC", char)
            if len(folded) == 1 and folded != char:
                pairs[char] = folded
    ordered = sorted(pairs)
    return "".join(ordered), "".join(pairs[c] for c in ordered)


def _toneless(reading: str) -> str:
    stripped = "".join(c for c in unicodedata.normalize("NFD", reading) if not unicodedata.combining(c))
    return stripped.replace("ü", "v").lower()


def _pinyin_table() -> tuple[str, list[str], list[int]]:
    """Every BMP CJK character pypinyin knows, with the index of its first (most common) toneless reading."""
    from pypinyin import pinyin_dict  # training-time only

    syllable_index: dict[str, int] = {}
    chars: list[str] = []
    ids: list[int] = []
    for code, readings in sorted(pinyin_dict.pinyin_dict.items()):
        if code > 0xFFFF or not _CJK_RE.match(chr(code)):
            continue
        syllable = _toneless(readings.split(",")[0])
        if not syllable.isalpha():
            continue
        chars.append(chr(code))
        ids.append(syllable_index.setdefault(syllable, len(syllable_index)))
    syllables = sorted(syllable_index, key=syllable_index.get)  # type: ignore[arg-type]
    return "".join(chars), syllables, ids


def pinyin_terms(lexicon: dict[str, Any]) -> dict[str, list[str]]:
    """CJK terms of two or more characters that the pinyin channel matches, by species."""
    out: dict[str, list[str]] = {}
    for entry in lexicon["species"]:
        for term in entry["terms"] + entry["aliases"]:
            if len(term) >= 2 and all(_CJK_RE.match(c) for c in term):
                out.setdefault(term, [])
                if entry["name"] not in out[term]:
                    out[term].append(entry["name"])
    return out


def _common_homophones(lexicon: dict[str, Any], tables: dict[str, Any]) -> list[str]:
    """Words in jieba's dictionary that read like a lexicon term but are other, everyday words."""
    import jieba  # training-time only: its dictionary is the list of everyday words

    reading = dict(zip(tables["pinyin_chars"], tables["pinyin_ids"]))
    wanted: set[tuple[int, ...]] = set()
    terms = pinyin_terms(lexicon)
    for term in terms:
        key = tuple(reading.get(c, -1) for c in term)
        if -1 not in key:
            wanted.add(key)
    known = set(terms)
    for entry in lexicon["species"]:
        known.update(entry["exclusions"])
    common = []
    dictionary = Path(jieba.__file__).resolve().parent / "dict.txt"
    with open(dictionary, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) < 2 or not 2 <= len(parts[0]) <= 6:
                continue
            word = parts[0]
            if word in known:
                continue
            key = tuple(reading.get(c, -1) for c in word)
            if key in wanted:
                common.append(word)
    return sorted(set(common))


# -- matching -----------------------------------------------------------------------------
class Hit(NamedTuple):
    """One lexicon term found in normalised text (a tuple: thousands are made per batch)."""

    start: int
    end: int
    term: str
    kind: str
    species: str | None


class TermMatcher:
    """Finds lexicon terms (longest match first, no overlaps) in normalised text."""

    def __init__(self, lexicon: dict[str, Any], normalize: Any = None, extra: dict[str, list[tuple[str, str | None]]] | None = None) -> None:
        # term -> list of (kind, species); terms are normalised the same way listings are.
        norm = normalize or (lambda s: s)
        table: dict[str, list[tuple[str, str | None]]] = {}

        def add(term: str, kind: str, species: str | None, *, plural: bool = True) -> None:
            key = norm(term).strip()
            if not key:
                return
            keys = [key]
            if plural and not is_cjk_term(key) and key[-1].isalpha() and not key.endswith("s"):
                keys.append(key + "s")  # English plurals: tiger claws, congo greys
            for k in keys:
                table.setdefault(k, [])
                if (kind, species) not in table[k]:
                    table[k].append((kind, species))

        for entry in lexicon["species"]:
            for field, kind in (("terms", "species"), ("aliases", "alias"), ("code_words", "code"),
                                ("weak_words", "weak"), ("exclusions", "exclusion")):
                for term in entry[field]:
                    add(term, kind, entry["name"])
        for kind in CONTEXT_KINDS:
            for term in lexicon.get(kind, []):
                add(term, kind, None, plural=False)
        for term, entries in (extra or {}).items():  # already normal: lower-case ASCII
            for kind, species in entries:
                table.setdefault(term, [])
                if (kind, species) not in table[term]:
                    table[term].append((kind, species))
        self.table = table
        # Per term: how many hits of each kind it makes, and the species it names (for fast features).
        self.term_counts: dict[str, tuple[tuple[int, ...], frozenset[str]]] = {}
        slot = {k: i for i, k in enumerate(KINDS)}
        for term, entries in table.items():
            tally = [0] * len(KINDS)
            for kind, _ in entries:
                if kind in slot:
                    tally[slot[kind]] += 1
            counts = tuple(tally)
            named = frozenset(str(sp) for kind, sp in entries if kind in ("species", "alias") and sp)
            self.term_counts[term] = (counts, named)
        self._latin = {t for t in table if not is_cjk_term(t)}
        # Exclusions on their own, found with overlaps: one that overlaps a naming term the longest match
        # preferred ("antique ivory" in "antique ivory coloured") still vetoes it (TextAnalyzer).
        exclusions = [t for t, entries in table.items() if any(kind == "exclusion" for kind, _ in entries)]
        self._exclusions: Any = None
        if exclusions:
            self._exclusions = ahocorasick.Automaton()
            for term in exclusions:
                self._exclusions.add_word(term, term)
            self._exclusions.make_automaton()
        automaton = ahocorasick.Automaton()
        for term in table:
            automaton.add_word(term, term)
        if table:
            automaton.make_automaton()
        self._automaton = automaton if table else None
        # For batches (find_matches_batch): every character the terms use, by code point; any other
        # character is read as _OTHER. None when a term uses a character beyond the table.
        alphabet = sorted({c for term in table for c in term})
        self._alphabet = alphabet if all(ord(c) < TABLE_SIZE for c in alphabet) and not {
            _OTHER, _NEVER, _SEPARATOR} & set(alphabet) else None
        self._letters = np.full(TABLE_SIZE, ord(_OTHER), dtype=np.uint32)
        self._letters[[ord(c) for c in self._alphabet or ()]] = [ord(c) for c in self._alphabet or ()]
        self._letters[ord(_SEPARATOR)] = ord(_SEPARATOR)
        self._ordered: Any = None  # built once _ORDER_AFTER characters have been seen in batches
        self._seen = np.zeros(TABLE_SIZE, dtype=np.int64)  # how often each character was seen until then

    @property
    def cjk_terms(self) -> list[str]:
        """Every CJK term, for the tokenizer's domain dictionary."""
        return [t for t in self.table if is_cjk_term(t)]

    @property
    def latin_words(self) -> set[str]:
        """Every word of the Latin species terms (for leetspeak and misspellings)."""
        words: set[str] = set()
        for term, entries in self.table.items():
            if term in self._latin and any(kind in ("species", "alias", "code", "weak") for kind, _ in entries):
                words.update(w for w in re.split(r"[^a-z]+", term) if w)
        return words

    def find_matches(self, text: str) -> list[tuple[int, str]]:
        """(index of the last character, term) of every hit, leftmost-longest, no overlaps.

        Latin terms count only on word boundaries ("ivory" not inside "ivorycoast").
        """
        if self._automaton is None or not text:
            return []
        return self._on_word_boundaries(text, list(self._automaton.iter_long(text)))

    def find_matches_batch(self, texts: Sequence[str]) -> list[list[tuple[int, str]]]:
        """:meth:`find_matches` of each text, with an automaton whose root knows every character.

        pyahocorasick looks a character up among a node's children one by one. The root has hundreds
        (the first characters of the terms), and a character that starts no term, most of a text, is
        looked for among all of them. Here the text is read with every character no term uses as
        _OTHER, and the automaton also has a key ``c`` + _NEVER (never in the text) for _OTHER and each
        character that starts no term; all keys are added in order of how often the texts seen so far
        hold their characters, so a node's children come most frequent first and a lookup ends early
        (matching takes half the time). The matches are the same: the new nodes end no key that can
        occur; a walk that reaches ``c`` fails from it straight back to the root and goes on with the
        next character, where pyahocorasick would have skipped ``c`` at the root; and a node ``c`` that
        became another node's failure link (before: the root) leads on to nothing either, so the walk
        goes on from the root as before. ``tests/classifier/test_lexicon.py`` checks it on random text.
        """
        if self._automaton is None or self._alphabet is None or len(texts) < 2:
            return [self.find_matches(text) for text in texts]
        joined = _SEPARATOR.join(texts)
        codes = code_points(joined)
        letters = np.full(len(codes), ord(_OTHER), dtype=np.uint32)
        small = codes < TABLE_SIZE
        letters[small] = self._letters[codes[small]]
        if int(np.count_nonzero(letters == ord(_SEPARATOR))) != len(texts) - 1:  # a text holds the separator
            return [self.find_matches(text) for text in texts]
        if self._ordered is None:
            self._seen += np.bincount(letters, minlength=TABLE_SIZE)
            if self._seen.sum() < _ORDER_AFTER:  # too little text yet to tell which characters are common
                return [self.find_matches(text) for text in texts]
            self._ordered = self._ordered_automaton(self._seen)
        read = from_code_points(letters).split(_SEPARATOR)
        iter_long = self._ordered.iter_long
        return [self._on_word_boundaries(text, list(iter_long(as_read))) if text else []
                for text, as_read in zip(texts, read)]

    def _ordered_automaton(self, seen: np.ndarray) -> Any:
        """The terms plus a key ``c`` + _NEVER for _OTHER and each character of the alphabet that starts
        no term, added in order of how often (``seen``, by code point) the text held their characters,
        the first one first: pyahocorasick keeps a node's children in the order they came."""
        assert self._alphabet is not None
        counts = seen.tolist()
        firsts = {term[0] for term in self.table}
        keys = [*self.table, *(c + _NEVER for c in [*self._alphabet, _OTHER] if c not in firsts)]
        automaton = ahocorasick.Automaton()
        for key in sorted(keys, key=lambda k: [(-counts[ord(c)], c) for c in k]):
            automaton.add_word(key, None if key.endswith(_NEVER) else key)
        automaton.make_automaton()
        return automaton

    def _on_word_boundaries(self, text: str, matches: list[tuple[int, str]]) -> list[tuple[int, str]]:
        """The matches without the Latin terms glued to other letters or digits."""
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

    def exclusion_spans(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, term) of every exclusion in ``text``, overlapping ones too (Latin ones on word
        boundaries)."""
        if self._exclusions is None or not text:
            return []
        n = len(text)
        spans = []
        for end, term in self._exclusions.iter(text):
            start = end - len(term) + 1
            if term in self._latin and (
                (start > 0 and _is_word_char(text[start - 1])) or (end + 1 < n and _is_word_char(text[end + 1]))
            ):
                continue
            spans.append((start, end + 1, term))
        return spans

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
#: find_matches_batch reads every BMP character through a table; a character no term uses is _OTHER,
#: _NEVER is never read, texts are separated by _SEPARATOR (none of them is in normalised text).
_OTHER, _NEVER, _SEPARATOR = "\x01", "\x02", "\x00"
#: Characters find_matches_batch counts before it orders its automaton (a batch of 2,000 listings
#: holds ~300,000).
_ORDER_AFTER = 100_000
#: Builds a Hit without NamedTuple's Python-level __new__ (thousands per batch).
_new_hit = tuple.__new__


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()

