"""Review-UI sessions: a signed, HttpOnly, SameSite=Strict cookie naming the API key, plus a CSRF token.

The cookie holds the key's id (never the key); every request re-checks that the key is still
active and has the moderator role, so revoking a key ends its sessions at once.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from store.apikeys import role_allows
from store.models import ApiKey

__all__ = [
    "LOGIN_COOKIE",
    "SESSION_COOKIE",
    "ReviewUser",
    "csrf_ok",
    "current_user",
    "end_session",
    "login_token",
    "login_token_ok",
    "same_origin",
    "serializer",
    "set_login_cookie",
    "start_session",
]

SESSION_COOKIE = "ww_review"
LOGIN_COOKIE = "ww_login"
SESSION_MAX_AGE = 12 * 3600
COOKIE_PATH = "/review"


@dataclass(frozen=True, slots=True)
class ReviewUser:
    """The signed-in moderator: the key's id, name and role, and the session's CSRF token."""

    key_id: int
    name: str
    role: str
    csrf: str


def serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.settings.secret_key, salt="wildwatch-review-session")


def _secure(request: Request) -> bool:
    return request.app.state.settings.env != "development"


def _set(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, path=COOKIE_PATH, httponly=True, samesite="strict",
                        secure=_secure(request))


def _load(request: Request, name: str, max_age: int) -> dict[str, Any] | None:
    raw = request.cookies.get(name)
    if not raw:
        return None
    try:
        data = serializer(request).loads(raw, max_age=max_age)
    except BadSignature:
        return None
    return data if isinstance(data, dict) else None


def current_user(request: Request, session: Session) -> ReviewUser | None:
    """The moderator behind the session cookie, or None (no cookie, tampered, expired, key revoked)."""
    data = _load(request, SESSION_COOKIE, SESSION_MAX_AGE)
    if data is None or not isinstance(data.get("k"), int) or not isinstance(data.get("c"), str):
        return None
    key = session.get(ApiKey, data["k"])
    if key is None or key.revoked_at is not None or not role_allows(key.role, "moderator"):
        return None
    return ReviewUser(key.id, key.name, key.role, data["c"])


def start_session(request: Request, response: Response, key: ApiKey) -> None:
    """Sign the moderator in: a fresh session cookie with a fresh CSRF token."""
    token = serializer(request).dumps({"k": key.id, "c": secrets.token_urlsafe(24)})
    _set(response, request, SESSION_COOKIE, token, SESSION_MAX_AGE)
    response.delete_cookie(LOGIN_COOKIE, path=COOKIE_PATH)


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH)


def login_token(request: Request) -> str:
    """The login form's CSRF token (double submit: signed cookie + hidden field); see set_login_cookie."""
    data = _load(request, LOGIN_COOKIE, 3600)
    return data["c"] if data and isinstance(data.get("c"), str) else secrets.token_urlsafe(24)


def set_login_cookie(request: Request, response: Response, token: str) -> None:
    _set(response, request, LOGIN_COOKIE, serializer(request).dumps({"c": token}), 3600)


def login_token_ok(request: Request, submitted: str) -> bool:
    data = _load(request, LOGIN_COOKIE, 3600)
    return bool(data and isinstance(data.get("c"), str) and submitted and hmac.compare_digest(data["c"], submitted))


def csrf_ok(user: ReviewUser, submitted: str) -> bool:
    """True when the form carries this session's CSRF token."""
    return bool(submitted) and hmac.compare_digest(user.csrf, submitted)


def same_origin(request: Request) -> bool:
    """Reject cross-site form posts early: an Origin header, when sent, must be this host."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1] == host
