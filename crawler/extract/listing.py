"""The listing a page shows: structured data first (JSON-LD, microdata, RDFa, OpenGraph), heuristics second."""

from __future__ import annotations

import json
from typing import Any

from crawler.extract.heuristics import read_heuristics
from crawler.extract.page import (
    MAX_DESCRIPTION,
    MAX_TITLE,
    ExtractedListing,
    Page,
    absolute_url,
    clean_text,
    dedupe,
    first_text,
)
from crawler.extract.structured import images_from, offer_price, product_nodes
from crawler.prices import Price, parse_price_parts
from crawler.urls import canonicalize_url

_MAX_IMAGES = 30


def _product_url(product: dict[str, Any], base: str) -> str | None:
    href = first_text(product.get("url"))
    absolute = absolute_url(base, href) if href else None
    return canonicalize_url(absolute) if absolute else None


def build_listing(page: Page) -> ExtractedListing | None:
    """The listing a page shows; None when no title can be found at all."""
    heuristics = read_heuristics(page)
    product: dict[str, Any] | None = None
    source = "heuristic"
    for syntax, label in (("json-ld", "jsonld"), ("microdata", "microdata"), ("rdfa", "rdfa")):
        products = product_nodes(page, syntax)
        if products:
            # Several products (related items, ItemList entries): prefer the one that is this page.
            here = canonicalize_url(page.url) if page.url else ""
            same = [p for p in products if _product_url(p, page.base) == here]
            product, source = (same or products)[0], label
            break
    og: dict[str, Any] = {}
    for item in page.structured.get("opengraph", []):
        if isinstance(item, dict):
            og = {**item, **og}

    title = clean_text(first_text(product.get("name"))) if product else ""
    if not title and og.get("og:title"):
        title, source = clean_text(first_text(og["og:title"])), "opengraph"
    if not title and heuristics.h1:
        title = heuristics.h1[0]
    if not title and heuristics.page_title:
        title = heuristics.page_title
    title = title[:MAX_TITLE].rstrip()  # a cut must not leave a trailing space
    if not title:
        return None

    description = clean_text(first_text(product.get("description")), multiline=True) if product else ""
    if not description:
        description = heuristics.description or clean_text(first_text(og.get("og:description")), multiline=True)

    price: Price | None = None
    price_text: str | None = None
    seller_name = seller_url = None
    if product:
        price, price_text, offer = offer_price(product)
        seller = (offer or {}).get("seller") or product.get("seller")
        if isinstance(seller, dict):
            seller_name = clean_text(first_text(seller.get("name"))) or None
            seller_url = absolute_url(page.base, first_text(seller.get("url")) or "")
        elif isinstance(seller, str):
            seller_name = clean_text(seller) or None
    if price is None:
        amount = og.get("product:price:amount") or og.get("og:price:amount")
        currency = og.get("product:price:currency") or og.get("og:price:currency")
        if amount:
            price = parse_price_parts(first_text(amount), first_text(currency))
            price_text = first_text(amount)
    if price is None and heuristics.price is not None:
        price, price_text = heuristics.price, heuristics.price_text

    images: list[str] = []
    if product:
        images.extend(images_from(product.get("image"), page.base))
    images.extend(heuristics.images)
    if og.get("og:image"):
        images.extend(images_from(og["og:image"], page.base))

    return ExtractedListing(
        title=title,
        description=description[:MAX_DESCRIPTION],
        price=price.amount if price else None,
        currency=price.currency if price else None,
        price_text=clean_text(price_text) if price_text else None,
        seller_name=seller_name or heuristics.seller_name,
        seller_url=seller_url or heuristics.seller_url,
        images=dedupe(images, _MAX_IMAGES),
        source=source,
        lang=page.lang,
        structured=_json_safe({k: v for k, v in page.structured.items() if v}),
    )


def _json_safe(value: Any) -> Any:
    """Structured data as plain JSON types (extruct may leave non-JSON objects around)."""
    try:
        return json.loads(json.dumps(value, default=str))
    except (TypeError, ValueError, RecursionError):
        return {}

