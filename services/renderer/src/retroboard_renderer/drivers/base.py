"""The interface every display driver implements."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod

import numpy as np
import numpy.typing as npt

Frame = npt.NDArray[np.uint8]
"""A whole frame: ``height × width × 3`` RGB bytes."""


class DriverUnavailable(RuntimeError):
    """The chosen driver's library is missing; the message says what to install."""


class DisplayDriver(ABC):
    """Shows whole frames on a panel (or an emulation of one)."""

    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.height = height

    def check_frame(self, frame: Frame) -> None:
        """Raise ``ValueError`` unless ``frame`` is uint8 ``height × width × 3``."""
        if frame.shape != (self.height, self.width, 3) or frame.dtype != np.uint8:
            raise ValueError(
                f"frame must be uint8 {(self.height, self.width, 3)}, "
                f"got {frame.dtype} {frame.shape}"
            )

    @abstractmethod
    def show(self, frame: Frame) -> None:
        """Display ``frame`` (``height × width × 3``) at once, double-buffered."""

    @abstractmethod
    def set_brightness(self, percent: int) -> None:
        """Set the panel brightness, 0–100."""

    def close(self) -> None:  # noqa: B027 - optional hook, most drivers need nothing
        """Blank the panel and release the hardware."""


class PanelDriver(DisplayDriver):
    """A hardware panel: drawing and brightness changes share one lock, and nothing
    reaches the hardware once :meth:`close` has released it."""

    def __init__(self, width: int, height: int) -> None:
        super().__init__(width, height)
        self._lock = threading.Lock()
        self._brightness = 100
        self._closed = False

    def show(self, frame: Frame) -> None:
        """Check ``frame``, then draw it on the panel unless the panel is closed."""
        self.check_frame(frame)
        with self._lock:
            if not self._closed:
                self._draw(frame)

    def close(self) -> None:
        """Blank the panel and release the hardware, once."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._release()

    @abstractmethod
    def _draw(self, frame: Frame) -> None:
        """Put ``frame`` on the panel (the lock is held, the panel open)."""

    @abstractmethod
    def _release(self) -> None:
        """Blank the panel and free the hardware (the lock is held; called once)."""
