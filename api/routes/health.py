"""Readiness: 200 only when the database answers and a model is loaded."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.schemas import HealthOut
from store.db import ping

router = APIRouter()


@router.get(
    "/healthz",
    response_model=HealthOut,
    tags=["ops"],
    responses={503: {"model": HealthOut, "description": "Database unreachable or no model loaded."}},
)
def get_health(request: Request) -> JSONResponse:
    """Open to all (no key): load balancers and `make run` poll it."""
    database = ping(request.app.state.engine)
    holder = request.app.state.model_holder
    model = holder.get()
    ok = database and model is not None
    body = HealthOut(
        status="ok" if ok else "unavailable",
        database=database,
        model=None if model is None else model.version,
        detail=None if ok else (holder.error or "database unreachable"),
    )
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)
