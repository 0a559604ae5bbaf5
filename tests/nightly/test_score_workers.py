"""The nightly scores stored listings with as many worker processes as `wildwatch score` starts."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from core.settings import Settings
from store.db import session_scope
from store.listings import ListingIn, upsert_listings
from tests.nightly.fakes import HashModel, Verdict
from wildwatch.config import parse_config
from wildwatch.nightly import run_nightly
from wildwatch.runtime import open_store
from wildwatch.scoring import default_workers

LISTINGS = 40
BATCH = 5


class MeetingModel(HashModel):
    """Writes the pid of the process scoring each batch, and holds each process's first batch until
    two processes have started one, so that both workers score (one process waits in vain, once)."""

    def __init__(self, pids: Path) -> None:
        super().__init__()
        self.pids = pids

    def score_batch(self, titles: Sequence[str], descriptions: Sequence[str]) -> list[Verdict]:
        with self.pids.open("a") as fh:
            fh.write(f"{os.getpid()}\n")
        deadline = time.monotonic() + 10
        while self.batches == 0 and len(set(self.pids.read_text().split())) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        return super().score_batch(titles, descriptions)


def test_the_nightly_scores_with_the_workers_wildwatch_score_starts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)  # two usable cores anywhere
    assert default_workers(LISTINGS, BATCH) == 2
    url = f"sqlite:///{tmp_path / 'wildwatch.db'}"
    store = open_store(url)
    try:
        with session_scope(store.sessions) as session:
            upsert_listings(session, [ListingIn(url=f"https://m.example/item/{i}", marketplace="m.example",
                                                title=f"listing {i}", description="象牙手镯 私聊") for i in range(LISTINGS)])
        settings = Settings(database_url=url, var_dir=tmp_path / "var", data_dir=tmp_path / "data",  # type: ignore[call-arg]
                            classifier={"batch_size": BATCH})
        pids = tmp_path / "pids"
        result = run_nightly(settings=settings, config=parse_config({"sites": [], "alerts": {"enabled": False}}),
                             store=store, model_loader=lambda: MeetingModel(pids))
    finally:
        store.close()
    assert result.status == "completed" and result.summary["scored"] == LISTINGS
    scorers = set(pids.read_text().split())
    assert str(os.getpid()) not in scorers, "the nightly scored in its own process (one worker)"
    assert len(scorers) == 2
