"""WildWatch classifier: listing text in, wildlife-trade score, species and reasons out.

Pure: imports nothing else of WildWatch, so it is usable from a notebook.
"""

from __future__ import annotations

from functools import lru_cache

from .evaluate import binary_metrics, evaluate, write_pr_curve
from .feedback import reviews_to_labeled
from .features import TextAnalyzer, join_listing
from .lexicon import DEFAULT_LEXICON_DIR, load_lexicon
from .model import (
    DEFAULT_MODELS_DIR,
    Model,
    ModelLoadError,
    ScoreResult,
    assign_split,
    find_latest_model,
    load_model,
    promote,
    save_model,
    train_model,
)
from .normalize import MAX_CHARS
from .protocol import ScoringModel, Verdict

__all__ = [
    "DEFAULT_LEXICON_DIR",
    "DEFAULT_MODELS_DIR",
    "MAX_CHARS",
    "Model",
    "ModelLoadError",
    "ScoreResult",
    "ScoringModel",
    "Verdict",
    "assign_split",
    "binary_metrics",
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
    return TextAnalyzer(load_lexicon())


def normalize_text(text: str) -> str:
    """The normalised form of a text (shown next to the original; what the model reads)."""
    return _default_analyzer().normalizer.normalize(text)


def tag_species(text: str) -> list[str]:
    """English common names of species named in the text (strong terms only), in lexicon order."""
    analyzer = _default_analyzer()
    hits = analyzer.matcher.find(analyzer.normalizer.normalize(text))
    found = {h.species for h in hits if h.kind == "species"}
    return [e["name"] for e in analyzer.lexicon["species"] if e["name"] in found]
