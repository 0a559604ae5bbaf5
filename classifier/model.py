"""The WildWatch model: an evidence stage with sign-constrained weights plus a bounded context stage.

margin = evidence · w + b + c · tanh((word n-grams · v_w + char n-grams · v_c) / c)

- **Evidence stage** (``classifier.features``): about twenty features read from the lexicon with sense,
  negation and scope (species term, code word, homophone, trade / contact / authenticity in the same
  listing, imitation and merchandise cues, news, denials). Weights of evidence are constrained to be
  >= 0 and weights of lowering cues <= 0, so evidence can only raise the score.
- **Context stage**: hashed TF-IDF word 1-2-grams and character 2-3-grams, whose whole contribution is
  squashed into (-c, +c). No word in no list can move a listing by more than ``c``: the bound is what
  makes the score monotone in the evidence. At training, ``c`` is set below the margin that a species
  term plus a trade cue has over the threshold (``card["monotone"]``), so no ordinary word can pull such
  a listing under the threshold, and without any species evidence no ordinary word can push a
  listing over it.
- **Calibration**: Platt scaling of out-of-fold margins, so ``score`` is a probability.

Training lives in ``classifier.train``, files in ``classifier.persist``; this module is the scorer.

Persistence is plain files (never pickle): ``models/<version>/model.json`` holds the plain data (lexicon,
parameters, card) and ``model.npz`` the numpy arrays, read with ``allow_pickle=False``; nothing in them
can run, and loading them imports neither skops nor scikit-learn. Models saved as ``model.skops``
(format 2) still load, through skops with an explicit list of trusted types.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .features import (
    Analysis,
    TextAnalyzer,
    join_listing,
)
from .hashing import NgramHasher, Rows

if TYPE_CHECKING:  # training and the old file format only: scoring imports none of these (start-up time)

    pass

__all__ = ["FORMAT", "MAMMOTH", "Model", "ModelLoadError", "ScoreResult", "VERSION_RE"]

logger = logging.getLogger(__name__)

#: Marker stored in every model file; a file without it is not ours (format 1 was the unconstrained model).
#: Format 3 is format 2's model in plain files: ``model.json`` + ``model.npz`` (no code, no pickles).
FORMAT = "wildwatch-classifier/3"
#: Scores below this get no learned-feature reasons (lexicon evidence is still listed).
REASON_MIN_SCORE = 0.2
MAX_REASONS = 6
#: The species whose flagging ``flag_mammoth_ivory=False`` turns off when it is a listing's only species.
MAMMOTH = "mammoth ivory"


#: Model versions: ``YYYY.MM.DD-N``.
VERSION_RE = re.compile(r"^(\d{4})\.(\d{2})\.(\d{2})-(\d+)$")


class ModelLoadError(Exception):
    """A model directory or file is missing, malformed, or holds types we do not trust."""


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """The classifier's verdict on one listing."""

    score: float
    flagged: bool
    species: tuple[str, ...]
    reasons: tuple[str, ...]


