"""What an app is: a config model (:mod:`retroboard_common.app_configs`) plus a
``render`` that returns whole frames."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Generic, TypeVar

import numpy as np

from retroboard_common.app_configs import AppConfig
from retroboard_renderer.drivers.base import Frame

C = TypeVar("C", bound=AppConfig)


class App(ABC, Generic[C]):
    """One thing the board can show.

    The engine calls :meth:`render` from its own thread, then sleeps
    :meth:`frame_delay` seconds unless a command wakes it earlier.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    config_model: ClassVar[type[AppConfig]]

    def __init__(self, config: C, width: int, height: int) -> None:
        self.width = width
        self.height = height
        self.frame: Frame = np.zeros((height, width, 3), dtype=np.uint8)
        self.config = config
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

    @classmethod
    def config_schema(cls) -> dict[str, Any]:
        """The JSON Schema of this app's config, for generated forms."""
        return cls.config_model.model_json_schema()


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
