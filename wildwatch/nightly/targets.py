"""What a site's nightly crawl consists of: its start URL plus keyword-seeded search crawls.

A site profile (YAML or JSON, owned by the crawler) may define ``search_url`` with a ``{term}``
placeholder; then each search term gives one more start URL.  Terms come from the site's
``search_terms`` in the operations file, else from ``data/lexicons/seed_terms.txt`` (one per line).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from wildwatch.errors import ConfigError

logger = logging.getLogger(__name__)

__all__ = ["crawl_targets", "search_url_template", "lexicon_terms"]


def search_url_template(profile: str | None) -> str | None:
    """The profile's ``search_url`` (None without a profile or without that key)."""
    if not profile:
        return None
    path = Path(profile)
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read site profile {path}: {exc}") from None
    template = data.get("search_url") if isinstance(data, dict) else None
    if template is not None and "{term}" not in str(template):
        raise ConfigError(f"site profile {path}: search_url must contain {{term}}")
    return str(template) if template else None


def lexicon_terms(data_dir: Path) -> list[str]:
    """Seed terms for keyword crawls from the data directory (empty when absent)."""
    path = data_dir / "lexicons" / "seed_terms.txt"
    if not path.exists():
        return []
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def crawl_targets(
    *, site_id: int, site_name: str, start_url: str, profile: str | None, terms: list[str], max_terms: int
) -> list[dict[str, Any]]:
    """The crawls of one site for tonight, as resumable state entries."""
    targets = [{"key": f"{site_id}:start", "site_id": site_id, "site": site_name, "url": start_url,
                "profile": profile, "status": "pending", "crawl_run_id": None, "attempts": 0}]
    template = search_url_template(profile)
    if template:
        for term in list(dict.fromkeys(terms))[:max_terms]:
            targets.append({
                "key": f"{site_id}:search:{term}", "site_id": site_id, "site": site_name,
                "url": template.replace("{term}", quote(term)), "profile": profile,
                "status": "pending", "crawl_run_id": None, "attempts": 0,
            })
    return targets
