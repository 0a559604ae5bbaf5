"""Listing photos as bytes: what they are (sniffed, never trusted from headers), whether they are safe to
decode, and the perceptual hashes that find them again after a re-poster has edited them.

Pure functions (no database, no files): the crawl's writer stage, the store and ``bench/`` all call them.

Hashes (measured in ``bench/photos.py``; the figures are in docs/api.md):

- **PDQ** (Meta's 256-bit hash, ``pdqhash``) with its 0-100 quality score, on the whole frame.  It
  survives re-encoding, resizing and small watermarks but not cropping: 2.5% off each side moves it
  by ~50 bits, beyond its threshold of 31.
- **Centre crops**: PDQ of the frame with 2.5% and 5% cut off every side too.  A photo cropped by a
  re-poster then lines up with one of the original's crops (or the original with one of the copy's),
  so the distance that decides is the smallest over those pairs.
- pHash and dHash (``imagehash``) were measured and are not used: at the thresholds where they catch
  crops they also match unrelated product shots on a white background.

Hashes of low quality (< 50: flat or nearly flat images) are kept for the record but never used to
link: every flat image looks alike to PDQ.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pdqhash
from PIL import Image, ImageFile, UnidentifiedImageError

__all__ = [
    "CROPS",
    "MIN_QUALITY",
    "ImageFacts",
    "ImageLimits",
    "ImageRejected",
    "analyze_image",
    "make_thumbnail",
    "hamming",
    "sniff",
]

#: Per-mille cut off every side for each hashed frame: the whole photo, 2.5% and 5% a side.
CROPS = (0, 25, 50)
#: PDQ quality below which a hash is not trusted to link photos (Meta's own cut-off).
MIN_QUALITY = 50
#: Hashes are computed on this many pixels a side (JPEGs are decoded at a reduced scale: 4x less work for 800 px).
_HASH_SIDE = 200

# Pillow's own guard: it refuses (DecompressionBombError) images over twice this many pixels.
# ``ImageLimits.max_pixels`` is checked before decoding; this is the backstop for code paths that
# open images elsewhere.
Image.MAX_IMAGE_PIXELS = 50_000_000
ImageFile.LOAD_TRUNCATED_IMAGES = False

#: Formats we decode; anything else (SVG, HTML, TIFF, ICO...) is skipped without being parsed.
_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
_SVG = re.compile(rb"<svg[\s>]", re.IGNORECASE)
_SCRIPT = re.compile(rb"<script|\son[a-z]+\s*=|javascript:", re.IGNORECASE)
_HTML = re.compile(rb"<(!doctype html|html|head|body|script|\?xml)[\s>]", re.IGNORECASE)


class ImageRejected(Exception):
    """Bytes that are not a photo we can safely hash; ``reason`` is a short code recorded as the skip reason."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class ImageLimits:
    """What a fetched image may cost before it is skipped: bytes, decoded pixels and animation frames."""

    max_bytes: int = 15_000_000
    max_pixels: int = 40_000_000
    max_frames: int = 200


@dataclass(frozen=True, slots=True)
class ImageFacts:
    """What the store keeps about one image: its type and size and its perceptual hashes."""

    mime: str
    width: int
    height: int
    frames: int  # 1, or "more than one" counted up to ImageLimits.max_frames
    pdq: int  # 256-bit PDQ of the whole frame
    quality: int  # PDQ quality, 0-100
    crops: tuple[tuple[int, int], ...]  # (per-mille cut a side, 256-bit PDQ) for each of CROPS

    @property
    def pdq_hex(self) -> str:
        """The PDQ hash as 64 hex digits (the form other PDQ tools read)."""
        return f"{self.pdq:064x}"


def sniff(data: bytes) -> str | None:
    """The MIME type the bytes really are, from their first bytes (``None``: not an image we decode)."""
    head = data[:32]
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _kind_of_non_image(data: bytes) -> ImageRejected:
    window = data[:4096].lstrip()
    if _SVG.search(window):
        scripted = _SCRIPT.search(data) is not None
        return ImageRejected("svg", "SVG with script" if scripted else "SVG is never decoded or served")
    if _HTML.search(window):
        return ImageRejected("not_an_image", "markup (HTML or XML), not an image")
    return ImageRejected("unsupported_format", f"unrecognised leading bytes {data[:8].hex()}")


def _bits(vector: np.ndarray) -> int:
    """PDQ's 256 0/1 values as one integer, first value in the most significant bit."""
    return int.from_bytes(np.packbits(vector.astype(np.uint8)).tobytes(), "big")


def _pdq(pixels: np.ndarray) -> tuple[int, int]:
    vector, quality = pdqhash.compute(np.ascontiguousarray(pixels))
    return _bits(vector), int(quality)


def _broken(exc: BaseException) -> ImageRejected:
    """A decoder's complaint as a skip: cut short ("truncated") or otherwise damaged ("corrupt")."""
    message = str(exc)[:200] or type(exc).__name__
    cut_short = any(word in message.lower() for word in ("truncated", "broken data stream", "premature end"))
    return ImageRejected("truncated" if cut_short else "corrupt", message)


