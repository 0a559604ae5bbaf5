"""The WildWatch model: word + character n-grams + lexicon features, a calibrated linear classifier.

Persistence is skops only (never pickle): ``models/<version>/model.skops`` holds a plain dict of
scikit-learn objects and plain data, loaded with an explicit list of trusted types.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import subprocess
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
import skops.io as sio
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from .features import LEXICON_FEATURES, Analysis, TextAnalyzer, join_listing
from .lexicon import load_lexicon
from .vectorize import HashedNgramVectorizer

__all__ = [
    "FORMAT",
    "Model",
    "ModelLoadError",
    "ScoreResult",
    "DEFAULT_MODELS_DIR",
    "assign_split",
    "find_latest_model",
    "load_model",
    "save_model",
    "train_model",
]

logger = logging.getLogger(__name__)

#: ``<repo>/models``.
DEFAULT_MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
#: Marker stored in every model file; a file without it is not ours.
FORMAT = "wildwatch-classifier/1"
MODEL_FILE = "model.skops"
LATEST_FILE = "LATEST"
#: Scores below this get no learned-feature reasons (lexicon evidence is still listed).
REASON_MIN_SCORE = 0.2
MAX_REASONS = 6
#: Training weight of a row by its ``source`` (others: 1).
DEFAULT_SOURCE_WEIGHTS = {"handwritten": 3.0, "moderator": 3.0}
#: Lexicon features are scaled so they weigh like a handful of n-grams.
LEXICON_WEIGHT = 1.0

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
    word_vectorizer: HashedNgramVectorizer
    char_vectorizer: HashedNgramVectorizer
    classifier: LogisticRegression
    calibrator: LogisticRegression
    card: dict[str, Any] = field(default_factory=dict)
    #: word column -> the training n-gram it stands for (only columns that raise the score)
    word_names: dict[int, str] = field(default_factory=dict)
    path: Path | None = None

    def __post_init__(self) -> None:
        self._analyzer = TextAnalyzer(self.lexicon)
        self._species_names = [entry["name"] for entry in self.lexicon["species"]]
        self._term_columns: dict[str, int] = {}
        self._coef = np.asarray(self.classifier.coef_[0], dtype=np.float64)

    # -- features ---------------------------------------------------------------------------
    @property
    def analyzer(self) -> TextAnalyzer:
        return self._analyzer

    def _matrix(self, analyses: Sequence[Analysis]) -> tuple[sp.csr_matrix, sp.csr_matrix, np.ndarray]:
        """The three feature blocks, kept apart: stacking them would cost a sort of every row."""
        words = self.word_vectorizer.transform([a.tokens for a in analyses])
        chars = self.char_vectorizer.transform([a.normalized for a in analyses])
        lex = self._analyzer.lexicon_matrix(analyses) * LEXICON_WEIGHT
        return words, chars, lex

    def _proba(self, blocks: tuple[sp.csr_matrix, sp.csr_matrix, np.ndarray]) -> np.ndarray:
        """Calibrated probability; the margin is the classifier's, summed block by block."""
        words, chars, lex = blocks
        n_words, n_chars = words.shape[1], chars.shape[1]
        coef = self._coef
        margin = (
            words @ coef[:n_words]
            + chars @ coef[n_words : n_words + n_chars]
            + lex @ coef[n_words + n_chars :]
            + float(self.classifier.intercept_[0])
        )
        return self.calibrator.predict_proba(np.asarray(margin).reshape(-1, 1))[:, 1]

    # -- scoring ----------------------------------------------------------------------------
    def predict_proba_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities for already-joined listing texts."""
        if len(texts) == 0:
            return np.zeros(0)
        analyses = self._analyzer.analyze_batch(texts)
        return self._proba(self._matrix(analyses))

    def score_batch(self, titles: Sequence[Any], descriptions: Sequence[Any]) -> list[ScoreResult]:
        """Score listings; never raises on odd cells (junk is scored as empty text)."""
        n = max(len(titles), len(descriptions))
        titles = list(titles) + [""] * (n - len(titles))
        descriptions = list(descriptions) + [""] * (n - len(descriptions))
        texts = [join_listing(t, d) for t, d in zip(titles, descriptions)]
        if not texts:
            return []
        analyses = self._analyzer.analyze_batch(texts)
        blocks = self._matrix(analyses)
        proba = self._proba(blocks)
        results = []
        for i, (text, analysis, score) in enumerate(zip(texts, analyses, proba.tolist())):
            flagged = score >= self.threshold
            species = self._species(analysis.matches, flagged) if analysis.matches else ()
            reasons: tuple[str, ...] = ()
            if score >= REASON_MIN_SCORE:
                reasons = self._reasons(text, analysis, blocks[0], i, score, flagged)
            elif species:
                reasons = self._species_reasons(text, analysis)
            results.append(ScoreResult(round(score, 6), flagged, species, reasons))
        return results

    def _species(self, matches: Sequence[tuple[int, str]], flagged: bool) -> tuple[str, ...]:
        """Species named by strong terms, plus those named by code words when the listing is flagged."""
        table = self._analyzer.matcher.table
        term_counts = self._analyzer.matcher.term_counts
        found: set[str] = set()
        for _, term in matches:
            names = term_counts[term][1]
            if names:
                found |= names
            if flagged and term_counts[term][0][1]:
                found.update(str(sp) for kind, sp in table[term] if kind == "code")
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
        for hit in analysis.hits:
            if hit.kind == "species" and hit.term not in seen:
                seen.add(hit.term)
                evidence.append((0.0, hit.start, hit.end, hit.term, str(hit.species)))
        return tuple(f"{shown} ({label})" for shown, label in self._own_words(text, analysis, evidence[:MAX_REASONS]))

    def _reasons(
        self, text: str, analysis: Analysis, words: sp.csr_matrix, i: int, score: float, flagged: bool
    ) -> tuple[str, ...]:
        """Terms that pushed the score up, in the listing's own words, strongest first."""
        lo, hi = words.indptr[i], words.indptr[i + 1]
        cols = words.indices[lo:hi]
        values = words.data[lo:hi] * self._coef[cols]
        contribution = dict(zip(cols.tolist(), values.tolist()))
        evidence: list[tuple[float, int, int, str, str]] = []  # (rank, start, end, term, label)
        seen: set[str] = set()
        for hit in analysis.hits:
            if hit.kind not in _REASON_LABELS or hit.term in seen or (hit.kind == "code" and not flagged):
                continue
            weight = contribution.get(self._term_column(hit.term), 0.0)
            if hit.kind in ("trade", "contact") and weight <= 0:
                continue
            seen.add(hit.term)
            rank = weight + (10.0 if hit.kind == "species" else 1.0 if hit.kind == "code" else 0.0)
            evidence.append((rank, hit.start, hit.end, hit.term, _REASON_LABELS[hit.kind].format(hit.species)))
        top = np.argsort(-values)[:8]
        added = 0
        for k in top.tolist():
            value = float(values[k])
            if value <= LEARNED_REASON_MIN or added >= 4:
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
    "code": "code word: {}",
    "trade": "trade term",
    "contact": "off-platform contact",
}
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
    return HashedNgramVectorizer(analyzer="word", ngram_range=(1, 2), n_features=1 << 16, min_df=2)


