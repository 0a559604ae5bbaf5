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

Persistence is plain files (never pickle): ``models/<version>/model.json`` holds the plain data (lexicon,
parameters, card) and ``model.npz`` the numpy arrays, read with ``allow_pickle=False``; nothing in them
can run, and loading them imports neither skops nor scikit-learn. Models saved as ``model.skops``
(format 2) still load, through skops with an explicit list of trusted types.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
import re
import subprocess
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .features import EVIDENCE_FEATURES, EVIDENCE_SIGNS, Analysis, TextAnalyzer, join_listing
from .hashing import NgramHasher, Rows
from .lexicon import load_lexicon

if TYPE_CHECKING:  # training and the old file format only: scoring imports none of these (start-up time)
    import pandas as pd
    import scipy.sparse as sp

    from .vectorize import HashedNgramVectorizer

__all__ = [
    "FORMAT",
    "MAMMOTH",
    "Model",
    "ModelLoadError",
    "ScoreResult",
    "DEFAULT_MODELS_DIR",
    "assign_split",
    "convert_model",
    "find_latest_model",
    "load_model",
    "save_model",
    "train_model",
]

logger = logging.getLogger(__name__)

#: ``<repo>/models``.
DEFAULT_MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
#: Marker stored in every model file; a file without it is not ours (format 1 was the unconstrained model).
#: Format 3 is format 2's model in plain files: ``model.json`` + ``model.npz`` (no code, no pickles).
FORMAT = "wildwatch-classifier/3"
MODEL_FILE = "model.json"
ARRAYS_FILE = "model.npz"
#: Format 2, still loaded (with skops): ``model.skops``.
SKOPS_FORMAT = "wildwatch-classifier/2"
SKOPS_FILE = "model.skops"
LATEST_FILE = "LATEST"
#: Logits of evidence a listing needs beyond the most its words alone could add before the threshold
#: can flag it (the threshold is chosen only above that score).
EVIDENCE_MARGIN = 1.0
#: Scores below this get no learned-feature reasons (lexicon evidence is still listed).
REASON_MIN_SCORE = 0.2
MAX_REASONS = 6
#: Training weight of a row by its ``source`` (others: 1).
DEFAULT_SOURCE_WEIGHTS = {"handwritten": 3.0, "moderator": 3.0, "review": 3.0}
#: The species whose flagging ``flag_mammoth_ivory=False`` turns off when it is a listing's only species.
MAMMOTH = "mammoth ivory"
#: Default bound of the context stage, in logits (see the module docstring).
DEFAULT_NGRAM_BOUND = 2.0

#: Types a model file may contain beyond skops' defaults (which cover scikit-learn, numpy, scipy).
TRUSTED_TYPES: tuple[str, ...] = ("classifier.vectorize.HashedNgramVectorizer",)

_VERSION_RE = re.compile(r"^(\d{4})\.(\d{2})\.(\d{2})-(\d+)$")


class ModelLoadError(Exception):
    """A model directory or file is missing, malformed, or holds types we do not trust."""


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """The classifier's verdict on one listing."""

    score: float
    flagged: bool
    species: tuple[str, ...]
    reasons: tuple[str, ...]


def assign_split(group: Any, *, validation: float = 0.15, test: float = 0.15) -> str:
    """Deterministic train/validation/test split by group, so near-duplicates never cross splits."""
    digest = hashlib.sha256(str(group).encode("utf-8")).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    if u < test:
        return "test"
    if u < test + validation:
        return "validation"
    return "train"


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

    def __post_init__(self) -> None:
        self._analyzer = TextAnalyzer(self.lexicon)
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


# -- training -------------------------------------------------------------------------------
def _word_vectorizer() -> HashedNgramVectorizer:
    from .vectorize import HashedNgramVectorizer

    return HashedNgramVectorizer(analyzer="word", ngram_range=(1, 2), n_features=1 << 16, min_df=2)


def _char_vectorizer() -> HashedNgramVectorizer:
    from .vectorize import HashedNgramVectorizer

    return HashedNgramVectorizer(analyzer="char", ngram_range=(2, 3), n_features=1 << 17, min_df=2)


