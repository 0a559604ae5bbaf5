"""Search terms for keyword-seeded crawls, read from the classifier's lexicon files as plain data.

The crawler does not import ``classifier``: it reads ``data/lexicon/species.yaml`` itself and takes
each species' display names in Simplified Chinese, Traditional Chinese and English (as monitors
search), optionally its strong terms too.  Without lexicon files a small built-in list is used.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import yaml

__all__ = ["FALLBACK_TERMS", "load_search_terms"]

logger = logging.getLogger(__name__)

#: Used when no lexicon is installed: a few of the most trafficked taxa in the three scripts.
FALLBACK_TERMS: tuple[str, ...] = (
    "象牙", "ivory", "犀牛角", "犀角", "rhino horn", "穿山甲", "穿山甲片", "pangolin",
    "虎骨", "虎皮", "tiger skin", "玳瑁", "hawksbill", "盔犀鸟", "helmeted hornbill", "鹦鹉", "parrot",
)

_NAME_KEYS = ("zh_hans", "zh_hant", "en")


def _names(entry: dict[str, Any], include_terms: bool) -> list[str]:
    names: list[str] = []
    for key in _NAME_KEYS:
        value = entry.get(key)
        if isinstance(value, str):
            names.append(value)
        elif isinstance(value, list):
            names.extend(str(v) for v in value)
    if include_terms:
        names.extend(str(v) for v in entry.get("terms") or [])
    return names


def load_search_terms(lexicon_dir: Path | None, *, include_terms: bool = False, limit: int = 0) -> list[str]:
    """Distinct search terms from ``lexicon_dir/species.yaml`` (or the fallback), in file order."""
    species_file = lexicon_dir / "species.yaml" if lexicon_dir else None
    terms: list[str] = []
    if species_file is not None and species_file.is_file():
        try:
            data = yaml.safe_load(species_file.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            logger.warning("cannot read lexicon %s (%s); using the built-in search terms", species_file, exc)
            data = {}
        for entry in data.get("species") or []:
            if isinstance(entry, dict):
                terms.extend(_names(entry, include_terms))
    if not terms:
        terms = list(FALLBACK_TERMS)
    distinct = list(dict.fromkeys(t.strip() for t in terms if t and t.strip()))
    return distinct[:limit] if limit else distinct
