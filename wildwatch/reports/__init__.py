"""The nightly run report: a JSON summary and a self-contained HTML page with a chart.

Saved under ``var/reports/<run-id>/`` (``summary.json``, ``index.html``,
``flagged_by_species.png``), each file written atomically; the API serves them at
``/reports/<run-id>/``.
"""

from wildwatch.reports.build import build_summary
from wildwatch.reports.render import render_html, write_report

__all__ = ["build_summary", "render_html", "write_report"]
