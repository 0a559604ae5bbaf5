"""`wildwatch status`: the last nightly runs, whether one is running, and what is queued."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from store.alerts import subscription_health
from store.db import session_scope
from store.nightly import queue_sizes, recent_nightly_runs
from wildwatch.commands.alerts import health_lines
from wildwatch.commands.options import DbOption
from wildwatch.lock import holder_state
from wildwatch.runtime import open_store
from core.settings import get_settings


def _lock_state() -> str:
    state, holder = holder_state(get_settings().var_dir / "nightly.lock")
    if state == "running" and holder:
        return f"running ({holder.describe()})"
    if state == "stale" and holder:
        return f"idle (the run of {holder.describe()} died; the next run resumes it)"
    return "idle"


def _errors(summary: dict[str, Any] | None, state: dict[str, Any] | None) -> list[str]:
    """A run's errors: its report's once it has one, else those recorded so far."""
    return list((summary or {}).get("errors", []) or (state or {}).get("errors", []))


def status(
    db: DbOption = None,
    limit: Annotated[int, typer.Option(help="How many runs to show.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Show the last nightly runs and the queue sizes (to score, alerts, review backlog)."""
    store = open_store(db, create=False)
    with session_scope(store.sessions) as session:
        runs = recent_nightly_runs(session, limit)
        model_version = next((r.summary.get("model_version") for r in runs if r.summary.get("model_version")), None)
        sizes = queue_sizes(session, model_version=model_version)
        health = subscription_health(session)
        rows = [
            {
                "id": r.id, "status": r.status, "stage": r.stage, "started_at": r.started_at.isoformat(),
                "finished_at": r.finished_at.isoformat() if r.finished_at else None,
                "newly_flagged": (r.summary or {}).get("newly_flagged", {}).get("count"),
                "errors": len(_errors(r.summary, r.state)),
                "error_lines": _errors(r.summary, r.state),
                "failed_sites": list((r.summary or {}).get("failed_sites", [])),
                "report": r.report_path,
            }
            for r in runs
        ]
    store.close()
    lock = _lock_state()
    queues = {"to_score": sizes.to_score, "alerts_pending": sizes.alerts_pending,
              "alerts_failed": sizes.alerts_failed, "review_backlog": sizes.review_backlog}
    failing = [
        {"id": h.subscription_id, "target": h.target if h.channel == "webhook" else h.channel,
         "retrying": h.retrying, "failed": h.failed, "last_error": h.last_error} for h in health if h.failing
    ]
    in_flight = sum(h.in_flight for h in health)
    alerts = {"failing_subscriptions": failing, "in_flight": in_flight}
    if as_json:
        typer.echo(json.dumps({"nightly": lock, "runs": rows, "queues": queues, "alerts": alerts}, indent=2))
        return
    typer.echo(f"nightly: {lock}")
    for row in rows:
        flagged = "" if row["newly_flagged"] is None else f", {row['newly_flagged']} newly flagged"
        typer.echo(
            f"  run #{row['id']} {row['status']} (stage {row['stage']}) started {row['started_at'][:19]}"
            f"{flagged}, {row['errors']} error(s){', report ' + row['report'] if row['report'] else ''}"
        )
        for line in row["error_lines"][:5]:  # a failed site, a budget hit: the morning reader sees why
            typer.echo(f"    error: {line}")
    if not rows:
        typer.echo("  no nightly runs yet")
    typer.echo("queues: " + ", ".join(f"{k}={v}" for k, v in queues.items()))
    lines = health_lines(health)
    typer.echo("alerts: " + ("ok" if not lines else f"{len(failing)} subscription(s) failing, {in_flight} in flight"))
    for line in lines:
        typer.echo(f"  {line}")


def register(app: typer.Typer) -> None:
    app.command()(status)
