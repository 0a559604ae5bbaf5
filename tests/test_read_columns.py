"""core.tables.read_columns reads what read_table reads (the csv-module path must not differ from pandas)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core.tables import read_columns, read_table

CASES = {
    "plain": "id,title,description\n1,象牙手镯,老料\n2,ivory,\n".encode(),
    "blank lines": b"id,title,description\n\n1,a,b\n\n\n2,c,d\n",
    "quoted newline": b'id,title,description\n1,"two\nlines","with ""quotes"", commas"\n',
    "crlf": b"id,title,description\r\n1,a,b\r\n2,,\r\n",
    "empty cells": b"id,title,description\n,,\n",
    "bom": "\ufeffid,title,description\n1,犀角,x\n".encode(),
    "gb18030": "id,title,description\n1,象牙手镯一只,内径五十六老料包浆\n".encode("gb18030"),
    "utf-16": "id,title,description\n1,玳瑁,x\n".encode("utf-16"),
    "short row": b"id,title,description\n1,a\n2,b,c\n",
    "long row": b"id,title,description\n1,a,b,c\n",
    "duplicate columns": b"id,title,title,description\n1,a,b,c\n",
    "unnamed column": b"id,,title,description\n1,x,a,b\n",
    "header only": b"id,title,description\n",
    "whitespace line": b"id,title,description\n1,a,b\n   \n2,c,d\n",
    "bad bytes": b"id,title,description\n1,ivory \xff bangle," + "老象牙手镯".encode() * 200 + b"\n",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_read_columns_matches_read_table(tmp_path: Path, name: str) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(CASES[name])
    frame = read_table(path)
    table = read_columns(path)
    assert table.names == [str(c) for c in frame.columns]
    assert table.cells == {str(c): frame[c].tolist() for c in frame.columns}
    assert (table.encoding, table.replaced) == (frame.attrs["encoding"], frame.attrs["replaced"])


def test_plain_csv_is_read_without_pandas(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(CASES["plain"])
    code = f"import sys; from core.tables import read_columns; read_columns(__import__('pathlib').Path({str(path)!r})); print('pandas' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
