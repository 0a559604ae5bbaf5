"""Running the nightly in a separate process (so a test can kill -9 it) with the test doubles."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

from wildwatch.config import parse_config
from wildwatch.nightly import NightlyResult, run_nightly
from wildwatch.runtime import open_store
from wildwatch.settings import Settings

from tests.nightly.fakes import HashModel, OutboxAlerts

SMALL_SITE_LISTINGS = 24


def make_small_site_data(target: Path, source: Path) -> Path:
    """A demo marketplace with the first few listings only (a fast, realistic loopback site)."""
    target.mkdir(parents=True, exist_ok=True)
    lines = (source / "listings.jsonl").read_text(encoding="utf-8").splitlines()
    (target / "listings.jsonl").write_text("\n".join(lines[:SMALL_SITE_LISTINGS]) + "\n", encoding="utf-8")
    shutil.copy(source / "sellers.jsonl", target / "sellers.jsonl")
    return target


def edit_listings(data_dir: Path, count: int, suffix: str = " (price cut)") -> list[int]:
    """Change the title of the first ``count`` listings; returns their ids."""
    path = data_dir / "listings.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for record in records[:count]:
        record["title"] += suffix
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return [r["id"] for r in records[:count]]


def nightly_in_process(
    settings: dict[str, Any],
    config: dict[str, Any],
    database_url: str,
    sink: str,
    *,
    model_pause_at: int | None = None,
    alerts_pause_after: int | None = None,
    marker: str | None = None,
) -> NightlyResult:
    """One nightly with the fake model and outbox (pausing where asked)."""
    logging.basicConfig(level=logging.INFO)
    store = open_store(database_url)
    try:
        return run_nightly(
            settings=Settings(**settings), config=parse_config(config), store=store,
            model_loader=lambda: HashModel(model_pause_at, Path(marker) if marker else None),
            alerts=OutboxAlerts(Path(sink), alerts_pause_after, Path(marker) if marker else None),
        )
    finally:
        store.close()
