"""Text -> features: normalisation, jieba tokens, lexicon hits and the evidence they add up to.

The evidence stage reads the lexicon hits of a listing with their scope:

- **word sense**: a species term next to a harmless word (``senses`` in species.yaml: ivory *leather*,
  象牙球 + 仙人球) is an exclusion, not a species;
- **negation, both ways**: a negator before an imitation cue is an authenticity claim (非仿, "not
  replica", 唔係假嘢); before a species term it denies the species ("legal, not totoaba", 非象牙, "not
  real ivory");
- **scope of lowering cues**: an imitation or merchandise cue in the same clause as the species (or both
  in the title) counts as "in scope"; elsewhere in a lot listing ("carved ivory elephants, lamps,
  books") it counts for much less;
- **non-offer context** lowers a listing only when it offers nothing: news, enforcement, advocacy and
  questions (``nonsale``, which talk *about* selling) unless it has a contact word or a seller's price;
  display and heirlooms (``keeping``: museum, "my grandmother's") unless it has any offer evidence, a sale
  word too. "my grandmother's ivory brooch" is a memory, "my grandmother's ivory brooch, $50, DM" an offer;
- **weak words** (white plastic, jelly, elephant) and two-letter pinyin initials only add to a species
  that something else already named.

The result is a short vector (:data:`EVIDENCE_FEATURES`) whose weights the model learns with signs
fixed in advance (:data:`EVIDENCE_SIGNS`): evidence can only raise a score, lowering cues only lower
it, and words in no list carry no evidence at all.
"""

from __future__ import annotations

import bisect
import importlib.machinery
import importlib.util
import logging
import math
import operator
import os
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import numpy as np

if TYPE_CHECKING:
    from rjieba import Jieba

from .chars import char_mask, char_table, code_points, from_code_points
from .lexicon import CJK_CHARS, Hit, TermMatcher, is_cjk_term
from .normalize import Normalizer, clean_text
from .pinyin import PinyinChannel, on_word_boundaries

__all__ = ["EVIDENCE_FEATURES", "EVIDENCE_SIGNS", "Analysis", "Evidence", "TextAnalyzer", "join_listing"]

logger = logging.getLogger(__name__)

#: Names of the evidence features, in column order, and the sign their weight must have.
EVIDENCE_FEATURES: tuple[tuple[str, int], ...] = (
    ("species term", +1),
    ("species description", +1),
    ("code word", +1),
    ("homophone / pinyin", +1),
    ("pinyin initials", +1),
    ("weak words with other evidence", +1),
    ("species named", +1),
    ("evidence x trade", +1),
    ("evidence x contact", +1),
    ("evidence x authenticity claim", +1),
    ("species term with trade, contact or claim", +1),
    ("only slang or sound with trade, contact or claim", +1),
    ("evidence x price or quantity", +1),
    ("imitation cue in scope", -1),
    ("imitation cue elsewhere", -1),
    ("merchandise cue in scope", -1),
    ("merchandise cue elsewhere", -1),
    ("non-offer context without an offer", -1),
    ("species denied", -1),
    ("harmless sense or exclusion", -1),
)
EVIDENCE_SIGNS = np.array([sign for _, sign in EVIDENCE_FEATURES], dtype=np.int8)

#: Between title and description: a sentence end, so the two never merge into one word.
_JOIN = " \u3002 "

#: jieba frequency given to domain terms so they stay single tokens.
_DOMAIN_FREQ = 2_000_000

#: Kinds that name a species, strongest first.
_SPECIES_KINDS = ("species", "alias", "code", "pinyin", "initials", "weak")
#: Clause breaks: scope of negation and of lowering cues.
_CLAUSE_RE = re.compile(r"[\u3002,.;:!?，；：！？|/()（）【】\[\]\n]| - | but | 但")
#: Sentence ends. A word-sense window (``senses``, ``confirms``) stays in its term's clause unless the term
#: stands alone there: then the clause is an attribute of the item beside it ("Wool throw, ivory", "Sofa |
#: 3 seater | ivory") and the window reaches across commas, slashes and bars to the end of the sentence.
#: A clause with other words is a phrase of its own ("Picture frames, tortoiseshell hawksbill box": an
#: item in a lot, whose neighbours say nothing about it).
_SENTENCE_RE = re.compile(r"[\u3002.;!?；！？\n]")
#: How far (characters) a word-sense window looks either side of a term, at most.
_WINDOW_CHARS = 80
#: Prices and quantities: a seller's voice even without a trade word.
_PRICE_RE = re.compile(
    r"(?:[$¥€£]|hk\$|us\$|nt\$|rmb|hkd|usd|cny|twd|mop)\s?\d|\d\s?(?:元|块|蚊|刀|rmb|hkd|usd|mop|港币|港元|美金|dollars?)"
    r"|估价|起拍|售价|价格\d"
)
_QUANTITY_RE = re.compile(r"\d\s?(?:g|kg|克|公斤|斤|两|両|pcs|颗|粒|片|根|对|對|副|盒|瓶|包|只|隻|支|枝|件)(?![a-z])")
#: Chinese negators count when at most two of these characters stand between them and the term (不是真象牙).
_CJK_FILLERS = frozenset("真的是正个個")
_LATIN_WORD_RE = re.compile(r"[a-z0-9'$@]+")


