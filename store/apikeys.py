"""API keys: generated once, stored only as a SHA-256 hash, looked up by prefix."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store.models import ApiKey, AuditLog, utcnow

__all__ = [
    "ROLES",
    "role_allows",
    "create_api_key",
    "authenticate",
    "end_sessions",
    "revoke_api_key",
    "list_api_keys",
]

#: Roles in increasing power; a role may do everything the ones before it may.
ROLES = ("analyst", "moderator", "admin")
KEY_PREFIX = "ww_"


def role_allows(role: str, required: str) -> bool:
    """True when ``role`` is at least as powerful as ``required``."""
    return ROLES.index(role) >= ROLES.index(required)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def create_api_key(session: Session, *, role: str, name: str, actor: str = "cli") -> tuple[ApiKey, str]:
    """A new key: returns the row and the plaintext key (shown once, never stored)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(name=name, role=role, prefix=key[:12], key_hash=_hash(key))
    session.add(row)
    session.flush()
    session.add(AuditLog(actor=actor, action="apikey.create", target_type="api_key", target_id=str(row.id),
                         detail={"role": role, "name": name}))
    return row, key


def authenticate(session: Session, key: str) -> ApiKey | None:
    """The active key row matching ``key``, or None (constant-time hash comparison)."""
    if not key or len(key) > 200:
        return None
    digest = _hash(key)
    for row in session.scalars(select(ApiKey).where(ApiKey.prefix == key[:12], ApiKey.revoked_at.is_(None))):
        if hmac.compare_digest(row.key_hash, digest):
            row.last_used_at = utcnow()
            return row
    return None


def revoke_api_key(session: Session, key_id: int, *, actor: str = "cli") -> bool:
    """Revoke a key; False when there is no such active key."""
    row = session.get(ApiKey, key_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    row.session_version += 1
    session.add(AuditLog(actor=actor, action="apikey.revoke", target_type="api_key", target_id=str(key_id)))
    return True


def end_sessions(session: Session, key_id: int) -> None:
    """End every review-UI session signed in with this key (logout): cookies carry the old version."""
    session.execute(update(ApiKey).where(ApiKey.id == key_id).values(session_version=ApiKey.session_version + 1))


def list_api_keys(session: Session) -> list[ApiKey]:
    """All keys, newest first (hashes only)."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id.desc())))
