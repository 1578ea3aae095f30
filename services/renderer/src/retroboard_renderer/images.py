"""Checking and decoding images for the panel: the image library's uploads and fetched
web images.

:func:`probe` refuses what the board must not hold *before* any pixel is decoded: too
many bytes, a format other than PNG, GIF, JPEG, WebP or BMP, more than
:data:`MAX_SIDE` pixels a side (read from the header, so a decompression bomb never
expands) or more than :data:`MAX_FRAMES` frames (counted without decoding them). Only
then does it decode the first and last frame to catch corrupt data, at a cost bounded
by those limits.

:func:`decode` turns an image into panel-sized RGB frames, animations composed frame by
frame (Pillow applies GIF, APNG and WebP disposal when it seeks), alpha laid over a
background, scaled to fit. :class:`Animation` then finds the frame for a moment with no
copying, so drawing costs next to nothing.
"""

from __future__ import annotations

import io
import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
from PIL import Image, UnidentifiedImageError

from retroboard_common.app_configs import ImageFit
from retroboard_common.commands import CommandError
from retroboard_common.models import ASSET_CONTENT_TYPES, AssetFormat
from retroboard_renderer.drivers.base import Frame

MAX_BYTES: Final = 1024 * 1024
"""The largest image file accepted (upload or fetch)."""
MAX_SIDE: Final = 1024
"""The widest and tallest image accepted, in pixels (a panel is 64 or 128 wide)."""
MAX_FRAMES: Final = 300
MIN_FRAME_SECONDS: Final = 0.1
"""What a frame of 10 ms or less lasts: browsers do the same, since many GIFs say 0
(meaning "as fast as you can", which every viewer took as 100 ms)."""
_NUDGE: Final = 1e-6
STILL_SECONDS: Final = 0.0
"""The duration given to the only frame of a still image."""

Fit = ImageFit
RGB = tuple[int, int, int]

FORMATS: Final[dict[str, AssetFormat]] = {
    "PNG": "png",
    "GIF": "gif",
    "JPEG": "jpeg",
    "WEBP": "webp",
    "BMP": "bmp",
}
"""Pillow's format names → the library's."""
EXTENSIONS: Final[dict[AssetFormat, str]] = {
    "png": ".png",
    "gif": ".gif",
    "jpeg": ".jpg",
    "webp": ".webp",
    "bmp": ".bmp",
}
CONTENT_TYPES: Final = ASSET_CONTENT_TYPES

# Pillow's own bomb guard, a second line behind the side check: it warns above this
# many pixels and refuses above twice as many. 2048² leaves every image probe() accepts
# (1024² at most) silent, and never loosens a stricter value set elsewhere.
_PILLOW_PIXEL_LIMIT: Final = 2048 * 2048
if Image.MAX_IMAGE_PIXELS is None or Image.MAX_IMAGE_PIXELS > _PILLOW_PIXEL_LIMIT:
    Image.MAX_IMAGE_PIXELS = _PILLOW_PIXEL_LIMIT


@dataclass(frozen=True)
class ImageFacts:
    """What :func:`probe` learnt from an image's header."""

    format: AssetFormat
    width: int
    height: int
    frames: int


SIGNATURES: Final = (b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"\xff\xd8\xff")
"""How PNG, GIF and JPEG files start (too short a mark for BMP, none alone for WebP)."""


