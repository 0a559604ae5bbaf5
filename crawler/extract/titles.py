"""A listing's title from the page's ``<title>``: the visible block it repeats, or it without the site name."""

from __future__ import annotations

import re
from typing import Any

from crawler.extract.page import clean_text, dedupe

_TITLE_SEPARATORS = re.compile(r"\s+[-|–—_·:]\s+|\s*[|｜_—–]\s*|\s+-\s*|\s*-\s+")
_TITLE_SEPARATOR_START = re.compile(rf"^(?:{_TITLE_SEPARATORS.pattern})")
_TITLE_SEPARATOR_END = re.compile(rf"(?:{_TITLE_SEPARATORS.pattern})$")


def read_site_names(meta: dict[str, str], logos: list[Any]) -> list[str]:
    """Names the site calls itself: og:site_name, application-name, the logo's text or alt."""
    names = [meta.get("og:site_name", ""), meta.get("application-name", "")]
    for element in logos:
        names.append(clean_text(element.text_content()))
        for image in element.iter("img"):
            names.append(clean_text(image.get("alt") or image.get("title")))
        names.append(clean_text(element.get("alt") or element.get("title")))
    return dedupe([name for name in names if name and len(name) <= 60])


def title_from_tag(title: str, site_names: list[str], blocks: list[tuple[Any, str]]) -> tuple[str, Any]:
    """The <title> without the site name; the visible block it repeats (h1/h2/b/strong) wins when there is one."""
    if not title:
        return "", None
    best: tuple[str, Any] = ("", None)
    for element, text in blocks:
        if len(text) > len(best[0]) and (text == title or _affix_of(title, text)):
            best = (text, element)
    if best[0]:
        return best
    return _strip_site_suffix(title, site_names), None


def _affix_of(title: str, text: str) -> bool:
    """Whether ``title`` is ``text`` plus a separator and something else, on either side."""
    if title.startswith(text):
        rest = title[len(text) :]
        match = _TITLE_SEPARATOR_START.match(rest)
        return bool(match and rest[match.end() :].strip())
    if title.endswith(text):
        head = title[: -len(text)]
        match = _TITLE_SEPARATOR_END.search(head)
        return bool(match and head[: match.start()].strip())
    return False


def _strip_site_suffix(title: str, site_names: list[str]) -> str:
    """ "Like new - Ray-Ban - OBO - ShopName" -> "Like new - Ray-Ban - OBO": only the site name goes."""
    separators = list(_TITLE_SEPARATORS.finditer(title))
    if not separators:
        return title
    lowered = title.lower()
    for name in (n.lower() for n in site_names):
        if lowered.endswith(name):
            head = title[: -len(name)]
            match = _TITLE_SEPARATOR_END.search(head)
            if match and clean_text(head[: match.start()]):
                return clean_text(head[: match.start()])
        if lowered.startswith(name):
            rest = title[len(name) :]
            match = _TITLE_SEPARATOR_START.match(rest)
            if match and clean_text(rest[match.end() :]):
                return clean_text(rest[match.end() :])
    # Unknown site name: it usually follows the last separator.
    head = clean_text(title[: separators[-1].start()])
    if len(head) >= 4:
        return head
    parts = [clean_text(p) for p in _TITLE_SEPARATORS.split(title) if clean_text(p)]
    return max(parts, key=len) if parts else title


