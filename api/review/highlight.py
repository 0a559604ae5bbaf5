"""Evidence terms highlighted in hostile listing text: escape everything, then wrap the matches."""

from __future__ import annotations

import re
from collections.abc import Sequence

from markupsafe import Markup, escape

__all__ = ["evidence_terms", "highlight"]

_TRAILING_NOTE = re.compile(r"\s*\([^()]*\)\s*$")
_QUOTED = re.compile(r"[\"'“”‘’「」『』]([^\"'“”‘’「」『』]{1,40})[\"'“”‘’「」『』]")


def evidence_terms(reasons: Sequence[str], text: str) -> list[str]:
    """The terms from the classifier's reasons that occur in ``text`` (longest first).

    The classifier writes ``穿山甲片 (pangolin)``, ``老虎油 = 老虎油 (code word: tiger)`` or
    ``ivory (+0.42)``: the words before the trailing parenthesis, on either side of ``=``, are
    terms.  ``lexicon: 象牙`` and quoted terms are understood too.
    """
    lowered = text.lower()
    candidates: set[str] = set()
    for reason in reasons:
        candidates.update(match.strip() for match in _QUOTED.findall(reason))
        reason = _TRAILING_NOTE.sub("", reason)
        if " = " in reason:
            candidates.update(part.strip() for part in reason.split(" = "))
            continue
        head, sep, tail = reason.partition(":")
        for part in re.split(r"[,，、;；|]", tail if sep else head):
            candidates.add(part.strip().strip("\"'“”「」"))
    found = [term for term in candidates if 2 <= len(term) <= 60 and term.lower() in lowered]
    return sorted(found, key=lambda term: (-len(term), term))


def highlight(text: str, terms: Sequence[str]) -> Markup:
    """``text`` escaped for HTML, with each occurrence of a term wrapped in ``<mark>``."""
    if not terms:
        return escape(text)
    pattern = re.compile("|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    out: list[str] = []
    position = 0
    for match in pattern.finditer(text):
        out.append(str(escape(text[position : match.start()])))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        position = match.end()
    out.append(str(escape(text[position:])))
    return Markup("".join(out))
