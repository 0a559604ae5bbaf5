"""Evidence export: the listings filters, streamed as CSV or Parquet in bounded memory."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import islice
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from api.deps import CurrentKey
from api.errors import ERROR_RESPONSES
from api.routes.filters import ListingFilterDep
from store.models import AuditLog
from store.queries import EXPORT_COLUMNS, ListingFilter, iter_export_rows
from core.tables import spreadsheet_safe

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["export"], responses=ERROR_RESPONSES)

_CSV_FLUSH_ROWS = 1000
_PARQUET_ROW_GROUP = 20_000


def _rows(factory: sessionmaker[Session], filters: ListingFilter, max_rows: int | None) -> Iterator[dict[str, Any]]:
    with factory() as session:
        rows = iter_export_rows(session, filters)
        yield from (islice(rows, max_rows) if max_rows else rows)


def _csv_chunks(rows: Iterator[dict[str, Any]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for count, row in enumerate(rows, 1):
        writer.writerow({name: spreadsheet_safe(value) for name, value in row.items()})
        if count % _CSV_FLUSH_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


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


def _parquet_chunks(rows: Iterator[dict[str, Any]]) -> Iterator[bytes]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [
            ("id", pa.int64()), ("url", pa.string()), ("marketplace", pa.string()), ("title", pa.string()),
            ("description", pa.string()), ("price", pa.float64()), ("currency", pa.string()),
            ("seller", pa.string()), ("seller_url", pa.string()), ("lang", pa.string()),
            ("first_seen", pa.string()), ("last_seen", pa.string()), ("score", pa.float64()),
            ("flagged", pa.bool_()), ("species", pa.string()), ("reasons", pa.string()),
            ("model_version", pa.string()), ("review_status", pa.string()),
        ]
    )
    sink = _Sink()
    with pq.ParquetWriter(sink, schema, compression="zstd") as writer:
        while batch := list(islice(rows, _PARQUET_ROW_GROUP)):
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            yield sink.drain()
    yield sink.drain()


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/csv": {}, "application/vnd.apache.parquet": {}},
            "description": "The matching listings, streamed.",
        }
    },
)
def export_listings(
    request: Request,
    key: CurrentKey,
    filters: ListingFilterDep,
    format: Annotated[Literal["csv", "parquet"], Query(description="File format.")] = "csv",
    max_rows: Annotated[int | None, Query(ge=1, le=100_000_000, description="Stop after this many rows.")] = None,
) -> StreamingResponse:
    """Every listing matching the filters (same as /v1/listings), in id order, streamed."""
    factory = request.app.state.session_factory
    with factory.begin() as session:
        session.add(
            AuditLog(actor=key.name, action="export", target_type="listings",
                     detail={"format": format, "filters": {k: str(v) for k, v in filters.as_params().items()}})
        )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    rows = _rows(factory, filters, max_rows)
    if format == "parquet":
        return StreamingResponse(
            _parquet_chunks(rows),
            media_type="application/vnd.apache.parquet",
            headers={"Content-Disposition": f'attachment; filename="wildwatch-listings-{stamp}.parquet"'},
        )
    return StreamingResponse(
        _csv_chunks(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="wildwatch-listings-{stamp}.csv"'},
    )
