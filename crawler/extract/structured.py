"""Structured data in a page: JSON-LD, microdata, RDFa and OpenGraph (via extruct), read defensively.

Each syntax fails on its own (a broken JSON-LD block costs that block only) and every walk over
the data is bounded, since hostile pages nest deeply.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

import extruct
from extruct.jsonld import JsonLdExtractor

from crawler.extract.page import Page, absolute_url, first_text
from crawler.prices import Price, parse_price_parts

logger = logging.getLogger(__name__)

_MAX_NODES = 20_000  # structured-data nodes walked per page
_PRODUCT_TYPES = frozenset({"product", "individualproduct", "productmodel", "productgroup", "vehicle", "car"})


def structured_data(doc: Any, html: str, base: str) -> dict[str, list[Any]]:
    """Raw JSON-LD, microdata, RDFa and OpenGraph items; each syntax fails independently."""
    out: dict[str, list[Any]] = {"json-ld": [], "microdata": [], "rdfa": [], "opengraph": []}
    jsonld = JsonLdExtractor()
    for script in doc.xpath("//script[contains(translate(@type, 'LDJSON', 'ldjson'), 'ld+json')]"):
        try:
            out["json-ld"].extend(jsonld.extract_items(script, base_url=base))
        except Exception as exc:  # third-party boundary: invalid JSON-LD must not sink the page
            logger.debug("invalid JSON-LD block skipped: %s", exc)
    # Each syntax only where its markup is (one cheap XPath instead of a full extruct pass).
    present = {"microdata": doc.xpath("boolean(//*[@itemscope])"), "opengraph": doc.xpath("boolean(//meta[@property])")}
    for syntax in ("microdata", "opengraph"):
        if not present[syntax]:
            continue
        try:
            out[syntax] = extruct.extract(doc, base_url=base, syntaxes=[syntax], uniform=True)[syntax]
        except Exception as exc:  # third-party boundary
            logger.debug("%s extraction failed: %s", syntax, exc)
    if doc.xpath("boolean(//*[@typeof or @vocab])"):
        try:
            out["rdfa"] = _plain_rdfa(extruct.extract(html, base_url=base, syntaxes=["rdfa"])["rdfa"])
        except Exception as exc:  # third-party boundary (pyRdfa/rdflib)
            logger.debug("rdfa extraction failed: %s", exc)
    return out


def local_name(key: str) -> str:
    """The last segment of an expanded RDFa key ("http://schema.org/name" -> "name")."""
    return re.split(r"[/#]", key.rstrip("/#"))[-1] if ("/" in key or "#" in key) else key


def _plain_rdfa(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Turn extruct's expanded RDFa graph into plain schema.org-style dicts (references resolved once)."""
    by_id = {item.get("@id"): item for item in items if isinstance(item, dict)}

    def convert(node: dict[str, Any], depth: int) -> dict[str, Any]:
        plain: dict[str, Any] = {}
        for key, values in node.items():
            if key == "@id":
                plain["@id"] = values
                continue
            if key == "@type":
                plain["@type"] = [local_name(t) for t in values] if isinstance(values, list) else values
                continue
            name = local_name(key)
            converted = []
            for value in values if isinstance(values, list) else [values]:
                if isinstance(value, dict) and "@value" in value:
                    converted.append(value["@value"])
                elif isinstance(value, dict) and "@id" in value:
                    target = by_id.get(value["@id"])
                    if target is not None and depth < 4 and target is not node:
                        converted.append(convert(target, depth + 1))
                    else:
                        converted.append(value["@id"])
                else:
                    converted.append(value)
            plain[name] = converted[0] if len(converted) == 1 else converted
        return plain

    return [convert(item, 0) for item in items if isinstance(item, dict)]



def node_types(node: dict[str, Any]) -> set[str]:
    """A node's ``@type`` values, lower-cased local names."""
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {local_name(v).lower() for v in values if isinstance(v, str)}


def walk(value: Any) -> Iterator[dict[str, Any]]:
    """All dicts inside a JSON-like value, breadth-first, bounded (hostile pages nest deeply)."""
    queue = [value]
    seen = 0
    while queue and seen < _MAX_NODES:
        current = queue.pop(0)
        seen += 1
        if isinstance(current, dict):
            yield current
            queue.extend(current.values())
        elif isinstance(current, list):
            queue.extend(current)


def syntax_nodes(page: Page, syntax: str) -> list[dict[str, Any]]:
    """Every node of one syntax's data, walked once per page."""
    nodes = page.node_cache.get(syntax)
    if nodes is None:
        nodes = page.node_cache[syntax] = list(walk(page.structured.get(syntax, [])))
    return nodes


def product_nodes(page: Page, syntax: str) -> list[dict[str, Any]]:
    """The distinct named Product-like nodes of one syntax."""
    found = []
    keys: set[str] = set()
    for node in syntax_nodes(page, syntax):
        if node_types(node) & _PRODUCT_TYPES and first_text(node.get("name")):
            key = f"{first_text(node.get('name'))}|{first_text(node.get('url')) or ''}"
            if key not in keys:
                keys.add(key)
                found.append(node)
    return found


def itemlist_urls(page: Page) -> list[str]:
    """The item URLs an ItemList names (JSON-LD, microdata or RDFa)."""
    urls: list[str] = []
    for syntax in ("json-ld", "microdata", "rdfa"):
        for node in syntax_nodes(page, syntax):
            if "itemlist" not in node_types(node):
                continue
            elements = node.get("itemListElement") or []
            for element in elements if isinstance(elements, list) else [elements]:
                target = element.get("item", element) if isinstance(element, dict) else element
                href = first_text(target.get("url") or target.get("@id")) if isinstance(target, dict) else target
                if isinstance(href, str) and href.strip() and not href.startswith("_:"):
                    urls.append(href.strip())
    return urls


def offer_price(product: dict[str, Any]) -> tuple[Price | None, str | None, dict[str, Any] | None]:
    """A product's first parseable offer price, the text it came from, and the offer it belongs to."""
    offers = product.get("offers")
    candidates = [o for o in walk(offers) if isinstance(o, dict)] if offers is not None else []
    if not candidates and ("price" in product or "priceCurrency" in product):
        candidates = [product]
    for offer in candidates:
        currency = first_text(offer.get("priceCurrency"))
        specs = [s for s in walk(offer.get("priceSpecification")) if isinstance(s, dict)]
        for source in [offer, *specs]:
            for key in ("price", "lowPrice", "highPrice"):
                value = source.get(key)
                if isinstance(value, list):
                    value = value[0] if value else None
                if isinstance(value, dict):
                    value = first_text(value)
                if value is None or isinstance(value, (dict, list)):
                    continue
                price = parse_price_parts(value, currency or first_text(source.get("priceCurrency")))
                if price is not None:
                    return price, str(value), offer
    return None, None, candidates[0] if candidates else None


def images_from(value: Any, base: str) -> list[str]:
    """Absolute image URLs from a structured-data image value (a URL, an ImageObject or a list)."""
    urls = []
    for item in value if isinstance(value, list) else [value]:
        href = first_text(item)
        if href:
            absolute = absolute_url(base, href)
            if absolute:
                urls.append(absolute)
    return urls