def join_listing(title: Any, description: Any) -> str:
    """The one text a listing is scored on: title, a hard break, description."""
    title_text = clean_text(title)
    description_text = clean_text(description)
    if not description_text:
        return title_text
    if not title_text:
        return description_text
    return title_text + _JOIN + description_text


class Evidence(NamedTuple):
    """What the lexicon found in one listing, after sense, negation and scope."""

    vector: list[float]
    species: frozenset[str]  # named by a species term, description, homophone or pinyin
    slang: frozenset[str]  # named only by code words or initials (tagged when flagged)
    hits: list[Hit]  # the hits that count, for reasons
    strong_with_context: bool  # a species term or description plus trade, contact or an authenticity claim
    blocked: bool  # a lowering cue in scope, news, a denial or a harmless sense: no evidence floor


class Analysis(NamedTuple):
    """Everything derived from one listing's text (a tuple: one per listing on the hot path)."""

    normalized: str
    tokens: str  # jieba tokens joined by white space (split() gives the tokens)
    evidence: Evidence


#: The term of a (end, term) match, for set operations in C.
_term_of = operator.itemgetter(1)
#: Punctuation and symbols: token boundaries for jieba, never tokens themselves.
_PUNCT_RE = re.compile(r"[\W_]+")


def _strings(value: Any) -> Iterator[str]:
    """Every string in nested lists and dicts (values only)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _jieba_class() -> type[Jieba]:
    """jieba-rs's ``Jieba`` class, without running ``rjieba/__init__.py`` when it has not run yet:
    that builds a default tokenizer we never use (a second dictionary load, ~0.1 s of start-up).
    The extension is registered as ``rjieba.rjieba``, so a later ``import rjieba`` reuses it."""
    loaded = sys.modules.get("rjieba.rjieba")
    if loaded is not None:
        return cast("type[Jieba]", loaded.Jieba)
    spec = importlib.util.find_spec("rjieba")
    folder = spec.submodule_search_locations[0] if spec and spec.submodule_search_locations else None
    suffixes = importlib.machinery.EXTENSION_SUFFIXES
    paths = [f"{folder}/rjieba{suffix}" for suffix in suffixes] if folder else []
    path = next((p for p in paths if os.path.isfile(p)), None)
    loader = importlib.machinery.ExtensionFileLoader("rjieba.rjieba", path or "")
    spec = importlib.util.spec_from_file_location("rjieba.rjieba", path, loader=loader) if path else None
    if spec is None:  # another layout: the package's own import
        import rjieba

        return rjieba.Jieba
    module = importlib.util.module_from_spec(spec)
    sys.modules["rjieba.rjieba"] = module
    loader.exec_module(module)
    return cast("type[Jieba]", module.Jieba)


class TextAnalyzer:
    """Normaliser + lexicon matcher + pinyin channel + jieba tokenizer loaded with the domain dictionary."""

    def __init__(self, lexicon: dict[str, Any], *, pinyin: bool = True, prepared: Mapping[str, Any] | None = None) -> None:
        """``prepared``: tables :meth:`prepared_tables` made for this lexicon (a model file carries them),
        so that loading a model does not build them again; anything else is built here."""
        self.lexicon = lexicon
        # pinyin=False only to measure what the channel costs (bench/real_text.py --pinyin-ablation).
        self.pinyin = PinyinChannel(lexicon if pinyin else {**lexicon, "tables": {}})
        # Latin pinyin of lexicon terms (shexiang, csj) is never read as a misspelling of an English word.
        self.normalizer = Normalizer(lexicon, keep=set(self.pinyin.latin),
                                     misspellings=(prepared or {}).get("misspellings"))
        norm = self.normalizer.normalizing(_strings({k: v for k, v in lexicon.items() if k != "tables"}))
        self.matcher = TermMatcher(lexicon, normalize=norm, extra=self.pinyin.latin)
        self._jieba = _jieba_class()()
        self._punct_np: np.ndarray | None = None  # char_table(_PUNCT_RE) but NUL, built by the first batch
        for term in self.matcher.cjk_terms:
            if " " not in term:
                self._jieba.add_word(term, _DOMAIN_FREQ, None)
        # Terms that name a species (or hide one): a listing without any has no evidence.
        self._naming = frozenset(
            term for term, entries in self.matcher.table.items()
            if any(kind in _SPECIES_KINDS or kind == "exclusion" for kind, _ in entries)
        )
        # A tuple: str.endswith tries them all in one call.
        self._negators_cjk = tuple(sorted((n for n in lexicon.get("negators", []) if is_cjk_term(n)), key=len, reverse=True))
        # Everyday words among the trade and authenticity terms: they engage slang only with a stronger
        # name beside it ("a warm pure ivory" is a colour; models trained before it have none).
        self._everyday = frozenset(norm(w) for w in lexicon.get("everyday", []) if norm(w))
        # Offer evidence (trade_terms.yaml): trade and authenticity words that only describe the item or
        # are news's topic do not count; extra sale words and valuations (before a price) are patterns.
        self._not_offers = self._everyday | {norm(w) for w in lexicon.get("describes", []) if norm(w)}
        self._offer_words = _word_pattern(norm(w) for w in lexicon.get("offers", []))
        self._valuation_words = _word_pattern(norm(w) for w in lexicon.get("valuations", []))
        self._keeping_suffixes = _suffix_pattern(lexicon.get("keeping_suffixes", []))
        self._suffix_chars = tuple(entry["suffix"] for entry in lexicon.get("keeping_suffixes", []))
        shapes = sorted({norm(w) for w in lexicon.get("shapes", []) if norm(w)}, key=len, reverse=True)
        self._shapes = re.compile(
            r"[ \-]?(?:" + "|".join(re.escape(w) if is_cjk_term(w) else re.escape(w) + r"(?![a-z0-9])" for w in shapes) + ")"
        ) if shapes else None
        # Claims of realness that, written into a term before an exclusion it overlaps, keep the term.
        self._real_claims = frozenset(norm(w) for w in lexicon.get("authenticity", []) if norm(w)) | {"真"}
        self._negators_latin = frozenset(n for n in lexicon.get("negators", []) if not is_cjk_term(n) and " " not in n)
        # species -> [(sense terms, window, harmless words)]; a sense term may be longer than the hit
        # it explains (象牙球 around the hit 象牙).
        # species -> [(sense terms, window, harmless words, those of them that are phrases or CJK)]
        self._senses: dict[str, list[tuple[tuple[str, ...], int, frozenset[str], tuple[str, ...]]]] = {}
        self._cover: dict[str, list[str]] = {}
        # Word sense the other way: slang next to a word of the trade's own objects is a species term
        # ("Meiji ivory okimono"); slang directly before any other word is an adjective ("ivory jumper").
        self._confirms: dict[str, list[tuple[frozenset[str], int, frozenset[str]]]] = {}
        self._modifiers: dict[tuple[str, str], frozenset[str]] = {}
        self._modifier_after: dict[tuple[str, str], frozenset[str]] = {}
        self._objects: dict[str, frozenset[str]] = {}  # species -> its confirm words (not merchandise for it)
        for entry in lexicon["species"]:
            for sense in entry.get("senses", []):
                harmless = frozenset(norm(h) for h in sense["harmless"] if norm(h))
                terms = tuple(norm(t) for t in sense["terms"] if norm(t))
                phrases = tuple(w for w in harmless if " " in w or is_cjk_term(w))
                self._senses.setdefault(entry["name"], []).append((terms, int(sense["window"]), harmless, phrases))
            if entry.get("cover"):
                self._cover[entry["name"]] = [norm(c) for c in entry["cover"] if norm(c)]
            for confirm in entry.get("confirms", []):
                words = frozenset(norm(w) for w in confirm["words"] if norm(w))
                slang = frozenset(norm(t) for t in confirm["terms"] if norm(t))
                self._confirms.setdefault(entry["name"], []).append((slang, int(confirm["window"]), words))
            if entry["name"] in self._confirms:
                self._objects[entry["name"]] = frozenset(w for _, _, ws in self._confirms[entry["name"]] for w in ws)
            for modifier in entry.get("modifiers", []):
                keep = frozenset(norm(w) for w in modifier["keep"] if norm(w))
                # Confirm words, whole and their first word (ivory *tea* caddy, ivory *letter* opener).
                keep |= {p for _, _, words in self._confirms.get(entry["name"], []) for w in words
                         for p in (w, w.split(" ")[0])}
                for term in modifier["terms"]:
                    self._modifiers[(entry["name"], norm(term))] = keep
                    # Words that make the slang a colour when they come right before it ("a lamp in ivory").
                    after = frozenset(norm(w) for w in modifier.get("after", []) if norm(w))
                    if after:
                        self._modifier_after[(entry["name"], norm(term))] = after

    def prepared_tables(self) -> dict[str, Any]:
        """What a model file stores beside the lexicon so that loading it is quicker (plain data)."""
        return {"misspellings": self.normalizer.misspelling_table()}

    def tokenize(self, normalized: str) -> list[str]:
        """jieba (jieba-rs) tokens of normalised text, white space and bare punctuation dropped."""
        return " ".join(self._jieba.cut(_PUNCT_RE.sub(" ", normalized), False)).split()

    def analyze_batch(self, texts: Sequence[Any]) -> list[Analysis]:
        """Normalise, tokenise, match and weigh the evidence of many texts."""
        normalized = self.normalizer.normalize_batch(list(texts))
        wide = [i for i, t in enumerate(normalized) if not t.isascii()]
        sounds = dict(zip(wide, self.pinyin.sounds_to_search([normalized[i] for i in wide])))
        out = []
        cut, expand = self._jieba.cut, self.matcher.expand
        naming = self._naming
        tokenizable = self._punctuation_to_spaces(normalized)
        for i, (norm, matches) in enumerate(zip(normalized, self.matcher.find_matches_batch(normalized))):
            sound = sounds.get(i)
            # Most listings name no species at all: their evidence is empty whatever else they say.
            if not naming.isdisjoint(map(_term_of, matches)):
                hits = expand(self._veto_exclusions(norm, matches))
                if sound is not None:
                    hits += self.pinyin.find(norm, sound, [(h.start, h.end) for h in hits], self._cut_words)
                evidence = self.evidence(norm, hits)
            elif sound is not None and (
                found := self.pinyin.find(norm, sound, [(e - len(t) + 1, e + 1) for e, t in matches], self._cut_words)
            ):
                # A homophone inside a context phrase (係膠 in 唔係膠 "not plastic") is that phrase, not a species.
                evidence = self.evidence(norm, expand(matches) + found)
            else:
                evidence = _NO_EVIDENCE
            out.append(Analysis(norm, " ".join(cut(tokenizable[i], False)), evidence))
        return out

    def _punctuation_to_spaces(self, texts: list[str]) -> list[str]:
        """``_PUNCT_RE.sub(" ", text)`` of each text, in a few numpy passes over the batch: half the time of
        the regex text by text, which was ~4 % of scoring. NUL separates the texts (no normalised text
        holds one)."""
        joined = "\x00".join(texts)
        if joined.count("\x00") != len(texts) - 1:  # defensive: a text holds a NUL
            return [_PUNCT_RE.sub(" ", text) for text in texts]
        codes = code_points(joined)
        if self._punct_np is None:
            self._punct_np = char_table(_PUNCT_RE)
            self._punct_np[0] = False
        punct = char_mask(codes, self._punct_np, _PUNCT_RE)
        keep = ~punct  # a run of punctuation becomes one space: its first character stays, as a space
        keep[:1] = True
        keep[1:] |= ~punct[:-1]
        return from_code_points(np.where(punct, np.uint32(ord(" ")), codes)[keep]).split("\x00")

    def _cut_words(self, text: str) -> list[str]:
        return self._jieba.cut(text, False)

    def _veto_exclusions(self, text: str, matches: list[tuple[int, str]]) -> list[tuple[int, str]]:
        """An exclusion vetoes a naming term it overlaps, also when the longest match preferred the term
        because it starts earlier: "antique ivory coloured" is a colour although "antique ivory" is a term.
        A term that contains the whole exclusion is more specific and stays (大象的牙齿 holds 牙齿), so does a
        term that claims realness before the overlap (真玳瑁 in 真玳瑁框, "real tortoiseshell frames": the
        claim answers the look-alike reading), and a Chinese exclusion counts only on word boundaries
        (象牙白 is not in 老象牙白菜, 老 象牙 白菜)."""
        spans = self.matcher.exclusion_spans(text)
        if not spans:
            return matches
        naming, species_kinds = self.matcher.table, _SPECIES_KINDS
        out: list[tuple[int, str]] = []
        vetoed: list[tuple[int, str]] = []
        for end, term in matches:
            start, stop = end - len(term) + 1, end + 1
            veto = None
            if any(kind in species_kinds for kind, _ in naming[term]):
                for a, b, exclusion in spans:
                    if a < stop and start < b and not (start <= a and b <= stop) and (
                        text[start:a].strip() not in self._real_claims
                    ) and (not is_cjk_term(exclusion) or on_word_boundaries(text, a, b, self._cut_words)):
                        veto = (b - 1, exclusion)
                        break
            if veto is None:
                out.append((end, term))
            elif veto not in vetoed:
                vetoed.append(veto)
        if not vetoed:
            return matches
        return sorted(out + [v for v in vetoed if v not in out])

    # -- evidence ---------------------------------------------------------------------------
    def evidence(self, text: str, hits: list[Hit]) -> Evidence:
        """The evidence vector of one listing from its hits (see the module docstring)."""
        named: list[Hit] = []
        context: dict[str, list[Hit]] = {"trade": [], "contact": [], "authenticity": [], "imitation": [], "merch": [],
                                         "nonsale": [], "keeping": []}
        harmless = denied = 0
        excluded_species: list[str | None] = []
        for hit in hits:
            kind = hit.kind
            if kind in context:
                if kind == "imitation" and self._negated(text, hit.start):
                    context["authenticity"].append(hit._replace(kind="authenticity"))
                else:
                    context[kind].append(hit)
            elif kind == "exclusion":
                excluded_species.append(hit.species)
            elif kind in _SPECIES_KINDS:
                if self._harmless_sense(text, hit) or self._shaped(text, hit):
                    harmless += 1
                elif kind != "weak" and self._negated(text, hit.start):
                    denied += 1
                elif kind == "code" and hit.species in self._confirms and self._confirmed(text, hit):
                    named.append(hit._replace(kind="species"))
                elif kind == "code" and (hit.species, hit.term) in self._modifiers and self._modifies(text, hit):
                    continue  # "ivory jumper": a colour or material, not evidence either way
                else:
                    named.append(hit)
        if self._keeping_suffixes is not None:
            context["keeping"] += self._suffix_hits(text, context["keeping"])
        if context["merch"] and self._objects:
            # An ivory *figure* is what the carver made, not merchandise about the animal.
            objects = self._objects
            context["merch"] = [
                h for h in context["merch"]
                if not any(n.kind == "species" and h.term in objects.get(n.species or "", ()) for n in named)
            ]
        if any(h.kind == "pinyin" and " = " in h.term for h in named):
            named = self._scoped_homophones(text, named, context)
        if self._everyday and not any(h.kind in ("species", "alias", "pinyin") for h in named):
            for kind in ("trade", "authenticity"):
                context[kind] = [h for h in context[kind] if h.term not in self._everyday]
        strong = {h.term for h in named if h.kind == "species"}
        alias = {h.term for h in named if h.kind == "alias"}
        code = {h.term for h in named if h.kind == "code"}
        sound = {h.term for h in named if h.kind == "pinyin"}
        initials = {h.term for h in named if h.kind == "initials"}
        by_species: dict[str, set[str]] = {}
        for h in named:
            if h.kind != "weak" and h.species:
                by_species.setdefault(h.species, set()).add(h.kind)
        weak = sum(1 for h in named if h.kind == "weak" and h.species in by_species)
        species = frozenset(s for s, kinds in by_species.items() if kinds & {"species", "alias", "pinyin"})
        slang = frozenset(s for s in by_species if s not in species)
        # An exclusion says its own species' term is harmless, nothing about another species the listing
        # names ("mammoth ivory scrimshaw knife handles": "scrimshaw knife" is no sperm whale tooth).
        excluded = harmless + sum(1 for s in excluded_species if not by_species or s in by_species)
        for name, words in self._cover.items():
            if name in by_species and any(_contains(text, w) for w in words):
                species = species | {"elephant ivory"}
        trade = len(context["trade"]) + (1 if _PRICE_RE.search(text) else 0)
        quantity = bool(_QUANTITY_RE.search(text))
        contact = len(context["contact"])
        claim = len(context["authenticity"])
        any_evidence = bool(by_species)
        in_scope_imitation, elsewhere_imitation = self._scope(text, context["imitation"], named)
        in_scope_merch, elsewhere_merch = self._scope(text, context["merch"], named)
        engaged = trade + contact + claim > 0
        if weak and not (strong or alias or sound or engaged) and all(
            (h.species or "", h.term) in self._modifiers for h in named if h.kind in ("code", "initials")
        ):
            # "elephants die for ivory": slang that is also an everyday word (bare English "ivory") gains
            # nothing from weak words without a seller's voice; "white plastic, African material" still does.
            weak = 0
        # Non-offer context counts only against a listing that offers nothing (and only with evidence).
        nonsale = 0
        if any_evidence and (context["nonsale"] or context["keeping"]) and not self._asks_directly(text, context):
            nonsale = len(context["nonsale"])
            if context["keeping"] and not self._offered(text, context):
                nonsale += len(context["keeping"])
        e = 1.0 if any_evidence else 0.0
        vector = [
            math.log1p(len(strong)),
            1.0 if alias else 0.0,
            math.log1p(len(code)),
            1.0 if sound else 0.0,
            1.0 if initials else 0.0,
            math.log1p(weak),
            float(min(len(by_species), 3)),
            e * math.log1p(trade),
            e * math.log1p(contact),
            e * math.log1p(claim),
            1.0 if (strong or alias) and engaged else 0.0,
            1.0 if any_evidence and not (strong or alias) and engaged else 0.0,
            e * (1.0 if trade > len(context["trade"]) or quantity else 0.0),
            # Lowering cues only matter against evidence: without any, the listing is not an offer anyway.
            e * math.log1p(in_scope_imitation),
            e * math.log1p(elsewhere_imitation),
            e * math.log1p(in_scope_merch),
            e * math.log1p(elsewhere_merch),
            math.log1p(nonsale),
            # A denial or a harmless sense is evidence against on its own ("legal, not totoaba").
            math.log1p(denied),
            math.log1p(excluded),
        ]
        # Cues elsewhere in a lot listing ("ivory elephants, lamps, books") do not block the floor.
        blocked = bool(in_scope_imitation or in_scope_merch or nonsale or denied or excluded)
        shown = [h for h in named if h.kind != "weak" or h.species in by_species]
        shown += [h for kind in ("trade", "contact", "authenticity") for h in context[kind]]
        return Evidence(vector, species, slang, shown, bool((strong or alias) and engaged), blocked)

    def _suffix_hits(self, text: str, keeping: list[Hit]) -> list[Hit]:
        """Display cues from a word's last character (回顾展, 巡展): the words are too many to list, and
        the suffix alone is not enough (发展, 展示), hence the characters around it.  A suffix inside a
        listed cue (艺术展) is not counted again."""
        pattern = self._keeping_suffixes
        if pattern is None or not any(c in text for c in self._suffix_chars):
            return []
        return [Hit(m.start(), m.end(), m.group(), "keeping", None) for m in pattern.finditer(text)
                if not any(h.start <= m.start() < h.end for h in keeping)]

    def _asks_directly(self, text: str, context: dict[str, list[Hit]]) -> bool:
        """A seller addressing a buyer: a contact word, or a price that no valuation word precedes. News
        and advocacy talk about selling; only this makes them an offer."""
        if context["contact"]:
            return True
        for match in _PRICE_RE.finditer(text):
            # A valuation word shortly before the price, in its clause ("fines a dealer £18,000").
            before = _CLAUSE_RE.split(text[max(0, match.start() - _VALUATION_CHARS) : match.start()])[-1]
            if self._valuation_words is None or not self._valuation_words.search(before):
                return True
        return False

    def _offered(self, text: str, context: dict[str, list[Hit]]) -> bool:
        """Any offer evidence (after :meth:`_asks_directly` said no): a trade or authenticity word that is
        more than a description (``describes``, ``everyday``), an ``offers`` word, or a title that opens
        with 出."""
        not_offers = self._not_offers
        if any(h.term not in not_offers for kind in ("trade", "authenticity") for h in context[kind]):
            return True
        if _OFFER_OPENING_RE.search(text):
            return True
        return self._offer_words is not None and self._offer_words.search(text) is not None

    @staticmethod
    def _scoped_homophones(text: str, named: list[Hit], context: dict[str, list[Hit]]) -> list[Hit]:
        """Homophones count only next to a seller's words: a trade, contact or authenticity term, a price
        or a quantity in the same clause (代帽 手镯 yes; 还贵 "even dearer" in a hotel review no)."""
        bounds = [0] + [m.end() for m in _CLAUSE_RE.finditer(text)] + [len(text) + 1]
        selling = [h.start for kind in ("trade", "contact", "authenticity") for h in context[kind]]
        selling += [m.start() for m in _PRICE_RE.finditer(text)] + [m.start() for m in _QUANTITY_RE.finditer(text)]
        kept = []
        for hit in named:
            if hit.kind == "pinyin" and " = " in hit.term:
                k = bisect.bisect_right(bounds, hit.start) - 1
                lo, hi = bounds[k], bounds[k + 1]
                if not any(lo <= at < hi for at in selling):
                    continue
            kept.append(hit)
        return kept

    def _negated(self, text: str, start: int) -> bool:
        """A negator before ``start`` in the same clause: up to 2 filler characters (CJK) or 3 words (Latin)."""
        clause = _CLAUSE_RE.split(text[max(0, start - 40) : start])[-1].rstrip(" ")
        if not clause:
            return False
        for k in range(3):
            if k and (k > len(clause) or clause[-k] not in _CJK_FILLERS):
                break
            head = clause[: len(clause) - k]
            if head.endswith(self._negators_cjk):
                return True
        return any(w in self._negators_latin for w in _LATIN_WORD_RE.findall(clause)[-3:])

    def _harmless_sense(self, text: str, hit: Hit) -> bool:
        """Whether a species hit is part of a sense term next to one of its harmless words (word sense).

        "Next to" is within ``window`` words in the term's clause, or its sentence when the term stands alone
        in its clause ("Wool throw, ivory": see ``_SENTENCE_RE``); a negated harmless word is a claim, not
        the harmless sense ("old ivory, not plastic")."""
        for terms, window, harmless, phrases in self._senses.get(hit.species or "", ()):
            span = _covering(text, hit, terms)
            if span is None:
                continue
            start, end = span
            if window <= 0:
                if any(not self._negated(text, at)
                       for w in harmless if w in text for at in _occurrences(text, w, 0, len(text))):
                    return True
                continue
            lo, hi = _window_bounds(text, start, end)
            near = _near_words(text, lo, start, end, hi, window)
            if any(w in harmless and not self._negated(text, at) for at, w in near):
                return True
            present = [w for w in phrases if w in text]
            if present and any(
                not self._negated(text, at)
                for a, b in ((lo, start), (end, hi)) for w in present for at in _occurrences(text, w, a, b)
            ):
                return True
        return False

    def _shaped(self, text: str, hit: Hit) -> bool:
        """A term directly followed by a shape word (``shapes`` in trade_terms.yaml: "rhino horn shaped
        bottle opener", 犀牛角形状, 象牙造型) names the object's shape, not its material."""
        return self._shapes is not None and self._shapes.match(text, hit.end) is not None

    def _modifies(self, text: str, hit: Hit) -> bool:
        """Slang used as an English adjective: directly followed, in its clause, by a word not kept, or
        right after one of the ``after`` words ("a lamp in ivory")."""
        after = self._modifier_after.get((hit.species or "", hit.term))
        if after:
            left = _LATIN_WORD_RE.findall(_CLAUSE_RE.split(text[max(0, hit.start - 40) : hit.start])[-1])
            if left and left[-1] in after:
                return True
        right = _CLAUSE_RE.split(text[hit.end : hit.end + 40])[0]
        if right[:1].isalnum():
            return False  # glued to more text (normalisation artefact): leave it alone
        words = _LATIN_WORD_RE.findall(right)
        if not words or not right.lstrip(" ").startswith(words[0]) or words[0][0].isdigit():
            return False
        return words[0] not in self._modifiers[(hit.species or "", hit.term)]

    def _confirmed(self, text: str, hit: Hit) -> bool:
        """Slang within ``window`` words (the same scope as for ``senses``) of one of the trade's own object
        words, or anywhere in the listing for window 0."""
        for terms, window, words in self._confirms.get(hit.species or "", ()):
            if hit.term not in terms:
                continue
            if window <= 0:
                if any(_contains(text, w) for w in words):
                    return True
                continue
            lo, hi = _window_bounds(text, hit.start, hit.end)
            near = [w for _, w in _near_words(text, lo, hit.start, hit.end, hi, window)]
            if any(w in words for w in near):
                return True
            near_text = " ".join(near)
            if any(" " in w and _contains(near_text, w) for w in words):
                return True
        return False

    @staticmethod
    def _scope(text: str, cues: list[Hit], named: list[Hit]) -> tuple[int, int]:
        """(cues in the clause of a species hit or both in the title, other cues)."""
        if not cues:
            return 0, 0
        if not named:
            return 0, len(cues)
        breaks = [m.start() for m in _CLAUSE_RE.finditer(text)]
        title_end = text.find("\u3002")
        title_end = len(text) if title_end < 0 else title_end
        clauses = {bisect.bisect(breaks, h.start) for h in named}
        named_in_title = any(h.start < title_end for h in named)
        inside = sum(
            1 for c in cues if bisect.bisect(breaks, c.start) in clauses or (named_in_title and c.start < title_end)
        )
        return inside, len(cues) - inside


#: A title or sentence that opens with 出 ("offering …", Xianyu's commonest title) is an offer; 展出 is not.
_OFFER_OPENING_RE = re.compile(r"(?:^|[\s\u3002，,:：】|])出\s?(?=[\u3400-\u9fff])")


#: How far (characters) before a price a valuation word is looked for.
_VALUATION_CHARS = 30


def _suffix_pattern(entries: Sequence[dict[str, str]]) -> re.Pattern[str] | None:
    """One pattern for the ``keeping_suffixes`` entries: the suffix after a CJK character not in its
    ``not_after`` and not followed by one in its ``not_before``."""
    parts = []
    for entry in entries:
        after = "".join(re.escape(c) for c in entry["not_after"])
        before = "".join(re.escape(c) for c in entry["not_before"])
        parts.append(f"(?<=[{CJK_CHARS}])" + (f"(?<![{after}])" if after else "") + re.escape(entry["suffix"])
                     + (f"(?![{before}])" if before else ""))
    return re.compile("|".join(parts)) if parts else None


def _word_pattern(words: Iterator[str]) -> re.Pattern[str] | None:
    """One regex for a word list: CJK words anywhere, Latin ones on word boundaries."""
    parts = sorted({w for w in words if w}, key=len, reverse=True)
    if not parts:
        return None
    alternatives = [re.escape(w) if is_cjk_term(w) else rf"(?<![a-z0-9]){re.escape(w)}(?![a-z0-9])" for w in parts]
    return re.compile("|".join(alternatives))


def _covering(text: str, hit: Hit, terms: tuple[str, ...]) -> tuple[int, int] | None:
    """The span of one of ``terms`` in ``text`` that contains the hit, if any."""
    for term in terms:
        at = text.find(term, max(0, hit.end - len(term)))
        while 0 <= at <= hit.start:
            if at + len(term) >= hit.end:
                return at, at + len(term)
            at = text.find(term, at + 1)
    return None


def _contains(text: str, word: str) -> bool:
    """Substring for CJK words, whole words for Latin ones."""
    return word in text and next(_occurrences(text, word, 0, len(text)), None) is not None


def _occurrences(text: str, word: str, lo: int, hi: int) -> Iterator[int]:
    """Where ``word`` starts in ``text[lo:hi]`` (absolute offsets): anywhere for CJK words, whole words
    for Latin ones."""
    cjk = is_cjk_term(word)
    at = text.find(word, lo, hi)
    while at >= 0:
        if cjk:
            yield at
        else:
            before = text[at - 1] if at > 0 else " "
            after = text[at + len(word)] if at + len(word) < len(text) else " "
            if not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum()):
                yield at
        at = text.find(word, at + 1, hi)


