"""One `lang` vocabulary for listings: ``en``, ``zh-Hans`` (Simplified), ``zh-Hant`` (Traditional).

Pages declare their language as region tags (``zh-CN``, ``zh-HK``, ``zh-TW``, ``en-GB``); WildWatch
stores, filters and documents the script instead, because that is what a reader (and the
classifier) cares about.  The region tags stay accepted as input aliases.
"""

from __future__ import annotations

__all__ = ["LANGS", "LANG_ALIASES", "canonical_lang"]

LANGS = ("en", "zh-Hans", "zh-Hant")

#: Region tags that mean Traditional script; other Chinese tags mean Simplified.
_TRADITIONAL_REGIONS = frozenset({"hk", "tw", "mo"})

#: The aliases shown in docs and error messages (any ``en-*`` or ``zh-*`` tag is accepted).
LANG_ALIASES = {"zh-CN": "zh-Hans", "zh-SG": "zh-Hans", "zh": "zh-Hans", "zh-HK": "zh-Hant", "zh-TW": "zh-Hant",
                "zh-MO": "zh-Hant", "en-US": "en", "en-GB": "en"}


def canonical_lang(tag: str | None) -> str | None:
    """``tag`` in the vocabulary (``zh-CN`` -> ``zh-Hans``, ``zh-HK`` -> ``zh-Hant``, ``en-GB`` -> ``en``);
    a tag of another language is returned as given, an empty one as None."""
    if tag is None or not tag.strip():
        return None
    parts = tag.strip().replace("_", "-").lower().split("-")
    if parts[0] == "en":
        return "en"
    if parts[0] in ("zh", "cmn", "yue"):
        if "hant" in parts[1:] or _TRADITIONAL_REGIONS.intersection(parts[1:]) or parts[0] == "yue" and "hans" not in parts:
            return "zh-Hant"
        return "zh-Hans"
    return tag.strip()