def probe(data: bytes, *, check_pixels: bool = True) -> ImageFacts:
    """Check ``data`` is an image the board accepts and say what it is.

    Raises :class:`CommandError`: ``too_large`` (over :data:`MAX_BYTES`, a side over
    :data:`MAX_SIDE` or over :data:`MAX_FRAMES` frames), ``unsupported`` (not a PNG,
    GIF, JPEG, WebP or BMP) or ``invalid`` (corrupt). The limits are checked from the
    header; with ``check_pixels`` the first and last frames are then decoded, which
    catches truncated and corrupt files.
    """
    if len(data) > MAX_BYTES:
        raise CommandError("too_large", f"image larger than {MAX_BYTES} bytes")
    try:
        image = Image.open(io.BytesIO(data), formats=list(FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise CommandError("too_large", f"image larger than {MAX_SIDE}×{MAX_SIDE} pixels") from None
    except UnidentifiedImageError:
        if data.startswith(SIGNATURES):  # one of ours, too broken to read its header
            raise CommandError("invalid", "corrupt image: its header cannot be read") from None
        raise CommandError("unsupported", "not a PNG, GIF, JPEG, WebP or BMP image") from None
    except Exception as exc:  # Pillow's parsers raise many kinds on corrupt data
        raise CommandError("invalid", f"corrupt image: {exc}") from None
    with image:
        image_format = FORMATS.get(image.format or "")
        if image_format is None:  # pragma: no cover - formats= above makes this unreachable
            raise CommandError("unsupported", f"unsupported format {image.format}")
        width, height = image.size
        if width > MAX_SIDE or height > MAX_SIDE:
            raise CommandError(
                "too_large",
                f"image is {width}×{height} pixels; at most {MAX_SIDE}×{MAX_SIDE}",
            )
        if width < 1 or height < 1:
            raise CommandError("invalid", f"image is {width}×{height} pixels")
        try:
            frames = int(getattr(image, "n_frames", 1))
        except Exception as exc:  # Pillow's parsers raise many kinds on corrupt data
            raise CommandError("invalid", f"corrupt image: {exc}") from None
        if frames > MAX_FRAMES:
            raise CommandError("too_large", f"image has {frames} frames; at most {MAX_FRAMES}")
        if check_pixels:
            _check_pixels(image, frames)
    return ImageFacts(image_format, width, height, frames)


def _check_pixels(image: Image.Image, frames: int) -> None:
    """Decode the first and the last frame (bounded by the limits already checked).

    Pillow's ``ImageFile.LOAD_TRUNCATED_IMAGES`` must stay off (its default): with it
    on, a truncated file would be padded instead of refused."""
    try:
        image.load()
        if frames > 1:
            image.seek(frames - 1)
            image.load()
    except Exception as exc:  # Pillow's parsers raise many kinds on corrupt data
        raise CommandError("invalid", f"corrupt image: {exc}") from None


def decode(
    source: bytes | Path,
    width: int,
    height: int,
    fit: Fit = "contain",
    background: Sequence[int] = (0, 0, 0),
) -> list[tuple[Frame, float]]:
    """Every frame of ``source`` (an image's bytes or its file) as a ``height × width``
    RGB array with the seconds it lasts (:data:`STILL_SECONDS` for a still image).

    ``fit``: ``contain`` scales the whole image into the panel (bands of
    ``background`` around it), ``cover`` fills the panel and crops the overflow,
    ``stretch`` fills it ignoring the aspect ratio, ``center`` keeps the image's own
    size, centred and cropped when larger. Transparent parts show ``background``.
    The arrays are read-only: callers share them without copying. Does not check
    limits: :func:`probe` the data first. Pillow's errors propagate.
    """
    color = (int(background[0]), int(background[1]), int(background[2]))
    opened = io.BytesIO(source) if isinstance(source, bytes) else source
    result: list[tuple[Frame, float]] = []
    with Image.open(opened, formats=list(FORMATS)) as image:
        frames = int(getattr(image, "n_frames", 1))
        for index in range(frames):
            image.seek(index)
            # convert() after seek() is the composed frame: Pillow has applied the
            # previous frames' disposal (GIF, APNG) or WebP's own compositing.
            flat = _flatten(image.convert("RGBA"), color)
            array = np.asarray(_fit(flat, width, height, fit, color), dtype=np.uint8)
            array = np.ascontiguousarray(array)
            array.flags.writeable = False
            if frames == 1:
                seconds = STILL_SECONDS
            else:
                seconds = float(image.info.get("duration", 0) or 0) / 1000.0
                if seconds <= 0.010:
                    seconds = MIN_FRAME_SECONDS
            result.append((array, seconds))
    return result


def _flatten(rgba: Image.Image, color: RGB) -> Image.Image:
    """Lay ``rgba`` over a plain ``color`` ground; returns RGB."""
    if rgba.getchannel("A").getextrema()[0] == 255:  # fully opaque: nothing to compose
        return rgba.convert("RGB")
    ground = Image.new("RGBA", rgba.size, (*color, 255))
    return Image.alpha_composite(ground, rgba).convert("RGB")


def _fit(image: Image.Image, width: int, height: int, fit: Fit, color: RGB) -> Image.Image:
    """Place ``image`` (RGB) on a ``width × height`` canvas as ``fit`` says."""
    source_w, source_h = image.size
    if fit == "stretch":
        image = _resize(image, width, height)
    elif fit in ("contain", "cover"):
        pick = min if fit == "contain" else max
        scale = pick(width / source_w, height / source_h)
        new_w = max(1, round(source_w * scale))
        new_h = max(1, round(source_h * scale))
        image = _resize(image, new_w, new_h)
    if image.size == (width, height):
        return image
    # Centre it; paste() crops whatever falls outside the canvas (cover, center).
    canvas = Image.new("RGB", (width, height), color)
    canvas.paste(image, ((width - image.width) // 2, (height - image.height) // 2))
    return canvas


def _resize(image: Image.Image, width: int, height: int) -> Image.Image:
    """Scale to ``width × height``: pixel art stays crisp when blown up by whole
    factors (nearest neighbour), anything else gets a smooth filter."""
    if image.size == (width, height):
        return image
    factor_w, factor_h = width / image.width, height / image.height
    whole = factor_w >= 1 and factor_h >= 1 and factor_w.is_integer() and factor_h.is_integer()
    method = Image.Resampling.NEAREST if whole else Image.Resampling.LANCZOS
    return image.resize((width, height), method)


class Animation:
    """Decoded frames and when each is shown: frame ``i`` from the start of a loop
    until the sum of the durations up to ``i``. Looking a moment up is a bisection,
    and the frame returned is the decoded array itself (no copy)."""

    def __init__(self, frames: Sequence[tuple[Frame, float]]) -> None:
        if not frames:
            raise ValueError("an animation needs at least one frame")
        self.frames = [frame for frame, _ in frames]
        self._ends: list[float] = []
        total = 0.0
        for _, seconds in frames:
            total += seconds
            self._ends.append(total)
        self.total = total
        """Seconds one loop lasts (0 for a still image)."""

    @property
    def animated(self) -> bool:
        """Whether there is more than one frame to show."""
        return len(self.frames) > 1 and self.total > 0

    def at(self, elapsed: float) -> tuple[Frame, float]:
        """The frame shown ``elapsed`` seconds after the start, and the seconds it
        still has on screen (``math.inf`` for a still image)."""
        if not self.animated:
            return self.frames[0], math.inf
        position = elapsed % self.total
        # A frame whose end is a rounding error away is over: without the nudge, a
        # clock summed from frame delays would ask for a redraw 1e-17 s later.
        if position + _NUDGE >= self.total:
            position = 0.0  # the loop is over: start the next one
        index = bisect_right(self._ends, position + _NUDGE)
        return self.frames[index], self._ends[index] - position


def scale_brightness(frames: list[tuple[Frame, float]], percent: int) -> list[tuple[Frame, float]]:
    """``frames`` dimmed to ``percent`` (0–100; 100 returns them unchanged)."""
    percent = min(max(percent, 0), 100)
    if percent == 100:
        return frames
    dimmed: list[tuple[Frame, float]] = []
    for frame, seconds in frames:
        array = (frame.astype(np.uint16) * percent // 100).astype(np.uint8)
        array.flags.writeable = False
        dimmed.append((array, seconds))
    return dimmed
