"""File scoring keeps every row, reports bad ones, and round-trips CSV/JSONL/Parquet."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.fakes import FakeModel
from core.errors import InputError
from wildwatch.scoring import score_frame
from core.tables import read_table, write_rows

ROWS = [
    {"id": "1", "title": "老象牙手镯", "description": "包真 私聊", "price": "1200"},
    {"id": "2", "title": "IKEA sofa", "description": "ivory-coloured? no, grey", "price": ""},
    {"id": "3", "title": "", "description": "", "price": ""},
    {"id": "", "title": "no id", "description": "", "price": ""},
]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_round_trip_keeps_text_exactly(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"rows{suffix}"
    write_rows(path, ["id", "title", "description", "price"], ROWS)
    frame = read_table(path)
    assert frame.to_dict("records") == ROWS


def test_score_frame_keeps_every_row_and_reports_unscorable_ones() -> None:
    out = score_frame(pd.DataFrame(ROWS), FakeModel())
    assert list(out["id"]) == ["1", "2", "3", ""]
    assert list(out["flagged"]) == ["true", "true", "", ""]
    assert out.loc[0, "species"] == "elephant"
    assert out.loc[2, "error"] == "empty title and description"
    assert "missing id" in out.loc[3, "error"]
    assert list(out.columns[:4]) == ["id", "title", "description", "price"]


def test_invalid_utf8_bytes_are_replaced_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes("id,title,description\n1,象牙,ok\n2,".encode() + b"\xff\xfe bad" + b",x\n")
    out = score_frame(read_table(path), FakeModel())
    assert len(out) == 2
    assert out.loc[1, "error"] == "invalid UTF-8 replaced"
    assert out.loc[1, "score"] != ""


def test_missing_columns_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="description"):
        score_frame(pd.DataFrame([{"id": "1", "title": "x"}]), FakeModel())


def test_unknown_extension_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown file type"):
        read_table(tmp_path / "rows.xlsx")