def _char_vectorizer() -> HashedNgramVectorizer:
    return HashedNgramVectorizer(analyzer="char", ngram_range=(2, 3), n_features=1 << 17, min_df=2)


def _prepare(df: pd.DataFrame) -> pd.DataFrame:
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
) -> float:
    """Best-F1 threshold among those keeping precision ≥ ``min_precision`` and hard-negative FPR ≤ ``max_hard_fpr``.

    Constraints are relaxed in that order (hard negatives first) when no threshold meets them.
    """
    y = np.asarray(y).astype(int)
    proba = np.asarray(proba, dtype=float)
    hard = np.zeros(len(y), dtype=bool) if hard_negative is None else (np.asarray(hard_negative).astype(int) == 1)
    hard &= y == 0
    candidates = np.unique(np.concatenate([proba, [0.5]]))

    def best(check_hard: bool, check_precision: bool) -> tuple[float, float] | None:
        found: tuple[float, float] | None = None
        for t in candidates:
            pred = proba >= t
            tp = float(np.sum(pred & (y == 1)))
            fp = float(np.sum(pred & (y == 0)))
            fn = float(np.sum(~pred & (y == 1)))
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


def _word_names(vectorizer: HashedNgramVectorizer, clf: LogisticRegression, analyses: Sequence[Analysis]) -> dict[int, str]:
    """For each word column that raises the score, the most frequent training n-gram hashed into it."""
    coef = clf.coef_[0]
    counts: dict[int, dict[str, int]] = {}
    for analysis in analyses:
        for gram, col in vectorizer.doc_ngrams(analysis.tokens):
            if coef[col] > 0:
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
) -> Model:
    """Fit on the development rows (``train`` + ``validation``); calibrate and pick the threshold out-of-fold.

    Rows in the ``test`` split are never looked at. Without a ``split`` column the split is a
    deterministic hash of ``group`` (:func:`assign_split`). Folds are by group too, so the
    out-of-fold scores that set the calibration and the threshold never come from a near-duplicate.
    """
    data = _prepare(df)
    lexicon = lexicon if lexicon is not None else load_lexicon()
    analyzer = TextAnalyzer(lexicon)
    dev = data[data["split"] != "test"].reset_index(drop=True)
    if dev["label"].nunique() < 2:
        raise ValueError("training data needs both positive and negative rows")
    dev_an = analyzer.analyze_batch(list(dev["text"]))
    word_vec = _word_vectorizer().fit([a.tokens for a in dev_an])
    char_vec = _char_vectorizer().fit([a.normalized for a in dev_an])
    X = sp.hstack(
        [
            word_vec.transform([a.tokens for a in dev_an]),
            char_vec.transform([a.normalized for a in dev_an]),
            sp.csr_matrix(analyzer.lexicon_matrix(dev_an) * LEXICON_WEIGHT),
        ],
        format="csr",
    )
    y = dev["label"].to_numpy()
    groups = dev["group"].to_numpy()
    # Rows written one by one (or reviewed by moderators) are rarer and closer to real listings than
    # template rows, so they count more.
    weights_by_source = DEFAULT_SOURCE_WEIGHTS if source_weights is None else source_weights
    sources = dev["source"].astype(str) if "source" in dev.columns else pd.Series([""] * len(dev))
    weight = np.array([weights_by_source.get(src, 1.0) for src in sources], dtype=np.float64)

    def make_lr() -> LogisticRegression:
        return LogisticRegression(C=C, class_weight="balanced", max_iter=2000, solver="liblinear", random_state=seed)

    # Out-of-fold margins (folds by group) -> Platt scaling and the operating threshold.
    n_splits = int(min(folds, len(np.unique(groups))))
    oof = np.zeros(len(y))
    for tr, te in GroupKFold(n_splits=n_splits).split(X, y, groups):
        if len(np.unique(y[tr])) < 2:
            continue
        oof[te] = make_lr().fit(X[tr], y[tr], sample_weight=weight[tr]).decision_function(X[te])
    calibrator = LogisticRegression(C=1e4, solver="lbfgs").fit(oof.reshape(-1, 1), y)
    oof_proba = calibrator.predict_proba(oof.reshape(-1, 1))[:, 1]
    hard = dev["hard_negative"].to_numpy()
    threshold = choose_threshold(y, oof_proba, min_precision=min_precision, hard_negative=hard, max_hard_fpr=max_hard_fpr)
    clf = make_lr().fit(X, y, sample_weight=weight)

    model = Model(
        word_names=_word_names(word_vec, clf, dev_an),
        version=_version_today(),
        threshold=threshold,
        lexicon=lexicon,
        word_vectorizer=word_vec,
        char_vectorizer=char_vec,
        classifier=clf,
        calibrator=calibrator,
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
            "placed midway to the next lower score"
        ),
        "cross_validation": {
            "folds": n_splits,
            "by": "group",
            "overall": _metrics(y, pred),
            "hard_negatives": {
                "n": int(hard_mask.sum()),
                "false_positives": int((pred & hard_mask).sum()),
                "false_positive_rate": round(float((pred & hard_mask).sum() / hard_mask.sum()), 4) if hard_mask.any() else 0.0,
            },
            "by_language": {
                str(lang): _metrics(y[mask], pred[mask])
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
                "lexicon": len(LEXICON_FEATURES),
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
def save_model(model: Model, models_dir: Path, *, version: str | None = None) -> Path:
    """Write ``models_dir/<version>/model.skops`` plus ``model_card.json`` and ``model_card.md``."""
    models_dir = Path(models_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    model.version = version or _version_today(models_dir)
    model.card["version"] = model.version
    target = models_dir / model.version
    target.mkdir(parents=True, exist_ok=False)
    payload = {
        "format": FORMAT,
        "version": model.version,
        "threshold": float(model.threshold),
        "lexicon": model.lexicon,
        "word_vectorizer": model.word_vectorizer,
        "char_vectorizer": model.char_vectorizer,
        "classifier": model.classifier,
        "calibrator": model.calibrator,
        "word_name_columns": [int(c) for c in model.word_names],
        "word_name_grams": [str(g) for g in model.word_names.values()],
        "card": json.loads(json.dumps(model.card, default=str)),
    }
    sio.dump(payload, target / MODEL_FILE, compression=zipfile.ZIP_DEFLATED)
    write_model_card(model, target)
    model.path = target
    logger.info("saved model %s to %s", model.version, target)
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
        "- model: hashed TF-IDF word 1-2-grams (jieba-rs tokens with the domain dictionary) + character 2-3-grams"
        " + lexicon counts -> logistic regression (liblinear, balanced) -> Platt scaling on out-of-fold margins",
        "",
        "## Data",
        "",
        "```json",
        json.dumps(card.get("training", {}), indent=2, ensure_ascii=False),
        "```",
    ]
    for key, title in (
        ("cross_validation", "Out-of-fold metrics on the development rows (these set the threshold)"),
        ("metrics", "Held-out metrics"),
        ("real_text", "False positives on real text nobody here wrote (bench/real_text.py)"),
    ):
        if key in card:
            lines += ["", f"## {title}", "", "```json", json.dumps(card[key], indent=2, ensure_ascii=False), "```"]
    lines += [
        "",
        "Reproduce the held-out numbers with `wildwatch evaluate --input data/labeled/seed.csv --split test`.",
        "",
    ]
    return "\n".join(lines)


def _version_key(name: str) -> tuple[int, ...] | None:
    m = _VERSION_RE.match(name)
    return tuple(int(g) for g in m.groups()) if m else None


def find_latest_model(models_dir: Path | None = None) -> Path:
    """The promoted model (``models/LATEST``) or else the newest ``models/<version>/``."""
    models_dir = Path(models_dir) if models_dir is not None else DEFAULT_MODELS_DIR
    pointer = models_dir / LATEST_FILE
    if pointer.is_file():
        name = pointer.read_text(encoding="utf-8").strip()
        if name and (models_dir / name / MODEL_FILE).is_file():
            return models_dir / name
        logger.warning("%s names %r, which is not a model; using the newest instead", pointer, name)
    candidates = [
        (key, p)
        for p in (models_dir.iterdir() if models_dir.is_dir() else [])
        if (key := _version_key(p.name)) is not None and (p / MODEL_FILE).is_file()
    ]
    if not candidates:
        raise ModelLoadError(f"no trained model under {models_dir} (run `wildwatch train`)")
    return max(candidates)[1]


def promote(models_dir: Path, version: str) -> None:
    """Make ``version`` the model that :func:`find_latest_model` returns."""
    (Path(models_dir) / LATEST_FILE).write_text(version + "\n", encoding="utf-8")


def load_model(path: Path | None = None, *, models_dir: Path | None = None) -> Model:
    """Load a model directory (or ``model.skops`` file); ``None`` loads the newest under ``models_dir``."""
    if path is None:
        path = find_latest_model(models_dir)
    path = Path(path)
    file = path / MODEL_FILE if path.is_dir() else path
    if not file.is_file():
        raise ModelLoadError(f"no model file at {file}")
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
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ModelLoadError(f"{file} is not a WildWatch classifier model")
    try:
        model = Model(
            version=str(payload["version"]),
            threshold=float(payload["threshold"]),
            lexicon=payload["lexicon"],
            word_vectorizer=payload["word_vectorizer"],
            char_vectorizer=payload["char_vectorizer"],
            classifier=payload["classifier"],
            calibrator=payload["calibrator"],
            card=dict(payload.get("card", {})),
            word_names=dict(zip(payload.get("word_name_columns", []), payload.get("word_name_grams", []))),
            path=file.parent,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelLoadError(f"{file} is missing parts of a WildWatch model: {exc}") from exc
    if not isinstance(model.word_vectorizer, HashedNgramVectorizer) or not isinstance(model.classifier, LogisticRegression):
        raise ModelLoadError(f"{file} holds unexpected objects")
    return model

