"""Text normalisation: undo script, width, case and the tricks sellers use to dodge keyword filters.

Steps, in order (each listed in docs/classifier.md):

1. clean: anything that is not a string becomes ``""``; lone surrogates are replaced; text is capped
   at :data:`MAX_CHARS` characters (longer listings are truncated, the tail is ignored);
2. NFKC (full-width -> half-width, compatibility forms), emoji -> words (🐘 -> 象), zero-width
   characters removed;
3. Traditional -> Simplified with OpenCC, Hong Kong variants then Taiwan variants (``hk2s``, ``tw2s``);
4. lower case;
5. separators inside words removed: ``象 牙``, ``象*牙`` -> ``象牙``; ``i v o r y`` -> ``ivory``;
6. homophones, pinyin and look-alike spellings rewritten to the canonical term (``西牛角`` -> ``犀牛角``,
   ``xiangya`` -> ``象牙``, ``iv0ry`` -> ``ivory``);
7. runs of white space collapsed.

The fast path (:meth:`Normalizer.normalize`) works on whole strings; the slow path
(:meth:`Normalizer.normalize_with_offsets`) produces the same text plus, for each output character,
the span of the original it came from, so evidence can be shown in the listing's own words.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any

import opencc

from .lexicon import is_cjk_term, trie_regex

__all__ = ["MAX_CHARS", "Normalizer", "clean_text"]

logger = logging.getLogger(__name__)

#: Characters of a listing (title + description) that are looked at; the rest is ignored.
MAX_CHARS = 20_000

_ZERO_WIDTH = {0x200B: None, 0x200C: None, 0x200D: None, 0x2060: None, 0xFEFF: None, 0x00AD: None, 0xFE0F: None}
_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_SPACES_RE = re.compile(r"\s+")


def clean_text(value: Any) -> str:
    """Turn any cell value into a safe, bounded ``str`` (junk becomes empty text)."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    elif not isinstance(value, str):
        if isinstance(value, float) and value != value:  # NaN from pandas
            return ""
        try:
            value = str(value)
        except Exception:  # noqa: BLE001 - a cell whose __str__ fails is junk, not an error
            return ""
    if len(value) > MAX_CHARS:
        value = value[:MAX_CHARS]
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", errors="replace").decode("utf-8")
    return value


