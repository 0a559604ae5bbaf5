"""Model files: write, find, promote and load ``models/<version>/`` (format 3, JSON + npz; format 2, skops)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .features import EVIDENCE_FEATURES
from .hashing import NgramHasher
from .model import FORMAT, VERSION_RE, Model, ModelLoadError

logger = logging.getLogger(__name__)

#: ``<repo>/models``.
DEFAULT_MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
MODEL_FILE = "model.json"
ARRAYS_FILE = "model.npz"

#: Format 2, still loaded (with skops): ``model.skops``.
SKOPS_FORMAT = "wildwatch-classifier/2"
SKOPS_FILE = "model.skops"
LATEST_FILE = "LATEST"

#: Types a model file may contain beyond skops' defaults (which cover scikit-learn, numpy, scipy).
TRUSTED_TYPES: tuple[str, ...] = ("classifier.vectorize.HashedNgramVectorizer",)

def _vectorizer_params(vectorizer: NgramHasher) -> dict[str, Any]:
    return {"analyzer": vectorizer.analyzer, "ngram_range": [int(n) for n in vectorizer.ngram_range],
            "n_features": int(vectorizer.n_features), "min_df": int(vectorizer.min_df),
            "sublinear_tf": bool(vectorizer.sublinear_tf)}


def _write_files(model: Model, target: Path, *, arrays: bool = True) -> None:
    """``model.json`` (plain data) and, unless not ``arrays``, ``model.npz`` (numpy arrays, no pickles):
    nothing in them can run."""
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
        # Derived from the lexicon, stored so that loading skips deriving them (checked when read).
        "prepared": model.analyzer.prepared_tables(),
    }
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    if not arrays:
        (target / MODEL_FILE).write_text(text + "\n", encoding="utf-8")
        return
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


def version_today(models_dir: Path | None = None) -> str:
    """The next free version name for today under ``models_dir`` (``YYYY.MM.DD-N``)."""
    today = dt.datetime.now(dt.UTC).strftime("%Y.%m.%d")
    n = 1
    if models_dir is not None and models_dir.is_dir():
        taken = [
            int(m.group(4))
            for p in models_dir.iterdir()
            if (m := VERSION_RE.match(p.name)) and p.name.startswith(today)
        ]
        n = max(taken, default=0) + 1
    return f"{today}-{n}"


def save_model(model: Model, models_dir: Path, *, version: str | None = None) -> Path:
    """Write ``models_dir/<version>/model.json`` and ``model.npz`` plus ``model_card.json`` and ``model_card.md``."""
    models_dir = Path(models_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    model.version = version or version_today(models_dir)
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
    """Rewrite a format-2 model (``model.skops``) in its directory as ``model.json`` + ``model.npz``;
    in a format-3 model, rewrite ``model.json`` if the tables it carries are not those this code
    prepares (``TextAnalyzer.prepared_tables``: they only make loading quicker).

    The scores do not change (the same arrays, the same lexicon); the skops file is removed so the
    directory holds one model. Run it after a retrain on older code: ``python -m classifier.convert DIR``.
    """
    path = Path(path)
    target = path if path.is_dir() else path.parent
    if (target / MODEL_FILE).is_file():
        model = load_model(target)
        if model.prepared != model.analyzer.prepared_tables():
            _write_files(model, target, arrays=False)
            logger.info("rewrote the prepared tables of model %s in %s", model.version, target)
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
    m = VERSION_RE.match(name)
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
            prepared=payload.get("prepared") if isinstance(payload.get("prepared"), dict) else None,
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
