"""Synthetic listing photos and the edits re-posters make, for the photo-hash benchmark and tests.

Flat colours flatter perceptual hashes (every flat image hashes alike and any edit keeps it
flat), so these photos are textured and varied: natural-looking scenes from 1/f noise, product
shots on a light studio background (the hard case: many marketplace photos look alike at low
frequencies), and close-up textures (fabric, grain).  Everything is seeded: the same seed gives
the same photo.  No internet, no data set: Pillow and numpy only.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

__all__ = ["KINDS", "EDITS", "photo", "jpeg_bytes", "edit"]

KINDS = ("scene", "product", "texture")


def _pink_noise(rng: np.random.Generator, size: int, exponent: float) -> np.ndarray:
    """A size×size field with a 1/f^exponent spectrum, scaled to 0..1 (natural images are ~1/f^2 in power)."""
    freqs_y = np.fft.fftfreq(size)[:, None]
    freqs_x = np.fft.rfftfreq(size)[None, :]
    radius = np.sqrt(freqs_x**2 + freqs_y**2)
    radius[0, 0] = 1.0
    spectrum = (rng.normal(size=radius.shape) + 1j * rng.normal(size=radius.shape)) / radius**exponent
    spectrum[0, 0] = 0
    field = np.fft.irfft2(spectrum, s=(size, size))
    field -= field.min()
    return field / max(float(field.max()), 1e-9)


def _colorize(rng: np.random.Generator, field: np.ndarray) -> np.ndarray:
    """Map a 0..1 field through a random 3-stop colour ramp (H×W×3 floats in 0..255)."""
    stops = rng.uniform(0, 255, size=(3, 3))
    t = field[..., None]
    low = stops[0] * (1 - 2 * t) + stops[1] * (2 * t)
    high = stops[1] * (2 - 2 * t) + stops[2] * (2 * t - 1)
    return np.where(t < 0.5, low, high)


def _upscale(array: np.ndarray, size: int) -> np.ndarray:
    image = Image.fromarray(np.clip(array, 0, 255).astype(np.uint8))
    return np.asarray(image.resize((size, size), Image.Resampling.BICUBIC), dtype=np.float32)


def _scene(rng: np.random.Generator, size: int) -> np.ndarray:
    base = _colorize(rng, _pink_noise(rng, 192, rng.uniform(1.6, 2.2)))
    horizon = rng.uniform(0.3, 0.7)
    sky = np.linspace(1.0, 0.0, 192)[:, None, None] * rng.uniform(0, 255, size=3)
    mask = (np.arange(192)[:, None, None] < horizon * 192) * rng.uniform(0.2, 0.8)
    return _upscale(base * (1 - mask) + sky * mask, size)


def _texture(rng: np.random.Generator, size: int) -> np.ndarray:
    low = _pink_noise(rng, 256, 1.2)
    y, x = np.mgrid[0:256, 0:256] / 256.0
    angle = rng.uniform(0, math.pi)
    frequency = rng.uniform(8, 40)
    grain = np.sin((x * math.cos(angle) + y * math.sin(angle)) * frequency * 2 * math.pi + low * rng.uniform(4, 12))
    amplitude = rng.uniform(0.05, 0.35)
    return _upscale(_colorize(rng, 0.5 + amplitude * grain + (0.9 - 2 * amplitude) * (low - 0.5)), size)


def _product(rng: np.random.Generator, size: int) -> np.ndarray:
    """A light studio background with one to three textured objects and soft shadows."""
    shade = rng.uniform(215, 250)
    y, x = np.mgrid[0:size, 0:size] / size
    vignette = 1 - 0.25 * ((x - 0.5) ** 2 + (y - 0.5) ** 2)
    canvas = Image.fromarray(np.clip(shade * vignette, 0, 255).astype(np.uint8)).convert("RGB")
    for _ in range(int(rng.integers(1, 4))):
        w, h = rng.uniform(0.2, 0.6, size=2) * size
        cx, cy = rng.uniform(0.3, 0.7, size=2) * size
        mask = Image.new("L", (size, size), 0)
        draw = ImageDraw.Draw(mask)
        if rng.random() < 0.5:
            draw.ellipse([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], fill=255)
        else:
            corners = int(rng.integers(3, 8))
            points = [
                (cx + w / 2 * math.cos(a) * rng.uniform(0.6, 1.0), cy + h / 2 * math.sin(a) * rng.uniform(0.6, 1.0))
                for a in np.sort(rng.uniform(0, 2 * math.pi, corners))
            ]
            draw.polygon(points, fill=255)
        shadow = mask.filter(ImageFilter.GaussianBlur(size / 40))
        offset = (int(size * 0.02), int(size * 0.03))
        dark = Image.new("RGB", (size, size), (90, 90, 90))
        canvas.paste(dark, offset, shadow.point(lambda v: v // 3))
        fill = _texture(rng, size) if rng.random() < 0.5 else _scene(rng, size)
        canvas.paste(Image.fromarray(np.clip(fill, 0, 255).astype(np.uint8)), (0, 0), mask)
    return np.asarray(canvas, dtype=np.float32)


_MAKERS: dict[str, Callable[[np.random.Generator, int], np.ndarray]] = {
    "scene": _scene,
    "product": _product,
    "texture": _texture,
}


def photo(seed: int, *, size: int = 800, kind: str | None = None) -> Image.Image:
    """A seeded RGB test photo of ``kind`` (chosen by the seed when None), with sensor noise and a little blur."""
    rng = np.random.default_rng(seed)
    chosen = kind or KINDS[int(rng.integers(len(KINDS)))]
    array = _MAKERS[chosen](rng, size)
    array = array + rng.normal(0, rng.uniform(2, 6), size=array.shape)
    image = Image.fromarray(np.clip(array, 0, 255).astype(np.uint8), "RGB")
    return image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.0)))


def jpeg_bytes(image: Image.Image, quality: int = 88) -> bytes:
    """The image as JPEG bytes, as a marketplace would serve it."""
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def _reencode(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    return Image.open(io.BytesIO(jpeg_bytes(image, int(rng.integers(55, 80)))))


def _resize(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    scale = rng.uniform(0.5, 0.9)
    return image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)


def _crop(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    left, top, right, bottom = rng.uniform(0, 0.05, size=4)
    w, h = image.size
    return image.crop((round(w * left), round(h * top), round(w * (1 - right)), round(h * (1 - bottom))))


def _crop_even(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    w, h = image.size
    side = 0.05
    return image.crop((round(w * side), round(h * side), round(w * (1 - side)), round(h * (1 - side))))


def _watermark(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A semi-transparent handle and logo box in a corner (about 3% of the area), as re-posters add."""
    out = image.convert("RGBA")
    layer = Image.new("RGBA", out.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    w, h = out.size
    box_w, box_h = int(w * rng.uniform(0.2, 0.3)), int(h * rng.uniform(0.06, 0.1))
    x = int(rng.choice([w * 0.03, w * 0.97 - box_w]))
    y = int(rng.choice([h * 0.03, h * 0.97 - box_h]))
    alpha = int(rng.integers(110, 200))
    draw.rectangle([x, y, x + box_w, y + box_h], fill=(255, 255, 255, alpha // 2))
    font = ImageFont.load_default(size=max(10, box_h // 2))
    draw.text((x + box_h // 4, y + box_h // 4), f"wx:{int(rng.integers(10**6, 10**7))}", fill=(20, 20, 20, alpha), font=font)
    return Image.alpha_composite(out, layer).convert("RGB")


def _issue_case(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Issue 19's example: resized to 80%, cropped 2.5% a side, re-encoded."""
    w, h = image.size
    small = image.resize((round(w * 0.8), round(h * 0.8)), Image.Resampling.LANCZOS)
    sw, sh = small.size
    cropped = small.crop((round(sw * 0.025), round(sh * 0.025), round(sw * 0.975), round(sh * 0.975)))
    return _reencode(cropped, rng)


def _half(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    return _reencode(image.resize((image.width // 2, image.height // 2), Image.Resampling.BILINEAR), rng)


def _everything(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    return _reencode(_watermark(_crop(_resize(image, rng), rng), rng), rng)


#: name -> (image, rng) -> edited image.  Each stands for something re-posters do.
EDITS: dict[str, Callable[[Image.Image, np.random.Generator], Image.Image]] = {
    "reencode": _reencode,
    "half_size": _half,
    "resize_50_90": lambda image, rng: _reencode(_resize(image, rng), rng),
    "crop_0_5_each_side": lambda image, rng: _reencode(_crop(image, rng), rng),
    "crop_5_all_sides": lambda image, rng: _reencode(_crop_even(image, rng), rng),
    "watermark": lambda image, rng: _reencode(_watermark(image, rng), rng),
    "issue_80pct_crop_2_5": _issue_case,
    "all_combined": _everything,
}


def edit(image: Image.Image, name: str, seed: int) -> bytes:
    """``image`` after edit ``name`` (seeded), as the JPEG bytes a re-poster would upload."""
    rng = np.random.default_rng(seed)
    return jpeg_bytes(EDITS[name](image, rng), int(rng.integers(70, 92)))