class Normalizer:
    """Normalises listing text with a given evasion lexicon (emoji, separators, rewrites)."""

    def __init__(self, lexicon: dict[str, Any]) -> None:
        self._hk = opencc.OpenCC("hk2s")
        self._tw = opencc.OpenCC("tw2s")
        table: dict[int, Any] = dict(_ZERO_WIDTH)
        for emoji, text in lexicon.get("emoji", {}).items():
            if len(emoji) == 1:
                table[ord(emoji)] = text
        self._emoji = {k: v for k, v in lexicon.get("emoji", {}).items() if len(k) > 1}
        self._table = table
        seps = re.escape(lexicon.get("separators", " "))
        # Up to three separator characters between two CJK characters are dropped.
        self._cjk_sep_re = re.compile(rf"(?<=[{_CJK}])[{seps}\s]{{1,3}}(?=[{_CJK}])")
        # Single Latin letters joined by one separator: "i v o r y", "i.v.o.r.y".
        self._spaced_latin_re = re.compile(r"(?<![a-z0-9])(?:[a-z][ .*_\-·•|/+]){2,}[a-z](?![a-z0-9])")
        rewrites = {self._fold(k): self._fold(v) for k, v in lexicon.get("rewrites", {}).items()}
        self._rewrites = {k: v for k, v in rewrites.items() if k and k != v}
        cjk = [k for k in self._rewrites if is_cjk_term(k)]
        latin = [k for k in self._rewrites if not is_cjk_term(k)]
        parts = []
        if cjk:
            parts.append(trie_regex(cjk))
        if latin:
            parts.append(r"(?<![a-z0-9])" + trie_regex(latin) + r"(?![a-z0-9])")
        self._rewrite_re = re.compile("|".join(f"(?:{p})" for p in parts)) if parts else None

    def _fold(self, text: str) -> str:
        """Steps 2-4 only (used for lexicon keys, which carry no evasion)."""
        text = unicodedata.normalize("NFKC", text).translate(self._table)
        return self._tw.convert(self._hk.convert(text)).lower()

    def _pre(self, text: str) -> str:
        text = unicodedata.normalize("NFKC", text).translate(self._table)
        for emoji, word in self._emoji.items():
            text = text.replace(emoji, word)
        return text

    def _post(self, text: str) -> str:
        text = self._cjk_sep_re.sub("", text)
        text = self._spaced_latin_re.sub(lambda m: re.sub(r"[^a-z]", "", m.group()), text)
        if self._rewrite_re is not None:
            text = self._rewrite_re.sub(lambda m: self._rewrites.get(m.group(), m.group()), text)
        return _SPACES_RE.sub(" ", text).strip()

    def normalize(self, text: Any) -> str:
        """The normalised form of one text (fast path)."""
        text = self._pre(clean_text(text))
        if not text:
            return ""
        text = self._tw.convert(self._hk.convert(text)).lower()
        return self._post(text)

    def normalize_batch(self, texts: list[Any]) -> list[str]:
        """Normalise many texts, converting scripts in one OpenCC call per variant table."""
        pre = [self._pre(clean_text(t)).replace("\n", " ") for t in texts]
        joined = "\n".join(pre)
        converted = self._tw.convert(self._hk.convert(joined)).lower().split("\n")
        if len(converted) != len(pre):  # defensive: conversion never adds or drops newlines
            converted = [self._tw.convert(self._hk.convert(t)).lower() for t in pre]
        return [self._post(t) if t else "" for t in converted]

    def normalize_with_offsets(self, text: Any) -> tuple[str, str, list[tuple[int, int]]]:
        """(original, normalised, span in the original for each normalised character) — slow path."""
        original = clean_text(text)
        chars: list[str] = []
        spans: list[tuple[int, int]] = []
        for i, ch in enumerate(original):
            out = unicodedata.normalize("NFKC", ch).translate(self._table)
            out = self._emoji.get(out, out)
            for oc in out:
                chars.append(oc)
                spans.append((i, i + 1))
        pre = "".join(chars)
        converted = self._tw.convert(self._hk.convert(pre))
        if len(converted) != len(pre):
            converted = "".join(self._tw.convert(self._hk.convert(c)) or c for c in chars)
            if len(converted) != len(pre):
                converted = pre
        lowered = [c.lower() if len(c.lower()) == 1 else c for c in converted]
        text2 = "".join(lowered)

        def apply(regex: re.Pattern[str], repl: Any, text: str, spans: list[tuple[int, int]]):
            out_chars: list[str] = []
            out_spans: list[tuple[int, int]] = []
            last = 0
            for m in regex.finditer(text):
                out_chars.append(text[last : m.start()])
                out_spans.extend(spans[last : m.start()])
                new = repl(m)
                if new:
                    lo = spans[m.start()][0] if m.end() > m.start() else spans[max(m.start() - 1, 0)][1]
                    hi = spans[m.end() - 1][1] if m.end() > m.start() else lo
                    out_chars.append(new)
                    out_spans.extend([(lo, hi)] * len(new))
                last = m.end()
            out_chars.append(text[last:])
            out_spans.extend(spans[last:])
            return "".join(out_chars), out_spans

        text2, spans = apply(self._cjk_sep_re, lambda m: "", text2, spans)
        text2, spans = apply(
            self._spaced_latin_re, lambda m: re.sub(r"[^a-z]", "", m.group()), text2, spans
        )
        if self._rewrite_re is not None:
            text2, spans = apply(
                self._rewrite_re, lambda m: self._rewrites.get(m.group(), m.group()), text2, spans
            )
        # Collapse white space as the fast path does: a run keeps its first character's span.
        final_chars: list[str] = []
        final_spans: list[tuple[int, int]] = []
        prev_space = True
        for ch, span in zip(text2, spans):
            if ch.isspace():
                if prev_space:
                    continue
                final_chars.append(" ")
                final_spans.append(span)
                prev_space = True
            else:
                final_chars.append(ch)
                final_spans.append(span)
                prev_space = False
        if final_chars and final_chars[-1] == " ":
            final_chars.pop()
            final_spans.pop()
        return original, "".join(final_chars), final_spans
