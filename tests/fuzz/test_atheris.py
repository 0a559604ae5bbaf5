"""A coverage-guided run of the atheris harness: only with WILDWATCH_ATHERIS_RUNS set (`make soak` sets it)
and atheris installed — instrumenting the imports alone takes most of a minute on a busy CI machine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.faults.tally import note

ROOT = Path(__file__).resolve().parents[2]
RUNS = int(os.environ.get("WILDWATCH_ATHERIS_RUNS", "0"))


def test_atheris_finds_no_crash(tmp_path: Path) -> None:
    if RUNS <= 0:
        pytest.skip("set WILDWATCH_ATHERIS_RUNS (e.g. 50000) for a coverage-guided run")
    pytest.importorskip("atheris")
    result = subprocess.run(
        [sys.executable, "-m", "tests.fuzz.atheris_harness", f"-atheris_runs={RUNS}", "-max_len=8000", "-timeout=20",
         "-rss_limit_mb=2048", f"-artifact_prefix={tmp_path}/", "-seed=8"],
        cwd=ROOT, capture_output=True, text=True, timeout=240, check=False,
    )
    note("fuzz/inputs/atheris", RUNS)
    assert result.returncode == 0, result.stderr[-4000:]
