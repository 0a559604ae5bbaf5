"""FastAPI dependencies: database session, classifier model, and role-checked API keys."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from api.errors import ApiError
from store.apikeys import authenticate, role_allows
from store.models import ApiKey
from wildwatch.settings import Settings

__all__ = ["get_db", "SessionDep", "SettingsDep", "ModelDep", "require_role", "CurrentKey", "api_key_from_request"]


def get_db(request: Request) -> Iterator[Session]:
    """One session per request, committed when the handler succeeds."""
    session = request.app.state.session_factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_model(request: Request) -> Any:
    """The loaded classifier model (503 when none could be loaded)."""
    model = request.app.state.model_holder.get()
    if model is None:
        raise ApiError(503, "model_unavailable", "no classifier model is loaded")
    return model


SessionDep = Annotated[Session, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
ModelDep = Annotated[Any, Depends(get_model)]


def api_key_from_request(request: Request) -> str | None:
    """The key from ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.headers.get("x-api-key") or None


def require_role(role: str) -> Callable[..., ApiKey]:
    """A dependency that admits keys of ``role`` or a more powerful one (401/403 otherwise)."""

    def dependency(request: Request, session: SessionDep) -> ApiKey:
        key = api_key_from_request(request)
        if key is None:
            raise ApiError(401, "unauthenticated", "an API key is required (Authorization: Bearer <key>)")
        row = authenticate(session, key)
        if row is None:
            raise ApiError(401, "unauthenticated", "invalid or revoked API key")
        if not role_allows(row.role, role):
            raise ApiError(403, "forbidden", f"this needs the {role} role; your key has {row.role}")
        request.state.api_key = row
        return row

    return dependency


CurrentKey = Annotated[ApiKey, Depends(require_role("analyst"))]
