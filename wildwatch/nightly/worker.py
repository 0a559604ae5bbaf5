"""One crawl in a child process: ``python -m wildwatch.nightly.worker '<json job>'``.

Scrapy's reactor cannot restart, so the nightly runs each crawl in its own process; that also
gives it a hard wall-clock budget (SIGTERM, then SIGKILL).  The worker holds a lock named after
its crawl's job directory so a resumed crawl waits for an orphan of a killed run to exit.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import sys
from pathlib import Path

from wildwatch.nightly.jobs import CrawlJob

logger = logging.getLogger(__name__)

__all__ = ["main"]


def _crawl(job: CrawlJob) -> str:
    from crawler.lexicon import load_search_terms
    from crawler.profile import load_profile
    from crawler.run import run_crawl
    from core.settings import get_settings

    profile = load_profile(job.profile) if job.profile else None
    terms: list[str] = []
    if profile is not None and profile.search_url:
        lexicon = get_settings().data_dir / "lexicon"
        terms = job.search_terms or load_search_terms(lexicon, limit=job.max_search_terms) + profile.keywords
        terms = list(dict.fromkeys(terms))[: job.max_search_terms]
    summary = run_crawl(
        job.url,
        database_url=job.database_url,
        snapshot_dir=Path(job.snapshot_dir),
        defaults=job.defaults,
        overrides=job.overrides,
        site_id=job.site_id,
        job_dir=None if job.redis_url else Path(job.job_dir),
        resume_run_id=job.crawl_run_id,
        max_pages=job.max_pages,
        profile=profile,
        search_terms=terms,
        redis_url=job.redis_url,
        redis_prefix=job.redis_prefix,
    )
    return summary.status


def main(argv: list[str] | None = None) -> int:
    """Run the crawl described by argv[0]; exit 0 when it completed, 1 otherwise."""
    from core.logs import configure_logging
    from core.settings import get_settings

    settings = get_settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    job = CrawlJob(**json.loads((argv or sys.argv[1:])[0]))
    if job.redis_url:  # the workers of a distributed crawl run side by side by design
        status = _crawl(job)
    else:
        lock_path = Path(job.job_dir + ".lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)  # waits for an orphaned crawl of the same target to exit
        try:
            status = _crawl(job)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
    logger.info("crawl run #%d of %s: %s", job.crawl_run_id, job.url, status)
    return 0 if status == "completed" else 1


if __name__ == "__main__":
    sys.exit(main())
