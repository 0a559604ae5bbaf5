"""`wildwatch score --output x.jsonl|x.parquet` keeps JSON/Parquet types (issue 15, capability 3):
`score` a number and `flagged` a boolean, null for a row that could not be scored; CSV stays text."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from tests.fakes import FakeModel
from wildwatch.cli import app


@pytest.fixture
def listings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr("wildwatch.commands.score.load_classifier", lambda *a: FakeModel())
    source = tmp_path / "in.csv"
    source.write_text("id,title,description\na1,象牙手镯,老料\na2,普洱茶,好茶\na3,,\n", encoding="utf-8")
    return source


def _score(source: Path, output: Path) -> None:
    result = CliRunner().invoke(app, ["score", "--input", str(source), "--output", str(output)])
    assert result.exit_code == 0, result.output


def test_jsonl_has_numbers_and_booleans(listings: Path, tmp_path: Path) -> None:
    _score(listings, tmp_path / "out.jsonl")
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(row["id"], row["score"], row["flagged"]) for row in rows] == [
        ("a1", 0.9, True), ("a2", 0.05, False), ("a3", None, None)]
    assert rows[2]["error"]


def test_parquet_has_typed_columns_and_csv_stays_text(listings: Path, tmp_path: Path) -> None:
    _score(listings, tmp_path / "out.parquet")
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.schema.field("score").type == pa.float64() and table.schema.field("flagged").type == pa.bool_()
    assert table.column("flagged").to_pylist() == [True, False, None]
    _score(listings, tmp_path / "out.csv")
    first = next(csv.DictReader((tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()))
    assert (first["score"], first["flagged"]) == ("0.9", "true")
