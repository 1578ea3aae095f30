"""Driver for hzeller's rpi-rgb-led-matrix Python bindings (Raspberry Pi 0–4).

The bindings (module ``rgbmatrix``) are not on PyPI: they are built from the
rpi-rgb-led-matrix repository (``make build-python`` then ``pip install bindings/python``).
They are imported only when this driver is created, so the package imports anywhere.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import numpy as np
from PIL import Image

from retroboard_renderer.drivers.base import DisplayDriver, DriverUnavailable, Frame
from retroboard_renderer.settings import MatrixSettings

log = logging.getLogger(__name__)

INSTALL_HINT = (
    "the hzeller display needs the rpi-rgb-led-matrix Python bindings (module rgbmatrix): "
    "build and install them from a checkout of hzeller/rpi-rgb-led-matrix "
    "(make build-python && pip install bindings/python)"
)


def apply_options(options: Any, matrix: MatrixSettings) -> None:
    """Copy every ``MATRIX_*`` setting onto an ``RGBMatrixOptions``.

    Privileges are kept: by default the library turns a root process into ``daemon``,
    which could then no longer write the board's state folder.
    """
    options.rows = matrix.rows
    options.cols = matrix.cols
    options.chain_length = matrix.chain_length
    options.parallel = matrix.parallel
    options.hardware_mapping = matrix.hardware_mapping
    options.gpio_slowdown = matrix.gpio_slowdown
    options.pwm_bits = matrix.pwm_bits
    options.led_rgb_sequence = matrix.led_rgb_sequence
    if matrix.pixel_mapper:
        options.pixel_mapper_config = matrix.pixel_mapper
    options.brightness = 100
    options.drop_privileges = False


class HzellerDriver(DisplayDriver):
    """Shows whole frames through an off-screen canvas swapped on vertical sync.

    ``width``/``height`` come from the library, i.e. after any pixel mapper.
    """

    def __init__(self, matrix: MatrixSettings) -> None:
        try:
            from rgbmatrix import RGBMatrix, RGBMatrixOptions
        except ImportError as exc:
            raise DriverUnavailable(INSTALL_HINT) from exc
        options = RGBMatrixOptions()
        apply_options(options, matrix)
        try:
            self._matrix: Any = RGBMatrix(options=options)
        except Exception as exc:  # the bindings raise a bare Exception
            raise DriverUnavailable(f"rpi-rgb-led-matrix could not start the panel: {exc}") from exc
        self._canvas: Any = self._matrix.CreateFrameCanvas()
        super().__init__(self._matrix.width, self._matrix.height)
        self._lock = threading.Lock()
        self._brightness = 100
        self._fast_set_image = True
        self._closed = False

    def show(self, frame: Frame) -> None:
        """Draw ``frame`` on the off-screen canvas and swap it in on the next refresh."""
        if frame.shape != (self.height, self.width, 3) or frame.dtype != np.uint8:
            raise ValueError(
                f"frame must be uint8 {(self.height, self.width, 3)}, "
                f"got {frame.dtype} {frame.shape}"
            )
        with self._lock:
            if self._closed:
                return
            if self._brightness == 0:
                # The library clamps brightness to 1 %, so "off" means drawing black.
                self._canvas.Clear()
            else:
                self._set_image(Image.fromarray(frame))
            self._canvas = self._matrix.SwapOnVSync(self._canvas)

    def _set_image(self, image: Image.Image) -> None:
        if self._fast_set_image:
            try:
                self._canvas.SetImage(image)
                return
            except AttributeError as exc:
                # Bindings built before late 2025 read Pillow internals that Pillow 12
                # removed; their pixel-by-pixel path still works, only slower.
                self._fast_set_image = False
                log.warning(
                    "rgbmatrix SetImage cannot read this Pillow's images (%s); using the "
                    "slow path. Rebuild the bindings from a current rpi-rgb-led-matrix.",
                    exc,
                )
        self._canvas.SetImage(image, unsafe=False)

    def set_brightness(self, percent: int) -> None:
        """Set the brightness (clamped to 0–100); it applies from the next ``show()``."""
        percent = max(0, min(100, int(percent)))
        with self._lock:
            self._brightness = percent
            if self._closed:
                return
            # Brightness is baked into the bit planes when pixels are set, so the
            # off-screen canvas (drawn next) must carry it too, not only the matrix.
            level = max(1, percent)
            self._matrix.brightness = level
            self._canvas.brightness = level

    def close(self) -> None:
        """Blank the panel and release the matrix (its refresh thread stops)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._matrix.Clear()
            # Dropping the last references deletes the C++ matrix and frees the GPIOs.
            self._canvas = None
            self._matrix = None
