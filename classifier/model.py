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
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from .features import LEXICON_FEATURES, Analysis, TextAnalyzer, join_listing
from .lexicon import Hit, load_lexicon

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
#: Lexicon features are scaled so they weigh like a handful of n-grams.
LEXICON_WEIGHT = 1.0

#: Types a model file may contain beyond skops' defaults (which cover scikit-learn, numpy, scipy).
TRUSTED_TYPES: tuple[str, ...] = ()

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
    word_vectorizer: TfidfVectorizer
    char_vectorizer: TfidfVectorizer
    classifier: LogisticRegression
    calibrator: LogisticRegression
    card: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    def __post_init__(self) -> None:
        self._analyzer = TextAnalyzer(self.lexicon)
        self._species_names = [entry["name"] for entry in self.lexicon["species"]]
        self._feature_names: np.ndarray | None = None

    # -- features ---------------------------------------------------------------------------
    @property
    def analyzer(self) -> TextAnalyzer:
        return self._analyzer

    def _matrix(self, analyses: Sequence[Analysis]) -> sp.csr_matrix:
        words = self.word_vectorizer.transform([a.tokens for a in analyses])
        chars = self.char_vectorizer.transform([a.normalized for a in analyses])
        lex = sp.csr_matrix(self._analyzer.lexicon_matrix(analyses) * LEXICON_WEIGHT)
        return sp.hstack([words, chars, lex], format="csr")

    def _proba(self, X: sp.csr_matrix) -> np.ndarray:
        margin = self.classifier.decision_function(X)
        return self.calibrator.predict_proba(margin.reshape(-1, 1))[:, 1]

    def feature_names(self) -> np.ndarray:
        """Names of all model features, in column order (built lazily: only reasons need them)."""
        if self._feature_names is None:
            self._feature_names = np.concatenate(
                [
                    np.array(["w:" + n for n in self.word_vectorizer.get_feature_names_out()], dtype=object),
                    np.array(["c:" + n for n in self.char_vectorizer.get_feature_names_out()], dtype=object),
                    np.array(LEXICON_FEATURES, dtype=object),
                ]
            )
        return self._feature_names

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
        X = self._matrix(analyses)
        proba = self._proba(X)
        results = []
        for i, (text, analysis) in enumerate(zip(texts, analyses)):
            score = float(proba[i])
            flagged = score >= self.threshold
            species = self._species(analysis.hits, flagged)
            reasons: tuple[str, ...] = ()
            if analysis.hits or score >= REASON_MIN_SCORE:
                reasons = self._reasons(text, analysis, X.getrow(i), score, flagged)
            results.append(ScoreResult(round(score, 6), flagged, species, reasons))
        return results

    def _species(self, hits: Sequence[Hit], flagged: bool) -> tuple[str, ...]:
        found = {h.species for h in hits if h.kind == "species" or (flagged and h.kind == "code")}
        return tuple(name for name in self._species_names if name in found)

    # -- explanations -----------------------------------------------------------------------
    def _reasons(
        self, text: str, analysis: Analysis, row: sp.csr_matrix, score: float, flagged: bool
    ) -> tuple[str, ...]:
        """Terms that pushed the score up, in the listing's own words, strongest first."""
        original, normalized, spans = self._analyzer.normalizer.normalize_with_offsets(text)
        if normalized != analysis.normalized:  # slow and fast paths disagree: show normalised text
            original, spans = normalized, [(i, i + 1) for i in range(len(normalized))]

        def surface(start: int, end: int, term: str) -> str:
            if end <= start or end > len(spans):
                return term
            shown = original[spans[start][0] : spans[end - 1][1]].strip()
            if not shown:
                return term
            return shown if shown.lower() == term else f"{shown} = {term}"

        coef = self.classifier.coef_[0]
        contrib = {int(j): float(v * coef[j]) for j, v in zip(row.indices, row.data)}
        word_vocab = self.word_vectorizer.vocabulary_
        n_words = len(word_vocab)
        evidence: list[tuple[float, str]] = []
        seen: set[str] = set()
        labels = {
            "species": "{}",
            "code": "code word: {}",
            "trade": "trade term",
            "contact": "off-platform contact",
        }
        for hit in analysis.hits:
            if hit.kind not in labels or hit.term in seen:
                continue
            if (hit.kind == "code" and not flagged) or (hit.kind != "species" and score < REASON_MIN_SCORE):
                continue
            weight = contrib.get(word_vocab.get(hit.term, -1), 0.0)
            if hit.kind in ("trade", "contact") and weight <= 0:
                continue
            seen.add(hit.term)
            label = labels[hit.kind].format(hit.species)
            rank = weight + (10.0 if hit.kind == "species" else 1.0 if hit.kind == "code" else 0.0)
            evidence.append((rank, f"{surface(hit.start, hit.end, hit.term)} ({label})"))
        if score >= REASON_MIN_SCORE:
            names = None
            learned = sorted(
                ((v, j) for j, v in contrib.items() if j < n_words and v > 0.15), reverse=True
            )[:4]
            for value, j in learned:
                if names is None:
                    names = self.word_vectorizer.get_feature_names_out()
                gram = str(names[j])
                if gram in seen or any(part in seen for part in gram.split(" ")):
                    continue
                seen.add(gram)
                joined = _join_gram(gram)
                pos = analysis.normalized.find(joined)
                shown = surface(pos, pos + len(joined), joined) if pos >= 0 else joined
                evidence.append((value, f"{shown} (+{value:.2f})"))
        evidence.sort(key=lambda item: -item[0])
        return tuple(reason for _, reason in evidence[:MAX_REASONS])


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
def _word_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="word",
        token_pattern=r"[^ ]+",
        lowercase=False,
        ngram_range=(1, 2),
        min_df=2,
        max_features=40_000,
        sublinear_tf=True,
        dtype=np.float32,
    )


