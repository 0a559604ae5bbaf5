"""The nightly's retrain stage: ``wildwatch train --with-reviews`` once enough decisions have
accumulated (``moderation.retrain_after_reviews``), through the same promotion gate.

Training runs as a child process, the very command an operator runs by hand, so the nightly and
the CLI cannot drift apart; the stage reads the outcome from the new model's card.  "New" decisions
are those made since the last retraining, promoted or not (the newest model card's ``created``), so
a model the gate rejected is not retrained every night on the same decisions.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from core.settings import Settings
from store.db import Store, session_scope
from store.reviews import count_decisions_since

logger = logging.getLogger(__name__)

__all__ = ["last_training", "retrain_if_due"]


def _cards(models_dir: Path) -> list[dict[str, Any]]:
    cards = []
    for path in sorted(models_dir.glob("*/model_card.json")) if models_dir.is_dir() else []:
        try:
            cards.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            logger.warning("unreadable model card %s", path)
    return cards


def last_training(models_dir: Path) -> datetime | None:
    """When the newest model under ``models_dir`` was trained (promoted or not)."""
    created = [datetime.fromisoformat(str(card["created"])) for card in _cards(models_dir) if card.get("created")]
    return max(created, default=None)


def _current_version(models_dir: Path) -> str | None:
    pointer = models_dir / "LATEST"
    return pointer.read_text(encoding="utf-8").strip() or None if pointer.is_file() else None


def retrain_if_due(settings: Settings, store: Store, *, timeout: float) -> dict[str, Any]:
    """Retrain when due; what happened, for the run's state and the morning report."""
    every = settings.moderation.retrain_after_reviews
    models_dir = settings.classifier.models_dir
    if every <= 0:
        return {"status": "disabled"}
    since = last_training(models_dir)
    with session_scope(store.sessions) as session:
        new = count_decisions_since(session, since)
    before = _current_version(models_dir)
    outcome: dict[str, Any] = {"new_reviews": new, "retrain_after_reviews": every, "model_before": before}
    if new < every:
        return {**outcome, "status": "not_due"}
    known = {card.get("version") for card in _cards(models_dir)}
    command = [sys.executable, "-m", "wildwatch.cli", "train", "--with-reviews", "--db", store.url,
               "--models-dir", str(models_dir), "--data", str(settings.data_dir / "labeled" / "seed.csv")]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=max(timeout, 1.0), check=False)
    except subprocess.TimeoutExpired:
        return {**outcome, "status": "failed", "error": f"training took longer than {timeout:.0f} s"}
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return {**outcome, "status": "failed", "error": last[:500]}
    card = next((c for c in _cards(models_dir) if c.get("version") not in known), {})
    decision = card.get("promotion", {})
    after = _current_version(models_dir)
    logger.info("retrained on %d new decisions: model %s %s", new, card.get("version"),
                "promoted" if after != before else "not promoted")
    return {
        **outcome,
        "status": "promoted" if decision.get("promoted") else "kept",
        "candidate": card.get("version"),
        "model_after": after,
        "reviews": card.get("training", {}).get("reviews", {}),
        "gate": {key: decision.get(key) for key in ("compared_to", "test_split", "held_out_reviews", "why")
                 if key in decision},
    }
