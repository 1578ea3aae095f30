"""Where the bytes of a realtime stream land on the panel.

The stream is a flat run of RGB bytes: pixel 0 is the top-left, pixels go row-major
(``rows``) or with every odd row right-to-left (``serpentine``, the wiring of many LED
matrices). DDP addresses it by byte offset; E1.31 and Art-Net by universe, 170 RGB
pixels (510 of the 512 channels) per universe, from ``first_universe``. Data past the
end of the panel is ignored.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

Layout = Literal["rows", "serpentine"]
LAYOUTS: tuple[Layout, ...] = ("rows", "serpentine")
PIXELS_PER_UNIVERSE = 170  # 170 * 3 = 510 channels: no pixel straddles two universes
CHANNELS_PER_UNIVERSE = PIXELS_PER_UNIVERSE * 3


class PanelLayout:
    """Map stream bytes to a ``height`` × ``width`` × 3 ``uint8`` frame."""

    def __init__(
        self, width: int, height: int, *, first_universe: int = 1, layout: Layout = "rows"
    ) -> None:
        if width <= 0 or height <= 0:
            raise ValueError("the panel needs a positive width and height")
        if layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {LAYOUTS}")
        self.width = width
        self.height = height
        self.first_universe = first_universe
        self.layout: Layout = layout
        self.pixel_count = width * height
        self.byte_count = self.pixel_count * 3
        self.universe_count = -(-self.pixel_count // PIXELS_PER_UNIVERSE)
        self.universes = range(first_universe, first_universe + self.universe_count)
        # serpentine: stream byte i goes to frame byte _targets[i] (precomputed once).
        self._targets: npt.NDArray[np.intp] | None = None
        if layout == "serpentine":
            pixels = np.arange(self.pixel_count, dtype=np.intp).reshape(height, width)
            pixels[1::2] = pixels[1::2, ::-1]
            self._targets = (pixels.reshape(-1, 1) * 3 + np.arange(3)).reshape(-1)

    def new_frame(self) -> npt.NDArray[np.uint8]:
        """A black frame of the panel's shape."""
        return np.zeros((self.height, self.width, 3), dtype=np.uint8)

    def write_bytes(self, frame: npt.NDArray[np.uint8], offset: int, data: bytes) -> bool:
        """Write stream bytes ``data`` from byte ``offset``; ``True`` if any landed."""
        if offset < 0 or offset >= self.byte_count or not data:
            return False
        end = min(offset + len(data), self.byte_count)
        values = np.frombuffer(data, dtype=np.uint8, count=end - offset)
        flat = frame.reshape(-1)  # a view: frames from new_frame are contiguous
        if self._targets is None:
            flat[offset:end] = values
        else:
            flat[self._targets[offset:end]] = values
        return True

    def write_universe(self, frame: npt.NDArray[np.uint8], universe: int, channels: bytes) -> bool:
        """Write one universe's DMX channels (channel 1 first); ``True`` if any landed."""
        index = universe - self.first_universe
        if index < 0 or index >= self.universe_count:
            return False
        return self.write_bytes(
            frame, index * CHANNELS_PER_UNIVERSE, channels[:CHANNELS_PER_UNIVERSE]
        )

    def last_byte_written(self, offset: int, length: int) -> bool:
        """Whether bytes ``offset`` to ``offset + length`` reach the panel's last byte."""
        return length > 0 and offset < self.byte_count <= offset + length
