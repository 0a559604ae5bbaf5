"""Fault-injection fixtures: one pre-forking launcher per session, seeds from the environment."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.faults.launcher import Launcher

#: Kill -9 rounds per component (each round: a new seed, a random delay, one SIGKILL); CI runs 8
#: per component (32 kills, about a minute and a half); `make soak` and the figures in docs use 20.
SEEDS = int(os.environ.get("WILDWATCH_FAULT_SEEDS", "8"))


@pytest.fixture(scope="session")
def launcher() -> Iterator[Launcher]:
    launcher = Launcher()
    try:
        yield launcher
    finally:
        launcher.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.faults.tally import report

    report(terminalreporter)
