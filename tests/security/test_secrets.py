"""Secrets come from the environment or settings only, and never reach a log line or an error message."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import select

from store.alerts import SubscriptionIn, create_subscription
from store.db import make_session_factory, session_scope
from store.errors import StoreError
from store.models import ApiKey
from tests.faults.tally import note
from tests.faults.world import free_port
from tests.security.conftest import SecureWorld
from wildwatch.alerts import send_due
from wildwatch.runtime import Store, open_store
from core.settings import Settings
from tests.fakes import settings_box

WEBHOOK_SECRET = "whsec-do-not-log-4f1c"
DB_PASSWORD = "pg-do-not-log-9a7e"


def _all_text(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in caplog.records)


def test_production_needs_a_strong_secret_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WILDWATCH_SECRET_KEY", raising=False)
    with pytest.raises(ValueError, match="WILDWATCH_SECRET_KEY"):
        Settings(env="production")
    monkeypatch.setenv("WILDWATCH_SECRET_KEY", "from-the-environment-0123456789")  # 30 characters
    with pytest.raises(ValueError, match="too short"):
        Settings(env="production")
    monkeypatch.setenv("WILDWATCH_SECRET_KEY", "from-the-environment-Qx7-k2Pz9-mW4t-Lr8n")
    assert Settings(env="production").secret_key == "from-the-environment-Qx7-k2Pz9-mW4t-Lr8n"


def test_api_keys_are_never_logged_or_returned(world: SecureWorld, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for role, key in world.keys.items():
        world.client.get("/v1/listings", headers=world.headers(role))
        world.client.get("/v1/keys", headers={"X-API-Key": key})
    world.client.get("/v1/listings", headers={"Authorization": "Bearer ww_wrong_key_do_not_log"})
    created = world.client.post("/v1/keys", json={"role": "analyst", "name": "new"}, headers=world.headers("admin"))
    assert created.status_code == 201
    new_key = created.json()["key"]
    page = world.client.get("/review/login")
    token = page.text.split('name="csrf" value="')[1].split('"')[0]
    world.client.post("/review/login", data={"api_key": "ww_wrong_login_do_not_log", "csrf": token})
    listed = world.client.get("/v1/keys", headers=world.headers("admin")).text
    logged = _all_text(caplog)
    for secret in [*world.keys.values(), new_key, "ww_wrong_key_do_not_log", "ww_wrong_login_do_not_log"]:
        note("security/secrets_checked")
        assert secret not in logged
        assert secret not in listed
    with world.engine.connect() as conn:
        hashes = list(conn.execute(select(ApiKey.key_hash)).scalars())
    assert not set(hashes) & {*world.keys.values(), new_key}  # stored hashed only


def test_webhook_secret_is_not_logged_when_delivery_fails(world: SecureWorld, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    sessions = make_session_factory(world.engine)
    with session_scope(sessions) as session:
        create_subscription(session, SubscriptionIn(channel="webhook", secret=WEBHOOK_SECRET,
                                                    target=f"http://127.0.0.1:{free_port()}/hook"), box=settings_box())
        from wildwatch.alerts import enqueue_alerts

        assert enqueue_alerts(session, world.listing_ids) > 0
    store = Store(world.engine.url.render_as_string(hide_password=False))
    counts = send_due(store, timeout=2)
    store.close()
    assert counts.failed > 0
    note("security/secrets_checked")
    assert WEBHOOK_SECRET not in _all_text(caplog)


def test_database_password_is_not_in_errors_or_logs(caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    caplog.set_level(logging.DEBUG)
    url = f"postgresql+psycopg://wildwatch:{DB_PASSWORD}@127.0.0.1:{free_port()}/nowhere?connect_timeout=2"
    with pytest.raises(StoreError) as raised:
        open_store(url, settings=Settings(database_url=url, var_dir=tmp_path))
    note("security/secrets_checked")
    assert DB_PASSWORD not in str(raised.value)
    assert DB_PASSWORD not in _all_text(caplog)
