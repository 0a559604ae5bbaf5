"""Turn raw HTTP bodies into text without trusting the declared charset blindly.

Order of evidence: byte-order mark, then the HTTP ``Content-Type`` charset, then
``<meta charset>`` / ``<meta http-equiv>``, then detection. A declared encoding is only
accepted if the body decodes strictly *and* the result looks like real text (see
:func:`_plausibility`); Chinese sites often label Big5 as gb2312 or GBK as utf-8.
GB2312/GBK are always decoded as gb18030 and Big5 as big5hkscs (supersets).
"""

from __future__ import annotations

import codecs
import logging
import unicodedata
from dataclasses import dataclass

from charset_normalizer import from_bytes
from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
)

__all__ = ["DecodedBody", "decode_body", "normalize_encoding_name"]

logger = logging.getLogger(__name__)

# Bytes handed to the statistical detector, and characters scored for plausibility.
_SAMPLE_BYTES = 256 * 1024
_SAMPLE_CHARS = 64 * 1024
# Minimum share of "common" characters for a decoding to count as plausible.
_PLAUSIBLE = 0.85

_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb18030": "gb18030",
    "big5": "big5hkscs",
    "big5hkscs": "big5hkscs",
    "cp950": "big5hkscs",
    "latin_1": "cp1252",
    "iso8859_1": "cp1252",
    "ascii": "cp1252",
}

# What marketplaces in our regions actually serve; keeps the detector away from exotic codecs.
_DETECTABLE = ("utf_8", "gb18030", "big5hkscs", "cp1252", "shift_jis", "euc_jp", "euc_kr", "cp1251", "utf_16")

_SINGLE_BYTE = {"cp1252", "iso8859_15", "cp1250", "cp1251", "koi8_r", "mac_roman"}


@dataclass(frozen=True)
class DecodedBody:
    """Decoded page text, the codec used, and whether the choice was verified."""

    text: str
    encoding: str
    confident: bool


def normalize_encoding_name(name: str | None) -> str | None:
    """Map a charset label to the Python codec we decode with (GB* -> gb18030, Big5 -> big5hkscs)."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    if label.startswith("x-"):
        label = label[2:]
    resolved = resolve_encoding(label) or None
    if resolved is None:
        try:
            resolved = codecs.lookup(label).name
        except (LookupError, ValueError):
            return None
    resolved = codecs.lookup(resolved).name.replace("-", "_")
    return _SUPERSETS.get(resolved, resolved)


def _strict(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _is_common_hanzi(char: str) -> bool:
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


def _plausibility(text: str) -> float:
    """Share of non-ASCII characters that are ordinary text rather than mojibake."""
    good = bad = 0
    for char in text[:_SAMPLE_CHARS]:
        if char < "\x80":
            continue
        category = unicodedata.category(char)
        if "\u4e00" <= char <= "\u9fff":
            if _is_common_hanzi(char):
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


def _latin_run_ratio(text: str) -> float:
    """How often Latin-1 high characters follow each other: typical of multibyte text read as cp1252."""
    sample = text[:_SAMPLE_CHARS]
    high = [c for c in sample if "\u0080" <= c <= "\u00ff"]
    if not high:
        return 0.0
    runs = sum(
        1 for a, b in zip(sample, sample[1:], strict=False) if "\u0080" <= a <= "\u00ff" and "\u0080" <= b <= "\u00ff"
    )
    return runs / len(high)


def _acceptable(text: str, encoding: str) -> bool:
    if encoding in ("utf_8", "utf_8_sig"):
        return True  # non-ASCII bytes that happen to be valid UTF-8 are almost never an accident
    if encoding in _SINGLE_BYTE:
        return _latin_run_ratio(text) < 0.5
    return _plausibility(text) >= _PLAUSIBLE


def _detect(body: bytes) -> DecodedBody | None:
    """Try the encodings Chinese/English marketplaces actually use, best-scoring first."""
    sample = body[:_SAMPLE_BYTES]
    if sample.isascii() and body.isascii():  # an ASCII head (scripts, CSS) may precede the text
        return DecodedBody(body.decode("ascii"), "ascii", True)
    utf8 = _strict(body, "utf_8")
    if utf8 is not None and "\x00" not in utf8[:_SAMPLE_CHARS]:  # NULs: UTF-16/32 without a BOM, not UTF-8
        return DecodedBody(utf8, "utf_8", True)  # valid multibyte UTF-8 is almost never an accident
    scored: list[tuple[float, int, str, str]] = []
    for rank, encoding in enumerate(("gb18030", "big5hkscs")):
        text = _strict(body, encoding)
        if text is not None:
            scored.append((_plausibility(text), -rank, encoding, text))
    if scored:
        score, _, encoding, text = max(scored)
        if score >= _PLAUSIBLE:
            return DecodedBody(text, encoding, score >= 0.95)
    try:
        best = from_bytes(sample, cp_isolation=list(_DETECTABLE)).best()
    except (ValueError, LookupError, UnicodeError):
        best = None
    if best is not None:
        encoding = normalize_encoding_name(best.encoding) or "utf_8"
        text = _strict(body, encoding)
        if text is not None:
            return DecodedBody(text, encoding, False)
    if scored:
        _, _, encoding, text = max(scored)
        return DecodedBody(text, encoding, False)
    return None


def decode_body(body: bytes, content_type: str | None = None) -> DecodedBody:
    """Decode an HTTP body to text; never raises, and says whether the encoding was verified."""
    if not body:
        return DecodedBody("", "utf_8", True)
    bom_encoding, bom = read_bom(body)
    if bom_encoding and bom:
        encoding = normalize_encoding_name(bom_encoding) or "utf_8"
        text = _strict(body[len(bom) :], encoding)
        if text is not None:
            return DecodedBody(text, encoding, True)

    declared: list[str] = []
    header = normalize_encoding_name(http_content_type_encoding(content_type)) if content_type else None
    meta = normalize_encoding_name(html_body_declared_encoding(body[:4096]))
    for candidate in (header, meta):
        if candidate and candidate not in declared:
            declared.append(candidate)
    doubtful: list[DecodedBody] = []
    for encoding in declared:
        text = _strict(body, encoding)
        if text is None:
            logger.debug("declared encoding %s does not decode", encoding)
            continue
        if _acceptable(text, encoding):
            return DecodedBody(text, encoding, True)
        doubtful.append(DecodedBody(text, encoding, True))

    detected = _detect(body)
    if detected is not None and (detected.confident or not doubtful):
        if doubtful:
            logger.debug("declared encoding %s overridden by %s", doubtful[0].encoding, detected.encoding)
        return detected
    if doubtful:
        # Decodes cleanly, looks unusual (rare or HKSCS characters), and nothing fits better.
        return doubtful[0]
    fallback = declared[0] if declared else "utf_8"
    return DecodedBody(body.decode(fallback, errors="replace"), fallback, False)
