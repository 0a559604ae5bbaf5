"""Counts the reliability suites report at the end of a run (faults injected, bad inputs, losses)."""

from __future__ import annotations

import json
import os
from collections import Counter

import pytest

__all__ = ["TALLY", "note", "report"]

TALLY: Counter[str] = Counter()
_reported = False


def note(name: str, count: int = 1) -> None:
    """Add ``count`` to the figure ``name`` (e.g. ``faults/kill9/crawl``, ``fuzz/inputs``, ``lost``)."""
    TALLY[name] += count


def report(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the figures once per session; also write them to $WILDWATCH_TALLY_FILE when set."""
    global _reported
    if _reported or not TALLY:
        return
    _reported = True
    terminalreporter.section("reliability figures")
    for name, value in sorted(TALLY.items()):
        terminalreporter.write_line(f"{name:40} {value}")
    path = os.environ.get("WILDWATCH_TALLY_FILE")
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(dict(sorted(TALLY.items())), fh, indent=2)
