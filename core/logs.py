"""Logging for the entry points (CLI, server): readable lines by default, JSON on request."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

__all__ = ["configure_logging"]


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is now (test runners swap and close it)."""

    @property
    def stream(self):  # type: ignore[no-untyped-def]
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass


#: Libraries whose info lines drown an operator's view; their warnings still show.
#: A handler filter, not logger levels: Scrapy's dictConfig resets its child loggers' levels.
QUIET = ("scrapy", "jieba", "httpx", "alembic", "apscheduler")


class _QuietLibraries(logging.Filter):
    def __init__(self, threshold: int) -> None:
        super().__init__()
        self.threshold = threshold

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= self.threshold:
            return True
        return not any(record.name == name or record.name.startswith(name + ".") for name in QUIET)


def configure_logging(level: str = "INFO", *, json_lines: bool = False) -> None:
    """Send logs to stderr (stdout is reserved for command output such as keys and ids)."""
    handler = _StderrHandler()
    handler.setFormatter(
        JsonFormatter() if json_lines else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.setLevel(level.upper())  # Scrapy resets the root logger's level; filter here too
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    if root.level > logging.DEBUG:  # --verbose shows everything
        handler.addFilter(_QuietLibraries(logging.WARNING))