def _prepare(df: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    missing = {"title", "description", "label"} - set(df.columns)
    if missing:
        raise ValueError(f"labeled data lacks columns: {sorted(missing)}")
    out = df.copy()
    if "group" not in out.columns:
        out["group"] = [f"row-{i}" for i in range(len(out))]
    if "split" not in out.columns:
        out["split"] = [assign_split(g) for g in out["group"]]
    if "lang" not in out.columns:
        out["lang"] = "unknown"
    if "hard_negative" not in out.columns:
        out["hard_negative"] = 0
    if "weight" not in out.columns:
        out["weight"] = 1.0
    out["weight"] = pd.to_numeric(out["weight"], errors="coerce").fillna(1.0).astype(float)
    out["label"] = out["label"].astype(int)
    out["hard_negative"] = out["hard_negative"].fillna(0).astype(int)
    out["text"] = [join_listing(t, d) for t, d in zip(out["title"], out["description"])]
    return out


def choose_threshold(
    y: np.ndarray,
    proba: np.ndarray,
    *,
    min_precision: float = 0.95,
    hard_negative: np.ndarray | None = None,
    max_hard_fpr: float = 0.01,
    sample_weight: np.ndarray | None = None,
    above: float = 0.0,
) -> float:
    """Best-F1 threshold among those keeping precision ≥ ``min_precision`` and hard-negative FPR ≤ ``max_hard_fpr``.

    Only scores above ``above`` are candidates (training passes the highest score a listing without
    evidence can reach, so no ordinary words can ever flag one).

    Precision and F1 count each row with its ``sample_weight`` (the training weight, so hand-written
    rows weigh as they do in the fit and the many template rows do not drown them out); the
    hard-negative rate counts rows. Constraints are relaxed in that order (hard negatives first) when
    no threshold meets them.
    """
    y = np.asarray(y).astype(int)
    proba = np.asarray(proba, dtype=float)
    hard = np.zeros(len(y), dtype=bool) if hard_negative is None else (np.asarray(hard_negative).astype(int) == 1)
    hard &= y == 0
    w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    candidates = np.unique(np.concatenate([proba, [0.5]]))
    candidates = candidates[candidates > above] if (candidates > above).any() else candidates

    def best(check_hard: bool, check_precision: bool) -> tuple[float, float] | None:
        found: tuple[float, float] | None = None
        for t in candidates:
            pred = proba >= t
            tp = float(np.sum(w[pred & (y == 1)]))
            fp = float(np.sum(w[pred & (y == 0)]))
            fn = float(np.sum(w[~pred & (y == 1)]))
            if tp == 0:
                continue
            precision, recall = tp / (tp + fp), tp / (tp + fn)
            if check_precision and precision < min_precision:
                continue
            if check_hard and hard.any() and np.sum(pred & hard) / hard.sum() > max_hard_fpr:
                continue
            f1 = 2 * precision * recall / (precision + recall)
            if found is None or f1 > found[0] + 1e-12:
                found = (f1, float(t))
        return found

    chosen = best(True, True) or best(False, True) or best(False, False)
    if chosen is None:
        return 0.5
    # Sit between the chosen score and the next lower one, so tiny shifts do not flip decisions.
    lower = candidates[candidates < chosen[1]]
    return float((chosen[1] + lower.max()) / 2) if len(lower) else chosen[1]


def _word_names(vectorizer: HashedNgramVectorizer, v_words: np.ndarray, analyses: Sequence[Analysis]) -> dict[int, str]:
    """For each word column that raises the score, the most frequent training n-gram hashed into it."""
    counts: dict[int, dict[str, int]] = {}
    for analysis in analyses:
        for gram, col in vectorizer.doc_ngrams(analysis.tokens):
            if v_words[col] > 0:
                bucket = counts.setdefault(col, {})
                bucket[gram] = bucket.get(gram, 0) + 1
    return {col: max(bucket.items(), key=lambda kv: (kv[1], kv[0]))[0] for col, bucket in counts.items()}


def _version_today(models_dir: Path | None = None) -> str:
    today = dt.datetime.now(dt.UTC).strftime("%Y.%m.%d")
    n = 1
    if models_dir is not None and models_dir.is_dir():
        taken = [
            int(m.group(4))
            for p in models_dir.iterdir()
            if (m := _VERSION_RE.match(p.name)) and p.name.startswith(today)
        ]
        n = max(taken, default=0) + 1
    return f"{today}-{n}"


def _code_version() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
        if out.returncode == 0:
            return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return "unknown"


@dataclass
class _Fit:
    """Fitted parameters of the two stages."""

    w: np.ndarray
    b: float
    v: np.ndarray


def _fit(
    evidence: np.ndarray,
    ngrams: sp.csr_matrix,
    y: np.ndarray,
    weight: np.ndarray,
    *,
    bound: float,
    C: float,
    max_iter: int = 400,
) -> _Fit:
    """Weighted logistic loss of the two-stage margin, L-BFGS-B with the evidence signs as bounds.

    L2 penalty ``|v|^2 / (2 C)`` on the n-gram weights (per unit of total row weight, like liblinear's
    C for a sum of losses) and a light one on the evidence weights.
    """
    from scipy.optimize import minimize

    n, k = evidence.shape
    # Only columns some training row uses can get a weight; optimising the rest (all zero) costs time.
    used = np.unique(ngrams.indices)
    full_width = ngrams.shape[1]
    ngrams = ngrams[:, used]
    m = ngrams.shape[1]
    total = float(weight.sum())
    lam_v = 1.0 / (2.0 * C * total)
    lam_w = 1e-3 / total
    ngrams_t = ngrams.T.tocsr()

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b, v = theta[:k], theta[k], theta[k + 1 :]
        u = ngrams @ v
        t = np.tanh(u / bound)
        margin = evidence @ w + b + bound * t
        # log(1 + exp(m)) - y m, stably
        loss = np.logaddexp(0.0, margin) - y * margin
        p = 1.0 / (1.0 + np.exp(-margin))
        r = weight * (p - y) / total
        value = float(weight @ loss) / total + lam_v * float(v @ v) + lam_w * float(w @ w)
        grad = np.empty_like(theta)
        grad[:k] = evidence.T @ r + 2 * lam_w * w
        grad[k] = r.sum()
        grad[k + 1 :] = ngrams_t @ (r * (1.0 - t * t)) + 2 * lam_v * v
        return value, grad

    bounds: list[tuple[float | None, float | None]] = [
        (0.0, None) if sign > 0 else (None, 0.0) if sign < 0 else (None, None) for sign in EVIDENCE_SIGNS
    ]
    bounds += [(None, None)] * (1 + m)
    theta0 = np.zeros(k + 1 + m)
    result = minimize(objective, theta0, jac=True, method="L-BFGS-B", bounds=bounds,
                      options={"maxiter": max_iter, "maxfun": max_iter * 2})
    theta = result.x
    v = np.zeros(full_width)
    v[used] = theta[k + 1 :]
    return _Fit(theta[:k].copy(), float(theta[k]), v)


def _margins(fit: _Fit, evidence: np.ndarray, ngrams: sp.csr_matrix, bound: float) -> np.ndarray:
    return np.asarray(evidence @ fit.w + fit.b + bound * np.tanh((ngrams @ fit.v) / bound))


def _platt(margins: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Slope and intercept of a logistic fit of the labels on the margins."""
    from scipy.optimize import minimize

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = theta[0] * margins + theta[1]
        p = 1.0 / (1.0 + np.exp(-z))
        value = float(np.sum(np.logaddexp(0.0, z) - y * z))
        return value, np.array([np.sum((p - y) * margins), np.sum(p - y)])

    result = minimize(objective, np.array([1.0, 0.0]), jac=True, method="L-BFGS-B", bounds=[(1e-3, None), (None, None)])
    return float(result.x[0]), float(result.x[1])


def train_model(
    df: pd.DataFrame,
    *,
    lexicon: dict[str, Any] | None = None,
    min_precision: float = 0.95,
    max_hard_fpr: float = 0.01,
    C: float = 4.0,
    folds: int = 5,
    seed: int = 0,
    source_weights: dict[str, float] | None = None,
    ngram_bound: float = DEFAULT_NGRAM_BOUND,
) -> Model:
    """Fit on the development rows (``train`` + ``validation``); calibrate and pick the threshold out-of-fold.

    Rows in the ``test`` split are never looked at. Without a ``split`` column the split is a
    deterministic hash of ``group`` (:func:`assign_split`). Folds are by group too, so the
    out-of-fold scores that set the calibration and the threshold never come from a near-duplicate.
    Each row weighs ``source_weights[source]`` (hand-written and moderator rows x3) times its ``weight``
    column when there is one (e.g. a reviewer's confidence).

    The evidence floor (:meth:`Model._floor`) flags its rows whatever the threshold, so they count as
    flagged when the threshold is chosen; ``card["monotone"]`` records the bound and checks that a
    listing without evidence stays under the threshold whatever its words.
    """
    import pandas as pd
    import scipy.sparse as sp
    from sklearn.model_selection import GroupKFold

    data = _prepare(df)
    lexicon = lexicon if lexicon is not None else load_lexicon()
    analyzer = TextAnalyzer(lexicon)
    dev = data[data["split"] != "test"].reset_index(drop=True)
    if dev["label"].nunique() < 2:
        raise ValueError("training data needs both positive and negative rows")
    dev_an = analyzer.analyze_batch(list(dev["text"]))
    word_vec = _word_vectorizer().fit([a.tokens for a in dev_an])
    char_vec = _char_vectorizer().fit([a.normalized for a in dev_an])
    ngrams = sp.hstack(
        [word_vec.transform([a.tokens for a in dev_an]), char_vec.transform([a.normalized for a in dev_an])],
        format="csr",
    )
    evidence = np.array([a.evidence.vector for a in dev_an], dtype=np.float64)
    y = dev["label"].to_numpy().astype(np.float64)
    groups = dev["group"].to_numpy()
    # Rows written one by one (or reviewed by moderators) are rarer and closer to real listings than
    # template rows, so they count more; classes are balanced as liblinear's "balanced" did.
    weights_by_source = DEFAULT_SOURCE_WEIGHTS if source_weights is None else source_weights
    sources = dev["source"].astype(str) if "source" in dev.columns else pd.Series([""] * len(dev))
    weight = np.array([weights_by_source.get(src, 1.0) for src in sources], dtype=np.float64) * dev["weight"].to_numpy()
    balance = np.where(y == 1, len(y) / (2.0 * max(y.sum(), 1)), len(y) / (2.0 * max((1 - y).sum(), 1)))
    fit_weight = weight * balance

    n_splits = int(min(folds, len(np.unique(groups))))
    oof = np.zeros(len(y))
    for tr, te in GroupKFold(n_splits=n_splits).split(evidence, y, groups):
        if len(np.unique(y[tr])) < 2:
            continue
        fold = _fit(evidence[tr], ngrams[tr], y[tr], fit_weight[tr], bound=ngram_bound, C=C)
        oof[te] = _margins(fold, evidence[te], ngrams[te], ngram_bound)
    calibration = _platt(oof, y)
    slope, offset = calibration
    oof_proba = 1.0 / (1.0 + np.exp(-(slope * oof + offset)))
    floor = np.array([an.evidence.strong_with_context and not an.evidence.blocked for an in dev_an])
    oof_proba = np.where(floor, 1.0, oof_proba)  # the floor flags these whatever the threshold
    hard = dev["hard_negative"].to_numpy()
    fit = _fit(evidence, ngrams, y, fit_weight, bound=ngram_bound, C=C)
    # No threshold a listing without evidence could reach, and evidence must add at least EVIDENCE_MARGIN.
    no_evidence_best = 1.0 / (1.0 + np.exp(-(slope * (fit.b + ngram_bound + EVIDENCE_MARGIN) + offset)))
    threshold = choose_threshold(
        y, oof_proba, min_precision=min_precision, hard_negative=hard, max_hard_fpr=max_hard_fpr, sample_weight=weight,
        above=float(no_evidence_best),
    )
    threshold_margin = (np.log(threshold / (1 - threshold)) - offset) / slope
    bound = ngram_bound
    n_words = word_vec.n_features

    model = Model(
        word_names=_word_names(word_vec, fit.v[:n_words], dev_an),
        version=_version_today(),
        threshold=threshold,
        lexicon=lexicon,
        word_vectorizer=word_vec,
        char_vectorizer=char_vec,
        evidence_weights=fit.w,
        intercept=fit.b,
        ngram_weights=fit.v,
        ngram_bound=bound,
        calibration=calibration,
    )
    pred = oof_proba >= threshold
    hard_mask = (hard == 1) & (y == 0)
    model.card = {
        "format": FORMAT,
        "version": model.version,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "code_version": _code_version(),
        "lexicon_version": lexicon.get("version", ""),
        "threshold": model.threshold,
        "threshold_rule": (
            f"best out-of-fold F1 on the development rows among thresholds keeping precision >= {min_precision} "
            f"and hard-negative false-positive rate <= {max_hard_fpr:.0%} (relaxed in that order if impossible); "
            "precision and F1 weight each row by its training weight (hand-written rows x3), the hard-negative "
            "rate counts rows; only scores above the highest a listing without evidence can reach plus "
            f"{EVIDENCE_MARGIN:g} logit; placed midway "
            "to the next lower score"
        ),
        "evidence_weights": {name: round(float(w), 4) for (name, _), w in zip(EVIDENCE_FEATURES, fit.w)},
        "intercept": round(fit.b, 4),
        "monotone": {
            "context_bound": round(model.ngram_bound, 4),
            "threshold_margin": round(float(threshold_margin), 4),
            "no_evidence_margin": round(fit.b, 4),
            "no_evidence_stays_below_threshold": bool(fit.b + model.ngram_bound < threshold_margin),
            "evidence_floor": "a species term or description with trade, contact or an authenticity claim and no "
                              "imitation or merchandise cue in its clause, no news cue, no denial and no harmless "
                              "sense scores at least the threshold",
            "development_rows_on_the_floor": int(floor.sum()),
            "of_which_negative": int((floor & (y == 0)).sum()),
        },
        "cross_validation": {
            "folds": n_splits,
            "by": "group",
            "overall": _metrics(y.astype(int), pred),
            "hard_negatives": {
                "n": int(hard_mask.sum()),
                "false_positives": int((pred & hard_mask).sum()),
                "false_positive_rate": round(float((pred & hard_mask).sum() / hard_mask.sum()), 4) if hard_mask.any() else 0.0,
            },
            "by_language": {
                str(lang): _metrics(y[mask].astype(int), pred[mask])
                for lang in sorted(dev["lang"].astype(str).unique())
                if (mask := (dev["lang"].astype(str) == lang).to_numpy()).any()
            },
        },
        "training": {
            "rows": int(len(data)),
            "development_rows": int(len(dev)),
            "test_rows_held_out": int((data["split"] == "test").sum()),
            "development_positives": int(y.sum()),
            "development_hard_negatives": int(hard_mask.sum()),
            "C": C,
            "source_weights": dict(weights_by_source),
            "features": {
                "word_ngram_columns_used": int((word_vec.idf_ > 0).sum()),
                "char_ngram_columns_used": int((char_vec.idf_ > 0).sum()),
                "evidence": len(EVIDENCE_FEATURES),
            },
        },
    }
    return model


def _metrics(y: np.ndarray, pred: np.ndarray) -> dict[str, float | int]:
    tp = int(np.sum(pred & (y == 1)))
    fp = int(np.sum(pred & (y == 0)))
    fn = int(np.sum(~pred & (y == 1)))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"n": int(len(y)), "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


# -- persistence ----------------------------------------------------------------------------
def _vectorizer_params(vectorizer: NgramHasher) -> dict[str, Any]:
    return {"analyzer": vectorizer.analyzer, "ngram_range": [int(n) for n in vectorizer.ngram_range],
            "n_features": int(vectorizer.n_features), "min_df": int(vectorizer.min_df),
            "sublinear_tf": bool(vectorizer.sublinear_tf)}


def _write_files(model: Model, target: Path) -> None:
    """``model.json`` (plain data) and ``model.npz`` (numpy arrays, no pickles): nothing in them can run."""
    lexicon = dict(model.lexicon)
    tables = dict(lexicon.get("tables") or {})
    pinyin_ids = np.asarray(tables.pop("pinyin_ids", np.zeros(0)), dtype=np.uint16)
    lexicon["tables"] = tables
    document = {
        "format": FORMAT,
        "version": model.version,
        "threshold": float(model.threshold),
        "lexicon": lexicon,
        "word_vectorizer": _vectorizer_params(model.word_vectorizer),
        "char_vectorizer": _vectorizer_params(model.char_vectorizer),
        "evidence_features": [name for name, _ in EVIDENCE_FEATURES],
        "intercept": float(model.intercept),
        "ngram_bound": float(model.ngram_bound),
        "calibration": [float(x) for x in model.calibration],
        "word_name_grams": [str(g) for g in model.word_names.values()],
        "card": json.loads(json.dumps(model.card, default=str)),
    }
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    with open(target / ARRAYS_FILE, "wb") as fh:
        np.savez_compressed(
            fh,
            evidence_weights=np.asarray(model.evidence_weights, dtype=np.float64),
            # float32 on disk (as in format 2): a loaded model scores exactly as every earlier load did.
            ngram_weights=np.asarray(model.ngram_weights, dtype=np.float32),
            word_idf=np.asarray(model.word_vectorizer.idf_, dtype=np.float32),
            char_idf=np.asarray(model.char_vectorizer.idf_, dtype=np.float32),
            pinyin_ids=pinyin_ids,
            word_name_columns=np.asarray(list(model.word_names), dtype=np.int64),
        )
    (target / MODEL_FILE).write_text(text + "\n", encoding="utf-8")


def save_model(model: Model, models_dir: Path, *, version: str | None = None) -> Path:
    """Write ``models_dir/<version>/model.json`` and ``model.npz`` plus ``model_card.json`` and ``model_card.md``."""
    models_dir = Path(models_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    model.version = version or _version_today(models_dir)
    model.card["version"] = model.version
    model.card["format"] = FORMAT
    for metrics in model.card.get("metrics", {}).values():  # evaluated before the version was final
        if isinstance(metrics, dict) and "model" in metrics:
            metrics["model"] = model.version
    target = models_dir / model.version
    target.mkdir(parents=True, exist_ok=False)
    _write_files(model, target)
    write_model_card(model, target)
    model.path = target
    logger.info("saved model %s to %s", model.version, target)
    return target


def convert_model(path: Path) -> Path:
    """Rewrite a format-2 model (``model.skops``) in its directory as ``model.json`` + ``model.npz``.

    The scores do not change (the same arrays, the same lexicon); the skops file is removed so the
    directory holds one model. Run it after a retrain on older code: ``python -m classifier.convert DIR``.
    """
    path = Path(path)
    target = path if path.is_dir() else path.parent
    if (target / MODEL_FILE).is_file():
        return target
    model = load_model(target)
    model.card["format"] = FORMAT
    _write_files(model, target)
    card_file = target / "model_card.json"  # kept, not rewritten: it carries figures added after training
    if card_file.is_file():
        card = json.loads(card_file.read_text(encoding="utf-8"))
        card["format"] = FORMAT
        card_file.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (target / SKOPS_FILE).unlink()
    logger.info("converted model %s in %s to %s", model.version, target, FORMAT)
    return target


def write_model_card(model: Model, target: Path) -> None:
    """(Re)write the JSON and Markdown model cards next to the model file."""
    card = json.loads(json.dumps(model.card, default=str))
    (target / "model_card.json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (target / "model_card.md").write_text(_card_markdown(card), encoding="utf-8")


def _card_markdown(card: dict[str, Any]) -> str:
    lines = [
        f"# WildWatch classifier {card.get('version', '?')}",
        "",
        f"- created: {card.get('created', '?')} (code {card.get('code_version', '?')})",
        f"- lexicon: {card.get('lexicon_version', '?')}",
        f"- operating threshold: {card.get('threshold', '?'):.4f} — {card.get('threshold_rule', '')}"
        if isinstance(card.get("threshold"), float)
        else f"- operating threshold: {card.get('threshold')}",
        "- model: evidence stage (lexicon hits with sense, negation and scope; sign-constrained weights) + context"
        " stage (hashed TF-IDF word 1-2-grams and character 2-3-grams, squashed into ±c) -> Platt scaling on"
        " out-of-fold margins",
        "",
        "## Data",
        "",
        "```json",
        json.dumps(card.get("training", {}), indent=2, ensure_ascii=False),
        "```",
    ]
    for key, title in (
        ("cross_validation", "Out-of-fold metrics on the development rows (these set the threshold)"),
        ("evidence_weights", "Evidence weights (signs fixed: evidence >= 0, lowering cues <= 0)"),
        ("monotone", "Monotone guarantee (margins in logits before calibration)"),
        ("metrics", "Held-out metrics"),
        ("real_text", "False positives on real text nobody here wrote (bench/real_text.py)"),
    ):
        if key in card:
            lines += ["", f"## {title}", "", "```json", json.dumps(card[key], indent=2, ensure_ascii=False), "```"]
    lines += [
        "",
        "Reproduce the held-out numbers with `wildwatch evaluate --input data/labeled/seed.csv --split test` and",
        "`wildwatch evaluate --input data/labeled/heldout.csv`.",
        "",
    ]
    return "\n".join(lines)


def _version_key(name: str) -> tuple[int, ...] | None:
    m = _VERSION_RE.match(name)
    return tuple(int(g) for g in m.groups()) if m else None


def _has_model(directory: Path) -> bool:
    return (directory / MODEL_FILE).is_file() or (directory / SKOPS_FILE).is_file()


def find_latest_model(models_dir: Path | None = None) -> Path:
    """The promoted model (``models/LATEST``) or else the newest ``models/<version>/``."""
    models_dir = Path(models_dir) if models_dir is not None else DEFAULT_MODELS_DIR
    pointer = models_dir / LATEST_FILE
    if pointer.is_file():
        name = pointer.read_text(encoding="utf-8").strip()
        if name and _has_model(models_dir / name):
            return models_dir / name
        logger.warning("%s names %r, which is not a model; using the newest instead", pointer, name)
    candidates = [
        (key, p)
        for p in (models_dir.iterdir() if models_dir.is_dir() else [])
        if (key := _version_key(p.name)) is not None and _has_model(p)
    ]
    if not candidates:
        raise ModelLoadError(f"no trained model under {models_dir} (run `wildwatch train`)")
    return max(candidates)[1]


def promote(models_dir: Path, version: str) -> None:
    """Make ``version`` the model that :func:`find_latest_model` returns."""
    (Path(models_dir) / LATEST_FILE).write_text(version + "\n", encoding="utf-8")


def load_model(path: Path | None = None, *, models_dir: Path | None = None, flag_mammoth_ivory: bool = True) -> Model:
    """Load a model directory (or its ``model.json``, or a format-2 ``model.skops``); ``None`` loads the
    newest under ``models_dir``.

    ``flag_mammoth_ivory=False`` stops flagging listings whose only species is mammoth ivory (their
    score and species are unchanged): the deployment's policy, see docs/classifier.md.
    """
    if path is None:
        path = find_latest_model(models_dir)
    path = Path(path)
    if path.is_dir():
        file = path / MODEL_FILE if (path / MODEL_FILE).is_file() or not (path / SKOPS_FILE).is_file() else path / SKOPS_FILE
    else:
        file = path
    if not file.is_file():
        raise ModelLoadError(f"no model file at {file}")
    payload = _read_json_model(file) if file.name == MODEL_FILE else _read_skops_model(file)
    if list(payload.get("evidence_features", [])) != [name for name, _ in EVIDENCE_FEATURES]:
        raise ModelLoadError(f"{file} was trained with other evidence features (retrain with `wildwatch train`)")
    try:
        model = Model(
            version=str(payload["version"]),
            threshold=float(payload["threshold"]),
            lexicon=payload["lexicon"],
            word_vectorizer=payload["word_vectorizer"],
            char_vectorizer=payload["char_vectorizer"],
            evidence_weights=np.asarray(payload["evidence_weights"], dtype=np.float64),
            intercept=float(payload["intercept"]),
            ngram_weights=np.asarray(payload["ngram_weights"], dtype=np.float64),
            ngram_bound=float(payload["ngram_bound"]),
            calibration=(float(payload["calibration"][0]), float(payload["calibration"][1])),
            flag_mammoth_ivory=flag_mammoth_ivory,
            card=dict(payload.get("card", {})),
            word_names=dict(zip((int(c) for c in payload.get("word_name_columns", [])),
                                payload.get("word_name_grams", []))),
            path=file.parent,
        )
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ModelLoadError(f"{file} is missing parts of a WildWatch model: {exc}") from exc
    n_columns = model.word_vectorizer.n_features + model.char_vectorizer.n_features
    if not isinstance(model.word_vectorizer, NgramHasher) or len(model.ngram_weights) != n_columns:
        raise ModelLoadError(f"{file} holds unexpected objects")
    return model


def _check_format(file: Path, payload: Any, expected: str) -> None:
    if not isinstance(payload, dict) or not str(payload.get("format", "")).startswith("wildwatch-classifier/"):
        raise ModelLoadError(f"{file} is not a WildWatch classifier model")
    if payload.get("format") != expected:
        raise ModelLoadError(f"{file} is a WildWatch model of format {payload.get('format')!r}; this code reads "
                             f"{FORMAT!r} and {SKOPS_FORMAT!r} (retrain with `wildwatch train`)")


def _hasher(params: Any, idf: np.ndarray, file: Path) -> NgramHasher:
    """A vectorizer from its JSON parameters and IDF array, checked before use."""
    try:
        low, high = (int(n) for n in params["ngram_range"])
        hasher = NgramHasher(str(params["analyzer"]), (low, high), int(params["n_features"]), int(params["min_df"]),
                             bool(params["sublinear_tf"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelLoadError(f"{file} has malformed vectorizer parameters: {exc}") from exc
    if hasher.analyzer not in ("char", "word") or not 1 <= low <= high <= 8 or idf.dtype != np.float32 \
            or idf.shape != (hasher.n_features,):
        raise ModelLoadError(f"{file} has malformed vectorizer parameters")
    hasher.idf_ = idf
    return hasher


def _read_json_model(file: Path) -> dict[str, Any]:
    """Format 3: ``model.json`` (plain data) + ``model.npz`` (arrays, loaded with ``allow_pickle=False``)."""
    try:
        payload = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelLoadError(f"{file} is not a WildWatch model file: {exc}") from exc
    _check_format(file, payload, FORMAT)
    arrays_file = file.parent / ARRAYS_FILE
    try:
        with np.load(arrays_file, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise ModelLoadError(f"{arrays_file} is not a model's arrays: {exc}") from exc
    try:
        payload["lexicon"]["tables"]["pinyin_ids"] = arrays["pinyin_ids"]
        payload["word_vectorizer"] = _hasher(payload["word_vectorizer"], arrays["word_idf"], file)
        payload["char_vectorizer"] = _hasher(payload["char_vectorizer"], arrays["char_idf"], file)
        for name in ("evidence_weights", "ngram_weights", "word_name_columns"):
            payload[name] = arrays[name]
    except (KeyError, TypeError) as exc:
        raise ModelLoadError(f"{file} is missing parts of a WildWatch model: {exc}") from exc
    return dict(payload)


def _read_skops_model(file: Path) -> dict[str, Any]:
    """Format 2 (``model.skops``): skops with an explicit list of trusted types. skops and scikit-learn
    take seconds to import, so they load only for such files (``convert_model`` rewrites one as format 3)."""
    import skops.io as sio

    try:
        untrusted = sio.get_untrusted_types(file=file)
    except Exception as exc:  # noqa: BLE001 - any parse failure means "not a skops file of ours"
        raise ModelLoadError(f"{file} is not a skops model file: {exc}") from exc
    unexpected = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if unexpected:
        raise ModelLoadError(f"{file} contains types we do not trust: {', '.join(unexpected)}")
    try:
        payload = sio.load(file, trusted=list(TRUSTED_TYPES))
    except Exception as exc:  # noqa: BLE001
        raise ModelLoadError(f"{file} could not be loaded: {exc}") from exc
    _check_format(file, payload, SKOPS_FORMAT)
    return dict(payload)
