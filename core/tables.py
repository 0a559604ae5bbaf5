"""Reading and writing tabular files by extension: .csv, .jsonl, .parquet.

Files are written as UTF-8.  Text files (.csv, .jsonl) are read in the encoding they are in: UTF-8
(with or without a byte-order mark), UTF-16 with a byte-order mark, GB18030/GBK/GB2312 or
Big5/Big5-HKSCS, recognised from the bytes, or the one the caller names.  A file with a few
undecodable bytes is read with U+FFFD in their place (the rows are reported, see
``wildwatch.scoring``); a file that does not decode is refused with its name and the line of the
first bad byte, never read as mojibake (the rule is ``core.charsets``).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.charsets import MAX_BAD_SHARE, bad_share, lenient_decode, plausibility
from core.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FORMATS", "Columns", "table_format", "read_columns", "read_table", "text_encoding", "write_rows"]

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet"}


def table_format(path: Path) -> str:
    """The format named by a file's extension (InputError for anything else)."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path}: unknown file type {path.suffix!r}; use one of {', '.join(sorted(FORMATS))}")
    return fmt


#: Labels that name a subset of the codec we read with (a GBK file may hold GB18030 characters).
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs", "cp950": "big5hkscs"}
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_PLAUSIBLE = 0.85  # a detected GB18030/Big5 reading must be at least this plausible
_MOJIBAKE = 0.5  # a requested one is refused below this


def _codec(name: str) -> str:
    try:
        codec = codecs.lookup(name.strip()).name
    except LookupError as exc:
        raise InputError(f"unknown encoding {name!r}") from exc
    return _SUPERSETS.get(codec, codec)


def _where(path: Path, data: bytes, encoding: str) -> str:
    """'FILE, line N: ... byte 0xXX' for the first byte ``encoding`` cannot decode."""
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return f"{path}, line {line}: byte 0x{data[exc.start]:02x} is not {encoding}"
    return f"{path}: not {encoding}"


def text_encoding(path: Path, data: bytes, encoding: str | None = None) -> tuple[str, int]:
    """The codec to read ``data`` (the bytes of ``path``) with, and how many byte sequences it replaces.

    ``encoding`` given: that one (GBK/GB2312 read as GB18030, Big5 as Big5-HKSCS).  Else a
    byte-order mark, else UTF-8, GB18030 or Big5 — whichever decodes, the latter two only when the
    text reads as real Chinese.  A few bad bytes are tolerated (``core.charsets.MAX_BAD_SHARE``);
    anything else is an InputError naming the file and the line of the first bad byte.
    """
    if encoding:
        codec = _codec(encoding)
        text, replaced = lenient_decode(data, codec)
        if replaced and bad_share(replaced, data) > MAX_BAD_SHARE:
            raise InputError(f"{_where(path, data, codec)} (--encoding {encoding}); check the file's encoding")
        if codec in ("gb18030", "big5hkscs") and plausibility(text) < _MOJIBAKE:
            raise InputError(f"{path}: read as {codec} (--encoding {encoding}) the text is mostly rare or "
                             "unassigned characters, i.e. mojibake; check the file's encoding")
        return codec, replaced
    for bom, codec in _BOMS:
        if data.startswith(bom):
            _, replaced = lenient_decode(data, codec)
            if replaced and bad_share(replaced, data) > MAX_BAD_SHARE:
                raise InputError(f"{_where(path, data, codec)} although the file starts with its byte-order mark")
            return codec, replaced
    if b"\x00" in data[:65536]:
        raise InputError(f"{path}: contains NUL bytes (UTF-16 without a byte-order mark?); save it as UTF-8")
    try:
        data.decode("utf-8")
        return "utf-8", 0
    except UnicodeDecodeError:
        pass
    readings: list[tuple[bool, float, str, int]] = []  # (no bytes replaced, plausibility, codec, replaced)
    for codec in ("utf-8", "gb18030", "big5hkscs"):
        text, replaced = lenient_decode(data, codec)
        if bad_share(replaced, data) > MAX_BAD_SHARE:
            continue
        # Damaged UTF-8 before damaged GB18030/Big5: valid multibyte UTF-8 is never an accident.
        score = 1.0 if codec == "utf-8" else plausibility(text)
        if score >= _PLAUSIBLE:
            readings.append((replaced == 0, score, codec, replaced))
    if readings:
        _, _, codec, replaced = max(readings)
        return codec, replaced
    raise InputError(f"{_where(path, data, 'utf-8')}, and the file is not GB18030 or Big5 either; "
                     "convert it to UTF-8 or pass --encoding NAME")


@dataclass
class Columns:
    """A table as one list of text per column (``names`` in file order), and how it was decoded."""

    names: list[str]
    cells: dict[str, list[Any]]
    encoding: str = "utf-8"
    replaced: int = 0

    def __len__(self) -> int:
        return len(self.cells[self.names[0]]) if self.names else 0


def _plain_csv(text: str) -> tuple[list[str], list[list[str]]] | None:
    """Header and rows of an ordinary CSV (unique, non-empty column names; every row as wide as the
    header; blank lines skipped), or None for anything pandas reads its own way."""
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None)
        rows = [row for row in reader if row]
    except csv.Error:
        return None
    if not header or len(header) < 2 or "" in header or len(set(header)) != len(header):
        return None
    width = len(header)
    if any(len(row) != width for row in rows):
        return None
    return header, rows


def read_columns(path: Path, *, encoding: str | None = None) -> Columns:
    """What :func:`read_table` reads, as column lists; an ordinary CSV is read with the csv module
    (no pandas import: it is most of a small file's time), anything else through pandas."""
    fmt = table_format(path)
    if fmt == "csv" and path.is_file():
        data = path.read_bytes()
        codec, replaced = text_encoding(path, data, encoding)
        plain = _plain_csv(data.decode(codec, errors="replace"))
        if plain is not None:
            header, rows = plain
            cells = {name: [row[i] for row in rows] for i, name in enumerate(header)}
            return Columns(header, cells, codec, replaced)
    frame = read_table(path, encoding=encoding)
    names = [str(c) for c in frame.columns]
    return Columns(names, {n: frame[c].tolist() for n, c in zip(names, frame.columns)},
                   frame.attrs.get("encoding", "utf-8"), frame.attrs.get("replaced", 0))


def read_table(path: Path, *, encoding: str | None = None) -> pd.DataFrame:
    """Every column as text.  ``frame.attrs["encoding"]`` says how a text file was read and
    ``frame.attrs["replaced"]`` how many undecodable byte sequences became U+FFFD (see module docstring)."""
    import pandas as pd

    fmt = table_format(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    codec, replaced = "utf-8", 0
    try:
        if fmt in ("csv", "jsonl"):
            data = path.read_bytes()
            codec, replaced = text_encoding(path, data, encoding)
            source = io.BytesIO(data)
            if fmt == "csv":
                frame = pd.read_csv(source, dtype=str, keep_default_na=False, encoding=codec,
                                    encoding_errors="replace")
            else:
                frame = pd.read_json(source, lines=True, dtype=False, encoding=codec, encoding_errors="replace")
        else:
            frame = pd.read_parquet(path)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise InputError(f"{path}: cannot read {fmt}: {exc}") from exc
    frame = frame.fillna("").astype(str) if fmt != "csv" else frame
    frame.attrs.update(encoding=codec, replaced=replaced)
    return frame


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