@dataclass
class Model:
    """A trained classifier plus everything needed to score and explain (lexicon, threshold, card)."""

    version: str
    threshold: float
    lexicon: dict[str, Any]
    word_vectorizer: NgramHasher
    char_vectorizer: NgramHasher
    evidence_weights: np.ndarray
    intercept: float
    ngram_weights: np.ndarray
    ngram_bound: float
    calibration: tuple[float, float]
    card: dict[str, Any] = field(default_factory=dict)
    #: word column -> the training n-gram it stands for (only columns that raise the score)
    word_names: dict[int, str] = field(default_factory=dict)
    path: Path | None = None
    #: Flag listings whose only species is mammoth ivory (the deployment's policy; see docs/classifier.md).
    flag_mammoth_ivory: bool = True
    #: Tables derived from the lexicon that the model file carries (``TextAnalyzer.prepared_tables``).
    prepared: dict[str, Any] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._analyzer = TextAnalyzer(self.lexicon, prepared=self.prepared)
        self._species_names = [entry["name"] for entry in self.lexicon["species"]]
        self._term_columns: dict[str, int] = {}
        self.evidence_weights = np.asarray(self.evidence_weights, dtype=np.float64)
        self.ngram_weights = np.asarray(self.ngram_weights, dtype=np.float64)
        n_words = self.word_vectorizer.n_features
        self._v_words = self.ngram_weights[:n_words]
        self._v_chars = self.ngram_weights[n_words:]

    # -- features ---------------------------------------------------------------------------
    @property
    def analyzer(self) -> TextAnalyzer:
        return self._analyzer

    def _blocks(self, analyses: Sequence[Analysis]) -> tuple[Rows, Rows, np.ndarray]:
        """The three feature blocks, kept apart: stacking them would cost a sort of every row."""
        words = self.word_vectorizer.tfidf([a.tokens for a in analyses])
        chars = self.char_vectorizer.tfidf([a.normalized for a in analyses])
        evidence = np.array([a.evidence.vector for a in analyses], dtype=np.float64).reshape(len(analyses), -1)
        return words, chars, evidence

    def margins(self, blocks: tuple[Rows, Rows, np.ndarray]) -> np.ndarray:
        """Evidence margin plus the bounded context margin."""
        words, chars, evidence = blocks
        context = self.word_vectorizer.dot(words, self._v_words) + self.char_vectorizer.dot(chars, self._v_chars)
        c = self.ngram_bound
        return np.asarray(evidence @ self.evidence_weights + self.intercept + c * np.tanh(context / c))

    def _proba(self, margins: np.ndarray) -> np.ndarray:
        slope, intercept = self.calibration
        return 1.0 / (1.0 + np.exp(-(slope * margins + intercept)))

    def _floor(self, proba: np.ndarray, analyses: Sequence[Analysis]) -> np.ndarray:
        """The evidence floor: a species term with trade, contact or a claim, and no lowering cue in
        scope, scores at least the threshold, whatever other words the listing has."""
        floor = np.fromiter((a.evidence.strong_with_context and not a.evidence.blocked for a in analyses), bool, len(analyses))
        if floor.any():
            proba = np.where(floor, np.maximum(proba, math.ceil(self.threshold * 1e6) / 1e6), proba)
        return proba

    # -- scoring ----------------------------------------------------------------------------
    def predict_proba_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities for already-joined listing texts."""
        if len(texts) == 0:
            return np.zeros(0)
        analyses = self._analyzer.analyze_batch(texts)
        return self._floor(self._proba(self.margins(self._blocks(analyses))), analyses)

    def score_batch(self, titles: Sequence[Any], descriptions: Sequence[Any]) -> list[ScoreResult]:
        """Score listings; never raises on odd cells (junk is scored as empty text)."""
        n = max(len(titles), len(descriptions))
        titles = list(titles) + [""] * (n - len(titles))
        descriptions = list(descriptions) + [""] * (n - len(descriptions))
        texts = [join_listing(t, d) for t, d in zip(titles, descriptions)]
        if not texts:
            return []
        with _collector_paused():
            return self._score_texts(texts)

    def _score_texts(self, texts: list[str]) -> list[ScoreResult]:
        analyses = self._analyzer.analyze_batch(texts)
        blocks = self._blocks(analyses)
        proba = self._floor(self._proba(self.margins(blocks)), analyses)
        results = []
        for i, (text, analysis, score) in enumerate(zip(texts, analyses, proba.tolist())):
            flagged = score >= self.threshold
            evidence = analysis.evidence
            species = self._species(evidence, flagged) if (evidence.species or evidence.slang) else ()
            if flagged and not self.flag_mammoth_ivory and species == (MAMMOTH,):
                flagged = False
            reasons: tuple[str, ...] = ()
            if score >= REASON_MIN_SCORE:
                reasons = self._reasons(text, analysis, blocks[0], i, flagged)
            elif species:
                reasons = self._species_reasons(text, analysis)
            results.append(ScoreResult(round(score, 6), flagged, species, reasons))
        return results

    def _species(self, evidence: Any, flagged: bool) -> tuple[str, ...]:
        """Species named outright, plus those named only by slang when the listing is flagged."""
        found = set(evidence.species)
        if flagged:
            found |= evidence.slang
        if not found:
            return ()
        return tuple(name for name in self._species_names if name in found)

    # -- explanations -----------------------------------------------------------------------
    def _term_column(self, term: str) -> int:
        col = self._term_columns.get(term)
        if col is None:
            tokens = " ".join(self._analyzer.tokenize(term))
            col = self.word_vectorizer.columns([tokens])[0] if tokens else -1
            self._term_columns[term] = col
        return col

    def _species_reasons(self, text: str, analysis: Analysis) -> tuple[str, ...]:
        """Low scores: only the species named, so a moderator sees why the species column is filled."""
        evidence, seen = [], set()
        for hit in analysis.evidence.hits:
            if hit.kind in ("species", "alias", "pinyin") and hit.term not in seen:
                seen.add(hit.term)
                evidence.append((0.0, hit.start, hit.end, _shown_term(hit.term), _REASON_LABELS[hit.kind].format(hit.species)))
        return tuple(f"{shown} ({label})" for shown, label in self._own_words(text, analysis, evidence[:MAX_REASONS]))

    def _reasons(self, text: str, analysis: Analysis, words: Rows, i: int, flagged: bool) -> tuple[str, ...]:
        """Evidence terms first (species, descriptions, slang, sounds, trade, contact, claims), then
        the strongest learned word n-grams, in the listing's own words."""
        lo, hi = words.indptr[i], words.indptr[i + 1]
        cols = words.indices[lo:hi]
        values = words.data[lo:hi] * self._v_words[cols]
        evidence: list[tuple[float, int, int, str, str]] = []  # (rank, start, end, term, label)
        seen: set[str] = set()
        for hit in analysis.evidence.hits:
            if hit.kind not in _REASON_LABELS or hit.term in seen:
                continue
            if hit.kind in ("code", "initials", "weak") and not flagged:
                continue
            seen.add(hit.term)
            rank = _REASON_RANK.get(hit.kind, 0.0)
            evidence.append((rank, hit.start, hit.end, _shown_term(hit.term), _REASON_LABELS[hit.kind].format(hit.species)))
        top = np.argsort(-values)[:8]
        added = 0
        for k in top.tolist():
            value = float(values[k])
            if value <= LEARNED_REASON_MIN or added >= 3:
                break
            gram = self.word_names.get(int(cols[k]))
            if gram is None or gram in seen or any(part in seen for part in gram.split(" ")) or _uninformative(gram):
                continue
            joined = _join_gram(gram)
            pos = analysis.normalized.find(joined)
            if pos < 0:  # a hash collision: the column's name is another word
                continue
            seen.add(gram)
            added += 1
            evidence.append((value, pos, pos + len(joined), joined, f"+{value:.2f}"))
        if not evidence:
            return ()
        evidence.sort(key=lambda item: -item[0])
        return tuple(f"{shown} ({label})" for shown, label in self._own_words(text, analysis, evidence[:MAX_REASONS]))

    def _own_words(
        self, text: str, analysis: Analysis, evidence: list[tuple[float, int, int, str, str]]
    ) -> list[tuple[str, str]]:
        """Show each term as the listing wrote it (Traditional, spaced out, ...), with the canonical form."""
        lowered = text.lower()
        if len(lowered) == len(text) and all(term in lowered for _, _, _, term, _ in evidence):
            out = []
            for _, _, _, term, label in evidence:
                at = lowered.index(term)
                out.append((text[at : at + len(term)], label))
            return out
        original, normalized, spans = self._analyzer.normalizer.normalize_with_offsets(text)
        out = []
        for _, start, end, term, label in evidence:
            shown = term
            if normalized == analysis.normalized and 0 <= start < end <= len(spans):
                raw = original[spans[start][0] : spans[end - 1][1]].strip()
                if raw:
                    shown = raw if raw.lower() == term else f"{raw} = {term}"
            out.append((shown, label))
        return out


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Score without Python's cyclic garbage collector. A batch builds ~10 container objects per listing
    (hits, evidence, results) that live until it ends; their number sets off collections that walk every
    object of the process, in search of cycles that scoring never makes (its garbage goes by reference
    counting): a tenth of scoring's time, a fifth when most listings have evidence. A collector the
    caller turned off stays off."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _shown_term(term: str) -> str:
    """A homophone hit is named "written = term"; the reason shows the term it stands for."""
    return term.split(" = ", 1)[1] if " = " in term else term


