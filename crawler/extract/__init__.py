"""Read listings and links from marketplace pages the crawler has never seen.

Structured data first (JSON-LD, microdata, RDFa, OpenGraph via extruct), lxml heuristics second.
Heuristics look at the first 100,000 elements of a page only.
Every public function survives hostile input (empty, truncated, 10 MB, deeply nested, invalid
JSON-LD): parse and third-party extraction failures are logged at debug and turn into
``None`` / ``"other"`` / empty link sets. Extracted text has zero-width characters removed and
whitespace normalised, and is otherwise kept as written (no script conversion).

The work is split by concern: ``page`` (one parse, text and URL helpers, the result types),
``structured`` (JSON-LD, microdata, RDFa, OpenGraph), ``heuristics`` and ``titles`` (pages
without structured data), ``kinds`` (what a URL or page is, and the page's links) and
``listing`` (the listing, structured data first).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar
from urllib.parse import urljoin

from lxml import etree

from crawler.canonical import declared_canonical
from crawler.extract.kinds import build_links, classify
from crawler.extract.listing import build_listing
from crawler.extract.page import (
    ExtractedListing,
    Page,
    PageAnalysis,
    PageKind,
    PageLinks,
    clean_text,
    parse_document,
)
from crawler.extract.structured import structured_data

__all__ = [
    "ExtractedListing",
    "PageAnalysis",
    "PageKind",
    "PageLinks",
    "analyse_page",
    "classify_page",
    "clean_text",
    "extract_links",
    "extract_listing",
]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")


@lru_cache(maxsize=2)
def _load(html: str, url: str) -> Page | None:
    doc = parse_document(html) if isinstance(html, str) else None
    if doc is None:
        return None
    base = url
    base_href = doc.xpath("string(//base/@href)")
    if base_href:
        try:
            base = urljoin(url, base_href.strip())
        except ValueError:
            base = url
    lang = clean_text(doc.get("lang") or doc.xpath("string(//html/@lang)") or "") or None
    return Page(doc=doc, url=url, base=base, structured=structured_data(doc, html, base), lang=lang)



def _safe_load(html: str, url: str) -> Page | None:
    try:
        return _load(html, url or "")
    except (etree.LxmlError, ValueError, RecursionError, UnicodeError) as exc:
        logger.debug("page load failed: %s", exc)
        return None


def analyse_page(html: str, url: str) -> PageAnalysis:
    """Kind, listing and links from one parse; what a spider callback needs for a response."""
    page = _safe_load(html, url)
    if page is None:
        return PageAnalysis(kind="other", listing=None, links=PageLinks())
    links = _guard(lambda: build_links(page), PageLinks(), "links")
    listing = _guard(lambda: build_listing(page), None, "listing")
    other: PageKind = "other"
    kind = _guard(lambda: classify(page, links, listing), other, "classification")
    canonical = _guard(lambda: declared_canonical(page.doc, page.base, page.structured["json-ld"]), None, "canonical")
    return PageAnalysis(kind=kind, listing=listing, links=links, canonical=canonical)


def _guard(build: Callable[[], _T], default: _T, what: str) -> _T:
    """Run one extraction step; parse-level failures on hostile pages become the default."""
    try:
        return build()
    except (etree.LxmlError, ValueError, RecursionError, UnicodeError) as exc:
        logger.debug("%s extraction failed: %s", what, exc)
        return default


def classify_page(html: str, url: str) -> PageKind:
    """Say whether a page shows one item, a list of items, a seller profile, or something else."""
    return analyse_page(html, url).kind


def extract_listing(html: str, url: str) -> ExtractedListing | None:
    """The listing a page shows (structured data first, heuristics second); None when no title at all."""
    page = _safe_load(html, url)
    if page is None:
        return None
    return _guard(lambda: build_listing(page), None, "listing")


def extract_links(html: str, url: str) -> PageLinks:
    """Outgoing links split into items, listing/pagination pages, sellers and the rest."""
    page = _safe_load(html, url)
    if page is None:
        return PageLinks()
    return _guard(lambda: build_links(page), PageLinks(), "links")
