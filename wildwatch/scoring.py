"""Scoring files and stored listings with the classifier (the glue between classifier and store)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy.orm import Session

from core.errors import InputError, ModelError
from core.settings import get_settings
from store.db import Store, session_scope
from store.scores import ScoreIn, count_flagged, count_to_score, listings_to_score, record_scores

if TYPE_CHECKING:  # the classifier (scikit-learn) loads only when a model does
    from classifier.protocol import ScoringModel

logger = logging.getLogger(__name__)

__all__ = ["load_classifier", "score_frame", "score_stored", "StoredScoring", "REQUIRED_COLUMNS", "OUTPUT_COLUMNS"]

REQUIRED_COLUMNS = ("id", "title", "description")
OUTPUT_COLUMNS = ("score", "flagged", "species", "reasons")
MAX_FIELD_CHARS = 100_000


def load_classifier(path: Path | None, models_dir: Path, *, flag_mammoth_ivory: bool | None = None) -> ScoringModel:
    """The model at ``path`` or the newest in ``models_dir``, as a ModelError if unusable.

    ``flag_mammoth_ivory`` defaults to the ``classifier.flag_mammoth_ivory`` setting.
    """
    from classifier import load_model

    if flag_mammoth_ivory is None:
        flag_mammoth_ivory = get_settings().classifier.flag_mammoth_ivory
    try:
        return load_model(path, models_dir=models_dir, flag_mammoth_ivory=flag_mammoth_ivory)
    except Exception as exc:  # the classifier's own errors: missing, untrusted or corrupt files
        raise ModelError(f"cannot load a classifier model ({path or models_dir}): {exc}") from exc


def _row_problem(row: pd.Series) -> str:
    problems = []
    if not str(row["id"]).strip():
        problems.append("missing id")
    if not str(row["title"]).strip() and not str(row["description"]).strip():
        problems.append("empty title and description")
    if "\ufffd" in str(row["title"]) or "\ufffd" in str(row["description"]):
        problems.append("undecodable bytes replaced")
    if len(str(row["title"])) + len(str(row["description"])) > MAX_FIELD_CHARS:
        problems.append(f"text longer than {MAX_FIELD_CHARS} characters truncated")
    return "; ".join(problems)


def score_frame(frame: pd.DataFrame, model: ScoringModel, *, batch_size: int = 2000) -> pd.DataFrame:
    """Every input column plus score, flagged, species, reasons and error (empty when fine).

    A row that cannot be scored keeps its place with an empty score and the reason in ``error``.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(f"input lacks required column(s): {', '.join(missing)} (need {', '.join(REQUIRED_COLUMNS)})")
    out = frame.copy()
    problems = out.apply(_row_problem, axis=1) if len(out) else pd.Series([], dtype=str)
    unscorable = problems.str.contains("missing id|empty title", regex=True) if len(out) else problems.astype(bool)
    scores: list[Any] = [""] * len(out)
    flagged: list[str] = [""] * len(out)
    species: list[str] = [""] * len(out)
    reasons: list[str] = [""] * len(out)
    positions = [i for i in range(len(out)) if not unscorable.iloc[i]]
    for start in range(0, len(positions), batch_size):
        chunk = positions[start : start + batch_size]
        titles = [str(out["title"].iloc[i])[:MAX_FIELD_CHARS] for i in chunk]
        descriptions = [str(out["description"].iloc[i])[:MAX_FIELD_CHARS] for i in chunk]
        for i, result in zip(chunk, model.score_batch(titles, descriptions), strict=True):
            scores[i] = round(float(result.score), 4)
            flagged[i] = "true" if result.flagged else "false"
            species[i] = ";".join(result.species)
            reasons[i] = " | ".join(result.reasons)
    out["score"] = scores
    out["flagged"] = flagged
    out["species"] = species
    out["reasons"] = reasons
    out["error"] = list(problems)
    return out


@dataclass
class StoredScoring:
    scored: int = 0
    flagged: int = 0
    newly_flagged: list[int] = field(default_factory=list)
    queued: int = 0  # what ``on_flagged`` reported (alerts queued)


def score_stored(
    store: Store, model: ScoringModel, *, batch_size: int = 2000, progress: Callable[[int, int], None] | None = None,
    on_flagged: Callable[[Session, list[int]], int] | None = None, auto_dismiss_relists: bool | None = None,
) -> StoredScoring:
    """Score every stored listing the model has not scored in its current content, batch by batch.

    Each batch commits on its own, so an interrupted run resumes where it stopped.  ``on_flagged``
    (e.g. queueing alerts) runs inside the batch's transaction: a kill between scoring and
    queueing cannot leave a flagged listing without its alert.  ``auto_dismiss_relists`` defaults
    to the ``moderation.auto_dismiss_relists`` setting (see ``store.scores.record_scores``).
    """
    if auto_dismiss_relists is None:
        auto_dismiss_relists = get_settings().moderation.auto_dismiss_relists
    result = StoredScoring()
    with session_scope(store.sessions) as session:
        total = count_to_score(session, model_version=model.version)
    after = 0
    while True:
        with session_scope(store.sessions) as session:
            batch = listings_to_score(session, model_version=model.version, limit=batch_size, after_id=after)
            if not batch:
                break
            verdicts = model.score_batch([b.title for b in batch], [b.description for b in batch])
            rows = [
                ScoreIn(b.listing_id, b.content_hash, float(v.score), bool(v.flagged), v.species, v.reasons)
                for b, v in zip(batch, verdicts, strict=True)
            ]
            newly = record_scores(session, rows, model_version=model.version, threshold=model.threshold,
                                  auto_dismiss_relists=auto_dismiss_relists)
            if on_flagged is not None and newly:
                result.queued += on_flagged(session, newly)
            # after decision memory: a dismissed, unchanged listing the model flags again does not count
            flagged_now = count_flagged(session, [b.listing_id for b in batch])
        after = batch[-1].listing_id
        result.scored += len(batch)
        result.flagged += flagged_now
        result.newly_flagged += newly
        if progress:
            progress(result.scored, total)
        logger.debug("scored %d/%d listings", result.scored, total)
    return result
