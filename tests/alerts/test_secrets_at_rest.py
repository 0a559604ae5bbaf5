"""Webhook secrets: given by file or environment (not only on the command line), stored encrypted,
still signing correctly, and surviving a rotation of the secret key.

Before issue 14 they were stored in plain text and `--secret` was the only way in.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from sqlalchemy import select, text, update
from typer.testing import CliRunner

from core.secrets import SecretBox
from core.settings import get_settings
from store.db import session_scope
from store.models import Subscription
from tests.alerts.receiver import Receiver
from tests.alerts.test_delivery import free_port
from tests.fakes import settings_box
from tests.review.factories import add_listing
from wildwatch.alerts import enqueue_alerts, send_due
from wildwatch.cli import app
from wildwatch.config import AlertRule
from wildwatch.runtime import Store

SECRET = "whsec-9f8e7d6c-at-rest"


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout + result.stderr


def _stored(store: Store) -> list[str | None]:
    with store.engine.connect() as conn:
        return list(conn.execute(select(Subscription.secret).order_by(Subscription.id)).scalars())


def _deliver_one(store: Store, receiver: Receiver) -> None:
    with session_scope(store.sessions) as session:
        listing = add_listing(session, title="穿山甲鳞片", score=0.9, species="pangolin")
        assert enqueue_alerts(session, [listing.id]) >= 1


@pytest.mark.parametrize("how", ["file", "env", "flag"])
def test_the_secret_is_stored_encrypted_and_still_signs(store: Store, tmp_path: Path, how: str) -> None:
    receiver = Receiver(SECRET, port=free_port()).start()
    try:
        args, env = ["subscribe", "--webhook", receiver.url, "--allow-private", "--db", store.url], {}
        if how == "file":
            secret_file = tmp_path / "webhook.secret"
            secret_file.write_text(SECRET + "\n")
            args += ["--secret-file", str(secret_file)]
        elif how == "env":
            env = {"WILDWATCH_WEBHOOK_SECRET": SECRET}
        else:
            args += ["--secret", SECRET]
        code, out = run(*args, env=env)
        assert code == 0, out
        (stored,) = _stored(store)
        assert stored and stored.startswith("enc1:") and SECRET not in stored
        with store.engine.connect() as conn:  # nowhere in the database, not even the audit log
            dump = " ".join(str(row) for table in ("subscriptions", "audit_log")
                            for row in conn.execute(text(f"SELECT * FROM {table}")))
        assert SECRET not in dump
        _deliver_one(store, receiver)
        assert send_due(store).sent == 1
    finally:
        receiver.stop()
    assert len(receiver.accepted) == 1 and receiver.bad_signatures == 0  # signed with the plaintext


def test_a_missing_or_empty_secret_file_is_one_clear_error(store: Store, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("\n")
    for path, words in ((tmp_path / "nope", "cannot read the secret file"), (empty, "is empty")):
        result = CliRunner().invoke(app, ["subscribe", "--webhook", "http://127.0.0.1:9/h", "--allow-private", "--secret-file",
                                          str(path), "--db", store.url])
        assert result.exit_code != 0 and not _stored(store)
        assert words in str(result.exception)  # wildwatch.cli.main prints it as one line


def test_rotation_reencrypts_with_the_new_key(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    receiver = Receiver(SECRET, port=free_port()).start()
    try:
        assert run("subscribe", "--webhook", receiver.url, "--allow-private", "--secret", SECRET, "--db", store.url)[0] == 0
        old_key, new_key = get_settings().secret_key, secrets.token_urlsafe(48)
        assert old_key
        (sealed_old,) = _stored(store)
        monkeypatch.setenv("WILDWATCH_SECRET_KEY", new_key)
        get_settings.cache_clear()
        _deliver_one(store, receiver)
        counts = send_due(store)  # the new key alone cannot open it: the delivery fails, saying why
        assert counts.failed == 1 and counts.sent == 0
        monkeypatch.setenv("WILDWATCH_PREVIOUS_SECRET_KEY", old_key)
        get_settings.cache_clear()
        code, out = run("alerts", "rotate-secrets", "--db", store.url)
        assert code == 0 and "re-encrypted 1" in out, out
        monkeypatch.delenv("WILDWATCH_PREVIOUS_SECRET_KEY")
        get_settings.cache_clear()
        (sealed_new,) = _stored(store)
        assert sealed_new != sealed_old and SecretBox(new_key).open(sealed_new or "") == SECRET
        code, out = run("alerts", "retry", "--db", store.url)
        assert code == 0 and "1 deliveries sent in 1 messages, 0 failed" in out, out
    finally:
        receiver.stop()
        get_settings.cache_clear()
    assert receiver.bad_signatures == 0 and len(receiver.accepted) == 1


def test_init_encrypts_secrets_stored_in_plain_text_by_older_versions(store: Store) -> None:
    assert run("subscribe", "--webhook", "http://127.0.0.1:9/h", "--allow-private", "--secret", SECRET, "--db", store.url)[0] == 0
    with session_scope(store.sessions) as session:  # what an older version left behind
        session.execute(update(Subscription).values(secret=SECRET))
    code, out = run("init", "--db", store.url)
    assert code == 0 and "encrypted 1 webhook secret" in out, out
    (stored,) = _stored(store)
    assert stored and stored.startswith("enc1:") and settings_box().open(stored) == SECRET


def test_operations_file_rules_take_the_secret_from_a_file_or_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret_file = tmp_path / "ngo.secret"
    secret_file.write_text(SECRET + "\n")
    monkeypatch.setenv("NGO_WEBHOOK_SECRET", SECRET)
    base = {"name": "ngo", "channel": "webhook", "target": "https://ngo.example/hook"}
    for extra in ({"secret_file": str(secret_file)}, {"secret_env": "NGO_WEBHOOK_SECRET"}):
        rule = AlertRule.model_validate(base | extra)
        assert rule.secret == SECRET and rule.model_dump().keys() == AlertRule.model_validate(
            base | {"secret": "x"}).model_dump().keys()
    for bad in ({"secret_env": "NO_SUCH_VARIABLE_SET"}, {"secret_file": str(tmp_path / "missing")},
                {"secret": "a", "secret_env": "NGO_WEBHOOK_SECRET"}):
        with pytest.raises(ValueError):
            AlertRule.model_validate(base | bad)
