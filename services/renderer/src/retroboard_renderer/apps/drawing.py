"""What a custom app draws besides its text: AWTRIX ``draw`` commands, bar and line
charts, the progress bar. Everything clips to the frame; nothing raises on coordinates
outside it.

``draw`` commands use AWTRIX's 32×8 canvas: each canvas pixel becomes a ``k × k`` block
(``k`` the largest whole factor that fits the panel) and the canvas sits centred, so a
payload written for an AWTRIX clock looks the same, only bigger.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from retroboard_renderer.drivers.base import Frame
from retroboard_renderer.text import load_font

Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Box:
    """A rectangle of the frame: ``x, y`` its top-left corner, ``w × h`` its size."""

    x: int
    y: int
    w: int
    h: int


def canvas_scale(width: int, height: int) -> int:
    """How many panel pixels one AWTRIX pixel spans each way."""
    return max(1, min(width // 32, height // 8))


def fill(frame: Frame, x: int, y: int, w: int, h: int, color: Sequence[int]) -> None:
    """Fill a rectangle, clipped to ``frame``."""
    height, width = frame.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, width), min(y + h, height)
    if x0 < x1 and y0 < y1:
        frame[y0:y1, x0:x1] = color[:3]


class Canvas:
    """AWTRIX's drawing canvas laid over a panel: commands draw in canvas pixels on a
    grid that covers the whole panel (so coordinates beyond 32×8 still show when the
    panel has room), then :meth:`paint` blows it up onto the frame."""

    def __init__(self, width: int, height: int) -> None:
        self.k = k = canvas_scale(width, height)
        left, top = (width - 32 * k) // 2, (height - 8 * k) // 2
        # Canvas pixels left of and above (0, 0) that still reach into the panel.
        self.u0, self.v0 = -(-left // k), -(-top // k)
        self.origin_x, self.origin_y = left - self.u0 * k, top - self.v0 * k
        self.cols = -(-(width - self.origin_x) // k)
        self.rows = -(-(height - self.origin_y) // k)
        self.width, self.height = width, height
        self.rgb = np.zeros((self.rows, self.cols, 3), dtype=np.uint8)
        self.ink = np.zeros((self.rows, self.cols), dtype=np.bool_)

    def _clip(self, x0: int, y0: int, x1: int, y1: int) -> tuple[int, int, int, int]:
        """Canvas-pixel bounds (inclusive-exclusive) → grid indices, clipped."""
        return (
            max(x0 + self.u0, 0),
            max(y0 + self.v0, 0),
            min(x1 + self.u0, self.cols),
            min(y1 + self.v0, self.rows),
        )

    def rect(self, x: int, y: int, w: int, h: int, color: Sequence[int]) -> None:
        """A filled rectangle."""
        gx0, gy0, gx1, gy1 = self._clip(x, y, x + w, y + h)
        if gx0 < gx1 and gy0 < gy1:
            self.rgb[gy0:gy1, gx0:gx1] = color
            self.ink[gy0:gy1, gx0:gx1] = True

    def points(
        self, xs: npt.NDArray[np.intp], ys: npt.NDArray[np.intp], color: Sequence[int]
    ) -> None:
        """Single pixels (any outside the grid are dropped)."""
        gx, gy = xs + self.u0, ys + self.v0
        keep = (gx >= 0) & (gx < self.cols) & (gy >= 0) & (gy < self.rows)
        self.rgb[gy[keep], gx[keep]] = color
        self.ink[gy[keep], gx[keep]] = True

    def line(self, x0: int, y0: int, x1: int, y1: int, color: Sequence[int]) -> None:
        """A straight line, both ends included."""
        steps = max(abs(x1 - x0), abs(y1 - y0)) + 1
        xs = np.rint(np.linspace(x0, x1, steps)).astype(np.intp)
        ys = np.rint(np.linspace(y0, y1, steps)).astype(np.intp)
        self.points(xs, ys, color)

    def circle(self, x: int, y: int, r: int, color: Sequence[int], filled: bool) -> None:
        """A circle of radius ``r`` around ``(x, y)``, outlined or filled."""
        gx0, gy0, gx1, gy1 = self._clip(x - r, y - r, x + r + 1, y + r + 1)
        if gx0 >= gx1 or gy0 >= gy1:
            return
        dy, dx = np.ogrid[
            gy0 - self.v0 - y : gy1 - self.v0 - y, gx0 - self.u0 - x : gx1 - self.u0 - x
        ]
        d2 = dx * dx + dy * dy
        inside = d2 <= r * r + r
        mask = inside if filled else inside & (d2 > r * r - r)
        self.rgb[gy0:gy1, gx0:gx1][mask] = color
        self.ink[gy0:gy1, gx0:gx1] |= mask

    def mask(self, x: int, y: int, mask: Mask, color: Sequence[int]) -> None:
        """Light ``mask``'s true pixels with their top-left at ``(x, y)``."""
        mh, mw = mask.shape
        gx0, gy0, gx1, gy1 = self._clip(x, y, x + mw, y + mh)
        if gx0 >= gx1 or gy0 >= gy1:
            return
        sx, sy = gx0 - self.u0 - x, gy0 - self.v0 - y
        part = mask[sy : sy + gy1 - gy0, sx : sx + gx1 - gx0]
        self.rgb[gy0:gy1, gx0:gx1][part] = color
        self.ink[gy0:gy1, gx0:gx1] |= part

    def bitmap(self, x: int, y: int, w: int, h: int, pixels: Sequence[int]) -> None:
        """A ``w × h`` picture of ``0xRRGGBB`` values, row by row (missing ones: none)."""
        if w <= 0 or h <= 0 or not pixels:
            return
        values = np.zeros(w * h, dtype=np.uint32)
        values[: len(pixels)] = pixels
        have = np.zeros(w * h, dtype=np.bool_)
        have[: len(pixels)] = True
        rgb = np.stack([(values >> 16) & 255, (values >> 8) & 255, values & 255], axis=1)
        rgb = rgb.astype(np.uint8).reshape(h, w, 3)
        gx0, gy0, gx1, gy1 = self._clip(x, y, x + w, y + h)
        if gx0 >= gx1 or gy0 >= gy1:
            return
        sx, sy = gx0 - self.u0 - x, gy0 - self.v0 - y
        part = have.reshape(h, w)[sy : sy + gy1 - gy0, sx : sx + gx1 - gx0]
        self.rgb[gy0:gy1, gx0:gx1][part] = rgb[sy : sy + gy1 - gy0, sx : sx + gx1 - gx0][part]
        self.ink[gy0:gy1, gx0:gx1] |= part

    def run(self, commands: Sequence[dict[str, list[Any]]]) -> None:
        """Draw validated AWTRIX ``draw`` commands in order (later ones on top)."""
        for command in commands:
            for name, v in command.items():
                if name == "dp":
                    self.rect(v[0], v[1], 1, 1, v[2])
                elif name == "dl":
                    self.line(v[0], v[1], v[2], v[3], v[4])
                elif name == "dr":
                    x, y, w, h, color = v
                    if w > 0 and h > 0:
                        self.rect(x, y, w, 1, color)
                        self.rect(x, y + h - 1, w, 1, color)
                        self.rect(x, y, 1, h, color)
                        self.rect(x + w - 1, y, 1, h, color)
                elif name == "df":
                    self.rect(*v)
                elif name in ("dc", "dfc"):
                    self.circle(v[0], v[1], v[2], v[3], filled=name == "dfc")
                elif name == "dt":
                    self.mask(v[0], v[1], load_font("tom-thumb").render(v[2]), v[3])
                elif name == "db":
                    self.bitmap(*v)

    def layer(self) -> tuple[Frame, Mask]:
        """What was drawn, at panel size: its colours and where it has ink (undrawn
        canvas pixels stay see-through)."""
        k, ox, oy = self.k, self.origin_x, self.origin_y
        rgb = np.repeat(np.repeat(self.rgb, k, axis=0), k, axis=1)
        ink = np.repeat(np.repeat(self.ink, k, axis=0), k, axis=1)
        layer = np.zeros((self.height, self.width, 3), dtype=np.uint8)
        where = np.zeros((self.height, self.width), dtype=np.bool_)
        x1, y1 = min(ox + rgb.shape[1], self.width), min(oy + rgb.shape[0], self.height)
        layer[oy:y1, ox:x1] = rgb[: y1 - oy, : x1 - ox]
        where[oy:y1, ox:x1] = ink[: y1 - oy, : x1 - ox]
        return layer, where


