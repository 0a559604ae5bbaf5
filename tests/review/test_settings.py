"""The review UI's cookie secret: a development default that production refuses."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from core.errors import ConfigError
from core.settings import DEV_SECRET_KEY, Settings, get_settings


@pytest.mark.parametrize(
    ("env", "secret", "ok"),
    [("development", DEV_SECRET_KEY, True), ("production", DEV_SECRET_KEY, False), ("production", "", False),
     ("production", "a-private-random-value", True), ("staging", DEV_SECRET_KEY, False)],
)
def test_only_development_accepts_the_default_secret(env: str, secret: str, ok: bool) -> None:
    if ok:
        assert Settings(env=env, secret_key=secret).secret_key == secret
    else:
        with pytest.raises(ValidationError, match="WILDWATCH_SECRET_KEY"):
            Settings(env=env, secret_key=secret)


def test_the_cli_gets_a_config_error_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WILDWATCH_ENV", "production")
    monkeypatch.delenv("WILDWATCH_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigError, match="WILDWATCH_SECRET_KEY"):
            get_settings()
    finally:
        get_settings.cache_clear()
