"""WildWatch classifier: listing text in, wildlife-trade score, species and reasons out.

Pure: imports nothing else of WildWatch, so it is usable from a notebook.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from . import features
from .evaluate import binary_metrics, evaluate, write_pr_curve
from .features import TextAnalyzer, join_listing
from .lexicon import DEFAULT_LEXICON_DIR, load_lexicon
from .model import Model, ModelLoadError, ScoreResult
from .normalize import MAX_CHARS
from .persist import (
    DEFAULT_MODELS_DIR,
    convert_model,
    find_latest_model,
    load_model,
    promote,
    save_model,
)
from .protocol import ScoringModel, Verdict

if TYPE_CHECKING:
    from .feedback import reviews_to_labeled
    from .train import DEFAULT_SOURCE_WEIGHTS, assign_split, train_model

#: Training's names, imported on first use: a process that only scores never compiles or runs them.
_LAZY = {"DEFAULT_SOURCE_WEIGHTS": "train", "assign_split": "train", "train_model": "train",
         "reviews_to_labeled": "feedback"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value

__all__ = [
    "DEFAULT_LEXICON_DIR",
    "DEFAULT_MODELS_DIR",
    "DEFAULT_SOURCE_WEIGHTS",
    "MAX_CHARS",
    "Model",
    "ModelLoadError",
    "ScoreResult",
    "ScoringModel",
    "Verdict",
    "TextAnalyzer",
    "assign_split",
    "binary_metrics",
    "convert_model",
    "evaluate",
    "find_latest_model",
    "join_listing",
    "load_lexicon",
    "load_model",
    "normalize_text",
    "promote",
    "reviews_to_labeled",
    "save_model",
    "tag_species",
    "train_model",
    "write_pr_curve",
]


@lru_cache(maxsize=1)
def _default_analyzer() -> TextAnalyzer:
    """The current model's analyzer (its lexicon and tables), else one built from data/lexicon/."""
    try:
        return load_model().analyzer
    except ModelLoadError:
        return TextAnalyzer(load_lexicon())


def normalize_text(text: str) -> str:
    """The normalised form of a text (shown next to the original; what the model reads)."""
    return _default_analyzer().normalizer.normalize(text)


def tag_species(text: str) -> list[str]:
    """English common names of species the text names (terms, descriptions, homophones; not slang), in lexicon order."""
    analyzer = _default_analyzer()
    found = analyzer.analyze_batch([text])[0].evidence.species
    return [e["name"] for e in analyzer.lexicon["species"] if e["name"] in found]
