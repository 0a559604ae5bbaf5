"""One parsed page and the text and URL helpers every extraction step shares.

Results (``ExtractedListing``, ``PageLinks``, ``PageAnalysis``) are defined here so that the steps
(structured data, heuristics, links and kinds) can build them without importing each other.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

logger = logging.getLogger(__name__)

PageKind = Literal["item", "listing", "seller", "other"]

MAX_TITLE = 300
MAX_DESCRIPTION = 20_000
_MAX_ELEMENTS = 100_000  # elements examined by the heuristics; the content of real pages comes well before

# Invisible characters, and bidi embeddings/overrides/isolates that would reorder a title on screen.
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad\u180e\u034f"
                                     "\u202a\u202b\u202c\u202d\u202e\u2061\u2062\u2063\u2064"
                                     "\u2066\u2067\u2068\u2069"), None)
# Unicode tag characters (U+E0000-E007F): invisible, and used to split a word without a trace.
_ZERO_WIDTH.update(dict.fromkeys(range(0xE0000, 0xE0080)))
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000\u2000-\u200a\u202f\u205f]+")
_NEWLINES = re.compile(r"\s*\n\s*")

SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "object", "head"})
_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "tr",
        "td",
        "th",
        "table",
        "section",
        "article",
        "main",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "dd",
        "dt",
        "dl",
        "blockquote",
        "pre",
        "header",
        "footer",
        "aside",
        "nav",
        "form",
        "hr",
        "figure",
        "figcaption",
    }
)
BOILER_TAGS = frozenset({"nav", "header", "footer", "aside", "form", "menu"})
BOILER_HINT = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|menu|footer|header|sidebar|side-bar|breadcrumbs?|crumbs?|comments?|"
    r"ads?|advert\w*|banner|cookie\w*|share|social|related|recommend\w*|popup|modal|login|topbar)"
    r"(?:$|[\s_-])",
    re.IGNORECASE,
)

_BAD_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "sms:", "about:", "blob:", "weixin:", "file:")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


@dataclass
class ExtractedListing:
    """One marketplace listing as read from its page; ``source`` names the syntax that gave the title."""

    title: str
    description: str
    price: Decimal | None
    currency: str | None
    price_text: str | None
    seller_name: str | None
    seller_url: str | None
    images: list[str]
    source: str
    lang: str | None
    structured: dict[str, Any] = field(default_factory=dict)


@dataclass
class PageLinks:
    """Outgoing links sorted by what they probably lead to; absolute, canonical, de-duplicated."""

    item_links: list[str] = field(default_factory=list)
    listing_links: list[str] = field(default_factory=list)
    seller_links: list[str] = field(default_factory=list)
    other_links: list[str] = field(default_factory=list)
    next_page: str | None = None


@dataclass
class PageAnalysis:
    """Everything read from one page in one parse: what the spider needs per response."""

    kind: PageKind
    listing: ExtractedListing | None
    links: PageLinks
    canonical: str | None = None  # the URL the page declares as its own (crawler.canonical)


@dataclass
class Page:
    """A parsed page with its structured data; every step reads this one parse."""

    doc: Any
    url: str
    base: str
    structured: dict[str, list[Any]]
    lang: str | None
    _elements: list[tuple[Any, bool]] | None = field(default=None, repr=False)
    node_cache: dict[str, list[dict[str, Any]]] = field(default_factory=dict, repr=False)

    @property
    def elements(self) -> list[tuple[Any, bool]]:
        """``iter_elements`` of the document, walked once for the links and the heuristics."""
        if self._elements is None:
            self._elements = list(iter_elements(self.doc))
        return self._elements


# ---------------------------------------------------------------- text helpers


def clean_text(text: str | None, *, multiline: bool = False) -> str:
    """Drop zero-width characters and normalise whitespace; keep newlines only when ``multiline``."""
    if not text:
        return ""
    text = text.translate(_ZERO_WIDTH)
    if not multiline:
        return " ".join(text.split())
    text = _SPACES.sub(" ", text)
    return _NEWLINES.sub("\n", text).strip()


def block_text(element: Any, limit: int = MAX_DESCRIPTION, skip: set[Any] | None = None) -> str:
    """Visible text of an element with line breaks at block boundaries, without scripts/styles (or ``skip``)."""
    parts: list[str] = []
    size = 0
    walker = etree.iterwalk(element, events=("start", "end"))
    for event, node in walker:
        tag = node.tag if isinstance(node.tag, str) else ""
        if event == "start":
            if tag in SKIP_TAGS or not tag or (skip and node in skip):
                walker.skip_subtree()
                if tag in _BLOCK_TAGS:
                    parts.append("\n")
                continue
            if tag in _BLOCK_TAGS:
                parts.append("\n")
            if node.text:
                parts.append(node.text)
                size += len(node.text)
        else:
            if tag in _BLOCK_TAGS:
                parts.append("\n")
            if node is not element and node.tail:
                parts.append(node.tail)
                size += len(node.tail)
        if size > limit * 2:
            break
    return clean_text("".join(parts), multiline=True)[:limit]


def first_text(value: Any) -> str | None:
    """First string in a structured-data value (str, list, {"@value"}, {"name"})."""
    stack = [value]
    while stack:
        current = stack.pop(0)
        if isinstance(current, str) and current.strip():
            return current
        if isinstance(current, (int, float)) and not isinstance(current, bool):
            return str(current)
        if isinstance(current, list):
            stack[0:0] = current[:20]
        elif isinstance(current, dict):
            for key in ("@value", "name", "text", "url", "contentUrl", "@id"):
                if key in current:
                    stack.insert(0, current[key])
                    break
    return None


def attr_hints(element: Any) -> str:
    """An element's class, id and itemprop in one string, for the hint patterns."""
    return " ".join(filter(None, (element.get("class"), element.get("id"), element.get("itemprop"))))


