"""Fuzz settings: bounded by default, longer with WILDWATCH_FUZZ_EXAMPLES (e.g. 5000 for a night)."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("WILDWATCH_FUZZ_EXAMPLES", "100"))

settings.register_profile(
    "wildwatch-fuzz", max_examples=EXAMPLES, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.faults.tally import report

    report(terminalreporter)
