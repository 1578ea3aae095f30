"""The interface every display driver implements."""

from __future__ import annotations

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

    @abstractmethod
    def show(self, frame: Frame) -> None:
        """Display ``frame`` (``height × width × 3``) at once, double-buffered."""

    @abstractmethod
    def set_brightness(self, percent: int) -> None:
        """Set the panel brightness, 0–100."""

    def close(self) -> None:  # noqa: B027 - optional hook, most drivers need nothing
        """Blank the panel and release the hardware."""
