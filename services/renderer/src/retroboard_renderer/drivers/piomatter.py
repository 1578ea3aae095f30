"""Driver for Adafruit's Raspberry Pi 5 HUB75 library (``adafruit_blinka_raspberry_pi5_piomatter``).

The library is imported only when this driver is created, so the package imports anywhere.

How the ``MATRIX_*`` settings map:

- ``rows`` → ``n_addr_lines`` = log2(rows / 2); rows must be 8, 16, 32 or 64.
- ``cols × chain_length`` → geometry width; ``rows × parallel`` → geometry height.
- ``parallel`` > 1 → 2 colour lanes per chain with a lane pixel map; only a pinout
  with enough lanes (``Active3``: 3 chains) accepts it.
- ``hardware_mapping`` → ``Pinout``: ``regular`` → ``Active3`` (the Active-3 board uses
  the regular wiring), ``adafruit-hat``/``adafruit-hat-pwm`` → ``AdafruitMatrixBonnet``;
  a piomatter ``Pinout`` name (e.g. ``AdafruitMatrixBonnetBGR``) is accepted as is.
- ``pwm_bits`` → ``n_planes`` (piomatter's maximum is 10).
- ``led_rgb_sequence`` → the frame's channels are reordered in numpy, so every order works.
- brightness: the library has no brightness control we rely on, so frames are scaled
  in numpy (fewer colour steps at low brightness).

Not mapped: ``gpio_slowdown`` (the PIO does the timing) and ``pixel_mapper`` (ignored
with a warning; piomatter's own ``rotation``/``serpentine`` are left at their defaults).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from retroboard_renderer.drivers.base import DriverUnavailable, Frame, PanelDriver
from retroboard_renderer.settings import MatrixSettings

log = logging.getLogger(__name__)

INSTALL_HINT = (
    "the piomatter display (Raspberry Pi 5) needs Adafruit's piomatter library: "
    "pip install adafruit-blinka-raspberry-pi5-piomatter"
)

# The RP1 PIO device piolib opens; without it the library prints a line and exits(1).
PIO_DEVICE = Path("/dev/pio0")

MAX_PLANES = 10
PINOUT_NAMES = {
    "regular": "Active3",
    "adafruit-hat": "AdafruitMatrixBonnet",
    "adafruit-hat-pwm": "AdafruitMatrixBonnet",
}
_ADDRESS_LINES = {8: 2, 16: 3, 32: 4, 64: 5}


def require_pio_device() -> None:
    """Refuse, naming the setting, where piomatter would end the process.

    piolib calls ``exit(1)`` when it cannot open the Pi 5's PIO device (no such
    device on other machines, or not passed into the container), so the renderer
    would vanish with nothing in its log.
    """
    if not PIO_DEVICE.exists():
        problem = "has no"
    elif not os.access(PIO_DEVICE, os.R_OK | os.W_OK):
        problem = "cannot open its"
    else:
        return
    raise DriverUnavailable(
        f"RETROBOARD_DISPLAY=piomatter needs a Raspberry Pi 5, and this machine {problem} "
        f"PIO device {PIO_DEVICE}; use RETROBOARD_DISPLAY=emulator here (on a Pi 5: a "
        "current kernel, and the device passed to the container)"
    )


def address_lines(rows: int) -> int:
    """Address lines of a panel with ``rows`` rows (two rows are lit per address)."""
    try:
        return _ADDRESS_LINES[rows]
    except KeyError:
        raise DriverUnavailable(
            f"piomatter drives panels of 8, 16, 32 or 64 rows, not MATRIX_ROWS={rows}"
        ) from None


def channel_order(sequence: str) -> list[int] | None:
    """Indices that reorder an RGB frame for a panel wired as ``sequence`` (None for RGB).

    Output channel *i* (the panel's i-th colour input) carries colour ``sequence[i]``,
    as ``led_rgb_sequence`` does in rpi-rgb-led-matrix.
    """
    sequence = sequence.upper()
    if sequence == "RGB":
        return None
    if sorted(sequence) != ["B", "G", "R"]:
        raise DriverUnavailable(f"MATRIX_LED_RGB_SEQUENCE={sequence!r} is not an order of R, G, B")
    return ["RGB".index(colour) for colour in sequence]


def lane_map(width: int, height: int, n_addr_lines: int, n_lanes: int) -> list[int]:
    """Framebuffer index of every matrix pixel, in shift-out order, for several lanes.

    For each address, each column, each lane: lane ``l`` shows rows
    ``l·2^n .. (l+1)·2^n − 1`` of the frame (chain ``l // 2``, upper or lower half).
    """
    n_addr = 1 << n_addr_lines
    if height != n_lanes * n_addr:
        raise DriverUnavailable(f"{n_lanes} lanes of {n_addr} rows cannot make {height} rows")
    addr, x, lane = np.meshgrid(
        np.arange(n_addr), np.arange(width), np.arange(n_lanes), indexing="ij"
    )
    indices: list[int] = (x + width * (addr + lane * n_addr)).ravel().tolist()
    return indices


def pinout_for(piomatter: Any, hardware_mapping: str) -> Any:
    """The ``Pinout`` constant for an rpi-rgb-led-matrix ``hardware_mapping`` name."""
    name = PINOUT_NAMES.get(hardware_mapping, hardware_mapping)
    pinout = getattr(piomatter.Pinout, name, None)
    if pinout is None:
        raise DriverUnavailable(
            f"MATRIX_HARDWARE_MAPPING={hardware_mapping!r}: this piomatter has no {name} "
            "pinout (use regular for Active3, adafruit-hat, or a piomatter Pinout name; "
            "a newer piomatter may know more)"
        )
    return pinout


class PiomatterDriver(PanelDriver):
    """Copies whole frames into piomatter's framebuffer; the library triple-buffers them."""

    def __init__(self, matrix: MatrixSettings) -> None:
        require_pio_device()
        try:
            import adafruit_blinka_raspberry_pi5_piomatter as piomatter
        except ImportError as exc:
            raise DriverUnavailable(INSTALL_HINT) from exc
        super().__init__(matrix.width, matrix.height)
        if matrix.pixel_mapper:
            log.warning("piomatter ignores MATRIX_PIXEL_MAPPER=%r", matrix.pixel_mapper)
        n_addr_lines = address_lines(matrix.rows)
        pinout = pinout_for(piomatter, matrix.hardware_mapping)
        self._order = channel_order(matrix.led_rgb_sequence)
        geometry_args: dict[str, Any] = {
            "width": self.width,
            "height": self.height,
            "n_addr_lines": n_addr_lines,
            "n_planes": min(matrix.pwm_bits, MAX_PLANES),
        }
        if matrix.parallel > 1:
            n_lanes = 2 * matrix.parallel
            geometry_args["n_lanes"] = n_lanes
            geometry_args["map"] = lane_map(self.width, self.height, n_addr_lines, n_lanes)
        # The library keeps this very array and reads it on show(): only ever write into it.
        self._framebuffer = np.zeros((self.height, self.width, 3), dtype=np.uint8)
        try:
            geometry = piomatter.Geometry(**geometry_args)
            self._matrix: Any = piomatter.PioMatter(
                colorspace=piomatter.Colorspace.RGB888Packed,
                pinout=pinout,
                framebuffer=self._framebuffer,
                geometry=geometry,
            )
        except Exception as exc:  # RuntimeError/OSError/TypeError from the C++ extension
            raise DriverUnavailable(f"piomatter could not start the panel: {exc}") from exc

    def _draw(self, frame: Frame) -> None:
        """Copy ``frame`` (reordered, scaled by the brightness) to the panel."""
        source = frame if self._order is None else frame[..., self._order]
        percent = self._brightness
        if percent >= 100:
            np.copyto(self._framebuffer, source)
        elif percent <= 0:
            self._framebuffer.fill(0)
        else:
            # uint16 arithmetic, rounded; the assignment casts back to uint8.
            self._framebuffer[...] = (source.astype(np.uint16) * percent + 50) // 100
        self._matrix.show()

    def set_brightness(self, percent: int) -> None:
        """Set the brightness (clamped to 0–100); it applies from the next ``show()``."""
        with self._lock:
            self._brightness = max(0, min(100, int(percent)))

    def _release(self) -> None:
        """Blank the panel and release the PIO."""
        self._framebuffer.fill(0)
        self._matrix.show()
        self._matrix = None
