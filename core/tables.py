"""Reading and writing tabular files by extension: .csv, .jsonl, .parquet (UTF-8 throughout)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

import pandas as pd

from core.errors import InputError

__all__ = ["FORMATS", "table_format", "read_table", "write_rows"]

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet"}


def table_format(path: Path) -> str:
    """The format named by a file's extension (InputError for anything else)."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path}: unknown file type {path.suffix!r}; use one of {', '.join(sorted(FORMATS))}")
    return fmt


def read_table(path: Path) -> pd.DataFrame:
    """Every column as text; invalid UTF-8 bytes become U+FFFD so the row can be reported, not lost."""
    fmt = table_format(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        if fmt == "csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8", encoding_errors="replace")
        elif fmt == "jsonl":
            frame = pd.read_json(path, lines=True, dtype=False, encoding="utf-8", encoding_errors="replace")
        else:
            frame = pd.read_parquet(path)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise InputError(f"{path}: cannot read {fmt}: {exc}") from exc
    return frame.fillna("").astype(str) if fmt != "csv" else frame


def _chunks(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def write_rows(path: Path, columns: Sequence[str], rows: Iterable[dict[str, Any]], *, chunk: int = 5000) -> int:
    """Stream ``rows`` to ``path`` in bounded memory; returns how many were written."""
    fmt = table_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    if fmt == "csv":
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(columns), extrasaction="ignore")
            writer.writeheader()
            for row in rows:
                writer.writerow({k: _csv_value(v) for k, v in row.items()})
                count += 1
        return count
    if fmt == "jsonl":
        with path.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps({k: row.get(k) for k in columns}, ensure_ascii=False, default=str) + "\n")
                count += 1
        return count
    import pyarrow as pa
    import pyarrow.parquet as pq

    parquet: pq.ParquetWriter | None = None
    try:
        for batch in _chunks(rows, chunk):
            table = pa.Table.from_pylist([{k: row.get(k) for k in columns} for row in batch])
            if parquet is None:
                # A column that is empty in the first chunk would be typed null: make it text.
                schema = pa.schema(
                    [(f.name, pa.string() if pa.types.is_null(f.type) else f.type) for f in table.schema]
                )
                parquet = pq.ParquetWriter(path, schema)
            parquet.write_table(table.cast(parquet.schema))
            count += len(batch)
        if parquet is None:
            pq.write_table(pa.table({k: pa.array([], pa.string()) for k in columns}), path)
    finally:
        if parquet is not None:
            parquet.close()
    return count


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """Text a spreadsheet would run as a formula ('=HYPERLINK(...)' planted in a listing) gets a
    leading apostrophe in CSV exports (OWASP CSV injection); numbers and other values pass unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


def _csv_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return value
