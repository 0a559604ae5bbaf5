"""The demo marketplaces' product photos: generated (Pillow, numpy), deterministic, some re-posted.

Every image path of the demo catalog shows a photo of its own, drawn from a seed derived from
the path: an object on a light studio background, textured enough that perceptual hashes tell
photos apart (flat images all look alike to PDQ and are never linked).  Some photos are
re-posted, as traffickers do:

* on the demo marketplace, a few listings of likely trade show another seller's photo,
  re-encoded at a lower JPEG quality (:data:`REUSED`);
* on the second demo marketplace (``wildwatch.demo.bazaar``), listings show photos of the first,
  resized to 80%, cropped 2.5% a side and re-encoded (:func:`reposted`).

So a crawl of both (``make run``) links listings and sellers through their photos.
"""

from __future__ import annotations

import hashlib
import io
from functools import lru_cache
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

__all__ = ["PHOTO_SIDE", "DemoPhotos", "original", "photo", "jpeg", "reposted", "reused_pairs"]

#: Pixels a side of a demo photo (a re-post is 80% of that, less its crop).
PHOTO_SIDE = 320
#: Every this-many-th listing of likely trade (by id) shows the photo of the one before it.
_REUSE_EVERY = 5


def _seed(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def _smooth(rng: np.random.Generator, cells: int, side: int, channels: int) -> np.ndarray:
    """Random values on a coarse grid, upscaled smoothly: low-frequency structure, like a real scene."""
    grid = rng.uniform(0, 255, size=(cells, cells, channels)).astype(np.uint8)
    mode = "RGB" if channels == 3 else "L"
    image = Image.fromarray(grid if channels == 3 else grid[..., 0], mode)
    return np.asarray(image.resize((side, side), Image.Resampling.BICUBIC), dtype=np.float32)


def photo(seed: int, side: int = PHOTO_SIDE) -> Image.Image:
    """One product shot: a textured object with a soft shadow on a light, vignetted background."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:side, 0:side] / side
    background = rng.uniform(200, 245) * (1 - 0.3 * ((x - 0.5) ** 2 + (y - 0.5) ** 2))
    canvas = np.repeat(background[..., None], 3, axis=2)
    canvas += _smooth(rng, 4, side, 3) * 0.12 + _smooth(rng, 60, side, 1)[..., None] * 0.12 - 45  # tint and table grain
    texture = _smooth(rng, int(rng.integers(5, 10)), side, 3) * 0.6 + _smooth(rng, 40, side, 3) * 0.4
    mask = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(mask)
    for _ in range(int(rng.integers(1, 4))):
        w, h = rng.uniform(0.25, 0.6, size=2) * side
        cx, cy = rng.uniform(0.3, 0.7, size=2) * side
        draw.ellipse([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], fill=255)
    shadow = np.asarray(mask.filter(ImageFilter.GaussianBlur(side / 30)), dtype=np.float32)[..., None] / 255
    shadow = np.roll(shadow, (side // 40, side // 30), axis=(0, 1))
    canvas = canvas * (1 - 0.35 * shadow)
    alpha = np.asarray(mask.filter(ImageFilter.GaussianBlur(1.5)), dtype=np.float32)[..., None] / 255
    canvas = canvas * (1 - alpha) + texture * alpha
    canvas += rng.normal(0, 3, size=canvas.shape)
    return Image.fromarray(np.clip(canvas, 0, 255).astype(np.uint8), "RGB")


def jpeg(image: Image.Image, quality: int = 88) -> bytes:
    """The photo as JPEG bytes (no metadata: the same image always gives the same bytes)."""
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def reposted(image: Image.Image) -> Image.Image:
    """What a re-poster uploads: resized to 80%, then 2.5% cropped off each side."""
    small = image.resize((round(image.width * 0.8), round(image.height * 0.8)), Image.Resampling.LANCZOS)
    w, h = small.size
    return small.crop((round(w * 0.025), round(h * 0.025), round(w * 0.975), round(h * 0.975)))


def reused_pairs(listings: list[dict[str, Any]]) -> dict[int, int]:
    """listing id -> the listing (another seller's) whose first photo it shows as its own."""
    trade = sorted((r for r in listings if r.get("label") == 1), key=lambda r: int(r["id"]))
    pairs: dict[int, int] = {}
    for n in range(_REUSE_EVERY - 1, len(trade), _REUSE_EVERY):
        original, copy = trade[n - 1], trade[n]
        if original["seller_id"] != copy["seller_id"] and original["images"] and copy["images"]:
            pairs[int(copy["id"])] = int(original["id"])
    return pairs


class DemoPhotos:
    """The bytes behind each ``/static/img/...`` path of the demo marketplace (see module docstring)."""

    def __init__(self, listings: list[dict[str, Any]]) -> None:
        by_id = {int(r["id"]): r for r in listings}
        self._source: dict[str, tuple[str, int]] = {}  # path -> (path whose photo it shows, JPEG quality)
        for copy_id, original_id in reused_pairs(listings).items():
            self._source[by_id[copy_id]["images"][0]] = (by_id[original_id]["images"][0], 72)

    def source(self, path: str) -> tuple[str, int]:
        """(the path whose photo ``path`` shows, the JPEG quality it is served at)."""
        return self._source.get(path, (path, 88))

    def body(self, path: str) -> tuple[str, bytes]:
        """(content type, bytes) served at ``path``: JPEG for ``.jpg``/``.jpeg``, PNG for ``.png``."""
        source, quality = self.source(path)
        png = path.endswith(".png")
        return ("image/png" if png else "image/jpeg"), _rendered(source, quality, png)


@lru_cache(maxsize=1024)  # the whole demo catalog (~660 photos, ~25 kB each): each is drawn once a process
def _rendered(source: str, quality: int, png: bool) -> bytes:
    image = original(source)
    if png:
        out = io.BytesIO()
        image.save(out, "PNG")
        return out.getvalue()
    return jpeg(image, quality)


def original(path: str) -> Image.Image:
    """The photo first posted at ``path`` (its seed is the path)."""
    return photo(_seed(path))
