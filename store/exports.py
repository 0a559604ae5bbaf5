"""Export files people open: the export rows as CSV (optionally with a BOM for Excel), JSONL and
Parquet, streamed as bytes in bounded memory.  One writer for `wildwatch export` and `/v1/export`.

Each format keeps the types its readers expect:

- CSV: text; booleans ``true``/``false``, ``species`` ``;``-joined, ``reasons`` `` | ``-joined, times
  ISO 8601; formulas neutralised (a planted ``=HYPERLINK(...)`` must not run in a spreadsheet).
  ``bom`` puts a UTF-8 byte-order mark first: without it Excel reads the file as the local
  code page and mangles Chinese.
- JSONL: one object a line with JSON booleans, numbers and null; ``species`` and ``reasons`` arrays.
- Parquet: ``first_seen``/``last_seen`` UTC timestamps, ``flagged`` boolean, ``species`` and
  ``reasons`` lists of strings, ``price``/``score`` doubles, ``id`` int64.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

from core.tables import spreadsheet_safe, table_format
from store.queries import EXPORT_COLUMNS

__all__ = ["export_chunks", "write_export"]

_CSV_FLUSH_ROWS = 1000
_JSONL_FLUSH_ROWS = 1000
_PARQUET_ROW_GROUP = 20_000
_JOINERS = {"species": ";", "reasons": " | "}


def _csv_value(name: str, value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return _JOINERS[name].join(str(item) for item in value)
    return spreadsheet_safe(value)


def _csv_chunks(rows: Iterable[dict[str, Any]], *, bom: bool) -> Iterator[bytes]:
    buffer = io.StringIO()
    if bom:
        buffer.write("\ufeff")
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for count, row in enumerate(rows, 1):
        writer.writerow({name: _csv_value(name, value) for name, value in row.items()})
        if count % _CSV_FLUSH_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _jsonl_chunks(rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    lines: list[str] = []
    for row in rows:
        lines.append(json.dumps({name: _json_value(row.get(name)) for name in EXPORT_COLUMNS}, ensure_ascii=False))
        if len(lines) == _JSONL_FLUSH_ROWS:
            yield ("\n".join(lines) + "\n").encode("utf-8")
            lines = []
    if lines:
        yield ("\n".join(lines) + "\n").encode("utf-8")


class _Sink(io.RawIOBase):
    """A write-only file whose bytes are handed on as soon as Parquet writes them."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.parts.append(chunk)
        self.position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self.position

    def drain(self) -> bytes:
        out, self.parts = b"".join(self.parts), []
        return out


def _parquet_chunks(rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    text, when, names = pa.string(), pa.timestamp("us", tz="UTC"), pa.list_(pa.string())
    schema = pa.schema(
        [
            ("id", pa.int64()), ("url", text), ("marketplace", text), ("title", text), ("description", text),
            ("price", pa.float64()), ("currency", text), ("seller", text), ("seller_url", text), ("lang", text),
            ("first_seen", when), ("last_seen", when), ("score", pa.float64()), ("flagged", pa.bool_()),
            ("species", names), ("reasons", names), ("model_version", text), ("review_status", text),
        ]
    )
    sink = _Sink()
    iterator = iter(rows)
    with pq.ParquetWriter(sink, schema, compression="zstd") as writer:
        while batch := list(islice(iterator, _PARQUET_ROW_GROUP)):
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            yield sink.drain()
    yield sink.drain()


def export_chunks(rows: Iterable[dict[str, Any]], fmt: str, *, bom: bool = False) -> Iterator[bytes]:
    """The export rows (from ``store.queries.iter_export_rows``) as the bytes of a ``fmt`` file."""
    if fmt == "csv":
        return _csv_chunks(rows, bom=bom)
    if fmt == "jsonl":
        return _jsonl_chunks(rows)
    if fmt == "parquet":
        return _parquet_chunks(rows)
    raise ValueError(f"unknown export format {fmt!r}")


def write_export(path: Path, rows: Iterable[dict[str, Any]], *, bom: bool = False) -> int:
    """Write the export rows to ``path`` in the format its extension names; returns how many."""
    fmt = table_format(path)
    counted = 0

    def counting() -> Iterator[dict[str, Any]]:
        nonlocal counted
        for row in rows:
            counted += 1
            yield row

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        for chunk in export_chunks(counting(), fmt, bom=bom):
            fh.write(chunk)
    return counted
