"""The demo marketplace's records: listings and sellers on disk, and which section serves each listing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.settings import PROJECT_ROOT

__all__ = [
    "DEFAULT_DATA_DIR",
    "HTML_LANG",
    "SECTION_CODEC",
    "SECTION_PREFIX",
    "SECTION_UI",
    "canonical_path",
    "listing_url",
    "load_listings",
    "load_sellers",
    "section_of",
]

DEFAULT_DATA_DIR = PROJECT_ROOT / "data" / "demo"
SECTION_PREFIX = {"main": "", "cn": "/cn", "hk": "/hk"}
SECTION_CODEC = {"main": "utf-8", "cn": "gbk", "hk": "big5"}
SECTION_UI = {"main": "zh-Hans", "cn": "zh-Hans", "hk": "zh-Hant"}
HTML_LANG = {"zh-Hans": "zh-CN", "zh-Hant": "zh-HK", "en": "en"}


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_listings(data_dir: Path | None = None) -> list[dict[str, Any]]:
    """All demo listings with ground truth, for tests and evaluation (never served as such)."""
    return _read_jsonl((data_dir or DEFAULT_DATA_DIR) / "listings.jsonl")


def load_sellers(data_dir: Path | None = None) -> list[dict[str, Any]]:
    """All demo sellers (id, name, joined, location)."""
    return _read_jsonl((data_dir or DEFAULT_DATA_DIR) / "sellers.jsonl")


def section_of(record: dict[str, Any]) -> str:
    """Which site section (and so encoding) serves a listing: "hk" (Big5), "cn" (GBK) or "main" (UTF-8)."""
    if record["lang"] == "zh-Hant":
        return "hk"
    if record["lang"] == "zh-Hans" and int(record["id"]) % 2 == 0:
        return "cn"
    return "main"


def canonical_path(record: dict[str, Any]) -> str:
    """The one canonical path of a listing's item page."""
    return f"{SECTION_PREFIX[section_of(record)]}/item/{record['id']}"


def listing_url(server_url: str, record: dict[str, Any]) -> str:
    """The canonical absolute item URL of ``record`` on a running demo server."""
    return server_url.rstrip("/") + canonical_path(record)