def _open(data: bytes, limits: ImageLimits) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise ImageRejected("decompression_bomb", str(exc)) from exc
    except Image.DecompressionBombWarning as exc:
        raise ImageRejected("decompression_bomb", str(exc)) from exc
    except UnidentifiedImageError as exc:
        raise ImageRejected("corrupt", "no decoder recognises the bytes") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise _broken(exc) from exc
    if image.format not in _MIME:
        raise ImageRejected("unsupported_format", f"{image.format} is not decoded")
    width, height = image.size
    if width <= 0 or height <= 0:
        raise ImageRejected("corrupt", f"size {width}x{height}")
    if width * height > limits.max_pixels:
        raise ImageRejected("decompression_bomb", f"{width}x{height} pixels is over the limit of {limits.max_pixels}")
    return image


@contextmanager
def _decoding(image: Image.Image) -> Iterator[None]:
    """Decode inside: bomb warnings are errors, every decoder failure an :class:`ImageRejected`, and
    the image is closed afterwards."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected("decompression_bomb", str(exc)) from exc
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
        raise _broken(exc) from exc
    finally:
        image.close()


def _count_frames(image: Image.Image, limits: ImageLimits) -> int:
    """Frames up to ``max_frames`` + 1, without decoding more of an animation than that."""
    if not getattr(image, "is_animated", False):
        return 1
    try:
        image.seek(limits.max_frames)
    except EOFError:
        # fewer frames than the limit: n_frames is now cheap (the file has been walked)
        return int(getattr(image, "n_frames", 1))
    finally:
        try:
            image.seek(0)
        except EOFError:
            pass
    raise ImageRejected("too_many_frames", f"an animation of more than {limits.max_frames} frames")


def analyze_image(data: bytes, limits: ImageLimits | None = None) -> ImageFacts:
    """Check, decode and hash one fetched image; every way it can be unusable is an :class:`ImageRejected`.

    Memory stays bounded: the byte and pixel limits are checked before anything is decoded, JPEGs
    are decoded at a reduced scale, and only the first frame of an animation is ever decoded.
    """
    limits = limits or ImageLimits()
    if not data:
        raise ImageRejected("empty", "0 bytes")
    if len(data) > limits.max_bytes:
        raise ImageRejected("too_large", f"{len(data)} bytes is over the limit of {limits.max_bytes}")
    mime = sniff(data)
    if mime is None:
        raise _kind_of_non_image(data)
    image = _open(data, limits)
    if _MIME.get(image.format or "") != mime:
        raise ImageRejected("corrupt", f"{mime} bytes decode as {image.format}")
    width, height = image.size
    with _decoding(image):
        frames = _count_frames(image, limits)
        image.draft("RGB", (_HASH_SIDE, _HASH_SIDE))  # JPEG only: DCT-domain downscale while decoding
        rgb = image.convert("RGB")
    return _hash_frames(rgb, mime=mime, width=width, height=height, frames=frames)


def _hash_frames(rgb: Image.Image, *, mime: str, width: int, height: int, frames: int) -> ImageFacts:
    if rgb.width > _HASH_SIDE or rgb.height > _HASH_SIDE:
        rgb = rgb.resize((min(rgb.width, _HASH_SIDE), min(rgb.height, _HASH_SIDE)), Image.Resampling.BOX)
    pixels = np.asarray(rgb)
    rows, cols = pixels.shape[:2]
    crops: list[tuple[int, int]] = []
    pdq, quality = 0, 0
    for per_mille in CROPS:
        dy, dx = round(rows * per_mille / 1000), round(cols * per_mille / 1000)
        value, frame_quality = _pdq(pixels[dy:rows - dy, dx:cols - dx])
        if per_mille == 0:
            pdq, quality = value, frame_quality
        crops.append((per_mille, value))
    return ImageFacts(mime=mime, width=width, height=height, frames=frames, pdq=pdq, quality=quality,
                      crops=tuple(crops))


#: Longest side of a thumbnail, in pixels (the review pages show them at 96 CSS px: sharp at 2x).
THUMB_SIDE = 192


def make_thumbnail(data: bytes, side: int = THUMB_SIDE, limits: ImageLimits | None = None) -> bytes:
    """A JPEG of at most ``side`` pixels a side of a stored photo's first frame (transparency on white).

    The same checks as :func:`analyze_image` come first; JPEGs are decoded at a reduced scale."""
    limits = limits or ImageLimits()
    if not data or len(data) > limits.max_bytes or sniff(data) is None:
        raise ImageRejected("not_an_image", "no thumbnail for these bytes")
    image = _open(data, limits)
    with _decoding(image):
        image.draft("RGB", (side, side))
        image.thumbnail((side, side), Image.Resampling.LANCZOS)
        if image.mode in ("RGBA", "LA", "P", "PA"):
            rgba = image.convert("RGBA")
            flat = Image.new("RGB", rgba.size, (255, 255, 255))
            flat.paste(rgba, mask=rgba.getchannel("A"))
        else:
            flat = image.convert("RGB")
    out = io.BytesIO()
    flat.save(out, "JPEG", quality=80, optimize=True)
    return out.getvalue()


def hamming(a: int, b: int) -> int:
    """Bits that differ between two hashes."""
    return (a ^ b).bit_count()
