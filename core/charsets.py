"""Telling real text from mojibake, for web pages (``crawler.encoding``) and input files (``core.tables``).

Two measures, one rule:

* :func:`lenient_decode` decodes with U+FFFD for what does not decode and counts those
  replacements; :func:`bad_share` relates them to the non-ASCII bytes (ASCII decodes the same in
  every charset we meet, so it is no evidence either way).  Real UTF-8 with a stray byte or two
  has a share near 0; GBK, Big5 or Latin-1 read as UTF-8 has a share near 1 (their multibyte
  sequences are almost never valid UTF-8).  :data:`MAX_BAD_SHARE` sits far from both.
* :func:`plausibility` is the share of non-ASCII characters that are ordinary text: GB2312's or
  Big5's common hanzi, letters, punctuation — not private-use, control or replacement characters,
  and not runs of Latin-1 symbols (multibyte text read as cp1252).

The rule, for a page or a file: a declared (or requested) charset wins unless it fails on more
than ``MAX_BAD_SHARE`` of the non-ASCII bytes; a few bad bytes are replaced and counted, never a
reason to switch to a code page that turns Chinese into Cyrillic.
"""

from __future__ import annotations

import unicodedata

__all__ = ["MAX_BAD_SHARE", "bad_share", "is_common_hanzi", "lenient_decode", "non_ascii_bytes", "plausibility"]

#: Above this share of undecodable non-ASCII bytes, a charset is wrong rather than the bytes damaged.
MAX_BAD_SHARE = 0.3
#: Characters scored for plausibility.
SAMPLE_CHARS = 64 * 1024

_ASCII = bytes(range(128))


def non_ascii_bytes(data: bytes) -> int:
    """How many bytes of ``data`` are >= 0x80."""
    return len(data.translate(None, _ASCII))


def lenient_decode(data: bytes, encoding: str) -> tuple[str, int]:
    """``data`` decoded with U+FFFD for each undecodable sequence, and how many were replaced.

    U+FFFD characters the bytes themselves encode (EF BF BD in UTF-8) are not counted.
    """
    text = data.decode(encoding, errors="replace")
    genuine = data.decode(encoding, errors="ignore").count("\ufffd")
    return text, text.count("\ufffd") - genuine


def bad_share(replaced: int, data: bytes) -> float:
    """Replaced sequences per non-ASCII byte (0.0 for pure ASCII)."""
    high = non_ascii_bytes(data)
    return 0.0 if high == 0 else min(1.0, replaced / high)


def is_common_hanzi(char: str) -> bool:
    """True for characters in GB2312 (level 1/2) or Big5's frequent block: real Chinese text is mostly these."""
    try:
        gb = char.encode("gb2312")
        if len(gb) == 2 and 0xB0 <= gb[0] <= 0xF7:
            return True
    except UnicodeEncodeError:
        pass
    try:
        big5 = char.encode("big5")
    except UnicodeEncodeError:
        return False
    return len(big5) == 2 and 0xA440 <= (big5[0] << 8 | big5[1]) <= 0xC67E


def plausibility(text: str) -> float:
    """Share of non-ASCII characters that are ordinary text rather than mojibake."""
    good = bad = 0
    for char in text[:SAMPLE_CHARS]:
        if char < "\x80":
            continue
        category = unicodedata.category(char)
        if "\u4e00" <= char <= "\u9fff":
            if is_common_hanzi(char):
                good += 1
            else:
                bad += 1
        elif category in ("Co", "Cn", "Cc", "Cs") or char == "\ufffd":
            bad += 2
        elif "\u00c0" <= char <= "\u00ff" or "\u0080" <= char <= "\u00bf":
            # Latin-1 letters/symbols: fine alone, suspicious in runs (UTF-8/GBK read as cp1252).
            bad += 1
        else:
            good += 1
    total = good + bad
    return 1.0 if total == 0 else good / total
