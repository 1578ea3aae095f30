"""AWTRIX-style background effects, drawn for any panel size with numpy.

Each effect is a function of time over precomputed coordinate grids, so a frame costs a
few whole-array operations (no Python loop over pixels). Sizes are in AWTRIX pixels
times the panel's scale ``k``, so an effect looks alike on 32×8 and 256×128. Effects
are computed on a grid of at most about 64×32 cells and blown up by whole factors:
a 256×128 frame costs what a 64×32 one does (AWTRIX's own effects are 32×8).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from retroboard_common.custom_apps import EFFECT_NAMES
from retroboard_renderer.drivers.base import Frame


def _rainbow_lut() -> npt.NDArray[np.uint8]:
    """256 fully saturated hues (index → RGB)."""
    hue = np.arange(256, dtype=np.float32) / 256.0 * 6.0
    channels = [np.clip(np.abs(((hue + shift) % 6.0) - 3.0) - 1.0, 0.0, 1.0) for shift in (0, 4, 2)]
    return np.ascontiguousarray((np.stack(channels, axis=1) * 255).astype(np.uint8))


RAINBOW: Final = _rainbow_lut()
"""Hue palette: ``RAINBOW[i]`` is the colour at ``i / 256`` of the way round."""


def _ocean_lut() -> npt.NDArray[np.uint8]:
    stops = np.array([[0, 0, 40], [0, 40, 120], [0, 120, 200], [120, 220, 255]], dtype=np.float32)
    positions = np.linspace(0, 3, 256)
    low = np.floor(positions).astype(int).clip(0, 2)
    frac = (positions - low)[:, None]
    return _u8(stops[low] * (1 - frac) + stops[low + 1] * frac)


def _u8(array: Any) -> Frame:
    """``array`` as 8-bit colours (a no-op for what already is)."""
    return np.asarray(array).astype(np.uint8, copy=False)


OCEAN: Final = _ocean_lut()
DIMMED_OCEAN: Final = _u8(OCEAN * (np.arange(256, dtype=np.float32) / 255.0)[:, None])
"""``OCEAN[i]`` at brightness ``i / 255``: a twinkling star's colour as it glows."""


