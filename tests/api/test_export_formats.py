"""Exports people open (issue 15, capability 3): CSV with a BOM for Excel, Parquet with typed
columns, JSONL with JSON types — through the real API on both databases, and `wildwatch export`."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from store.db import session_scope
from tests.api.conftest import Api
from tests.store.seed import seed_store
from wildwatch.runtime import open_store

BOM = b"\xef\xbb\xbf"


def test_csv_bom_for_excel(api: Api) -> None:
    plain = api.get("/v1/export", params={"flagged": "true"}).content
    excel = api.get("/v1/export", params={"flagged": "true", "format": "csv", "bom": "true"})
    assert excel.status_code == 200
    assert not plain.startswith(BOM)
    assert excel.content.startswith(BOM) and excel.content[3:] == plain
    # Excel's reading: the BOM says UTF-8, and the header is still the first row's column names
    rows = list(csv.DictReader(io.StringIO(excel.content.decode("utf-8-sig"))))
    assert rows[0].keys() >= {"id", "title", "flagged", "species"}
    assert any("象牙" in row["title"] for row in rows)


def test_parquet_types(api: Api) -> None:
    table = pq.read_table(io.BytesIO(api.get("/v1/export", params={"format": "parquet"}).content))
    schema = table.schema
    assert schema.field("first_seen").type == pa.timestamp("us", tz="UTC")
    assert schema.field("last_seen").type == pa.timestamp("us", tz="UTC")
    assert schema.field("flagged").type == pa.bool_()
    assert schema.field("species").type == pa.list_(pa.string())
    assert schema.field("reasons").type == pa.list_(pa.string())
    assert schema.field("score").type == pa.float64() and schema.field("id").type == pa.int64()
    rows = table.to_pylist()
    flagged = [row for row in rows if row["flagged"]]
    assert flagged and all(isinstance(row["species"], list) for row in rows)
    assert {"pangolin"} in [set(row["species"]) for row in flagged]
    assert all(row["first_seen"].tzinfo is not None for row in rows)


def test_jsonl_real_booleans_and_numbers(api: Api) -> None:
    response = api.get("/v1/export", params={"format": "jsonl"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/jsonl")
    assert response.headers["content-disposition"].endswith('.jsonl"')
    rows = [json.loads(line) for line in response.text.splitlines()]
    assert len(rows) == len(api.seeded.ids)
    assert all(isinstance(row["flagged"], bool) for row in rows if row["flagged"] is not None)
    assert any(row["flagged"] is True for row in rows) and any(row["flagged"] is False for row in rows)
    assert all(isinstance(row["score"], float) for row in rows if row["score"] is not None)
    assert all(isinstance(row["id"], int) and isinstance(row["species"], list) for row in rows)
    assert any(isinstance(row["price"], float) for row in rows)


@pytest.mark.e2e
def test_cli_export_excel_and_jsonl(tmp_path: Path) -> None:
    wildwatch = str(Path(sys.executable).with_name("wildwatch"))
    url = f"sqlite:///{tmp_path / 'w.db'}"
    env = dict(os.environ) | {"WILDWATCH_DATABASE_URL": url, "WILDWATCH_VAR_DIR": str(tmp_path / "var"),
                              "WILDWATCH_CONFIG_FILE": str(tmp_path / "none.yaml")}
    store = open_store(url)  # created and migrated as `wildwatch init` does
    with session_scope(store.sessions) as session:
        seed_store(session)
    store.close()
    for name, extra in (("excel.csv", ["--excel"]), ("rows.jsonl", [])):
        done = subprocess.run([wildwatch, "export", "--output", str(tmp_path / name), *extra], env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    assert (tmp_path / "excel.csv").read_bytes().startswith(BOM)
    lines = (tmp_path / "rows.jsonl").read_text(encoding="utf-8").splitlines()
    assert {type(json.loads(line)["flagged"]) for line in lines} <= {bool, type(None)}
    wrong = subprocess.run([wildwatch, "export", "--output", str(tmp_path / "x.parquet"), "--excel"], env=env,
                           capture_output=True, text=True, timeout=120)
    assert wrong.returncode == 2 and "--excel writes CSV" in wrong.stderr
