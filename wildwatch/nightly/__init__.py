"""The nightly batch: one resumable, locked, budgeted run of crawl → score → alert → report."""

from wildwatch.nightly.runner import STAGES, Nightly, NightlyResult, run_nightly
from wildwatch.nightly.seams import AlertsSeam, default_alerts
from wildwatch.nightly.stopping import STOPPED_EXIT, Stopped

__all__ = ["STAGES", "STOPPED_EXIT", "AlertsSeam", "Nightly", "NightlyResult", "Stopped", "default_alerts", "run_nightly"]
