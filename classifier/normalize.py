"""Text normalisation: undo script, width, case and the tricks sellers use to dodge keyword filters.

Steps, in order (each listed in docs/classifier.md):

1. clean: anything that is not a string becomes ``""``; lone surrogates are replaced; text is capped
   at :data:`MAX_CHARS` characters (longer listings are truncated, the tail is ignored);
2. NFKC (full-width -> half-width, compatibility forms), emoji -> words (🐘 -> 象), zero-width
   characters removed; Unicode confusables -> the ASCII letter they imitate (Cyrillic ``Ivоry`` ->
   ``ivory``, from Unicode's confusables data); Kangxi and CJK Radicals Supplement characters -> the
   equivalent unified ideograph (``⻁⻣`` -> ``虎骨``, from Unicode's EquivalentUnifiedIdeograph.txt);
3. Traditional -> Simplified with OpenCC, Hong Kong variants then Taiwan variants (``hk2s``, ``tw2s``);
4. lower case;
5. separators inside words removed: ``象 牙``, ``象*牙``, ``犀/牛/角``, ``犀~角`` (any run of up to three
   symbols or spaces between CJK characters, sentence ends excepted) -> ``象牙``; ``i v o r y``,
   ``i~v~o~r~y`` -> ``ivory``;
6. leetspeak: a Latin word with digits or symbols for letters is read as a lexicon word when one of its
   readings is one (``1v0ry`` -> ``ivory``, ``t1ger b0ne`` -> ``tiger bone``; ``iphone13`` stays);
7. homophones and look-alike spellings rewritten to the canonical term (``西牛角`` -> ``犀牛角``), and
   English words of 5+ letters one edit away from a lexicon word read as that word (``ivroy`` ->
   ``ivory``, ``pangolian`` -> ``pangolin``) unless they are real words (``misspellings.yaml``);
8. runs of white space collapsed.

The fast path (:meth:`Normalizer.normalize`) works on whole strings; the slow path
(:meth:`Normalizer.normalize_with_offsets`) produces the same text plus, for each output character,
the span of the original it came from, so evidence can be shown in the listing's own words.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

import ahocorasick
import numpy as np
import opencc

from .chars import TABLE_SIZE, char_mask, char_table, code_points, from_code_points
from .lexicon import CJK_CHARS, is_cjk_term

__all__ = ["MAX_CHARS", "Normalizer", "clean_text"]

logger = logging.getLogger(__name__)

#: Characters of a listing (title + description) that are looked at; the rest is ignored.
MAX_CHARS = 20_000

# Invisible characters, including those evaders put inside a term ("象<RLM>牙"): bidi marks,
# embeddings and isolates, the Mongolian vowel separator, invisible operators, the grapheme joiner.
_ZERO_WIDTH = (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD, 0xFE0F, 0x034F, 0x061C, 0x180E, 0x200E, 0x200F,
               *range(0x202A, 0x202F), *range(0x2061, 0x2065), *range(0x2066, 0x206A))
_CJK = CJK_CHARS
_SPACES_RE = re.compile(" {2,}")
#: One symbol or punctuation mark that may sit inside an evaded word: anything but word characters,
#: white space, NUL (separates texts in a batch) and sentence ends (the title/description break is "。").
_SYMBOL = r"[^\w\s\x00。！？；!?;…]"
#: Placeholder for deleted characters (a control character, so it cannot survive the table itself).
_DROP = "\x01"


def clean_text(value: Any) -> str:
    """Turn any cell value into a safe, bounded ``str`` (junk becomes empty text)."""
    text: str
    if value is None:
        return ""
    if isinstance(value, bytes):
        text = value.decode("utf-8", errors="replace")
    elif isinstance(value, str):
        text = value
    else:
        if isinstance(value, float) and value != value:  # NaN from pandas
            return ""
        try:
            text = str(value)
        except Exception:  # noqa: BLE001 - a cell whose __str__ fails is junk, not an error
            return ""
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS]
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", errors="replace").decode("utf-8")
    return text


class Normalizer:
    """Normalises listing text with a given evasion lexicon (emoji, separators, rewrites)."""

    def __init__(self, lexicon: dict[str, Any], keep: set[str] | None = None, *,
                 misspellings: Mapping[str, Any] | None = None) -> None:
        """``misspellings`` is a table :meth:`misspelling_table` made for the same lexicon (a model file
        carries one): used when it was made from the same words by the same rules, else rebuilt."""
        self._hk = opencc.OpenCC("hk2s")
        self._tw = opencc.OpenCC("tw2s")
        # Characters handled before NFKC, one regex pass: full-width ASCII -> ASCII, every kind of
        # white space and control character (NUL included: it separates documents in the vectorizer)
        # -> space, zero-width characters -> nothing, emoji -> words.
        special: dict[str, str] = {chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}
        special.update({chr(c): " " for c in range(0x3001) if chr(c).isspace() and c != 0x20})
        special.update({chr(c): " " for c in list(range(0x00, 0x20)) + [0x7F, 0x3000]})
        special.update({chr(c): "" for c in _ZERO_WIDTH})
        tables = lexicon.get("tables") or {}
        # Look-alikes: one character for one, applied with the rest of this table.
        special.update(zip(tables.get("confusable_from", ""), tables.get("confusable_to", "")))
        special.update(zip(tables.get("radical_from", ""), tables.get("radical_to", "")))
        self._emoji = {str(k): str(v) for k, v in lexicon.get("emoji", {}).items()}
        special.update({k: v for k, v in self._emoji.items() if len(k) == 1 and ord(k) < TABLE_SIZE})
        # Every key is one character: str.translate replaces them as a one-class regex would, and the
        # table costs nothing to build (the regex took ~5 ms to compile at every start).
        self._special_table = str.maketrans(special)
        # The numpy table covers the one-to-one replacements; deletions become _DROP, removed after.
        table = np.arange(TABLE_SIZE, dtype=np.uint32)
        for ch, repl in special.items():
            if ord(ch) < TABLE_SIZE and len(repl) <= 1:
                table[ord(ch)] = ord(repl) if repl else ord(_DROP)
        self._table_np = table
        self._emoji_re = re.compile(
            "|".join(re.escape(e) for e in sorted(self._emoji, key=len, reverse=True)) if self._emoji else "(?!)"
        )
        seps = re.escape(lexicon.get("separators", " ").replace("\t", "").replace("\n", ""))
        # Up to three separator characters between two CJK characters are dropped: the lexicon's list
        # plus any other symbol or punctuation mark (犀/牛/角, 犀~角, 象♪牙), except sentence ends.
        separator = rf"(?:[{seps} ]|{_SYMBOL})"
        self._cjk_sep_re = re.compile(rf"(?<=[{_CJK}]){separator}{{1,3}}(?=[{_CJK}])")
        # The same rule over a batch with numpy (:meth:`_drop_cjk_separators`): which characters of the
        # Basic Multilingual Plane are separators (one regex pass over all of them, ~4 ms).
        self._separator_re = re.compile(separator)
        self._separator_np = char_table(self._separator_re)
        # Single Latin letters joined by spaces ("i v o r y") or by one repeated symbol ("i.v.o.r.y",
        # "i~v~o~r~y", "r.h.i.n.oceros": the last run may be longer).
        # Written as "a letter not after a letter or digit, then ...": a pattern that starts with a
        # character class lets the regex engine skip to candidate letters instead of trying the
        # look-behind at every position (4x faster on a batch; same matches).
        self._spaced_latin_re = re.compile(
            rf"[a-z](?<![a-z0-9][a-z])(?: (?:[a-z] )+[a-z]|({_SYMBOL})(?:[a-z]\1)+[a-z]+)(?![a-z0-9])"
        )
        self._vocabulary = _latin_vocabulary(lexicon)
        self._leet = {str(k): str(v) for k, v in lexicon.get("leet", {}).items()}
        leet_chars = re.escape("".join(sorted(self._leet)))
        # A word of letters and leet characters with at least two letters and one leet character.
        self._leet_re = (
            re.compile(
                rf"(?<![a-z0-9])(?=(?:[{leet_chars}]*[a-z]){{2}})(?=[a-z]*[{leet_chars}])[a-z{leet_chars}]{{3,}}(?![a-z0-9])"
            )
            if self._leet
            else None
        )
        # Every leetspeak word lies in a run of letters and leet characters that holds both, so it has a
        # letter next to a leet character: only such runs are searched (most text has none).
        self._leet_chars = frozenset(self._leet)
        self._leet_seed_re = re.compile(rf"[{leet_chars}](?:(?<=[a-z][{leet_chars}])|(?=[a-z]))")
        self._leet_run_re = re.compile(rf"[a-z{leet_chars}]*")
        self._leet_cache: dict[str, str] = {}
        self._protected = set(lexicon.get("real_words", [])) | (keep or set())
        rewrites = _stored_misspellings(misspellings, self._vocabulary, self._protected)
        if rewrites is None:
            rewrites = _misspellings(self._vocabulary, self._protected)
        # Every misspelling is a Latin word of ASCII letters; of the lexicon's rewrites (a few dozen), a
        # folded key equal to its value (or empty) is no rewrite and also drops a misspelling it overrides.
        latin = set(rewrites)
        folded = {self._fold(k): self._fold(v) for k, v in lexicon.get("rewrites", {}).items()}
        rewrites.update(folded)
        for key, value in folded.items():
            if not key or key == value:
                del rewrites[key]
                latin.discard(key)
            elif not is_cjk_term(key):
                latin.add(key)
        self._rewrites = rewrites
        self._latin_rewrites = latin
        automaton = ahocorasick.Automaton()
        for key in self._rewrites:
            automaton.add_word(key, key)
        if self._rewrites:
            automaton.make_automaton()
        self._rewrite_automaton = automaton if self._rewrites else None

    def misspelling_table(self) -> dict[str, Any]:
        """The misspellings as plain data for a model file, so loading it skips building them (~50k
        strings, a tenth of start-up): ``{"key": <what they were built from>, "words": {word: "variant
        variant ..."}}``."""
        by_word: dict[str, list[str]] = {}
        for variant, word in _misspellings(self._vocabulary, self._protected).items():
            by_word.setdefault(word, []).append(variant)
        return {"key": _misspelling_key(self._vocabulary, self._protected),
                "words": {word: " ".join(sorted(variants)) for word, variants in sorted(by_word.items())}}

    def _fold(self, text: str) -> str:
        """Steps 2-4 only (used for lexicon keys, which carry no evasion)."""
        return str(self._tw.convert(self._hk.convert(self._pre(text)))).lower()

    def _pre(self, text: str) -> str:
        """Step 2 for one text."""
        return self._pre_batch([text])[0]

    def _pre_batch(self, texts: list[str]) -> list[str]:
        """Step 2: special characters, then NFKC for texts not already in that form.

        One-to-one replacements (full-width ASCII, white space, control characters) go through a numpy
        lookup table over the whole batch; the rare rest (zero-width characters, emoji, NFKC) per text.
        """
        if not texts:
            return []
        joined = "\n".join(texts)
        codes = code_points(joined)
        astral = bool((codes >= TABLE_SIZE).any())
        mapped = codes.copy()
        in_table = codes < TABLE_SIZE
        mapped[in_table] = self._table_np[codes[in_table]]
        converted = from_code_points(mapped)
        out = []
        start = 0
        for text in texts:
            piece = converted[start : start + len(text)]
            start += len(text) + 1
            if _DROP in piece:
                piece = piece.replace(_DROP, "")
            if astral and self._emoji_re.search(piece):
                piece = self._emoji_re.sub(lambda m: self._emoji[m.group()], piece)
            if not unicodedata.is_normalized("NFKC", piece):
                piece = unicodedata.normalize("NFKC", piece)
                piece = piece.translate(self._special_table)
            out.append(piece)
        return out

    def _rewrite_matches(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, replacement) of each homophone / pinyin / look-alike, leftmost-longest."""
        if self._rewrite_automaton is None:
            return []
        out = []
        for end, key in self._rewrite_automaton.iter_long(text):
            start = end - len(key) + 1
            if key in self._latin_rewrites and (
                (start > 0 and _is_word_char(text[start - 1])) or (end + 1 < len(text) and _is_word_char(text[end + 1]))
            ):
                continue
            out.append((start, end + 1, self._rewrites[key]))
        return out

    def _post(self, text: str) -> str:
        return self._post_raw(text).strip(" ")

    def _post_raw(self, text: str) -> str:
        """Steps 5-7 on converted, lower-cased text (may hold several NUL-separated texts)."""
        text = self._drop_cjk_separators(text)
        text = self._spaced_latin_re.sub(lambda m: re.sub(r"[^a-z]", "", m.group()), text)
        if self._leet_re is not None:
            text = self._leet_sub(text)
        matches = self._rewrite_matches(text)
        if matches:
            pieces, last = [], 0
            for start, end, new in matches:
                pieces.append(text[last:start])
                pieces.append(new)
                last = end
            pieces.append(text[last:])
            text = "".join(pieces)
        return _SPACES_RE.sub(" ", text)

    def _drop_cjk_separators(self, text: str) -> str:
        """``self._cjk_sep_re.sub("", text)`` with numpy: the regex tries its look-behind at every
        character of a batch (a tenth of scoring's time). What it removes is each whole run of one to
        three separators with a CJK character on both sides, as long as no separator is CJK: the
        unassigned code points of the CJK blocks are both, and a text with one is left to the regex."""
        codes = code_points(text)
        separator = char_mask(codes, self._separator_np, self._separator_re)
        cjk = ((codes >= 0x3400) & (codes <= 0x9FFF)) | ((codes >= 0xF900) & (codes <= 0xFAFF))
        if (cjk & separator).any():
            return self._cjk_sep_re.sub("", text)
        edges = np.diff(np.concatenate(([0], separator.view(np.int8), [0])))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)  # runs [start, end)
        inside = (starts > 0) & (ends < len(codes)) & (ends - starts <= 3)
        starts, ends = starts[inside], ends[inside]
        dropped = cjk[starts - 1] & cjk[ends]
        if not dropped.any():
            return text
        depth = np.zeros(len(codes) + 1, dtype=np.int32)
        depth[starts[dropped]] = 1  # a run starts on a separator and ends before a CJK character:
        depth[ends[dropped]] = -1  # no position is both
        keep = np.cumsum(depth[:-1]) == 0
        return from_code_points(codes[keep])

    def _leet_sub(self, text: str) -> str:
        """``self._leet_re.sub(self._unleet, text)``, searching only the runs of letters and leet
        characters that hold both (plus one character either side, which the pattern's look-behind
        and look-ahead read)."""
        assert self._leet_re is not None
        pieces: list[str] = []
        last = searched = 0
        leet, search, run = self._leet_chars, self._leet_re.finditer, self._leet_run_re.match
        for seed in self._leet_seed_re.finditer(text):
            at = seed.start()
            if at < searched:
                continue  # inside a run already searched
            start = at
            while start > 0 and (text[start - 1] in leet or "a" <= text[start - 1] <= "z"):
                start -= 1
            found = run(text, at)  # always matches (the pattern can be empty)
            end = found.end() if found else at
            for match in search(text, start, end + 1):
                pieces.append(text[last : match.start()])
                pieces.append(self._unleet(match))
                last = match.end()
            searched = end
        if not pieces:
            return text
        pieces.append(text[last:])
        return "".join(pieces)

    def _unleet(self, match: re.Match[str]) -> str:
        """The lexicon word a leetspeak word stands for, or the word unchanged."""
        word = match.group()
        found = self._leet_cache.get(word)
        if found is None:
            found = word
            options = [self._leet.get(c, c) for c in word]
            n = 1
            for option in options:
                n *= len(option)
            if n <= 64:
                for letters in itertools.product(*options):
                    candidate = "".join(letters)
                    if candidate in self._vocabulary or (candidate.endswith("s") and candidate[:-1] in self._vocabulary):
                        found = candidate
                        break
            if len(self._leet_cache) < 100_000:
                self._leet_cache[word] = found
        return found

    def _convert(self, text: str) -> str:
        """Step 3-4: Hong Kong then Taiwan variants to Simplified, lower case (ASCII skips OpenCC)."""
        if text.isascii():
            return text.lower()
        return str(self._tw.convert(self._hk.convert(text))).lower()

    def normalize(self, text: Any) -> str:
        """The normalised form of one text (fast path)."""
        text = self._pre(clean_text(text))
        if not text:
            return ""
        return self._post(self._convert(text))

    def normalize_batch(self, texts: list[Any]) -> list[str]:
        """Normalise many texts with one OpenCC call and one pass of each regex over the batch."""
        # _pre turns every control character (newline, NUL) into a space, so "\n" and then NUL can
        # separate the texts: OpenCC keeps newlines, and no regex here matches or crosses a NUL.
        pre = self._pre_batch([clean_text(t) for t in texts])
        # Only texts with non-ASCII characters go through OpenCC; ASCII ones are just lower-cased.
        wide = [i for i, t in enumerate(pre) if not t.isascii()]
        converted = [t.lower() for t in pre]
        if wide:
            done = self._tw.convert(self._hk.convert("\n".join(pre[i] for i in wide))).lower().split("\n")
            if len(done) != len(wide):  # defensive: conversion never adds or drops newlines
                return [self.normalize(t) for t in texts]
            for i, text in zip(wide, done):
                converted[i] = text
        out = self._post_raw("\x00".join(converted)).split("\x00")
        return [t.strip(" ") for t in out]

    def normalizing(self, strings: Any) -> Any:
        """``normalize`` backed by one ``normalize_batch`` of ``strings`` (the lexicon's terms at start-up:
        thousands of one-text calls become one batch; a string not given is normalised on its own)."""
        unique = sorted({s for s in strings if isinstance(s, str)})
        done = dict(zip(unique, self.normalize_batch(unique)))

        def norm(text: Any) -> str:
            found = done.get(text) if isinstance(text, str) else None
            return found if found is not None else self.normalize(text)

        return norm

    def normalize_with_offsets(self, text: Any) -> tuple[str, str, list[tuple[int, int]]]:
        """(original, normalised, span in the original for each normalised character) — slow path."""
        original = clean_text(text)
        pre = self._pre(original)
        if len(pre) == len(original):  # the usual case: every character maps to one character
            spans = [(i, i + 1) for i in range(len(original))]
        else:
            chars: list[str] = []
            spans = []
            for i, ch in enumerate(original):
                for oc in self._pre(ch):
                    chars.append(oc)
                    spans.append((i, i + 1))
            pre = "".join(chars)
        converted = self._convert(pre)
        if len(converted) != len(pre):
            converted = "".join(self._convert(c) if len(self._convert(c)) == 1 else c for c in pre)
        text2 = converted

        def apply(
            matches: list[tuple[int, int, str]], text: str, spans: list[tuple[int, int]]
        ) -> tuple[str, list[tuple[int, int]]]:
            out_chars: list[str] = []
            out_spans: list[tuple[int, int]] = []
            last = 0
            for start, end, new in matches:
                out_chars.append(text[last:start])
                out_spans.extend(spans[last:start])
                if new and end > start:
                    span = (spans[start][0], spans[end - 1][1])
                    out_chars.append(new)
                    out_spans.extend([span] * len(new))
                last = end
            out_chars.append(text[last:])
            out_spans.extend(spans[last:])
            return "".join(out_chars), out_spans

        def regex_matches(regex: re.Pattern[str], repl: Any, text: str) -> list[tuple[int, int, str]]:
            return [(m.start(), m.end(), repl(m)) for m in regex.finditer(text)]

        text2, spans = apply(regex_matches(self._cjk_sep_re, lambda m: "", text2), text2, spans)
        text2, spans = apply(
            regex_matches(self._spaced_latin_re, lambda m: re.sub(r"[^a-z]", "", m.group()), text2), text2, spans
        )
        if self._leet_re is not None:
            text2, spans = apply(regex_matches(self._leet_re, self._unleet, text2), text2, spans)
        text2, spans = apply(self._rewrite_matches(text2), text2, spans)
        text2, spans = apply(regex_matches(_SPACES_RE, lambda m: " ", text2), text2, spans)
        if text2.startswith(" "):
            text2, spans = text2[1:], spans[1:]
        if text2.endswith(" "):
            text2, spans = text2[:-1], spans[:-1]
        return original, text2, spans


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _latin_vocabulary(lexicon: dict[str, Any]) -> set[str]:
    """Every word of 3+ letters in the Latin species terms, aliases, code words and weak words."""
    words: set[str] = set()
    for entry in lexicon.get("species", []):
        for field in ("terms", "aliases", "code_words", "weak_words"):
            for term in entry.get(field, []):
                words.update(w for w in re.split(r"[^a-z]+", str(term).lower()) if len(w) >= 3)
    return words


#: Words shorter than this are never read as misspellings (too many real words are one edit apart).
MISSPELLING_MIN_LENGTH = 5


#: Version of the rules of :func:`_misspellings`: bump it when they change, so that the tables stored
#: in model files (:meth:`Normalizer.misspelling_table`) are rebuilt instead of used.
MISSPELLING_RULES = 1


def _misspelling_key(vocabulary: set[str], real_words: set[str]) -> str:
    """A digest of what :func:`_misspellings` reads: its rules, the lexicon's words and the protected words."""
    digest = hashlib.sha256(f"misspellings/{MISSPELLING_RULES}/{MISSPELLING_MIN_LENGTH}".encode())
    for words in (vocabulary, real_words):
        digest.update(b"\x00" + "\n".join(sorted(words)).encode("utf-8"))
    return digest.hexdigest()


def _stored_misspellings(table: Mapping[str, Any] | None, vocabulary: set[str],
                         real_words: set[str]) -> dict[str, str] | None:
    """The misspellings of a stored table, or None when it was built from other words or rules (or is
    not such a table): then they are built again."""
    if not isinstance(table, Mapping) or table.get("key") != _misspelling_key(vocabulary, real_words):
        return None
    words = table.get("words")
    if not isinstance(words, Mapping):
        return None
    for word, variants in words.items():
        # Each variant is a Latin word of lower-case ASCII letters (what _misspellings makes).
        if not (isinstance(word, str) and isinstance(variants, str) and variants.isascii()
                and variants.replace(" ", "").isalpha() and variants.islower()):
            return None
    out = {variant: word for word, variants in words.items() for variant in variants.split(" ")}
    return out if "" not in out else None


def _misspellings(vocabulary: set[str], real_words: set[str]) -> dict[str, str]:
    """Every string one edit (insert, delete, substitute, transpose) from a lexicon word -> that word.

    Real words (``misspellings.yaml``) and other lexicon words are left alone; a string one edit from
    two lexicon words is ambiguous and left alone too.
    """
    letters = "abcdefghijklmnopqrstuvwxyz"
    out: dict[str, str] = {}
    ambiguous: set[str] = set()
    for word in sorted(w for w in vocabulary if len(w) >= MISSPELLING_MIN_LENGTH):
        splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
        variants = {a + b[1:] for a, b in splits if b}
        variants |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
        variants |= {a + c + b[1:] for a, b in splits if b for c in letters}
        variants |= {a + c + b for a, b in splits for c in letters}
        for variant in variants:
            if variant == word or variant in vocabulary or variant in real_words or len(variant) < MISSPELLING_MIN_LENGTH:
                continue
            if variant in out and out[variant] != word:
                ambiguous.add(variant)
            out[variant] = word
    for variant in ambiguous:
        del out[variant]
    return out