def _char_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char",
        lowercase=False,
        ngram_range=(2, 3),
        min_df=2,
        max_features=40_000,
        sublinear_tf=True,
        dtype=np.float32,
    )


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


def choose_threshold(y: np.ndarray, proba: np.ndarray, *, min_precision: float = 0.95) -> float:
    """Lowest threshold with the best F1 among those keeping precision ≥ ``min_precision``."""
    candidates = np.unique(np.concatenate([proba, [0.5]]))
    best = (-1.0, 0.5)
    for t in candidates:
        pred = proba >= t
        tp = float(np.sum(pred & (y == 1)))
        fp = float(np.sum(pred & (y == 0)))
        fn = float(np.sum(~pred & (y == 1)))
        if tp == 0:
            continue
        precision = tp / (tp + fp)
        recall = tp / (tp + fn)
        if precision < min_precision:
            continue
        f1 = 2 * precision * recall / (precision + recall)
        if f1 > best[0] + 1e-12:
            best = (f1, float(t))
    if best[0] < 0:
        return 0.5
    # Sit between the chosen score and the next lower one, so tiny shifts do not flip decisions.
    lower = candidates[candidates < best[1]]
    return float((best[1] + lower.max()) / 2) if len(lower) else best[1]


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
    C: float = 8.0,
    seed: int = 0,
) -> Model:
    """Fit on the ``train`` split, calibrate out-of-fold, pick the threshold on ``validation``.

    Rows in the ``test`` split are never looked at. Without a ``split`` column the split is a
    deterministic hash of ``group`` (:func:`assign_split`).
    """
    data = _prepare(df)
    lexicon = lexicon if lexicon is not None else load_lexicon()
    analyzer = TextAnalyzer(lexicon)
    train = data[data["split"] == "train"].reset_index(drop=True)
    valid = data[data["split"] == "validation"].reset_index(drop=True)
    if train["label"].nunique() < 2:
        raise ValueError("training data needs both positive and negative rows")
    train_an = analyzer.analyze_batch(list(train["text"]))
    word_vec = _word_vectorizer().fit([a.tokens for a in train_an])
    char_vec = _char_vectorizer().fit([a.normalized for a in train_an])

    def matrix(analyses: Sequence[Analysis]) -> sp.csr_matrix:
        return sp.hstack(
            [
                word_vec.transform([a.tokens for a in analyses]),
                char_vec.transform([a.normalized for a in analyses]),
                sp.csr_matrix(analyzer.lexicon_matrix(analyses) * LEXICON_WEIGHT),
            ],
            format="csr",
        )

    X = matrix(train_an)
    y = train["label"].to_numpy()
    groups = train["group"].to_numpy()

    def make_lr() -> LogisticRegression:
        return LogisticRegression(C=C, class_weight="balanced", max_iter=2000, solver="liblinear", random_state=seed)

    # Platt scaling on out-of-fold margins (folds by group, like the split itself).
    n_splits = int(min(5, len(np.unique(groups))))
    oof = np.zeros(len(y))
    for tr, te in GroupKFold(n_splits=n_splits).split(X, y, groups):
        if len(np.unique(y[tr])) < 2:
            continue
        oof[te] = make_lr().fit(X[tr], y[tr]).decision_function(X[te])
    calibrator = LogisticRegression(C=1e4, solver="lbfgs").fit(oof.reshape(-1, 1), y)
    clf = make_lr().fit(X, y)

    model = Model(
        version=_version_today(),
        threshold=0.5,
        lexicon=lexicon,
        word_vectorizer=word_vec,
        char_vectorizer=char_vec,
        classifier=clf,
        calibrator=calibrator,
    )
    if len(valid) and valid["label"].nunique() == 2:
        proba = model.predict_proba_texts(list(valid["text"]))
        model.threshold = choose_threshold(valid["label"].to_numpy(), proba, min_precision=min_precision)
    model.card = {
        "format": FORMAT,
        "version": model.version,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "code_version": _code_version(),
        "lexicon_version": lexicon.get("version", ""),
        "threshold": model.threshold,
        "threshold_rule": (
            f"lowest threshold with the best validation F1 among those keeping validation precision >= {min_precision}"
        ),
        "training": {
            "rows": int(len(data)),
            "train_rows": int(len(train)),
            "validation_rows": int(len(valid)),
            "test_rows_held_out": int((data["split"] == "test").sum()),
            "train_positives": int(y.sum()),
            "C": C,
            "features": {
                "word_ngrams": len(word_vec.vocabulary_),
                "char_ngrams": len(char_vec.vocabulary_),
                "lexicon": len(LEXICON_FEATURES),
            },
        },
    }
    return model


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
        "- model: TF-IDF word 1-2-grams (jieba-rs tokens with the domain dictionary) + character 2-3-grams"
        " + lexicon counts -> logistic regression (liblinear, balanced) -> Platt scaling on out-of-fold margins",
        "",
        "## Data",
        "",
        "```json",
        json.dumps(card.get("training", {}), indent=2, ensure_ascii=False),
        "```",
    ]
    for key, title in (("metrics", "Metrics"), ("real_text", "False positives on real text nobody here wrote")):
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
            path=file.parent,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelLoadError(f"{file} is missing parts of a WildWatch model: {exc}") from exc
    if not isinstance(model.word_vectorizer, TfidfVectorizer) or not isinstance(model.classifier, LogisticRegression):
        raise ModelLoadError(f"{file} holds unexpected objects")
    return model

