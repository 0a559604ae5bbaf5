"""listings.lang in one vocabulary: en, zh-Hans, zh-Hant (pages said zh-CN, zh-HK, en-US ...)

Revision ID: 0013_lang_vocabulary
Revises: 0012_decision_memory
Create Date: 2026-12-06 18:45:00

The API, OpenAPI and docs always spoke of scripts (`zh-Hans`, `zh-Hant`) while the crawler stored
the page's region tag, so `lang=zh-Hant` found nothing.  New rows are written canonical
(`core.langs`); this rewrites the stored ones.  Downgrade writes the region tags the demo and most
pages used (`zh-Hans` -> `zh-CN`, `zh-Hant` -> `zh-HK`): which region a Traditional page named
(HK, TW, MO) is not kept, and the old code read any of them the same way.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_lang_vocabulary"
down_revision = "0012_decision_memory"
branch_labels = None
depends_on = None

_TRADITIONAL_REGIONS = {"hk", "tw", "mo"}


def _canonical(tag: str) -> str:
    """core.langs.canonical_lang as of this revision (a migration never imports code that may change)."""
    parts = tag.strip().replace("_", "-").lower().split("-")
    if parts[0] == "en":
        return "en"
    if parts[0] in ("zh", "cmn", "yue"):
        if "hant" in parts[1:] or _TRADITIONAL_REGIONS.intersection(parts[1:]) or parts[0] == "yue" and "hans" not in parts:
            return "zh-Hant"
        return "zh-Hans"
    return tag.strip()


def _rewrite(mapping: dict[str, str]) -> None:
    listings = sa.table("listings", sa.column("lang", sa.String))
    bind = op.get_bind()
    for old, new in mapping.items():
        bind.execute(sa.update(listings).where(listings.c.lang == old).values(lang=new))


def upgrade() -> None:
    listings = sa.table("listings", sa.column("lang", sa.String))
    stored = op.get_bind().execute(sa.select(listings.c.lang).where(listings.c.lang.is_not(None)).distinct())
    _rewrite({tag: _canonical(tag) for (tag,) in stored if _canonical(tag) != tag})


def downgrade() -> None:
    _rewrite({"zh-Hans": "zh-CN", "zh-Hant": "zh-HK"})
