"""Turn raw HTTP bodies into text without trusting the declared charset blindly.

Order of evidence: byte-order mark, then the HTTP ``Content-Type`` charset, then
``<meta charset>`` / ``<meta http-equiv>``, then detection. A declared encoding is accepted if the
body decodes *and* the result looks like real text (see :func:`core.charsets.plausibility`);
Chinese sites often label Big5 as gb2312 or GBK as utf-8.  Real pages also carry a stray invalid
byte: a declared encoding that fails on only a few of the bytes (at most
``core.charsets.MAX_BAD_SHARE`` of the non-ASCII ones) still wins, with U+FFFD for those bytes,
counted in ``DecodedBody.replaced``.  Detection, too, prefers UTF-8, GB18030 or Big5 with a few
replaced bytes over a single-byte code page: a Chinese page is never read as Cyrillic or Latin-1
because of a few bad bytes.  GB2312/GBK are always decoded as gb18030 and Big5 as big5hkscs
(supersets).
"""

from __future__ import annotations

import codecs
import logging
from dataclasses import dataclass, replace

from charset_normalizer import from_bytes
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, resolve_encoding

from core.charsets import MAX_BAD_SHARE, SAMPLE_CHARS, bad_share, lenient_decode, non_ascii_bytes, plausibility

__all__ = ["DecodedBody", "decode_body", "normalize_encoding_name"]

logger = logging.getLogger(__name__)

# Bytes handed to the statistical detector.
_SAMPLE_BYTES = 256 * 1024
# Minimum share of "common" characters for a decoding to count as plausible.
_PLAUSIBLE = 0.85
# Fewer non-ASCII bytes than this are too little text to judge a declaration by: a page whose only
# non-ASCII is one accented letter or one rare character keeps the charset it declares, if it decodes.
_MIN_EVIDENCE_BYTES = 16

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

#: Byte-order marks, UTF-32's before UTF-16's: UTF-32's little-endian mark begins with UTF-16's. Not
#: w3lib's ``read_bom``: since 2.6 it follows the WHATWG standard, which has no UTF-32, and reads that
#: mark as UTF-16.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf_32_le"),
    (codecs.BOM_UTF32_BE, "utf_32_be"),
    (codecs.BOM_UTF8, "utf_8"),
    (codecs.BOM_UTF16_LE, "utf_16_le"),
    (codecs.BOM_UTF16_BE, "utf_16_be"),
)


@dataclass(frozen=True)
class DecodedBody:
    """Decoded page text, the codec used, whether the choice was verified, and how many
    undecodable byte sequences became U+FFFD."""

    text: str
    encoding: str
    confident: bool
    replaced: int = 0


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


def _latin_run_ratio(text: str) -> float:
    """How often Latin-1 high characters follow each other: typical of multibyte text read as cp1252."""
    sample = text[:SAMPLE_CHARS]
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
    return plausibility(text) >= _PLAUSIBLE


def _tolerable(body: bytes, encoding: str) -> DecodedBody | None:
    """``body`` in ``encoding`` with its few undecodable bytes replaced, if it reads as real text."""
    try:
        text, replaced = lenient_decode(body, encoding)
    except LookupError:
        return None
    if bad_share(replaced, body) > MAX_BAD_SHARE or "\x00" in text[:SAMPLE_CHARS] or not _acceptable(text, encoding):
        return None
    return DecodedBody(text, encoding, True, replaced)


def _detect(body: bytes) -> DecodedBody | None:
    """Try the encodings Chinese/English marketplaces actually use, best-scoring first."""
    sample = body[:_SAMPLE_BYTES]
    if sample.isascii() and body.isascii():  # an ASCII head (scripts, CSS) may precede the text
        return DecodedBody(body.decode("ascii"), "ascii", True)
    utf8 = _strict(body, "utf_8")
    if utf8 is not None and "\x00" not in utf8[:SAMPLE_CHARS]:  # NULs: UTF-16/32 without a BOM, not UTF-8
        return DecodedBody(utf8, "utf_8", True)  # valid multibyte UTF-8 is almost never an accident
    scored: list[tuple[float, int, str, str]] = []
    for rank, encoding in enumerate(("gb18030", "big5hkscs")):
        text = _strict(body, encoding)
        if text is not None:
            scored.append((plausibility(text), -rank, encoding, text))
    if scored:
        score, _, encoding, text = max(scored)
        if score >= _PLAUSIBLE:
            return DecodedBody(text, encoding, score >= 0.95)
    damaged = _damaged_multibyte(body)
    if damaged is not None:
        return damaged
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


def _damaged_multibyte(body: bytes) -> DecodedBody | None:
    """UTF-8, else the likelier of GB18030/Big5, when only a few bytes fail: before any code page."""
    utf8 = _tolerable(body, "utf_8")
    if utf8 is not None:
        return replace(utf8, confident=False)
    candidates = [c for c in (_tolerable(body, "gb18030"), _tolerable(body, "big5hkscs")) if c is not None]
    if not candidates:
        return None
    return replace(max(candidates, key=lambda c: plausibility(c.text)), confident=False)


def decode_body(body: bytes, content_type: str | None = None) -> DecodedBody:
    """Decode an HTTP body to text; never raises, and says whether the encoding was verified."""
    if not body:
        return DecodedBody("", "utf_8", True)
    for bom, encoding in _BOMS:  # a UTF-16 page that starts with U+0000 has UTF-32's mark: both are tried
        if body.startswith(bom):
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
    damaged: list[DecodedBody] = []
    for encoding in declared:
        text = _strict(body, encoding)
        if text is None:
            tolerable = _tolerable(body, encoding)
            if tolerable is None:
                logger.debug("declared encoding %s does not decode", encoding)
            else:
                damaged.append(tolerable)
            continue
        if _acceptable(text, encoding) or non_ascii_bytes(body) < _MIN_EVIDENCE_BYTES:
            return DecodedBody(text, encoding, True)
        doubtful.append(DecodedBody(text, encoding, True))
    if damaged:  # declared, and only a few bytes fail: the declaration wins over detection
        logger.debug("%d undecodable byte sequence(s) in a page declared %s", damaged[0].replaced, damaged[0].encoding)
        return damaged[0]

    detected = _detect(body)
    if detected is not None and (detected.confident or not doubtful):
        if doubtful:
            logger.debug("declared encoding %s overridden by %s", doubtful[0].encoding, detected.encoding)
        return detected
    if doubtful:
        # Decodes cleanly, looks unusual (rare or HKSCS characters), and nothing fits better.
        return doubtful[0]
    fallback = declared[0] if declared else "utf_8"
    text, replaced = lenient_decode(body, fallback)
    return DecodedBody(text, fallback, False, replaced)