def _bounds(text: str, start: int, end: int, breaks: re.Pattern[str]) -> tuple[int, int]:
    """The span between ``breaks`` around ``text[start:end]``, at most ``_WINDOW_CHARS`` either side."""
    lo = max(0, start - _WINDOW_CHARS)
    for match in breaks.finditer(text, lo, start):
        lo = match.end()
    stop = breaks.search(text, end, min(len(text), end + _WINDOW_CHARS))
    return lo, stop.start() if stop else min(len(text), end + _WINDOW_CHARS)


def _window_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The scope of a word-sense window around ``text[start:end]``: its clause, or its sentence when the
    term is all its clause holds (an attribute: "Wool throw, ivory")."""
    lo, hi = _bounds(text, start, end, _CLAUSE_RE)
    if text[lo:start].strip() or text[end:hi].strip():
        return lo, hi
    return _bounds(text, start, end, _SENTENCE_RE)


def _near_words(text: str, lo: int, start: int, end: int, hi: int, window: int) -> list[tuple[int, str]]:
    """The ``window`` Latin words before ``start`` (from ``lo``) and after ``end`` (up to ``hi``), with
    their offsets."""
    left = [(m.start(), m.group()) for m in _LATIN_WORD_RE.finditer(text, lo, start)][-window:]
    right = [(m.start(), m.group()) for m in _LATIN_WORD_RE.finditer(text, end, hi)][:window]
    return left + right


_NO_EVIDENCE = Evidence([0.0] * len(EVIDENCE_FEATURES), frozenset(), frozenset(), [], False, False)
