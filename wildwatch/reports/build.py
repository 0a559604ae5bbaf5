"""The run summary: one JSON-ready dict that the HTML page, `wildwatch status` and the API share."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from store.models import NightlyRun
from store.nightly import (
    first_flags_by_day,
    flagged_breakdown,
    nightly_crawl_runs,
    queue_sizes,
    review_backlog,
    top_flagged_listings,
    top_sellers,
)

__all__ = ["build_summary", "flagged_by_day", "SUMMARY_VERSION"]

SUMMARY_VERSION = 1


def flagged_by_day(history: dict[str, dict[str, int]]) -> dict[str, int]:
    """{YYYY-MM-DD: listings first flagged that day}: the chart's bar heights, for the page to quote."""
    days: dict[str, int] = {}
    for counts in history.values():
        for day, n in counts.items():
            days[day] = days.get(day, 0) + n
    return dict(sorted(days.items()))


def build_summary(
    session: Session, run: NightlyRun, *, model_version: str | None, history_days: int, now: datetime
) -> dict[str, Any]:
    """Everything the morning reader wants about one nightly run."""
    state = dict(run.state or {})
    newly = list(state.get("newly_flagged", []))
    crawls = []
    totals = {"pages": 0, "new": 0, "updated": 0, "unchanged": 0, "errors": 0}
    for crawl_run, site in nightly_crawl_runs(session, run.id):
        run_errors = dict(crawl_run.errors or {})
        crawls.append({
            "crawl_run_id": crawl_run.id, "site": site, "start_url": crawl_run.start_url,
            "status": crawl_run.status, "pages": crawl_run.pages_fetched, "new": crawl_run.listings_new,
            "updated": crawl_run.listings_updated, "unchanged": crawl_run.listings_unchanged,
            "bytes": crawl_run.bytes_fetched, "errors": run_errors,
            "stop_reason": crawl_run.stop_reason, "stop_detail": crawl_run.stop_detail,
        })
        totals["pages"] += crawl_run.pages_fetched
        totals["new"] += crawl_run.listings_new
        totals["updated"] += crawl_run.listings_updated
        totals["unchanged"] += crawl_run.listings_unchanged
        totals["errors"] += sum(run_errors.values())
    targets = state.get("targets", [])
    errors = list(state.get("errors", []))
    errors += [f"crawl of {t['url']} (site {t['site']}): {t['status']}"
               + (f": {t['cause']}" if t["status"] == "failed" and t.get("cause") else "")
               for t in targets if t["status"] in ("failed", "budget_exceeded")]
    sizes = queue_sizes(session, model_version=model_version)
    history = first_flags_by_day(session, since=now - timedelta(days=history_days))
    return {
        "version": SUMMARY_VERSION,
        "run_id": run.id,
        "started_at": run.started_at.isoformat(),
        "finished_at": now.isoformat(),
        "model_version": model_version,
        "sites": sorted({t["site"] for t in targets}),
        "crawl": {"totals": totals, "runs": crawls},
        "scored": int(state.get("scored", 0)),
        "newly_flagged": {"count": len(newly), "listing_ids": newly[:1000], **flagged_breakdown(session, newly)},
        "top_listings": top_flagged_listings(session, newly),
        "top_sellers": top_sellers(session, newly, since=run.started_at),
        "review_backlog": review_backlog(session),
        "queues": {"to_score": sizes.to_score, "alerts_pending": sizes.alerts_pending,
                   "alerts_failed": sizes.alerts_failed, "review_backlog": sizes.review_backlog},
        "alerts": {k: v for k, v in dict(state.get("alerts", {})).items() if not k.endswith("_done")},
        "retention": dict(state.get("retention", {})),
        "retrain": dict(state.get("retrain", {})),
        "flagged_history": history,
        "flagged_by_day": flagged_by_day(history),
        "errors": errors,
        "failed_sites": sorted({t["site"] for t in targets if t["status"] == "failed"}),
        "interruptions": list(state.get("interruptions", [])),  # stops by signal this run recovered from
    }
