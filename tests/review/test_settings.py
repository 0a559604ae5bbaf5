"""The secret key: none needed in development (a per-install one is made), a strong one required elsewhere."""

from __future__ import annotations

import random
import string

import pytest
from pydantic import ValidationError

from core.errors import ConfigError
from core.settings import Settings, get_settings

# Random-looking but the same in every process: pytest-xdist workers must collect the same test ids.
_RNG = random.Random(20261206)
STRONG = "".join(_RNG.choice(string.ascii_letters + string.digits + "-_") for _ in range(64))
HEX = "".join(_RNG.choice("0123456789abcdef") for _ in range(32))


@pytest.mark.parametrize(
    ("env", "secret", "ok"),
    [
        ("development", None, True),
        ("development", "short-but-fine-on-a-laptop", True),
        ("development", "dev-only-insecure-secret-key", False),  # the value older versions shipped
        ("production", None, False),
        ("production", "dev-only-insecure-secret-key", False),
        ("production", "", False),
        ("production", " ", False),
        ("production", "a", False),
        ("production", "a-private-random-value", False),  # 22 characters
        ("production", "x" * 64, False),
        ("production", "abcd" * 16, False),
        ("production", "0123456789abcdef" * 2, False),
        ("production", HEX, True),
        ("production", STRONG, True),
        ("staging", None, False),
        ("staging", STRONG, True),
    ],
)
def test_secret_key_rules(env: str, secret: str | None, ok: bool) -> None:
    if ok:
        assert Settings(env=env, secret_key=secret).secret_key == secret
    else:
        with pytest.raises(ValidationError, match="WILDWATCH_SECRET_KEY"):
            Settings(env=env, secret_key=secret)


@pytest.mark.parametrize("secret", [None, "a-rejected-but-private-value-29"])
def test_the_cli_gets_one_line_that_never_shows_the_key(monkeypatch: pytest.MonkeyPatch, secret: str | None) -> None:
    monkeypatch.setenv("WILDWATCH_ENV", "production")
    if secret is None:
        monkeypatch.delenv("WILDWATCH_SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("WILDWATCH_SECRET_KEY", secret)
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigError, match="WILDWATCH_SECRET_KEY") as raised:
            get_settings()
    finally:
        get_settings.cache_clear()
    message = str(raised.value)
    assert "\n" not in message and (secret is None or secret not in message)
