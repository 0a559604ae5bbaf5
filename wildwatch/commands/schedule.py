"""`wildwatch schedule`: a long-running process that starts `wildwatch nightly` on a crontab line.

For operators who prefer one supervised process to cron or a systemd timer.  Each run is a
child process (a fresh Scrapy reactor, its own memory); the nightly's lock still guarantees one
run at a time, so a run that overlaps the next slot makes that slot exit 75 and be skipped.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from wildwatch.commands.nightly import ConfigOption
from wildwatch.commands.options import DbOption
from wildwatch.config import load_config, validate_cron
from core.errors import ConfigError
from core.settings import get_settings

logger = logging.getLogger(__name__)


def nightly_command(db: str | None, config: Path | None) -> list[str]:
    """The child command line each scheduled run executes."""
    command = [sys.executable, "-m", "wildwatch.cli", "nightly"]
    if db:
        command += ["--db", db]
    if config:
        command += ["--config", str(config)]
    return command


def schedule(
    db: DbOption = None,
    config: ConfigOption = None,
    cron: Annotated[str | None, typer.Option("--cron", help="Crontab line (default: schedule.nightly in the config).")] = None,
    run_now: Annotated[bool, typer.Option("--run-now", help="Also start a run immediately.")] = False,
) -> None:
    """Run `wildwatch nightly` on a schedule until stopped (SIGTERM/Ctrl-C)."""
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    settings = get_settings()
    ops = load_config(config or settings.config_file)
    line = cron or ops.schedule.nightly
    try:
        validate_cron(line)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    command = nightly_command(db, config)

    def job() -> None:
        logger.info("starting scheduled nightly run")
        code = subprocess.call(command)
        logger.log(logging.INFO if code == 0 else logging.WARNING, "scheduled nightly run exited %d", code)

    scheduler = BlockingScheduler(timezone=ops.schedule.timezone)
    trigger = CronTrigger.from_crontab(line, timezone=ops.schedule.timezone)
    scheduler.add_job(job, trigger, id="nightly", max_instances=1, coalesce=True, misfire_grace_time=3600)
    if run_now:
        scheduler.add_job(job, id="nightly-now")
    typer.echo(f"scheduling `wildwatch nightly` at {line!r} ({ops.schedule.timezone}); Ctrl-C to stop", err=True)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown(wait=False)


def register(app: typer.Typer) -> None:
    app.command()(schedule)
