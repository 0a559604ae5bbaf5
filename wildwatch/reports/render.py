"""Rendering the run summary: a matplotlib chart (Agg, no display) and a Jinja2 page."""

from __future__ import annotations

import base64
import io
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from core.files import write_atomic

__all__ = ["render_chart", "render_html", "write_report"]

_env = Environment(loader=PackageLoader("wildwatch.reports", "templates"), autoescape=select_autoescape(["html", "jinja"]))
TOP_SPECIES_IN_CHART = 8


def render_chart(history: dict[str, dict[str, int]], *, end: date | None = None, min_days: int = 14) -> bytes | None:
    """A PNG of listings first flagged per day, stacked by species (None without data)."""
    if not history:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    totals = sorted(history, key=lambda name: -sum(history[name].values()))
    shown = totals[:TOP_SPECIES_IN_CHART]
    other: dict[str, int] = {}
    for name in totals[TOP_SPECIES_IN_CHART:]:
        for day, n in history[name].items():
            other[day] = other.get(day, 0) + n
    series = {name: history[name] for name in shown} | ({"other species": other} if other else {})
    days = sorted({date.fromisoformat(d) for s in series.values() for d in s})
    last = max(end or days[-1], days[-1])
    first = min(days[0], last - timedelta(days=min_days - 1))
    axis = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    fig, ax = plt.subplots(figsize=(9, 3.6), dpi=110)
    try:
        bottom = [0] * len(axis)
        tab10 = plt.get_cmap("tab10")
        colors = [tab10(i) for i in range(tab10.N)]
        for i, (name, counts) in enumerate(series.items()):
            heights = [counts.get(d.isoformat(), 0) for d in axis]
            # matplotlib plots dates through its units registry; its stubs accept numbers only
            ax.bar(axis, heights, bottom=bottom, width=0.8, label=name,  # type: ignore[arg-type]
                   color=colors[i % len(colors)])
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        for bar_day, total in zip(axis, bottom, strict=True):  # the day's total, as the page quotes it
            if total:
                ax.annotate(str(total), (mdates.date2num(bar_day), total), ha="center", va="bottom", fontsize=7,
                            xytext=(0, 1), textcoords="offset points")
        ax.set_ylabel("listings first flagged")
        ax.set_title("Newly flagged listings per day, by main species")
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
        ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=12))
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
        ax.legend(fontsize=8, loc="upper left", ncols=2, frameon=False)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
    finally:
        plt.close(fig)
    return buffer.getvalue()


def render_html(summary: dict[str, Any], chart_png: bytes | None) -> str:
    """The report page; the chart is embedded so the single file can be mailed or pasted."""
    chart = base64.b64encode(chart_png).decode() if chart_png else None
    return _env.get_template("report.html.jinja").render(s=summary, chart=chart)



def _write_report_file(path: Path, data: bytes) -> None:
    write_atomic(path, data, durable=True, mode=0o644)  # mkstemp makes 0600; reports are meant to be read (and served)


def write_report(root: Path, summary: dict[str, Any]) -> Path:
    """Write ``<root>/<run-id>/`` (chart, summary.json, index.html last); returns index.html."""
    directory = Path(root) / str(summary["run_id"])
    directory.mkdir(parents=True, exist_ok=True)
    end = date.fromisoformat(str(summary["finished_at"])[:10]) if summary.get("finished_at") else None
    chart = render_chart(summary.get("flagged_history", {}), end=end)
    if chart:
        _write_report_file(directory / "flagged_by_species.png", chart)
    _write_report_file(directory / "summary.json", json.dumps(summary, indent=2, ensure_ascii=False).encode())
    index = directory / "index.html"
    _write_report_file(index, render_html(summary, chart).encode())
    return index