def render_commands(
    commands: Sequence[dict[str, list[Any]]], width: int, height: int
) -> tuple[Frame, Mask]:
    """``commands`` drawn on a panel-sized layer: its colours and where it has ink."""
    canvas = Canvas(width, height)
    canvas.run(commands)
    return canvas.layer()


# --- charts and progress ------------------------------------------------------------


def _heights(values: Sequence[int], rows: int, autoscale: bool, unit: int) -> npt.NDArray[np.intp]:
    """Each value's height in pixels of a ``rows`` tall chart."""
    array = np.asarray(values, dtype=np.float64)
    if autoscale:
        low, high = min(0.0, float(array.min())), float(array.max())
        span = high - low
        scaled = (array - low) / span * rows if span > 0 else np.zeros_like(array)
    else:  # AWTRIX's values are pixels of its 8-row panel
        scaled = array * unit
    return np.clip(np.rint(scaled), 0, rows).astype(np.intp)


def draw_bars(
    frame: Frame,
    box: Box,
    values: Sequence[int],
    color: Sequence[int],
    back: Sequence[int],
    autoscale: bool,
    unit: int,
) -> None:
    """A bar chart filling ``box``: one bar per value, left to right, a gap between."""
    if not values or box.w <= 0 or box.h <= 0:
        return
    count = len(values)
    gap = 1 if box.w >= 2 * count else 0
    bar_w = max(1, (box.w - gap * (count - 1)) // count)
    used = count * bar_w + gap * (count - 1)
    x = box.x + max(0, (box.w - used) // 2)
    for height in _heights(values, box.h, autoscale, unit).tolist():
        fill(frame, x, box.y, bar_w, box.h, back)
        fill(frame, x, box.y + box.h - height, bar_w, height, color)
        x += bar_w + gap


def draw_line_chart(
    frame: Frame, box: Box, values: Sequence[int], color: Sequence[int], autoscale: bool, unit: int
) -> None:
    """A line chart across ``box``: the values' points joined by straight lines."""
    if not values or box.w <= 0 or box.h <= 0:
        return
    heights = _heights(values, box.h - 1, autoscale, unit)
    count = len(values)
    xs = np.rint(np.linspace(box.x, box.x + box.w - 1, count)) if count > 1 else np.array([box.x])
    ys = box.y + box.h - 1 - heights
    px: list[npt.NDArray[np.intp]] = []
    py: list[npt.NDArray[np.intp]] = []
    for i in range(max(count - 1, 1)):
        j = min(i + 1, count - 1)
        steps = int(max(abs(xs[j] - xs[i]), abs(ys[j] - ys[i]))) + 1
        px.append(np.rint(np.linspace(xs[i], xs[j], steps)).astype(np.intp))
        py.append(np.rint(np.linspace(ys[i], ys[j], steps)).astype(np.intp))
    allx, ally = np.concatenate(px), np.concatenate(py)
    height, width = frame.shape[:2]
    keep = (allx >= 0) & (allx < width) & (ally >= 0) & (ally < height)
    frame[ally[keep], allx[keep]] = color[:3]


def draw_progress(
    frame: Frame, box: Box, percent: int, color: Sequence[int], back: Sequence[int]
) -> None:
    """A progress bar: ``percent`` of ``box`` from the left in ``color``, the rest ``back``."""
    done = round(box.w * min(max(percent, 0), 100) / 100)
    fill(frame, box.x, box.y, box.w, box.h, back)
    fill(frame, box.x, box.y, done, box.h, color)
