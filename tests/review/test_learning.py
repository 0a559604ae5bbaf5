"""The learning loop on the demo data: moderators' decisions go into training; promotion only if not worse."""

from __future__ import annotations

import json
import shutil
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


def _split(n_pos: int, n_neg: int) -> pd.DataFrame:
    titles = [f"象牙 {i}" for i in range(n_pos)] + [f"茶叶 {i}" for i in range(n_neg)]
    return pd.DataFrame({"title": titles, "description": "", "label": [1] * n_pos + [0] * n_neg,
                         "hard_negative": [0] * n_pos + [1] * n_neg})


#: 200 positives ("象牙 i") and 200 hard negatives ("茶叶 i"); the current model flags "象牙" only.
TEST = _split(200, 200)
REVIEWS = pd.DataFrame({"title": ["鹤顶红 金鱼", "犀牛盾 手机壳", "象牙 手镯"], "description": "", "label": [0, 0, 1]})
NO_REVIEWS = REVIEWS.iloc[:0]
GATE = [
    # (case, the new model flags texts holding ..., held-out reviews, promoted)
    ("the same model", "象牙", REVIEWS, True),
    ("flags only \"象牙 1x\": most positives lost", "象牙 1", NO_REVIEWS, False),
    ("flags everything: F1 and hard-negative rate far off", "", NO_REVIEWS, False),
    ("flags a held-out dismissal the current model did not", "金鱼", REVIEWS, False),
]


@pytest.mark.parametrize(("case", "word", "holdout", "promoted"), GATE, ids=[c[0] for c in GATE])
def test_the_gate_needs_non_inferiority_and_no_loss_on_held_out_reviews(
    case: str, word: str, holdout: pd.DataFrame, promoted: bool
) -> None:
    result = compare_models(KeywordModel("new", word), KeywordModel("current", "象牙"), TEST, holdout)
    assert result["promoted"] is promoted and result["compared_to"] == "current"


def test_the_margin_is_half_a_point() -> None:
    """Losing one positive of 200 costs 0.25 points of F1: inside the margin; losing three (0.75) is not."""

    class Loses:
        threshold, version = 0.5, "new"

        def __init__(self, lost: int) -> None:
            self.lost = {f"象牙 {i}" for i in range(lost)}

        def score_batch(self, titles: list[str], descriptions: list[str]) -> list[ScoreResult]:
            return [ScoreResult(0.9 if "象牙" in t and t not in self.lost else 0.1,
                                "象牙" in t and t not in self.lost, (), ()) for t in titles]

    current = KeywordModel("current", "象牙")
    one, three = (compare_models(Loses(n), current, TEST, NO_REVIEWS) for n in (1, 3))
    assert one["test_split"]["new"]["f1"] < one["test_split"]["current"]["f1"] and one["promoted"]
    assert not three["promoted"] and three["held_out_reviews"]["passed"]


def test_the_hard_negative_margin_is_at_least_one_row() -> None:
    """With 100 hard negatives one more false positive (1 point) passes; two more (2 points) do not."""
    split = _split(200, 100)

    class AlsoFlags:
        threshold, version = 0.5, "new"

        def __init__(self, extra: int) -> None:
            self.extra = {f"茶叶 {i}" for i in range(extra)}

        def score_batch(self, titles: list[str], descriptions: list[str]) -> list[ScoreResult]:
            hit = ["象牙" in t or t in self.extra for t in titles]
            return [ScoreResult(0.9 if h else 0.1, h, (), ()) for h in hit]

    current = KeywordModel("current", "象牙")
    one, two = (compare_models(AlsoFlags(n), current, split, NO_REVIEWS) for n in (1, 2))
    assert one["test_split"]["passed"] and not two["test_split"]["passed"]


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
    used = card["training"]["reviews"]
    assert used["trained_on"]["count"] + used["held_out"]["count"] == reviewed
    check = card["promotion"]
    assert check["compared_to"] == baseline.version
    assert check["promoted"] is (check["test_split"]["passed"] and check["held_out_reviews"]["passed"])
    latest = (models / "LATEST").read_text(encoding="utf-8").strip()
    assert latest == (versions[-1] if check["promoted"] else baseline.version)


def test_an_admin_can_force_promotion_past_the_gate_with_a_reason_that_is_audited(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A model trained on 80 rows is far worse on the generated test split: the gate says no, --force says yes."""
    from sqlalchemy import select

    from store.models import AuditLog

    seed = pd.read_csv(PROJECT_ROOT / "data" / "labeled" / "seed.csv", dtype=str, keep_default_na=False)
    dev = seed[seed["split"] != "test"]
    tiny = pd.concat([dev[dev["label"] == "1"].head(40), dev[dev["label"] == "0"].head(40), seed[seed["split"] == "test"]])
    data = tmp_path / "tiny.csv"
    tiny.to_csv(data, index=False)
    models = tmp_path / "models"
    shipped = classifier.find_latest_model()
    shutil.copytree(shipped, models / shipped.name)
    classifier.promote(models, shipped.name)
    with session_scope(sqlite_store.sessions) as session:
        for i, truth in enumerate([1, 0, 1, 0]):
            listing = add_listing(session, title=f"象牙手镯 {i}" if truth else f"牛角梳 {i}", score=0.9)
            record_review(session, listing.id, decision="confirmed" if truth else "dismissed",
                          reason="protected_species" if truth else "not_wildlife", reviewer="mod")
    args = ["train", "--with-reviews", "--db", sqlite_store.url, "--models-dir", str(models), "--data", str(data),
            "--folds", "2"]
    runner = CliRunner()
    kept = runner.invoke(app, args)
    assert kept.exit_code == 0, kept.output
    assert "FAIL" in kept.stdout and "not promoted" in kept.stdout
    assert (models / "LATEST").read_text(encoding="utf-8").strip() == shipped.name
    forced = runner.invoke(app, [*args, "--force", "--reason", "lexicon fix needed tonight"])
    assert forced.exit_code == 0, forced.output
    assert "promoted past the gate (--force)" in forced.stdout
    version = (models / "LATEST").read_text(encoding="utf-8").strip()
    card = json.loads((models / version / "model_card.json").read_text(encoding="utf-8"))
    assert card["promotion"]["forced"]["reason"] == "lexicon fix needed tonight"
    assert card["training"]["reviews"]["trained_on"]["count"] == 4  # fewer than five: none held out
    with session_scope(sqlite_store.sessions) as session:
        audit = session.scalars(select(AuditLog).where(AuditLog.action == "model.force_promote")).one()
    assert (audit.target_id, audit.detail["reason"]) == (version, "lexicon fix needed tonight")
    assert audit.actor.startswith("cli:") and audit.detail["gate"]["test_split"]["passed"] is False
