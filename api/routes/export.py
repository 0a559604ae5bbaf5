"""Evidence export: the listings filters, streamed as CSV, JSONL or Parquet in bounded memory."""

from __future__ import annotations

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
from store.exports import export_chunks
from store.queries import ListingFilter, iter_export_rows

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["export"], responses=ERROR_RESPONSES)


def _rows(factory: sessionmaker[Session], filters: ListingFilter, max_rows: int | None) -> Iterator[dict[str, Any]]:
    with factory() as session:
        rows = iter_export_rows(session, filters)
        yield from (islice(rows, max_rows) if max_rows else rows)


_MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/jsonl; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
}


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/csv": {}, "application/jsonl": {}, "application/vnd.apache.parquet": {}},
            "description": "The matching listings, streamed.",
        }
    },
)
def export_listings(
    request: Request,
    key: CurrentKey,
    filters: ListingFilterDep,
    format: Annotated[Literal["csv", "jsonl", "parquet"], Query(
        description="`csv` (text), `jsonl` (JSON types, lists) or `parquet` (UTC timestamps, booleans, list columns)."
    )] = "csv",
    bom: Annotated[bool, Query(description="CSV only: start with a UTF-8 byte-order mark so Excel reads Chinese "
                                           "correctly.")] = False,
    max_rows: Annotated[int | None, Query(ge=1, le=100_000_000, description="Stop after this many rows.")] = None,
) -> StreamingResponse:
    """Every listing matching the filters (same as /v1/listings), in id order, streamed."""
    factory = request.app.state.session_factory
    with factory.begin() as session:
        session.add(
            AuditLog(actor=key.name, action="export", target_type="listings",
                     detail={"format": format, "bom": bom, "filters": {k: str(v) for k, v in filters.as_params().items()}})
        )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    rows = _rows(factory, filters, max_rows)
    return StreamingResponse(
        export_chunks(rows, format, bom=bom and format == "csv"),
        media_type=_MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="wildwatch-listings-{stamp}.{format}"'},
    )
