"""The description of one crawl that the nightly hands to its child process."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["CrawlJob"]


@dataclass
class CrawlJob:
    """Everything a child needs for one crawl (JSON on its command line)."""

    url: str
    database_url: str
    snapshot_dir: str
    job_dir: str
    crawl_run_id: int
    site_id: int | None = None
    profile: str | None = None
    max_pages: int = 0
    search_terms: list[str] = field(default_factory=list)  # empty: the lexicon's (when the profile can search)
    max_search_terms: int = 20
    redis_url: str | None = None  # distributed mode: the workers of one crawl share this Redis ...
    redis_prefix: str | None = None  # ... under this key prefix
    defaults: dict[str, Any] = field(default_factory=dict)  # Scrapy settings a site profile may override
    overrides: dict[str, Any] = field(default_factory=dict)  # Scrapy settings that win over everything

    def to_json(self) -> str:
        return json.dumps(asdict(self))
