"""One crawl in a child process: ``python -m wildwatch.nightly.worker '<json crawl spec>'``.

Scrapy's reactor cannot restart, so the nightly runs each crawl in its own process; that also
gives it a hard wall-clock budget (SIGTERM, then SIGKILL).  The parent plans the crawl and opens
its run (``wildwatch.crawls``); the child only runs the spec.  It holds a lock named after the
crawl's job directory so a resumed crawl waits for an orphan of a killed run to exit.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sys
from pathlib import Path

from crawler.spec import CrawlSpec

logger = logging.getLogger(__name__)

__all__ = ["main"]


def _crawl(spec: CrawlSpec) -> str:
    from crawler.run import run_crawl

    return run_crawl(spec).status


def main(argv: list[str] | None = None) -> int:
    """Run the crawl described by argv[0]; exit 0 when it completed, 1 otherwise."""
    from core.logs import configure_logging
    from core.settings import get_settings

    settings = get_settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    spec = CrawlSpec.model_validate_json((argv or sys.argv[1:])[0])
    if spec.redis_url or spec.job_dir is None:  # the workers of a distributed crawl run side by side by design
        status = _crawl(spec)
    else:
        lock_path = Path(str(spec.job_dir) + ".lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)  # waits for an orphaned crawl of the same target to exit
        try:
            status = _crawl(spec)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
    logger.info("crawl run #%d of %s: %s", spec.run_id, spec.start_url, status)
    return 0 if status == "completed" else 1


if __name__ == "__main__":
    sys.exit(main())
