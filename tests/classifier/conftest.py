"""Shared fixtures: the shipped model (loaded once) and a small model trained on the seed data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import classifier

REPO = Path(__file__).resolve().parents[2]
SEED_CSV = REPO / "data" / "labeled" / "seed.csv"


@pytest.fixture(scope="session")
def shipped_model() -> classifier.Model:
    return classifier.load_model()


@pytest.fixture(scope="session")
def seed_df() -> pd.DataFrame:
    return pd.read_csv(SEED_CSV, dtype=str, keep_default_na=False).assign(
        label=lambda d: d["label"].astype(int), hard_negative=lambda d: d["hard_negative"].astype(int)
    )


@pytest.fixture(scope="session")
def small_model(seed_df: pd.DataFrame) -> classifier.Model:
    """A model trained on every other group of the seed data: quick, and independent of models/."""
    groups = sorted(seed_df["group"].unique())
    keep = set(groups[::2])
    return classifier.train_model(seed_df[seed_df["group"].isin(keep)], folds=3)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the behavioural suite's pass-rate table (tests/classifier/test_behaviour.py)."""
    from .test_behaviour import table_lines

    lines = table_lines()
    if lines:
        terminalreporter.section("classifier behaviour (CheckList)")
        for line in lines:
            terminalreporter.write_line(line)
