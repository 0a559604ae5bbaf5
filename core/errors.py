"""WildWatch's one exception tree.

    WildwatchError
    ├── ConfigError      settings or a config file are invalid
    ├── CrawlError       a crawl could not start or finish
    ├── StoreError       the database is unreachable or refused an operation
    ├── ModelError       no usable classifier model, or a model file we do not trust
    ├── InputError       a user-supplied file or value cannot be used
    └── AlertError       an alert channel is misconfigured

Core code raises these; the CLI turns them into one readable line and an exit code,
the API into a JSON error.
"""

from __future__ import annotations

__all__ = [
    "WildwatchError",
    "ConfigError",
    "CrawlError",
    "StoreError",
    "ModelError",
    "InputError",
    "AlertError",
]


class WildwatchError(Exception):
    """Base of every error WildWatch raises on purpose."""

    exit_code: int = 1


class ConfigError(WildwatchError):
    exit_code = 2


class CrawlError(WildwatchError):
    exit_code = 3


class StoreError(WildwatchError):
    exit_code = 4


class ModelError(WildwatchError):
    exit_code = 5


class InputError(WildwatchError):
    exit_code = 2


class AlertError(WildwatchError):
    exit_code = 6
