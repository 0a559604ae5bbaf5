"""`wildwatch serve` starts one worker process per core by default (issue 16)."""

from __future__ import annotations

import os

import pytest

from wildwatch.commands.serve import AUTO_WORKERS_MAX, worker_count


def test_a_configured_worker_count_is_used_as_given() -> None:
    assert worker_count(3) == 3
    assert worker_count(1) == 1


@pytest.mark.parametrize(("cores", "expected"), [(1, 1), (2, 2), (16, AUTO_WORKERS_MAX)])
def test_zero_means_one_per_usable_core_at_most_four(monkeypatch: pytest.MonkeyPatch, cores: int, expected: int) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)
    assert worker_count(0) == expected
