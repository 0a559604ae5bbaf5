"""Review sessions: no known secret signs one, and logout or revocation ends them at once.

Each test here failed before issue 14: the cookie was signed with the public
`dev-only-insecure-secret-key`, logout only deleted the browser's copy of the cookie, and an
`(id, csrf)` pair signed by anyone who knew that key was a moderator session.
"""

from __future__ import annotations

import ast
import functools
import io
import re
import stat
import tokenize
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select

from api.app import create_app
from core.secrets import SECRET_FILE
from core.settings import Settings
from store.apikeys import revoke_api_key
from store.db import make_session_factory, session_scope
from store.models import ApiKey, Review
from tests.faults.tally import note
from tests.fakes import FakeModel
from tests.review.conftest import csrf_of, login
from tests.security.conftest import SecureWorld

ROOT = Path(__file__).resolve().parents[2]
SALT = "wildwatch-review-session"
TEXT_SUFFIXES = {".md", ".yaml", ".yml", ".toml", ".cfg", ".ini", ".txt", ".env", ".sh", ".example"}


@functools.cache
def repository_strings() -> frozenset[str]:
    """Every string literal in the repository's Python files and every quoted token in its text files."""
    found: set[str] = set()
    for path in ROOT.rglob("*"):
        if any(part in {".venv", ".git", "node_modules", "var", "__pycache__"} for part in path.parts):
            continue
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        if path.suffix == ".py":
            source = path.read_text(encoding="utf-8", errors="replace")
            try:
                for token in tokenize.generate_tokens(io.StringIO(source).readline):
                    if token.type == tokenize.STRING:
                        try:
                            value = ast.literal_eval(token.string)
                        except (ValueError, SyntaxError):
                            continue
                        if isinstance(value, str):
                            found.add(value)
            except (tokenize.TokenError, SyntaxError):
                continue
        elif path.suffix in TEXT_SUFFIXES or path.name in {"Makefile", ".env"}:
            text = path.read_text(encoding="utf-8", errors="replace")
            found.update(re.findall(r"[\"'`]([^\"'`\n]{1,200})[\"'`]", text))
            found.update(re.findall(r"(?:SECRET|KEY|secret|key)\w*\s*[=:]\s*\"?([^\s\"']{1,200})", text))
    return frozenset(value for value in found if value.strip() and _encodable(value))


