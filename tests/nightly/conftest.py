"""Fixtures for the nightly: a small demo marketplace on loopback and an isolated var/ tree."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.nightly.helpers import make_small_site_data
from wildwatch.demo.server import DemoServer, make_server
from core.settings import PROJECT_ROOT


@dataclass
class SmallSite:
    data_dir: Path
    server: DemoServer

    @property
    def url(self) -> str:
        return self.server.url + "/"

    def restart(self) -> None:
        """Re-render the pages from ``data_dir`` (the demo renders once at start) on the same port."""
        port = self.server.port
        self.server.stop()
        self.server = make_server("127.0.0.1", port, data_dir=self.data_dir).start()


@pytest.fixture
def small_site(tmp_path: Path) -> Iterator[SmallSite]:
    data_dir = make_small_site_data(tmp_path / "site", PROJECT_ROOT / "data" / "demo")
    site = SmallSite(data_dir, make_server("127.0.0.1", 0, data_dir=data_dir).start())
    yield site
    site.server.stop()


@dataclass
class NightlyEnv:
    root: Path
    database_url: str
    settings: dict[str, Any]
    config: dict[str, Any]
    sink: Path

    @property
    def var_dir(self) -> Path:
        return self.root / "var"


def make_env(root: Path, site_url: str, **scrapy: Any) -> NightlyEnv:
    settings = {
        "database_url": f"sqlite:///{root / 'wildwatch.db'}",
        "var_dir": str(root / "var"),
        "data_dir": str(root / "data"),
        "crawler": {"snapshot_dir": str(root / "var" / "snapshots"), "job_dir": str(root / "var" / "jobs"),
                    "autothrottle": False},
        "classifier": {"batch_size": 5},
    }
    config = {
        "sites": [{"name": "small", "url": site_url}],
        "nightly": {"stop_grace_seconds": 20, "scrapy_settings": {"WILDWATCH_STORE_BATCH": 5, **scrapy}},
        "alerts": {"rules": [{"name": "ngo", "channel": "webhook", "target": "http://127.0.0.1:9/hook", "secret": "s3cret"}]},
    }
    return NightlyEnv(root, settings["database_url"], settings, config, root / "alerts.log")


@pytest.fixture
def nightly_env(tmp_path: Path, small_site: SmallSite) -> NightlyEnv:
    return make_env(tmp_path, small_site.url)