def parse_document(html: str) -> Any | None:
    """The lxml document of a page, or None for an empty or unparseable one."""
    html = _XML_DECLARATION.sub("", html, count=1)
    if not html.strip():
        return None
    parser = lxml.html.HTMLParser(huge_tree=True, remove_comments=True, remove_pis=True)
    try:
        return lxml.html.document_fromstring(html, parser=parser)
    except (etree.LxmlError, ValueError) as exc:
        logger.debug("unparseable page: %s", exc)
        return None


def iter_elements(doc: Any) -> Iterator[tuple[Any, bool]]:
    """Each element once, with whether it sits in page chrome (nav/header/footer/aside/ads)."""
    stack: list[tuple[Any, bool]] = [(doc, False)]
    seen = 0
    while stack and seen < _MAX_ELEMENTS:
        element, boiler = stack.pop()
        seen += 1
        if not isinstance(element.tag, str) or element.tag in SKIP_TAGS:
            continue
        if not boiler and element.tag in BOILER_TAGS:
            boiler = True
        if not boiler:
            hints = element.get("class") or element.get("id")
            if hints and BOILER_HINT.search(hints) and element.tag not in ("body", "html"):
                boiler = True
        yield element, boiler
        stack.extend((child, boiler) for child in reversed(element))


@lru_cache(maxsize=64)
def _origin(base: str) -> str | None:
    """``scheme://host[:port]`` of an http(s) base URL (None otherwise)."""
    try:
        parts = urlsplit(base)
    except ValueError:
        return None
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


def absolute_url(base: str, href: str) -> str | None:
    """An http(s) URL for a link as the browser would resolve it; None for script, mail and other schemes."""
    href = clean_text(href)
    if not href or href.lower().startswith(_BAD_SCHEMES) or href.startswith("#"):
        return None
    if (href[0] == "/" and href[1:2] != "/" and "/." not in href and "?#" not in href and href[-1] not in "?#"
            and (origin := _origin(base))):
        return origin + href  # the common root-relative link, as urljoin would write it (cheaper)
    try:
        absolute = urljoin(base, href)
    except ValueError:
        return None
    if urlsplit(absolute).scheme not in ("http", "https"):
        return None
    return absolute


def dedupe(urls: list[str], limit: int | None = None) -> list[str]:
    """The non-empty URLs in first-seen order, at most ``limit`` of them."""
    seen: set[str] = set()
    out = []
    for url in urls:
        if url and url not in seen:
            seen.add(url)
            out.append(url)
    return out[:limit] if limit else out


