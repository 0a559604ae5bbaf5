"""File scoring keeps every row, reports bad ones, and round-trips CSV/JSONL/Parquet."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.fakes import FakeModel
from core.errors import InputError
from wildwatch.scoring import score_frame, score_to_csv
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


@pytest.mark.parametrize("workers", [1, 2])
def test_score_to_csv_writes_what_score_frame_scores(tmp_path: Path, workers: int) -> None:
    """The streaming CSV writer (batches scored and formatted in forked workers) keeps the rows, their
    order, a replaced input column in its place, and what score_frame says about each row."""
    rows = [dict(row, id=f"{row['id']}{k}" if row["id"] else "", score="old") for k in range(7) for row in ROWS]
    names = ["id", "title", "score", "description", "price"]
    path = tmp_path / "out.csv"
    written = score_to_csv(names, {n: [row[n] for row in rows] for n in names}, FakeModel(), path,
                           batch_size=3, workers=workers)
    expected = score_frame(pd.DataFrame(rows, columns=names), FakeModel())
    assert pd.read_csv(path, dtype=str, keep_default_na=False).equals(expected.astype(str))
    assert written.rows == len(rows)
    assert written.scored == sum(1 for score in expected["score"] if score != "")
    assert written.flagged == sum(1 for flag in expected["flagged"] if flag == "true")
    assert [(i, error) for i, _, error in written.problems] == [
        (i, error) for i, error in enumerate(expected["error"]) if error
    ]


def test_score_to_csv_leaves_no_partial_file_when_scoring_fails(tmp_path: Path) -> None:
    class Broken(FakeModel):
        def score_batch(self, titles: list[str], descriptions: list[str]) -> list:  # type: ignore[override]
            raise RuntimeError("model failed")

    path = tmp_path / "out.csv"
    with pytest.raises(RuntimeError):
        score_to_csv(["id", "title", "description"], {"id": ["1"], "title": ["x"], "description": ["y"]}, Broken(), path)
    assert list(tmp_path.iterdir()) == []


def test_invalid_utf8_bytes_are_replaced_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes("id,title,description\n1,象牙,ok\n2,".encode() + b"\xff\xfe bad" + b",x\n")
    out = score_frame(read_table(path), FakeModel())
    assert len(out) == 2
    assert out.loc[1, "error"] == "undecodable bytes replaced"
    assert out.loc[1, "score"] != ""


def test_missing_columns_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="description"):
        score_frame(pd.DataFrame([{"id": "1", "title": "x"}]), FakeModel())


def test_unknown_extension_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown file type"):
        read_table(tmp_path / "rows.xlsx")


# ---------------------------------------------------------------- encodings of input files

SIMPLIFIED_ROWS = "id,title,description\n1,出售穿山甲片 正品保真,野生穿山甲片，量大从优\n2,犀角杯 老货 传承,包真\n3,IKEA sofa,grey\n"
TRADITIONAL_ROWS = "id,title,description\n1,玳瑁手鐲 老貨收藏,真玳瑁，香港面交。\n2,象牙麻將,只限澳門面交\n"


@pytest.mark.parametrize(
    ("text", "data", "encoding"),
    [
        (SIMPLIFIED_ROWS, SIMPLIFIED_ROWS.encode("gbk"), "gb18030"),
        (SIMPLIFIED_ROWS, SIMPLIFIED_ROWS.encode("gb18030"), "gb18030"),
        (TRADITIONAL_ROWS, TRADITIONAL_ROWS.encode("big5"), "big5hkscs"),
        (SIMPLIFIED_ROWS, b"\xef\xbb\xbf" + SIMPLIFIED_ROWS.encode(), "utf-8-sig"),  # Excel's "CSV UTF-8"
        (SIMPLIFIED_ROWS, SIMPLIFIED_ROWS.encode("utf-16"), "utf-16"),
        (SIMPLIFIED_ROWS, SIMPLIFIED_ROWS.encode(), "utf-8"),
    ],
    ids=["gbk", "gb18030", "big5", "utf-8-bom", "utf-16-bom", "utf-8"],
)
def test_csv_encodings_are_recognised(tmp_path: Path, text: str, data: bytes, encoding: str) -> None:
    path = tmp_path / "rows.csv"
    path.write_bytes(data)
    frame = read_table(path)
    assert frame.attrs["encoding"] == encoding
    assert frame.to_dict("records") == [dict(zip(("id", "title", "description"), line.split(","), strict=True))
                                        for line in text.splitlines()[1:]]


def test_jsonl_in_gbk_is_recognised(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_bytes('{"id": "1", "title": "出售穿山甲片 正品保真", "description": "野生"}\n'.encode("gbk"))
    assert read_table(path).loc[0, "title"] == "出售穿山甲片 正品保真"


@pytest.mark.parametrize(
    ("data", "encoding", "message"),
    [
        ("id,title,description\n1,テスト,カタカナの説明\n".encode("shift_jis"), None,
         r"rows.csv, line 2: byte 0x83 is not utf-8, and the file is not GB18030 or Big5 either"),
        (b"id,title,description\n1,a,b\n2,\xff\xfe\xfa\xfb,c\n", None, r"rows.csv, line 3: byte 0xff is not utf-8"),
        (SIMPLIFIED_ROWS.encode("utf-16-le"), None, "NUL bytes"),
        (SIMPLIFIED_ROWS.encode("gbk"), "utf-8", r"rows.csv, line 2: byte 0xb3 is not utf-8 \(--encoding utf-8\)"),
        (SIMPLIFIED_ROWS.encode(), "gbk", "mojibake"),
        (SIMPLIFIED_ROWS.encode(), "klingon", "unknown encoding 'klingon'"),
    ],
    ids=["shift-jis", "garbage", "utf-16-without-bom", "gbk-as-utf-8", "utf-8-as-gbk", "unknown"],
)
def test_undecodable_files_are_refused_with_the_file_and_line(tmp_path: Path, data: bytes, encoding: str | None,
                                                              message: str) -> None:
    path = tmp_path / "rows.csv"
    path.write_bytes(data)
    with pytest.raises(InputError, match=message):
        read_table(path, encoding=encoding)


def test_a_named_encoding_is_used(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_bytes(SIMPLIFIED_ROWS.encode("gbk"))
    frame = read_table(path, encoding="GBK")
    assert frame.attrs["encoding"] == "gb18030" and frame.loc[1, "title"] == "犀角杯 老货 传承"


def test_score_input_reads_a_gbk_csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`wildwatch score --input` on a GBK file scores the Chinese text, not mojibake (was: exit 0, garbage)."""
    from typer.testing import CliRunner

    from wildwatch.cli import app

    monkeypatch.setattr("wildwatch.commands.score.load_classifier", lambda *a: FakeModel())
    source, out = tmp_path / "gbk.csv", tmp_path / "scored.csv"
    source.write_bytes(SIMPLIFIED_ROWS.encode("gbk"))
    result = CliRunner().invoke(app, ["score", "--input", str(source), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert f"read {source} as gb18030" in result.stderr
    rows = read_table(out).to_dict("records")
    assert rows[0]["title"] == "出售穿山甲片 正品保真" and rows[0]["species"] == "pangolin"
    assert [row["flagged"] for row in rows] == ["true", "false", "false"]
