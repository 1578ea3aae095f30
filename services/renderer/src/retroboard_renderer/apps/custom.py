"""``custom``: an AWTRIX 3 custom app (or notification) laid out for the real panel.

AWTRIX draws on 32×8; a RetroBoard panel may be that or 64×32, 128×64, 256×128. So the
layout is computed for the panel: the icon is blown up by a whole factor to about
three quarters of the height (nearest neighbour, so pixel art stays sharp), the text
takes the largest plain font that fits beside it, charts fill the text area, the
progress bar runs along the bottom. Only ``draw`` commands keep AWTRIX's coordinates:
its 32×8 canvas is scaled by a whole factor and centred (see :mod:`.drawing`).

Layers, back to front: background or effect, icon, text or chart, progress bar,
``draw`` commands, the stale frame.
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
from PIL import Image

from retroboard_common.app_configs import AppConfig
from retroboard_common.custom_apps import CUSTOM_TYPE, CustomAppConfig, plain_text
from retroboard_renderer.apps.base import STALE_COLOR, App, AppContext, shrinking_fonts
from retroboard_renderer.apps.drawing import (
    Box,
    canvas_scale,
    draw_bars,
    draw_line_chart,
    draw_progress,
    render_commands,
)
from retroboard_renderer.apps.effects import RAINBOW, Effect
from retroboard_renderer.drivers.base import Frame
from retroboard_renderer.images import Animation, decode
from retroboard_renderer.text import BitmapFont, load_font

log = logging.getLogger(__name__)

LARGEST_FONT: Final = "10x20"
BASE_SCROLL_SPEED: Final = 25.0
"""Pixels a second at ``scrollSpeed`` 100 for 7-pixel text (taller text goes faster)."""
MOVING_DELAY: Final = 1 / 30
IDLE_DELAY: Final = 1.0
"""Frame period of a picture that does not move (cheap for many idle instances)."""
ICON_POLL: Final = 0.25
RAINBOW_STEP: Final = 24
"""Hue difference between neighbouring letters of rainbow text (of 256)."""

Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Icon:
    """A decoded icon at its on-panel size, for one asset version."""

    key: tuple[str, int, int, int]
    animation: Animation | None
    """``None``: the asset is missing or unreadable (drawn without an icon)."""
    width: int = 0
    height: int = 0


@dataclass(frozen=True)
class TextImage:
    """The text rendered once: its mask and what each column belongs to."""

    mask: Mask
    letter: npt.NDArray[np.intp]
    """Index of the letter each column belongs to (rainbow colours letters)."""
    colors: npt.NDArray[np.uint8]
    """Each column's colour (fragments, gradient or ``color``), ``(width, 3)``."""

    @property
    def width(self) -> int:
        """Width in pixels."""
        return int(self.mask.shape[1])


@dataclass(frozen=True)
class Layout:
    """Where things go on this panel (depends on the icon's size and the config)."""

    icon_x: int
    icon_y: int
    icon_w: int
    text_x: int
    """Left edge of the text area (right of the icon)."""
    text_y: int
    text_h: int
    progress: Box | None
    text: TextImage
    scrolls: bool
    speed: float
    """Scroll speed in pixels a second."""


