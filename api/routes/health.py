"""Readiness: 200 only when the database answers (and, for SQLite, its file is there and writable)
and a model is loaded."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.schemas import HealthOut
from store.db import file_problem, ping, sqlite_file

router = APIRouter()


@router.get(
    "/healthz",
    response_model=HealthOut,
    tags=["ops"],
    responses={503: {"model": HealthOut, "description": "Database unreachable, gone or read-only, or no model."}},
)
def get_health(request: Request) -> JSONResponse:
    """Open to all (no key): load balancers and `make run` poll it."""
    engine = request.app.state.engine
    path = sqlite_file(engine)
    problem = file_problem(path) if path is not None else None
    database = problem is None and ping(engine)
    holder = request.app.state.model_holder
    model = holder.get()
    ok = database and model is not None
    detail = problem or (None if database else "database unreachable") or (
        None if model is not None else holder.error or "no classifier model is loaded")
    body = HealthOut(
        status="ok" if ok else "unavailable",
        database=database,
        model=None if model is None else model.version,
        detail=None if ok else detail,
    )
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)
