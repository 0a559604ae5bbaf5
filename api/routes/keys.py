"""Admin: API keys over HTTP (the CLI `wildwatch apikey` does the same locally)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from api.deps import AdminKey, SessionDep
from api.errors import ERROR_RESPONSES, NOT_FOUND
from api.routes.filters import MAX_ID
from api.schemas import KeyCreatedOut, KeyIn, KeyOut
from store.apikeys import create_api_key, list_api_keys, revoke_api_key
from store.errors import NotFound
from store.models import ApiKey

router = APIRouter(prefix="/v1", tags=["admin"], responses=ERROR_RESPONSES)


def key_out(row: ApiKey) -> KeyOut:
    return KeyOut(
        id=row.id, name=row.name, role=row.role, prefix=row.prefix, created_at=row.created_at,
        last_used_at=row.last_used_at, revoked_at=row.revoked_at,
    )


@router.get("/keys", response_model=list[KeyOut])
def get_keys(session: SessionDep, key: AdminKey) -> list[KeyOut]:
    """Every key (never the key itself: only its prefix)."""
    return [key_out(row) for row in list_api_keys(session)]


@router.post("/keys", response_model=KeyCreatedOut, status_code=201)
def post_key(body: KeyIn, session: SessionDep, key: AdminKey) -> KeyCreatedOut:
    """A new key; the response is the only time it is shown."""
    row, plaintext = create_api_key(session, role=body.role, name=body.name, actor=f"api:{key.name}")
    session.flush()
    return KeyCreatedOut(**key_out(row).model_dump(), key=plaintext)


@router.delete("/keys/{key_id}", status_code=204, responses=NOT_FOUND)
def delete_key(
    key_id: Annotated[int, Path(ge=1, le=MAX_ID)], request: Request, session: SessionDep, key: AdminKey
) -> None:
    """Revoke a key (effective on every worker within the key cache time, default 10 s)."""
    if not revoke_api_key(session, key_id, actor=f"api:{key.name}"):
        raise NotFound(f"no active key {key_id}")
    request.app.state.key_cache.clear()
