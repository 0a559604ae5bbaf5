"""Prometheus metrics of the batch process, written for node_exporter's textfile collector.

A nightly run is not scraped while it runs; at the end (and on failure) it writes its gauges to
``var/metrics/wildwatch.prom`` atomically, and node_exporter
(``--collector.textfile.directory=var/metrics``) exposes them.
"""

from __future__ import annotations

from pathlib import Path

from prometheus_client import CollectorRegistry, Gauge, write_to_textfile

__all__ = ["NightlyMetrics"]


class NightlyMetrics:
    """The gauges of the last nightly run, on their own registry (not the API's)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.last_run = Gauge("wildwatch_nightly_last_run_timestamp_seconds", "When the last nightly run ended.", registry=r)
        self.last_success = Gauge(
            "wildwatch_nightly_last_success_timestamp_seconds", "When the last completed nightly run ended.", registry=r
        )
        self.status = Gauge("wildwatch_nightly_last_run_completed", "1 when the last run completed, else 0.", registry=r)
        self.duration = Gauge("wildwatch_nightly_stage_duration_seconds", "Seconds spent per stage.", ["stage"], registry=r)
        self.crawl_pages = Gauge("wildwatch_crawl_pages", "Pages fetched in the last run.", ["site"], registry=r)
        self.crawl_listings = Gauge(
            "wildwatch_crawl_listings", "Listings seen in the last run, by kind.", ["site", "kind"], registry=r
        )
        self.crawl_errors = Gauge("wildwatch_crawl_errors", "Skipped pages and photos in the last run.", ["site"], registry=r)
        self.crawl_budget_hit = Gauge(
            "wildwatch_crawl_budget_exceeded", "1 when a site's crawl was stopped by its budget.", ["site"], registry=r
        )
        self.scored = Gauge("wildwatch_score_listings", "Listings scored in the last run.", registry=r)
        self.newly_flagged = Gauge("wildwatch_flagged_new", "Listings newly flagged in the last run.", registry=r)
        self.alerts_enqueued = Gauge("wildwatch_alerts_enqueued", "Alerts enqueued in the last run.", registry=r)
        self.alerts_sent = Gauge("wildwatch_alerts_sent", "Alerts sent in the last run.", registry=r)
        self.queue = Gauge("wildwatch_queue_size", "Waiting work after the last run.", ["queue"], registry=r)

    def write(self, path: Path) -> None:
        """Write the textfile atomically (prometheus_client writes a temp file and renames it)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        write_to_textfile(str(path), self.registry)
