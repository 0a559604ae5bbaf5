"""Listing photos as bytes: the bad-image table (each a recorded reason, never a crash) and hashes that
survive what re-posters do while unrelated photos stay apart."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from functools import cache

import pytest
from PIL import Image

from bench.gen_photos import edit, jpeg_bytes, photo
from store.image_index import MATCH_DISTANCE, chunks, words
from store.imaging import MIN_QUALITY, ImageFacts, ImageLimits, ImageRejected, analyze_image, hamming, sniff

LIMITS = ImageLimits(max_bytes=2_000_000, max_pixels=4_000_000, max_frames=50)


@cache
def good_jpeg() -> bytes:
    return jpeg_bytes(photo(3, size=400))


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 10, 10)).save(out, "PNG")
    return out.getvalue()


def png_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A valid PNG header claiming a huge canvas over a few bytes of data (what a bomb looks like on the wire)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (1 + 3 * width) * 4, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def gif(frames: int) -> bytes:
    """An animation of distinct frames (Pillow merges identical ones)."""
    images = []
    for n in range(frames):
        frame = Image.new("L", (32, 32), 0)
        frame.putpixel((n % 32, n // 32 % 32), 255)
        images.append(frame)
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=10, loop=0)
    return out.getvalue()


SVG_SCRIPT = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'

#: name -> (bytes, expected skip reason)
BAD: dict[str, tuple[Callable[[], bytes], str]] = {
    "zero bytes": (lambda: b"", "empty"),
    "huge file": (lambda: b"\xff\xd8\xff" + b"\x00" * 2_000_001, "too_large"),
    "truncated jpeg": (lambda: good_jpeg()[: len(good_jpeg()) // 2], "truncated"),
    "jpeg header only": (lambda: good_jpeg()[:200], "truncated"),
    "decompression bomb png": (png_bomb, "decompression_bomb"),
    "pillow-sized bomb": (lambda: png_bomb(12_000, 12_000), "decompression_bomb"),
    "animated gif with thousands of frames": (lambda: gif(1000), "too_many_frames"),
    "svg with a script": (lambda: SVG_SCRIPT, "svg"),
    "svg with an onload handler": (lambda: b'<svg onload="alert(1)" xmlns="http://www.w3.org/2000/svg"/>', "svg"),
    "html served as image/jpeg": (lambda: b"<!DOCTYPE html><html><body>403 hotlinking</body></html>", "not_an_image"),
    "json error body": (lambda: b'{"error": "forbidden"}', "unsupported_format"),
    "tiff (not decoded)": (lambda: b"II*\x00" + b"\x00" * 100, "unsupported_format"),
    "png magic then garbage": (lambda: b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "corrupt"),
    "gif magic then garbage": (lambda: b"GIF89a" + b"\xff" * 20, "corrupt"),
    "webp magic then garbage": (lambda: b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 8, "corrupt"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_images_are_rejected_with_a_reason(name: str) -> None:
    make, reason = BAD[name]
    with pytest.raises(ImageRejected) as caught:
        analyze_image(make(), LIMITS)
    assert caught.value.reason == reason, caught.value


def test_pillow_bomb_guard_is_a_sane_backstop() -> None:
    assert 10_000_000 <= Image.MAX_IMAGE_PIXELS <= 100_000_000


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (b"\xff\xd8\xff\xe0", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"GIF89a", "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (SVG_SCRIPT, None),
        (b"<html>", None),
        (b"", None),
    ],
)
def test_sniff_reads_the_bytes_not_the_headers(data: bytes, mime: str | None) -> None:
    assert sniff(data) == mime


@pytest.mark.parametrize("fmt", ["PNG", "GIF", "WEBP"])
def test_other_formats_and_short_animations_are_hashed(fmt: str) -> None:
    out = io.BytesIO()
    source = photo(4, size=240)
    if fmt == "GIF":
        frames = [source.convert("P"), source.rotate(90).convert("P")]
        frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    else:
        source.save(out, fmt)
    facts = analyze_image(out.getvalue(), LIMITS)
    assert facts.mime == f"image/{fmt.lower()}" and (facts.width, facts.height) == (240, 240)
    assert facts.frames == (2 if fmt == "GIF" else 1)


def test_tiny_and_flat_images_hash_but_never_link() -> None:
    facts = analyze_image(png(3, 2), LIMITS)
    assert (facts.width, facts.height) == (3, 2)
    assert facts.quality < MIN_QUALITY


def _distance(a: ImageFacts, b: ImageFacts) -> int:
    """What the index decides on: whole frame against every frame, crops against whole frames."""
    pairs = [(a.pdq, value) for _, value in b.crops] + [(value, b.pdq) for _, value in a.crops]
    return min(hamming(x, y) for x, y in pairs)


SEEDS = (2, 3, 4, 5)  # photos of PDQ quality >= 50


@pytest.mark.parametrize("edit_name", ["reencode", "half_size", "crop_5_all_sides", "issue_80pct_crop_2_5"])
def test_reposted_photos_stay_within_the_threshold(edit_name: str) -> None:
    for seed in SEEDS:
        original = photo(seed)
        a = analyze_image(jpeg_bytes(original))
        b = analyze_image(edit(original, edit_name, seed))
        assert a.quality >= MIN_QUALITY
        assert _distance(a, b) <= MATCH_DISTANCE, (seed, edit_name)


def test_issue_example_needs_the_crops() -> None:
    """Resized to 80% and cropped 2.5% a side: the whole-frame PDQ alone misses it, the crops catch it."""
    original = photo(3)
    a = analyze_image(jpeg_bytes(original))
    b = analyze_image(edit(original, "issue_80pct_crop_2_5", 1))
    assert hamming(a.pdq, b.pdq) > MATCH_DISTANCE
    assert _distance(a, b) <= MATCH_DISTANCE


def test_unrelated_photos_stay_apart() -> None:
    facts = [analyze_image(jpeg_bytes(photo(seed, size=320))) for seed in range(100, 112)]
    good = [f for f in facts if f.quality >= MIN_QUALITY]
    assert len(good) >= 6
    for i, a in enumerate(good):
        for b in good[i + 1:]:
            assert _distance(a, b) > MATCH_DISTANCE


def test_words_and_chunks_cover_all_256_bits() -> None:
    value = (1 << 255) | (0xDEADBEEF << 100) | 1
    parts = words(value)
    assert all(-(1 << 63) <= word < (1 << 63) for word in parts)
    rebuilt = 0
    for word in parts:
        rebuilt = (rebuilt << 64) | (word & ((1 << 64) - 1))
    assert rebuilt == value
    pieces = chunks(value)
    assert len(pieces) == 11 and pieces[0] == 1 << 23 and pieces[-1] & 1 == 1