#: Words too common to explain anything to a moderator (they may still carry weight in the model).
_STOPWORDS = frozenset(
    "the a an of and or to in on for with is are was be it this that my your our we you i me at by from as "
    "no not very all can will has have".split()
)


def _uninformative(gram: str) -> bool:
    """Single CJK characters and English stop words make poor reasons."""
    parts = gram.split(" ")
    if all(p in _STOPWORDS for p in parts):
        return True
    return len(parts) == 1 and len(gram) == 1


_REASON_LABELS = {
    "species": "{}",
    "alias": "description: {}",
    "pinyin": "sounds like: {}",
    "code": "code word: {}",
    "initials": "pinyin initials: {}",
    "weak": "with: {}",
    "trade": "trade term",
    "contact": "off-platform contact",
    "authenticity": "authenticity claim",
}
_REASON_RANK = {"species": 10.0, "alias": 9.0, "pinyin": 8.0, "code": 7.0, "initials": 6.0, "weak": 2.0,
                "authenticity": 1.5, "contact": 1.2, "trade": 1.0}
#: A learned word n-gram is listed as a reason when it adds at least this much to the margin.
LEARNED_REASON_MIN = 0.15


def _join_gram(gram: str) -> str:
    """A word n-gram as it appears in text: CJK tokens touch, Latin ones keep a space."""
    parts = gram.split(" ")
    out = parts[0]
    for part in parts[1:]:
        if out and part and out[-1].isascii() and part[0].isascii():
            out += " " + part
        else:
            out += part
    return out


