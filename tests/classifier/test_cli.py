"""`wildwatch train` / `wildwatch evaluate` through a local typer app (the lead wires them into cli.py)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

import classifier
from wildwatch.commands.model import register

from .conftest import SEED_CSV


@pytest.fixture()
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def main() -> None:
        """WildWatch (test app)."""

    return app


def _small_csv(tmp_path: Path) -> Path:
    df = pd.read_csv(SEED_CSV, dtype=str, keep_default_na=False)
    groups = sorted(df["group"].unique())[::3]
    path = tmp_path / "small.csv"
    df[df["group"].isin(groups)].to_csv(path, index=False)
    return path


def test_train_then_evaluate(app: typer.Typer, tmp_path: Path) -> None:
    runner = CliRunner()
    data = _small_csv(tmp_path)
    extra = tmp_path / "reviews.csv"
    pd.DataFrame(
        {"title": ["白料牙牌 懂的来", "仿象牙树脂摆件"], "description": ["私聊", "树脂"], "label": ["1", "0"]}
    ).to_csv(extra, index=False)
    models = tmp_path / "models"
    result = runner.invoke(app, ["train", "--data", str(data), "--models-dir", str(models), "--extra", str(extra)])
    assert result.exit_code == 0, result.output
    assert "test split" in result.output
    version = (models / "LATEST").read_text().strip()
    card = classifier.load_model(models / version).card
    assert card["training"]["extra"] == [str(extra)]  # outside the repository: kept as given
    assert "test" in card["metrics"]

    png = tmp_path / "pr.png"
    result = runner.invoke(
        app, ["evaluate", "--input", str(data), "--model", str(models / version), "--split", "test", "--pr-curve", str(png)]
    )
    assert result.exit_code == 0, result.output
    assert "zh-Hant" in result.output and "hard negatives" in result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the printed F1 is the model card's
    f1 = card["metrics"]["test"]["overall"]["f1"]
    assert f"{f1:.3f}" in result.output


def test_no_promote_keeps_current(app: typer.Typer, tmp_path: Path) -> None:
    runner = CliRunner()
    data = _small_csv(tmp_path)
    models = tmp_path / "models"
    assert runner.invoke(app, ["train", "--data", str(data), "--models-dir", str(models)]).exit_code == 0
    first = (models / "LATEST").read_text().strip()
    result = runner.invoke(app, ["train", "--data", str(data), "--models-dir", str(models), "--no-promote"])
    assert result.exit_code == 0, result.output
    assert classifier.find_latest_model(models).name == first
    assert len([p for p in models.iterdir() if p.is_dir()]) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("title,description\na,b\n", "lacks columns"),
        ("title,description,label\na,b,maybe\n", "label must be 0/1"),
    ],
)
def test_evaluate_bad_input(app: typer.Typer, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(app, ["evaluate", "--input", str(path)])
    assert result.exit_code != 0
    assert message in str(result.exception)


def test_evaluate_missing_file(app: typer.Typer, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["evaluate", "--input", str(tmp_path / "nope.csv")])
    assert "no such file" in str(result.exception)