def _encodable(value: str) -> bool:
    """Only UTF-8 text can be a key (an environment variable or a file); lone surrogates cannot."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _forge(secret: str, key_id: int, version: int = 0) -> list[str]:
    """Cookies a forger would try: the old shape (id, csrf) and the new one (id, version, csrf)."""
    signer = URLSafeTimedSerializer(secret, salt=SALT)
    return [signer.dumps({"k": key_id, "c": "forged"}), signer.dumps({"k": key_id, "v": version, "c": "forged"})]


@pytest.fixture
def dev_world(any_world: SecureWorld, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[SecureWorld]:
    """The security world served in development mode with no WILDWATCH_SECRET_KEY (the default install)."""
    monkeypatch.delenv("WILDWATCH_SECRET_KEY", raising=False)
    settings = Settings(database_url=any_world.engine.url.render_as_string(hide_password=False),
                        var_dir=tmp_path / "var", env="development")
    settings.api.rate_limit_per_minute = 0
    app = create_app(settings, engine=any_world.engine, model=FakeModel())
    with TestClient(app, base_url="http://testserver") as client:
        any_world.client = client
        yield any_world


def _key_id(world: SecureWorld, name: str) -> int:
    with world.engine.connect() as conn:
        return conn.execute(select(ApiKey.id).where(ApiKey.name == name)).scalar_one()


def test_a_cookie_signed_with_any_secret_in_the_repository_is_refused(dev_world: SecureWorld) -> None:
    admin_id = _key_id(dev_world, "sec admin")
    candidates = repository_strings()
    assert "dev-only-insecure-secret-key" in candidates  # the scan sees the old default (tests, docs)
    app_signer = URLSafeTimedSerializer(dev_world.client.app.state.session_secret, salt=SALT)  # type: ignore[attr-defined]
    for secret in candidates:
        for cookie in _forge(secret, admin_id):
            with pytest.raises(BadSignature):
                app_signer.loads(cookie)
    note("security/repository_secrets_tried", len(candidates))
    # Through the real app, for the ones a forger would try first: the page answers with the login.
    likely = [s for s in candidates if re.search(r"secret|insecure|change|dev-only", s, re.I) and len(s) < 80]
    for secret in ["dev-only-insecure-secret-key", *sorted(likely)[:40]]:
        for cookie in _forge(secret, admin_id):
            dev_world.client.cookies.set("ww_review", cookie, path="/review")
            response = dev_world.client.get("/review", follow_redirects=False)
            assert response.status_code == 303 and response.headers["location"] == "/review/login", secret
    dev_world.client.cookies.clear()


def test_a_forged_session_cannot_store_a_review(dev_world: SecureWorld) -> None:
    admin_id = _key_id(dev_world, "sec admin")
    for cookie in _forge("dev-only-insecure-secret-key", admin_id):
        dev_world.client.cookies.set("ww_review", cookie, path="/review")
        response = dev_world.client.post(
            f"/review/listings/{dev_world.listing_ids[0]}/decision", follow_redirects=False,
            data={"decision": "confirmed", "reason": "other", "csrf": "forged"},
        )
        assert response.status_code == 303 and response.headers["location"] == "/review/login"
    with dev_world.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Review)).scalar_one() == 0


def test_development_generates_a_private_secret_per_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            world: SecureWorld) -> None:
    monkeypatch.delenv("WILDWATCH_SECRET_KEY", raising=False)

    def app_for(var_dir: Path) -> TestClient:
        settings = Settings(database_url=world.engine.url.render_as_string(), var_dir=var_dir)
        return TestClient(create_app(settings, engine=world.engine, model=FakeModel()), base_url="http://testserver")

    with app_for(tmp_path / "one") as first:
        login(first, world.keys["moderator"])
        cookie = first.cookies.get("ww_review")
    path = tmp_path / "one" / SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_text().strip()) >= 48
    with app_for(tmp_path / "one") as restarted:  # the same install after a restart: the session holds
        restarted.cookies.set("ww_review", cookie or "", path="/review")
        assert restarted.get("/review", follow_redirects=False).status_code == 200
    with app_for(tmp_path / "two") as other:  # another install cannot read this one's cookies
        other.cookies.set("ww_review", cookie or "", path="/review")
        assert other.get("/review", follow_redirects=False).status_code == 303
    assert (tmp_path / "two" / SECRET_FILE).read_text() != path.read_text()


def test_logout_ends_the_session_at_once(any_world: SecureWorld) -> None:
    client = any_world.client
    login(client, any_world.keys["moderator"])
    old = client.cookies.get("ww_review")
    assert old
    page = client.get("/review")
    response = client.post("/review/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert response.status_code == 303
    client.cookies.clear()
    client.cookies.set("ww_review", old, path="/review")  # a copy of the cookie kept by an attacker
    assert client.get("/review", follow_redirects=False).status_code == 303
    response = client.post(f"/review/listings/{any_world.listing_ids[0]}/decision", follow_redirects=False,
                           data={"decision": "confirmed", "reason": "other", "csrf": csrf_of(page.text)})
    assert response.status_code == 303 and response.headers["location"] == "/review/login"
    client.cookies.clear()
    login(client, any_world.keys["moderator"])  # signing in again works
    assert client.get("/review", follow_redirects=False).status_code == 200


def test_logout_ends_the_keys_other_sessions_too(any_world: SecureWorld) -> None:
    client = any_world.client
    login(client, any_world.keys["moderator"])
    phone = client.cookies.get("ww_review")
    client.cookies.clear()
    login(client, any_world.keys["moderator"])
    page = client.get("/review")
    client.post("/review/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    client.cookies.clear()
    client.cookies.set("ww_review", phone or "", path="/review")
    assert client.get("/review", follow_redirects=False).status_code == 303


def test_revoking_the_key_ends_its_sessions_at_once(any_world: SecureWorld) -> None:
    client = any_world.client
    login(client, any_world.keys["moderator"])
    assert client.get("/review", follow_redirects=False).status_code == 200
    with session_scope(make_session_factory(any_world.engine)) as session:
        assert revoke_api_key(session, _key_id(any_world, "sec moderator"))
    assert client.get("/review", follow_redirects=False).status_code == 303
