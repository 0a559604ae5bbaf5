"""Review-UI sessions: a signed, HttpOnly, SameSite=Strict cookie naming the API key, plus a CSRF token.

The cookie holds the key's id and session version (never the key), signed with the install's
secret key (``core.secrets``: never a value printed anywhere).  Every request re-checks that
the key is still active, has the moderator role and has the same session version, so logout
and revocation (both bump the version) end the key's sessions at once.

Pages take the signed-in moderator as ``ReviewerDep``; without a session they redirect to the
login page (``LoginRequired``), and the request guard does the same check before a form body
is read.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from api.deps import SessionDep
from store.apikeys import end_sessions, role_allows
from store.models import ApiKey

__all__ = [
    "LOGIN_COOKIE",
    "REPORTS_COOKIE",
    "SESSION_COOKIE",
    "LoginRequired",
    "ReviewUser",
    "ReviewerDep",
    "csrf_ok",
    "current_user",
    "end_session",
    "get_reviewer",
    "login_required_handler",
    "to_login",
    "login_token",
    "login_token_ok",
    "safe_next",
    "same_origin",
    "session_user",
    "serializer",
    "set_login_cookie",
    "start_session",
]

SESSION_COOKIE = "ww_review"
LOGIN_COOKIE = "ww_login"
SESSION_MAX_AGE = 12 * 3600
COOKIE_PATH = "/review"
#: A copy of the session cookie scoped to the nightly reports, so a signed-in reader opens them in the browser.
REPORTS_COOKIE = "ww_reports"
REPORTS_PATH = "/reports"


@dataclass(frozen=True, slots=True)
class ReviewUser:
    """The signed-in moderator: the key's id, name and role, and the session's CSRF token."""

    key_id: int
    name: str
    role: str
    csrf: str


def serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.session_secret, salt="wildwatch-review-session")


def _secure(request: Request) -> bool:
    return request.app.state.settings.env != "development"


def _set(response: Response, request: Request, name: str, value: str, max_age: int, path: str = COOKIE_PATH) -> None:
    response.set_cookie(name, value, max_age=max_age, path=path, httponly=True, samesite="strict",
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


def current_user(request: Request, session: Session, role: str = "moderator") -> ReviewUser | None:
    """The user behind the session cookie if the key has ``role``, or None (no cookie, tampered, expired,
    logged out, revoked, a lesser role)."""
    data = _load(request, SESSION_COOKIE, SESSION_MAX_AGE) or _load(request, REPORTS_COOKIE, SESSION_MAX_AGE)
    if data is None or not all(isinstance(data.get(field), kind) for field, kind in (("k", int), ("v", int),
                                                                                      ("c", str))):
        return None
    if not 1 <= data["k"] < 2**63:
        return None
    key = session.get(ApiKey, data["k"])
    if key is None or key.revoked_at is not None or not role_allows(key.role, role):
        return None
    if key.session_version != data["v"]:
        return None
    return ReviewUser(key.id, key.name, key.role, data["c"])


def start_session(request: Request, response: Response, key: ApiKey) -> None:
    """Sign a moderator or analyst in: a fresh session cookie with a fresh CSRF token."""
    token = serializer(request).dumps({"k": key.id, "v": key.session_version, "c": secrets.token_urlsafe(24)})
    _set(response, request, SESSION_COOKIE, token, SESSION_MAX_AGE)
    _set(response, request, REPORTS_COOKIE, token, SESSION_MAX_AGE, REPORTS_PATH)
    response.delete_cookie(LOGIN_COOKIE, path=COOKIE_PATH)


def end_session(response: Response, session: Session, user: ReviewUser) -> None:
    """Log out: every cookie of this key stops working now (not in 12 hours), and this one is deleted."""
    end_sessions(session, user.key_id)
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH)
    response.delete_cookie(REPORTS_COOKIE, path=REPORTS_PATH)


class LoginRequired(Exception):
    """No valid session: the page answers with a redirect to the login form (then back to ``next``)."""

    def __init__(self, next_path: str | None = None) -> None:
        super().__init__(next_path)
        self.next_path = next_path


#: Where the login form may send a user back to (never another site).
NEXT_PREFIXES = ("/review", "/reports/")


def safe_next(value: str | None) -> str | None:
    """``value`` if it is a local review or report path, else None (no open redirect)."""
    if value and value.startswith(NEXT_PREFIXES) and "//" not in value and "\\" not in value:
        return value
    return None


def to_login(next_path: str | None = None) -> RedirectResponse:
    """The redirect to the login page."""
    target = safe_next(next_path)
    return RedirectResponse("/review/login" + (f"?{urlencode({'next': target})}" if target else ""), status_code=303)


async def login_required_handler(request: Request, exc: Exception) -> RedirectResponse:
    """The app's handler for LoginRequired: a page without a session sends the browser to log in."""
    return to_login(exc.next_path if isinstance(exc, LoginRequired) else None)


def _user_in_own_session(request: Request, role: str = "moderator") -> ReviewUser | None:
    with request.app.state.session_factory() as session:
        return current_user(request, session, role)


async def session_user(request: Request, role: str) -> ReviewUser | None:
    """The signed-in user with ``role`` from an async dependency (the lookup runs in the threadpool)."""
    return await run_in_threadpool(_user_in_own_session, request, role)


async def _admit(request: Request) -> Response | None:
    """The request guard's check before a form body is read: a session, or the login page."""
    user = await session_user(request, "moderator")
    if user is None:
        return to_login()
    request.state.reviewer = user
    return None


def get_reviewer(request: Request, session: SessionDep) -> ReviewUser:
    """The signed-in moderator (sync: it reads the database, so FastAPI runs it in the threadpool)."""
    user: ReviewUser | None = getattr(request.state, "reviewer", None) or current_user(request, session)
    if user is None:
        raise LoginRequired
    return user


get_reviewer.admit = _admit  # type: ignore[attr-defined]

#: A page that needs a signed-in moderator takes ``user: ReviewerDep``.
ReviewerDep = Annotated[ReviewUser, Depends(get_reviewer)]


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