class Effect:
    """One panel-sized effect: ``draw(now)`` returns a new-looking frame each time."""

    def __init__(self, name: str, width: int, height: int) -> None:
        if name not in _EFFECTS:
            raise ValueError(f"unknown effect {name!r}")
        self.name = name
        self.width, self.height = width, height
        k = max(1, min(width // 32, height // 8))
        self.cell = max(1, k // 2)
        """Panel pixels per grid cell, each way."""
        self.grid_w = -(-width // self.cell)
        self.grid_h = -(-height // self.cell)
        per_awtrix = k / self.cell  # grid cells per AWTRIX pixel
        ys, xs = np.mgrid[0 : self.grid_h, 0 : self.grid_w].astype(np.float32)
        self.x, self.y = xs / per_awtrix, ys / per_awtrix
        """Grid coordinates in AWTRIX pixels (so sizes scale with the panel)."""
        self.cx, self.cy = np.floor(self.x).astype(np.intp), np.floor(self.y).astype(np.intp)
        self.rows = height / k
        rng = np.random.default_rng(len(name) * 7919 + width * 31 + height)
        cells_h, cells_w = int(self.cy.max()) + 1, int(self.cx.max()) + 1
        self.cell_phase = rng.random((cells_h, cells_w), dtype=np.float32) * 6.2832
        self.cell_rate = 1.0 + rng.random((cells_h, cells_w), dtype=np.float32) * 3.0
        self.column_speed = 4.0 + rng.random(cells_w, dtype=np.float32) * 8.0
        self.column_phase = rng.random(cells_w, dtype=np.float32) * 40.0
        self.checker = ((self.cx // 4 + self.cy // 4) % 2 == 1)[..., None]
        self.hue_x = (self.x * 8.0).astype(np.int32)
        self._draw = _EFFECTS[name]
        self._out = np.empty((self.grid_h * self.cell, self.grid_w * self.cell, 3), np.uint8)

    def draw(self, now: float) -> Frame:
        """The effect at time ``now`` (seconds): a ``(height, width, 3)`` view of a
        buffer the next call overwrites."""
        grid = self._draw(self, now)
        if self.cell == 1:
            return grid
        g = self.cell
        blocks = self._out.reshape(self.grid_h, g, self.grid_w, g, 3)
        blocks[:] = grid[:, None, :, None, :]
        return self._out[: self.height, : self.width]


def _palette(lut: npt.NDArray[np.uint8], value: npt.NDArray[np.float32]) -> Frame:
    return _u8(lut[value.astype(np.int32) & 255])


def _plasma(e: Effect, t: float) -> Frame:
    v = np.sin(e.x * 0.35 + t * 1.3) + np.sin((e.y * 0.6 + e.x * 0.2) + t * 0.9)
    v += np.sin(np.hypot(e.x - (16.0 + 6.0 * math.sin(t * 0.5)), e.y - 4.0) * 0.5 - t)
    return _palette(RAINBOW, v * 42.0 + t * 30.0)


def _color_waves(e: Effect, t: float) -> Frame:
    hue = e.x * 8.0 + e.y * 4.0 + t * 60.0
    level = (np.sin(e.x * 0.4 - t * 3.0) * 0.35 + 0.65)[..., None]
    return _u8(_palette(RAINBOW, hue) * level)


def _fade(e: Effect, t: float) -> Frame:
    frame = np.empty((e.grid_h, e.grid_w, 3), dtype=np.uint8)
    frame[:] = RAINBOW[int(t * 20.0) & 255]
    return frame


def _checkerboard(e: Effect, t: float) -> Frame:
    hue = int(t * 25.0) & 255
    on, off = RAINBOW[hue], RAINBOW[(hue + 128) & 255] // 4
    if int(t * 2) % 2:
        on, off = off, on
    return _u8(np.where(e.checker, on, off))


def _ripple(e: Effect, t: float) -> Frame:
    distance = np.hypot(e.x - (16.0 + 8.0 * math.sin(t * 0.4)), e.y - 4.0)
    level = (np.sin(distance * 1.2 - t * 6.0) * 0.5 + 0.5) ** 2
    return _u8(_palette(RAINBOW, distance * 10.0 + t * 40.0) * level[..., None])


def _twinkling_stars(e: Effect, t: float) -> Frame:
    glow = np.clip(np.sin(e.cell_phase + t * e.cell_rate), 0.0, 1.0) ** 6
    return _u8(DIMMED_OCEAN[(glow * 255).astype(np.int32)][e.cy, e.cx])


def _matrix(e: Effect, t: float) -> Frame:
    period = e.rows + 12.0
    head = (t * e.column_speed + e.column_phase) % period
    behind = (head[e.cx] - e.cy) % period
    level = np.clip(1.0 - behind / 8.0, 0.0, 1.0)
    frame = np.zeros((e.grid_h, e.grid_w, 3), dtype=np.uint8)
    frame[..., 1] = (level * 255).astype(np.uint8)
    white = np.where(behind < 1.0, 180, 0).astype(np.uint8)
    frame[..., 0] = white
    frame[..., 2] = white
    return frame


def _theater_chase(e: Effect, t: float) -> Frame:
    lit = (((e.cx + int(t * 8.0)) % 3) == 0)[..., None]
    return _u8(RAINBOW[(e.hue_x + int(t * 30.0)) & 255] * lit)


def _moving_line(e: Effect, t: float) -> Frame:
    row = round((math.sin(t * 2.0) * 0.5 + 0.5) * (e.rows - 1))
    frame = np.zeros((e.grid_h, e.grid_w, 3), dtype=np.uint8)
    frame[e.cy[:, 0] == row] = RAINBOW[int(t * 40.0) & 255]
    return frame


_EFFECTS: Final[dict[str, Callable[[Effect, float], Frame]]] = {
    "Checkerboard": _checkerboard,
    "ColorWaves": _color_waves,
    "Fade": _fade,
    "Matrix": _matrix,
    "MovingLine": _moving_line,
    "Plasma": _plasma,
    "Ripple": _ripple,
    "TheaterChase": _theater_chase,
    "TwinklingStars": _twinkling_stars,
}
if set(_EFFECTS) != set(EFFECT_NAMES):  # the model's list and the drawings must agree
    raise RuntimeError("retroboard_common.custom_apps.EFFECT_NAMES is out of step")
