"""One crawl in a child process: ``python -m wildwatch.nightly.worker '<json job>'``.

Scrapy's reactor cannot restart, so the nightly runs each crawl in its own process; that also
gives it a hard wall-clock budget (SIGTERM, then SIGKILL).  The worker holds a lock on its
JOBDIR so a resumed crawl waits for an orphan of a killed run to let go of the same directory.
"""

from __future__ import annotations

import fcntl
import inspect
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from wildwatch.nightly.jobs import CrawlJob

logger = logging.getLogger(__name__)

__all__ = ["main"]


def _crawl(job: CrawlJob) -> str:
    from crawler.run import run_crawl

    kwargs: dict[str, Any] = {}
    if job.profile and "profile" in inspect.signature(run_crawl).parameters:
        kwargs["profile"] = job.profile
    elif job.profile:
        job.overrides.setdefault("WILDWATCH_PROFILE", job.profile)
    summary = run_crawl(
        job.url,
        database_url=job.database_url,
        snapshot_dir=Path(job.snapshot_dir),
        overrides=job.overrides,
        site_id=job.site_id,
        job_dir=Path(job.job_dir),
        resume_run_id=job.crawl_run_id,
        max_pages=job.max_pages,
        **kwargs,
    )
    return summary.status


def main(argv: list[str] | None = None) -> int:
    """Run the crawl described by argv[0]; exit 0 when it completed, 1 otherwise."""
    from wildwatch.logs import configure_logging
    from wildwatch.settings import get_settings

    settings = get_settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    job = CrawlJob(**json.loads((argv or sys.argv[1:])[0]))
    lock_path = Path(job.job_dir + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)  # waits for an orphaned crawl of the same JOBDIR to exit
    try:
        status = _crawl(job)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    logger.info("crawl run #%d of %s: %s", job.crawl_run_id, job.url, status)
    return 0 if status == "completed" else 1


if __name__ == "__main__":
    sys.exit(main())
