"""`wildwatch nightly`: the one unattended command (crawl → score → alert → prune → report)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wildwatch.commands.options import DbOption
from core.errors import ConfigError, CrawlError
from wildwatch.config import load_config
from wildwatch.runtime import open_store
from wildwatch.scoring import load_classifier
from core.settings import get_settings

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="Operations file (default: WILDWATCH_CONFIG_FILE or ./wildwatch.yaml).", show_default=False),
]


def nightly(
    db: DbOption = None,
    config: ConfigOption = None,
    model: Annotated[Path | None, typer.Option("--model", help="A model directory (default: the newest in models/).")] = None,
) -> None:
    """Crawl every enabled site, score new and changed listings, send alerts, write the run report.

    Safe to rerun: after a crash it resumes the unfinished run; while another run holds the
    lock it exits 75 at once.  Exit 3 when the run completed but some site's crawl failed;
    143 when stopped by SIGTERM/Ctrl-C (rerun to resume)."""
    from wildwatch.nightly import default_alerts, run_nightly

    settings = get_settings()
    if config is not None and not config.is_file():
        raise ConfigError(f"no config file at {config}")
    ops = load_config(config or settings.config_file)
    store = open_store(db)
    try:
        result = run_nightly(
            settings=settings, config=ops, store=store,
            model_loader=lambda: load_classifier(model or settings.classifier.model_path, settings.classifier.models_dir),
            alerts=default_alerts(settings),
        )
    finally:
        store.close()
    s = result.summary
    totals = s.get("crawl", {}).get("totals", {})
    flagged = s.get("newly_flagged", {})
    species = ", ".join(f"{k} {v}" for k, v in list(flagged.get("by_species", {}).items())[:5]) or "none"
    alerts = s.get("alerts", {})
    failing = "".join(
        f"; subscription #{f['subscription_id']} {f['target']}: {f['retrying']} retrying, {f['failed']} failed "
        f"({f['last_error'][:80]})" for f in alerts.get("failing", [])
    )
    in_flight = f", {alerts['in_flight']} in flight" if alerts.get("in_flight") else ""
    typer.echo(
        f"nightly run #{result.run_id} {result.status}{' (resumed)' if result.resumed else ''}: "
        f"{len(s.get('sites', []))} site(s), {totals.get('pages', 0)} pages, listings new={totals.get('new', 0)} "
        f"changed={totals.get('updated', 0)} unchanged={totals.get('unchanged', 0)}; scored {s.get('scored', 0)}; "
        f"newly flagged {flagged.get('count', 0)} ({species}); alerts: {alerts.get('status', '—')}{in_flight}{failing}; "
        f"review backlog {s.get('review_backlog', {}).get('unreviewed', 0)}; errors {len(s.get('errors', []))}",
        err=True,
    )
    typer.echo(str(result.report_path))
    failed = list(s.get("failed_sites", []))
    if failed:  # the night went on without them; cron and systemd should still see it
        raise CrawlError(f"{len(failed)} site(s) failed: {', '.join(failed)} (see the report's Errors)")


def register(app: typer.Typer) -> None:
    app.command()(nightly)
