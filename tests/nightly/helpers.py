"""Running the nightly in a separate process (so a test can kill -9 it) with the test doubles."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from tests.nightly.fakes import HashModel, OutboxAlerts
from wildwatch.config import parse_config
from wildwatch.nightly import NightlyResult, default_alerts, run_nightly
from wildwatch.runtime import open_store
from core.settings import Settings

SMALL_SITE_LISTINGS = 24


def make_small_site_data(target: Path, source: Path) -> Path:
    """A demo marketplace with the first few listings only (a fast, realistic loopback site)."""
    target.mkdir(parents=True, exist_ok=True)
    lines = (source / "listings.jsonl").read_text(encoding="utf-8").splitlines()
    (target / "listings.jsonl").write_text("\n".join(lines[:SMALL_SITE_LISTINGS]) + "\n", encoding="utf-8")
    shutil.copy(source / "sellers.jsonl", target / "sellers.jsonl")
    return target


def nightly_in_process(
    settings: dict[str, Any],
    config: dict[str, Any],
    database_url: str,
    sink: str,
    *,
    model_pause_at: int | None = None,
    alerts_pause_after: int | None = None,
    marker: str | None = None,
    real_alerts: bool = False,
) -> NightlyResult:
    """One nightly with the fake model and the fake outbox (pausing where asked) or the real one."""
    logging.basicConfig(level=logging.INFO)
    store = open_store(database_url)
    ops_settings = Settings(**settings)
    alerts = (default_alerts(ops_settings) if real_alerts
              else OutboxAlerts(Path(sink), alerts_pause_after, Path(marker) if marker else None))
    try:
        return run_nightly(
            settings=ops_settings, config=parse_config(config), store=store,
            model_loader=lambda: HashModel(model_pause_at, Path(marker) if marker else None),
            alerts=alerts,
        )
    finally:
        store.close()
