"""The learning loop on the demo data: moderators' decisions go into training; promotion only if not worse."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

import classifier
from classifier import ScoreResult
from store.db import session_scope
from store.reviews import record_review, review_queue
from tests.review.factories import add_listing
from wildwatch.cli import app
from wildwatch.learning import compare_models
from wildwatch.runtime import Store
from core.settings import PROJECT_ROOT

DEMO = PROJECT_ROOT / "data" / "demo" / "listings.jsonl"


class KeywordModel:
    """A test double: scores 0.9 when the text holds ``word`` (or always, when ``word`` is empty)."""

    threshold = 0.5

    def __init__(self, version: str, word: str) -> None:
        self.version = version
        self.word = word

    def score_batch(self, titles: list[str], descriptions: list[str]) -> list[ScoreResult]:
        scores = [0.9 if self.word in f"{t} {d}" else 0.1 for t, d in zip(titles, descriptions, strict=True)]
        return [ScoreResult(score=s, flagged=s >= self.threshold, species=(), reasons=()) for s in scores]


TEST = pd.DataFrame({"title": ["象牙手镯", "象牙雕件", "木手镯", "茶叶"], "description": [""] * 4, "label": [1, 1, 0, 0]})


@pytest.mark.parametrize(("new_word", "promoted"), [("象牙", True), ("", False), ("手镯", False)])
def test_a_new_model_is_promoted_only_if_not_worse(new_word: str, promoted: bool) -> None:
    result = compare_models(KeywordModel("new", new_word), KeywordModel("current", "象牙"), TEST)
    assert result["promoted"] is promoted and result["compared_to"] == "current"


def load_demo(store: Store, model: Any) -> None:
    rows = [json.loads(line) for line in DEMO.read_text(encoding="utf-8").splitlines() if line.strip()]
    verdicts = model.score_batch([r["title"] for r in rows], [r.get("description", "") for r in rows])
    with session_scope(store.sessions) as session:
        for row, verdict in zip(rows, verdicts, strict=True):
            listing = add_listing(session, title=row["title"], description=row.get("description", ""),
                                  score=float(verdict.score), species=";".join(verdict.species),
                                  reasons=list(verdict.reasons), model_version=model.version)
            listing.flagged = bool(verdict.flagged)
            listing.lang = row.get("lang")
            listing.price_text = str(row["label"])  # the ground truth, for the simulated moderator


@pytest.mark.slow
def test_retraining_with_reviews_on_the_demo_data(sqlite_store: Store, tmp_path: Path) -> None:
    models = tmp_path / "models"
    runner = CliRunner()
    assert runner.invoke(app, ["train", "--models-dir", str(models)]).exit_code == 0
    baseline = classifier.load_model(None, models_dir=models)
    load_demo(sqlite_store, baseline)
    with session_scope(sqlite_store.sessions) as session:  # moderators work both queues
        items = review_queue(session, limit=500) + review_queue(session, view="uncertain", limit=50)
        for item in items:
            truth = item.listing.price_text == "1"
            record_review(session, item.listing.id, decision="confirmed" if truth else "dismissed",
                          reason="protected_species" if truth else "not_wildlife", reviewer="demo")
    reviewed = len({item.listing.id for item in items})
    assert reviewed >= 40  # most of the 57 demo positives, plus the uncertain queue
    result = runner.invoke(app, ["train", "--with-reviews", "--db", sqlite_store.url, "--models-dir", str(models)])
    assert result.exit_code == 0, result.output
    assert f"adding {reviewed} reviewed listings" in result.stdout
    versions = sorted(p.name for p in models.iterdir() if p.is_dir())
    assert len(versions) == 2
    card = json.loads((models / versions[-1] / "model_card.json").read_text(encoding="utf-8"))
    assert card["training"]["reviews"]["count"] == reviewed
    check = card["promotion"]
    assert check["compared_to"] == baseline.version
    assert check["promoted"] is (check["new"]["f1"] >= check["current"]["f1"])
    latest = (models / "LATEST").read_text(encoding="utf-8").strip()
    assert latest == (versions[-1] if check["promoted"] else baseline.version)
