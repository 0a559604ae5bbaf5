"""Every error the API returns is JSON: ``{"error": {"code": ..., "message": ...}}``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from store.errors import NotFound
from core.errors import InputError, WildwatchError

logger = logging.getLogger(__name__)

__all__ = [
    "ApiError",
    "ErrorOut",
    "ERROR_RESPONSES",
    "NOT_FOUND",
    "api_error_response",
    "error_response",
    "install_error_handlers",
]


class ApiError(Exception):
    """An error with an HTTP status, raised by handlers and dependencies."""

    def __init__(self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


def _body(code: str, message: str, **extra: object) -> dict[str, object]:
    return {"error": {"code": code, "message": message, **extra}}


def _error_schema() -> dict[str, object]:
    return {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            }
        },
    }


ErrorOut = _error_schema()

#: OpenAPI ``responses`` for the errors every authenticated endpoint may return.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": description, "content": {"application/json": {"schema": ErrorOut}}}
    for status, description in (
        (401, "No API key, or an invalid or revoked one."),
        (403, "The key's role may not do this."),
        (422, "Invalid parameters."),
        (429, "Too many requests for this key (see Retry-After)."),
    )
}


def error_response(description: str) -> dict[str, Any]:
    """An OpenAPI response entry for a JSON error."""
    return {"description": description, "content": {"application/json": {"schema": ErrorOut}}}


NOT_FOUND: dict[int | str, dict[str, Any]] = {404: error_response("No such object.")}


def api_error_response(exc: ApiError) -> JSONResponse:
    """The JSON response for ``exc`` (also sent by the request guard, outside the handlers)."""
    headers = dict(exc.headers or {})
    if exc.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(_body(exc.code, exc.message), status_code=exc.status, headers=headers or None)


def install_error_handlers(app: FastAPI) -> None:
    """Turn domain errors, HTTP errors and validation errors into one JSON shape."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return api_error_response(exc)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse(_body("not_found", str(exc)), status_code=404)

    @app.exception_handler(InputError)
    async def _input(request: Request, exc: InputError) -> JSONResponse:
        return JSONResponse(_body("invalid_request", str(exc)), status_code=422)

    @app.exception_handler(WildwatchError)
    async def _domain(request: Request, exc: WildwatchError) -> JSONResponse:
        logger.error("%s on %s: %s", type(exc).__name__, request.url.path, exc)
        return JSONResponse(_body(type(exc).__name__, str(exc)), status_code=503)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"loc": [str(part) for part in err.get("loc", ())], "msg": str(err.get("msg", ""))}
            for err in exc.errors()
        ]
        return JSONResponse(_body("invalid_request", "invalid parameters", details=details), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(_body(f"http_{exc.status_code}", str(exc.detail)), status_code=exc.status_code)

    @app.exception_handler(OperationalError)
    async def _database_down(request: Request, exc: OperationalError) -> JSONResponse:
        # The database went away (restart, failover, network): a retryable 503, not a 500.
        logger.error("database unavailable on %s: %s", request.url.path, type(exc.orig).__name__)
        return JSONResponse(_body("database_unavailable", "the database is unavailable; retry shortly"),
                            status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s", request.url.path)
        return JSONResponse(_body("internal_error", "internal server error"), status_code=500)
