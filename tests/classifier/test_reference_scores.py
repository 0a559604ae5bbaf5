"""The shipped model says exactly what it said when its scores were recorded (speed work changes nothing)."""

from __future__ import annotations

import json

import pytest

import classifier

from .reference_scores import REFERENCE_FILE, compute


@pytest.fixture(scope="module")
def recorded() -> dict:
    return json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))


def test_reference_is_for_the_shipped_model(recorded: dict, shipped_model: classifier.Model) -> None:
    assert recorded["model"] == shipped_model.version, (
        "the reference scores are of another model: after a retrain run "
        "`.venv/bin/python -m tests.classifier.reference_scores --write`"
    )


def test_scores_match_the_reference(recorded: dict, shipped_model: classifier.Model) -> None:
    now = compute(shipped_model)
    assert now["rows"] == recorded["rows"]
    worst = max(abs(a - b) for a, b in zip(now["proba"], recorded["proba"], strict=True))
    assert worst <= 1e-9
    for i, (got, want) in enumerate(zip(now["verdicts"], recorded["verdicts"], strict=True)):
        assert got == want, f"row {i}"
