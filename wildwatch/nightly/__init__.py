"""The nightly batch: one resumable, locked, budgeted run of crawl → score → alert → report."""

from wildwatch.nightly.runner import (
    STAGES,
    STOPPED_EXIT,
    AlertsSeam,
    Nightly,
    NightlyResult,
    Stopped,
    default_alerts,
    run_nightly,
)

__all__ = ["STAGES", "STOPPED_EXIT", "AlertsSeam", "Nightly", "NightlyResult", "Stopped", "default_alerts", "run_nightly"]
