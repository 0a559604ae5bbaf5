"""The operations file: validated on load with errors that name the field; documented fully."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from wildwatch.config import OpsConfig, load_config, parse_config
from core.errors import ConfigError
from core.settings import PROJECT_ROOT

SITE = {"name": "demo", "url": "http://127.0.0.1:8088/"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"sites": [{"name": "x", "url": "ftp://h/"}]}, "sites.0.url: not an http(s) URL"),
        ({"sites": [SITE, SITE]}, "duplicate site name(s): demo"),
        ({"sites": [SITE | {"budjet_minutes": 3}]}, "sites.0.budjet_minutes: unknown key"),
        ({"schedule": {"nightly": "every night"}}, "schedule.nightly: expected 5 crontab fields"),
        ({"schedule": {"nightly": "61 2 * * *"}}, "schedule.nightly: invalid crontab line"),
        ({"schedule": {"timezone": "Mars/Olympus"}}, "schedule.timezone: unknown time zone"),
        ({"nightly": {"run_budget_minutes": 0}}, "nightly.run_budget_minutes: Input should be greater than 0"),
        ({"alerts": {"rules": [{"name": "a", "channel": "sms", "target": "x"}]}}, "alerts.rules.0.channel"),
        ({"alerts": {"rules": [{"name": "a", "channel": "webhook", "target": "not a url"}]}}, "not an http(s) URL"),
        ({"alerts": {"rules": [{"name": "a", "channel": "webhook", "target": "https://h/"}]}}, "needs a secret"),
        ({"retention": {"snapshots_days": -1}}, "retention.snapshots_days"),
        (["a list"], "the top level must be a mapping"),
    ],
)
def test_invalid_configs_name_the_field(data: object, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(data, source="ops.yaml")
    assert message in str(info.value) and "ops.yaml" in str(info.value)


def test_missing_file_means_defaults_and_profiles_resolve_beside_the_file(tmp_path: Path) -> None:
    assert load_config(tmp_path / "absent.yaml") == OpsConfig()
    (tmp_path / "profiles").mkdir()
    (tmp_path / "ops.yaml").write_text("sites:\n  - name: a\n    url: https://a.example/\n    profile: profiles/a.yaml\n")
    assert load_config(tmp_path / "ops.yaml").sites[0].profile == (tmp_path / "profiles" / "a.yaml").resolve()


def test_bad_yaml_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "ops.yaml").write_text("sites: [unclosed\n")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_config(tmp_path / "ops.yaml")


def test_the_shipped_example_is_valid() -> None:
    config = load_config(PROJECT_ROOT / "deploy" / "wildwatch.example.yaml")
    assert config.sites and config.alerts.rules


def _fields(model: type[BaseModel], prefix: str = "") -> list[str]:
    names = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        inner = getattr(annotation, "__args__", ())
        nested = next((a for a in (annotation, *inner) if isinstance(a, type) and issubclass(a, BaseModel)), None)
        names.append(prefix + name)
        if nested is not None:
            names += _fields(nested, prefix + name + ".")
    return names


def test_every_config_field_is_documented() -> None:
    docs = (PROJECT_ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_.]+)`", docs))
    missing = [name for name in _fields(OpsConfig) if name not in documented]
    assert not missing, f"undocumented config fields in docs/operations.md: {missing}"