def icon_scale(icon_w: int, icon_h: int, width: int, height: int) -> int:
    """The whole factor an ``icon_w × icon_h`` icon is blown up by on a panel: to about
    three quarters of its height, at most half its width (at least 1): an 8×8 icon is
    ×1 on 32×8, ×3 on 64×32, ×6 on 128×64."""
    return max(1, min((height * 3 // 4) // max(icon_h, 1), (width // 2) // max(icon_w, 1)))


def case(text: str, text_case: int) -> str:
    """``text`` as ``textCase`` says (1: upper case; 0 and 2: as sent)."""
    return text.upper() if text_case == 1 else text


def preload_fonts() -> None:
    """Load every font a custom app or notification picks from (a third of a second
    here, more on a Pi), so the first push is not drawn late by it."""
    for name in shrinking_fonts(LARGEST_FONT):
        load_font(name)


class CustomApp(App[CustomAppConfig]):
    """Draws a :class:`CustomAppConfig` (or a :class:`NotificationConfig`)."""

    name = CUSTOM_TYPE
    description = "Pushed text, icon, charts and drawings (AWTRIX 3 custom app)"
    config_model = CustomAppConfig

    def __init__(
        self, config: CustomAppConfig, width: int, height: int, context: AppContext | None = None
    ) -> None:
        self._icon: Icon | None = None
        self._decoding: threading.Thread | None = None
        self._lock = threading.Lock()
        self._started: float | None = None
        self._layout: Layout | None = None
        self._layout_icon: Icon | None = None
        self._icon_started = 0.0
        self.passes = 0
        """Complete scroll passes since the last :meth:`restart`."""
        self.expired = False
        """Not pushed again within its ``lifetime`` (``lifetimeMode`` 1): framed in red like
        a stale fetch, but set by the board, so an icon update cannot clear it."""
        self.k = canvas_scale(width, height)
        super().__init__(config, width, height, context)

    # --- config -------------------------------------------------------------------

    def configure(self, config: CustomAppConfig) -> None:
        """Take a new payload; layout, text and drawing are prepared here, once."""
        super().configure(config)
        self._effect = Effect(config.effect, self.width, self.height) if config.effect else None
        self._draw_layer = (
            render_commands(config.draw, self.width, self.height) if config.draw else None
        )
        self._layout = None

    @classmethod
    def uses_asset(cls, config: AppConfig, asset: str) -> bool:
        """Whether ``config`` shows ``asset`` as its icon."""
        return isinstance(config, CustomAppConfig) and bool(asset) and config.icon == asset

    # --- the icon -----------------------------------------------------------------

    def _icon_key(self) -> tuple[str, int, int, int] | None:
        name, assets = self.config.icon, self.context.assets
        if not name or assets is None:
            return None
        return (name, assets.version_of(name), self.width, self.height)

    def _load_icon(self, key: tuple[str, int, int, int]) -> Icon:
        name, version, width, height = key
        path = self.context.assets.path_of(name) if self.context.assets and version else None
        if path is None:
            return Icon(key, None)
        try:
            with Image.open(path) as image:
                native_w, native_h = image.size
            side = max(1, min(max(8, height * 3 // 4), height, width // 2))
            if native_h > side or native_w > side:  # a big picture: fit it in a square
                icon_w = icon_h = side
                frames = decode(path, side, side, "contain")
            else:
                scale = icon_scale(native_w, native_h, width, height)
                icon_w, icon_h = native_w * scale, native_h * scale
                frames = decode(path, icon_w, icon_h, "stretch")  # whole factor: nearest
            return Icon(key, Animation(frames), icon_w, icon_h)
        except Exception as exc:  # a broken file: draw without it
            log.warning("cannot show icon %r: %s", name, exc)
            return Icon(key, None)

    def update(self) -> float | None:
        """Decode the icon off the render thread (the board calls this when the config
        changes or the icon's asset is replaced)."""
        key = self._icon_key()
        if key is not None and (self._icon is None or self._icon.key != key):
            self._icon = self._load_icon(key)
        return None

    def _decode_in_background(self) -> None:
        try:
            self.update()
        finally:
            with self._lock:
                self._decoding = None

    def _current_icon(self) -> Icon | None:
        """The icon to draw now; starts a decode when it is missing or outdated."""
        key = self._icon_key()
        icon = self._icon
        if key is None:
            return None
        if icon is None or icon.key != key:
            with self._lock:
                if self._decoding is None:
                    self._decoding = threading.Thread(
                        target=self._decode_in_background, name="custom-icon", daemon=True
                    )
                    self._decoding.start()
            # Keep showing the previous version of the same asset meanwhile.
            if icon is None or icon.key[0] != key[0]:
                return None
        return icon if icon.animation is not None else None

    def settle(self, timeout: float = 10.0) -> None:
        """Wait for a background icon decode (tests, shutdown)."""
        thread = self._decoding
        if thread is not None:
            thread.join(timeout)

    # --- layout -------------------------------------------------------------------

    def _font(self, text: str, text_h: int, area_w: int) -> BitmapFont:
        """The largest plain font that fits ``text_h`` rows; a somewhat smaller one
        (down to 60 % of that height) when that spares the text from scrolling."""
        fonts = [load_font(name) for name in shrinking_fonts(LARGEST_FONT)]
        fitting = [font for font in fonts if font.height <= text_h] or [fonts[-1]]
        for font in fitting:
            if font.height < fitting[0].height * 0.6:
                break
            if font.measure(text) <= area_w:
                return font
        return fitting[0]

    @staticmethod
    def _zoom(font: BitmapFont, text: str, text_h: int, area_w: int) -> int:
        """Whole factor the largest font is blown up by on tall panels: up to three
        quarters of the text height, but never so far that a text that fits would scroll."""
        if font.name != LARGEST_FONT:
            return 1
        zoom = max(1, (text_h * 3 // 4) // font.height)
        width = font.measure(text)
        if 0 < width <= area_w:
            zoom = min(zoom, area_w // width)
        return max(1, zoom)

    def _text_image(self, text_h: int, area_w: int) -> tuple[TextImage, int]:
        """The text rendered in the font :meth:`_font` picks; also its glyph height."""
        config = self.config
        font = self._font(case(plain_text(config), config.text_case), text_h, area_w)
        zoom = self._zoom(font, case(plain_text(config), config.text_case), text_h, area_w)
        pieces: list[tuple[str, list[int] | None]] = (
            [(config.text, None)]
            if isinstance(config.text, str)
            else [(fragment.t, fragment.c) for fragment in config.text]
        )
        masks: list[Mask] = []
        letters: list[npt.NDArray[np.intp]] = []
        colors: list[npt.NDArray[np.uint8]] = []
        index = 0
        for text, color in pieces:
            for char in case(text, config.text_case):
                cell = font.render(char)
                masks.append(cell)
                letters.append(np.full(cell.shape[1], index, dtype=np.intp))
                colors.append(
                    np.tile(np.array(color or config.color, np.uint8), (cell.shape[1], 1))
                )
                index += 1
        if not masks:
            empty = np.zeros((font.height * zoom, 0), dtype=np.bool_)
            return TextImage(empty, np.zeros(0, np.intp), np.zeros((0, 3), np.uint8)), font.height
        mask = np.hstack(masks)
        letter = np.concatenate(letters)
        column_colors = np.concatenate(colors)
        if len(config.gradient) == 2 and isinstance(config.text, str):
            start, end = (np.array(c, np.float32) for c in config.gradient)
            share = np.linspace(0.0, 1.0, mask.shape[1], dtype=np.float32)[:, None]
            column_colors = (start * (1 - share) + end * share).astype(np.uint8)
        if zoom > 1:
            mask = np.repeat(np.repeat(mask, zoom, axis=0), zoom, axis=1)
            letter = np.repeat(letter, zoom)
            column_colors = np.repeat(column_colors, zoom, axis=0)
        return TextImage(mask, letter, column_colors), font.height * zoom

    def _make_layout(self, icon: Icon | None) -> Layout:
        config, width, height, k = self.config, self.width, self.height, self.k
        progress_h = max(1, height // 16) if config.progress >= 0 else 0
        gap_below = max(1, k // 2) if progress_h and height > 8 else 0
        text_h = max(1, height - progress_h - gap_below)
        if icon is not None:
            icon_x = 0 if width <= 32 else max(0, min(k, (height - icon.height) // 2))
            icon_y = max(0, (height - icon.height) // 2)
            text_x = icon_x + icon.width + (1 if width <= 32 else k)
        else:
            icon_x = icon_y = text_x = 0
        text_x = min(text_x, width)
        area_w = width - text_x
        text, glyph_h = self._text_image(text_h, area_w)
        charts = bool(config.bar or config.line)
        scrolls = not charts and not config.no_scroll and text.width > area_w
        text_y = 0 if config.top_text else max(0, (text_h - text.mask.shape[0]) // 2)
        speed = BASE_SCROLL_SPEED * max(1.0, glyph_h / 7) * config.scroll_speed / 100
        progress = Box(text_x, height - progress_h, area_w, progress_h) if progress_h else None
        return Layout(
            icon_x,
            icon_y,
            icon.width if icon else 0,
            text_x,
            text_y,
            text_h,
            progress,
            text,
            scrolls,
            speed,
        )

    def _layout_now(self, icon: Icon | None) -> Layout:
        if self._layout is None or icon is not self._layout_icon:
            self._layout, self._layout_icon = self._make_layout(icon), icon
        return self._layout

    @property
    def scrolls(self) -> bool:
        """Whether the text scrolls on this panel (too wide for its area)."""
        return self._layout_now(self._current_icon()).scrolls

    # --- time ---------------------------------------------------------------------

    def restart(self, now: float) -> None:
        """Start from the beginning: text and icon back home, no passes made."""
        self._started = now
        self._icon_started = now
        self.passes = 0

    def _elapsed(self, now: float) -> float:
        """Seconds since :meth:`restart` (the first frame counts as one)."""
        if self._started is None:
            self.restart(now)
            return 0.0
        return max(0.0, now - self._started)

    def _positions(self, layout: Layout, elapsed: float) -> tuple[int, int | None, int]:
        """Where text and icon are ``elapsed`` seconds in: (text x, icon x or ``None``
        when it is hidden, left edge of the text's clip), counting passes."""
        config, width = self.config, self.width
        text_w = layout.text.width
        has_icon = layout.icon_w > 0
        if not layout.scrolls:
            area_w = width - layout.text_x
            x = layout.text_x
            if config.center and text_w <= area_w:
                x += (area_w - text_w) // 2
            return x + config.text_offset, layout.icon_x if has_icon else None, layout.text_x
        moved = int(elapsed * layout.speed)
        gap = layout.text_x - layout.icon_x - layout.icon_w
        if not has_icon or config.push_icon == 0:
            length = width - layout.text_x + text_w
            self.passes = moved // length
            x = width - moved % length + config.text_offset
            return x, layout.icon_x if has_icon else None, layout.text_x
        strip_w = layout.icon_w + gap + text_w
        first = layout.icon_x + strip_w  # the first pass starts at home
        if moved < first:
            self.passes = 0
            icon_x = layout.icon_x - moved
            return icon_x + layout.icon_w + gap + config.text_offset, icon_x, 0
        moved -= first
        if config.push_icon == 2:  # icon and text come back in from the right
            length = width + strip_w
            self.passes = 1 + moved // length
            icon_x = width - moved % length
            return icon_x + layout.icon_w + gap + config.text_offset, icon_x, 0
        length = width + text_w  # 1: the icon is gone, the text uses the whole width
        self.passes = 1 + moved // length
        return width - moved % length + config.text_offset, None, 0

    def _text_level(self, elapsed: float) -> float:
        """Brightness of the text now: blinking (on/off) or fading (0–1)."""
        ms = elapsed * 1000.0
        if self.config.blink_text > 0:
            return 0.0 if int(ms // self.config.blink_text) % 2 else 1.0
        if self.config.fade_text > 0:
            phase = (ms / self.config.fade_text) % 2.0
            return abs(phase - 1.0)  # full, dark, full…: one interval each way
        return 1.0

    # --- drawing ------------------------------------------------------------------

    def render(self, now: float) -> Frame:
        """Draw the frame due at ``now`` (seconds since :meth:`restart`)."""
        elapsed = self._elapsed(now)
        config, frame = self.config, self.frame
        icon = self._current_icon()
        layout = self._layout_now(icon)
        if self._effect is not None:
            frame[:] = self._effect.draw(elapsed)
        else:
            frame[:] = config.background
        text_x, icon_x, clip_x = self._positions(layout, elapsed)
        if icon is not None and icon.animation is not None and icon_x is not None:
            picture, _ = icon.animation.at(now - self._icon_started)
            _blit(frame, picture, icon_x, layout.icon_y)
        if config.bar or config.line:
            box = Box(layout.text_x, 0, self.width - layout.text_x, layout.text_h)
            if config.bar:
                draw_bars(
                    frame, box, config.bar, config.color, config.bar_bc, config.autoscale, self.k
                )
            if config.line:
                draw_line_chart(frame, box, config.line, config.color, config.autoscale, self.k)
        else:
            self._draw_text(layout, text_x, clip_x, elapsed)
        if layout.progress is not None:
            draw_progress(
                frame, layout.progress, config.progress, config.progress_c, config.progress_bc
            )
        if self._draw_layer is not None:
            layer, ink = self._draw_layer
            frame[ink] = layer[ink]
        if self.stale or self.expired:
            frame[0, :] = frame[-1, :] = STALE_COLOR
            frame[:, 0] = frame[:, -1] = STALE_COLOR
        return frame

    def _draw_text(self, layout: Layout, x: int, clip_x: int, elapsed: float) -> None:
        text = layout.text
        level = self._text_level(elapsed)
        if text.width == 0 or level <= 0.0:
            return
        x0, x1 = max(x, clip_x), min(x + text.width, self.width)
        y0 = layout.text_y
        y1 = min(y0 + text.mask.shape[0], self.height)
        if x0 >= x1 or y0 >= y1:
            return
        columns = slice(x0 - x, x1 - x)
        mask = text.mask[: y1 - y0, columns]
        if self.config.rainbow:
            hues = (text.letter[columns] * RAINBOW_STEP + int(elapsed * 120)) & 255
            colors = RAINBOW[hues]
        else:
            colors = text.colors[columns]
        if level < 1.0:
            colors = (colors * level).astype(np.uint8)
        region = self.frame[y0:y1, x0:x1]
        region[mask] = np.broadcast_to(colors[None, :, :], (*mask.shape, 3))[mask]

    def frame_delay(self, now: float) -> float:
        """A frame period while something moves; until the next change otherwise."""
        config = self.config
        layout = self._layout_now(self._current_icon())
        if layout.scrolls:
            return min(max(1.0 / layout.speed, 1 / 60), 1 / 20)
        if self._effect is not None or config.rainbow or config.fade_text > 0:
            return MOVING_DELAY
        delay = IDLE_DELAY
        if config.blink_text > 0:
            ms = self._elapsed(now) * 1000.0
            delay = min(delay, (config.blink_text - ms % config.blink_text) / 1000.0 + 0.001)
        key = self._icon_key()
        if key is not None:
            icon = self._icon
            if icon is None or icon.key != key:
                delay = min(delay, ICON_POLL)
            elif icon.animation is not None and icon.animation.animated:
                _, left = icon.animation.at(now - self._icon_started)
                delay = min(delay, left)
        return max(delay, 0.005) if math.isfinite(delay) else IDLE_DELAY


def _blit(frame: Frame, picture: Frame, x: int, y: int) -> None:
    """Copy ``picture`` onto ``frame`` with its top-left at ``(x, y)``, clipped."""
    height, width = frame.shape[:2]
    ph, pw = picture.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + pw, width), min(y + ph, height)
    if x0 < x1 and y0 < y1:
        frame[y0:y1, x0:x1] = picture[y0 - y : y1 - y, x0 - x : x1 - x]
