"""Running ``wildwatch crawl`` in a child process (Twisted's reactor can't restart in one process)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

__all__ = ["crawl_env", "crawl_command", "run_crawl_cli"]

#: Fast but still polite settings for loopback test sites.
TEST_SETTINGS = ("AUTOTHROTTLE_START_DELAY=0.05", "AUTOTHROTTLE_MAX_DELAY=1")


def crawl_env(tmp: Path) -> dict[str, str]:
    """Environment pointing snapshots and job state at ``tmp``."""
    env = dict(os.environ)
    env["WILDWATCH_CRAWLER__SNAPSHOT_DIR"] = str(tmp / "snapshots")
    env["WILDWATCH_CRAWLER__JOB_DIR"] = str(tmp / "jobs")
    env["WILDWATCH_DATA_DIR"] = str(tmp / "data")
    env["PYTHONWARNINGS"] = "ignore"
    return env


def crawl_command(url: str, db_url: str, *args: str) -> list[str]:
    """The argv of one crawl."""
    settings = [item for value in TEST_SETTINGS for item in ("--set", value)]
    return [sys.executable, "-m", "wildwatch.cli", "crawl", url, "--db", db_url, *settings, *args]


def run_crawl_cli(url: str, db_url: str, tmp: Path, *args: str, timeout: float = 90,
                  env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Crawl ``url`` into ``db_url`` and wait (bounded) for it to finish; ``env`` adds variables."""
    return subprocess.run(crawl_command(url, db_url, *args), env=crawl_env(tmp) | (env or {}), capture_output=True,
                          text=True, timeout=timeout, check=False)
