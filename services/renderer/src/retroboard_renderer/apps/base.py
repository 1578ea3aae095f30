"""What an app is: a config model (:mod:`retroboard_common.app_configs`) plus a
``render`` that returns whole frames, and optionally an ``update`` that fetches data.

An app *type* is a subclass of :class:`App`; an *instance* is one object of it, which
lives as long as the board has it (it keeps its state between showings: a GIF's frame,
the last fetched weather).
"""

from __future__ import annotations

import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Final, Generic, Protocol, TypeVar

import numpy as np

from retroboard_common.app_configs import FONT_NAMES, AppConfig
from retroboard_renderer.drivers.base import Frame

C = TypeVar("C", bound=AppConfig)

DEFAULT_WEATHER_URL: Final = "https://api.open-meteo.com"
"""Open-Meteo's forecast API (no key); ``RETROBOARD_WEATHER_URL`` points tests elsewhere."""

STALE_COLOR: Final = (255, 0, 0)


class AssetSource(Protocol):
    """Read access to the board's image library (what the ``image`` app needs)."""

    def path_of(self, name: str) -> Path | None:
        """The stored file of asset ``name``; ``None`` when there is none."""

    def version_of(self, name: str) -> int:
        """A number that changes whenever asset ``name`` is replaced (0: absent)."""


@dataclass(frozen=True)
class AppContext:
    """What an app may use beyond its config, injected so tests drive time and I/O."""

    wall_clock: Callable[[], float] = time.time
    """Seconds since the epoch (the clock and countdown draw from it)."""
    assets: AssetSource | None = None
    weather_url: str = DEFAULT_WEATHER_URL
    http_timeout: float = 10.0
    """Seconds a fetch may take before it counts as failed."""


class App(ABC, Generic[C]):
    """One thing the board can show.

    The engine calls :meth:`render` from its own thread, then sleeps
    :meth:`frame_delay` seconds unless a command wakes it earlier. Apps that fetch
    data override :meth:`update`: the board's updater calls it on a worker thread,
    never under the render lock, so a slow fetch never delays a frame. ``update``
    must not touch :attr:`frame`; it hands its result to ``render`` by replacing an
    attribute (one reference assignment, atomic in Python).
    """

    name: ClassVar[str]
    description: ClassVar[str]
    config_model: ClassVar[type[AppConfig]]

    def __init__(
        self, config: C, width: int, height: int, context: AppContext | None = None
    ) -> None:
        self.width = width
        self.height = height
        self.context = context or AppContext()
        self.frame: Frame = np.zeros((height, width, 3), dtype=np.uint8)
        self.config = config
        self.stale = False
        """Set by the updater while the last update failed: draw the last good data
        and :func:`mark_stale` on top."""
        self.configure(config)

    def configure(self, config: C) -> None:
        """Apply a new (validated) config while running; subclasses extend this."""
        self.config = config

    @abstractmethod
    def render(self, now: float) -> Frame:
        """Draw the next frame; ``now`` is a monotonic time in seconds."""

    @abstractmethod
    def frame_delay(self, now: float) -> float:
        """Seconds until the next frame is due."""

    def update(self) -> float | None:
        """Fetch this app's data (on a worker thread); return the seconds until the
        next update, or ``None`` for an app that never fetches (the default).

        Raise on failure: the updater keeps the last good data, sets :attr:`stale`,
        records the error in the instance's state and tries again later.
        """
        return None

    def retry_delay(self) -> float:
        """Seconds before trying again after a failed :meth:`update`."""
        return 30.0

    @classmethod
    def config_schema(cls) -> dict[str, Any]:
        """The JSON Schema of this app's config, for generated forms."""
        return cls.config_model.model_json_schema()

    @classmethod
    def uses_asset(cls, config: AppConfig, asset: str) -> bool:
        """Whether an instance with ``config`` shows image-library asset ``asset``."""
        return False


def paint(frame: Frame, mask: np.ndarray, color: list[int], x: int, y: int) -> None:
    """Light ``mask``'s pixels in ``color`` with its top-left corner at ``(x, y)``.

    Parts outside the frame are clipped, so scrolling text can enter and leave.
    """
    height, width = frame.shape[:2]
    mask_h, mask_w = mask.shape
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + mask_w, width), min(y + mask_h, height)
    if x0 >= x1 or y0 >= y1:
        return
    region = mask[y0 - y : y1 - y, x0 - x : x1 - x]
    frame[y0:y1, x0:x1][region] = color


def mark_stale(frame: Frame) -> None:
    """Mark a frame whose data is out of date: a red pixel in the top-right corner
    and the one below it (visible on any panel, hiding almost nothing)."""
    frame[0:2, -1] = STALE_COLOR


def shrinking_fonts(preferred: str) -> list[str]:
    """``preferred``, then each smaller plain fixed-width font, largest first: what text
    that does not fit falls back to (never a bold, oblique or proportional face the user
    did not choose; tom-thumb, the smallest, last)."""
    smaller = FONT_NAMES[: FONT_NAMES.index(preferred)]
    plain = [name for name in smaller if re.fullmatch(r"\d+x\d+", name) or name == "tom-thumb"]
    return [preferred, *reversed(plain)]
