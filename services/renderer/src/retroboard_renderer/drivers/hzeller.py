"""Driver for hzeller's rpi-rgb-led-matrix Python bindings (Raspberry Pi 0 2 to 5).

The bindings (module ``rgbmatrix``) are not on PyPI: the renderer image builds them from
a pinned commit of the rpi-rgb-led-matrix repository (``pip wheel .`` at its root, with
the headers of the installed Pillow; see docs/deploy.md). They are imported only when
this driver is created, so the package imports anywhere.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PIL import Image

from retroboard_renderer.drivers.base import DriverUnavailable, Frame, PanelDriver
from retroboard_renderer.settings import MatrixSettings

log = logging.getLogger(__name__)

INSTALL_HINT = (
    "the hzeller display needs the rpi-rgb-led-matrix Python bindings (module rgbmatrix): "
    "use the renderer image, or build them from a checkout of hzeller/rpi-rgb-led-matrix "
    "(pip wheel . with Pillow's src/libImaging on C_INCLUDE_PATH, see docs/deploy.md)"
)

# The names of lib/hardware-mapping.c at the pinned commit (services/renderer/Dockerfile).
# The library answers an unknown one with an empty matrix that crashes on first use.
HARDWARE_MAPPINGS = (
    "regular",
    "adafruit-hat",
    "adafruit-hat-pwm",
    "regular-pi1",
    "classic",
    "classic-pi1",
    "compute-module",
)

# Where rpi-rgb-led-matrix reads the board's revision code, in this order.
CPUINFO = Path("/proc/cpuinfo")
DEVICE_TREE_REVISION = Path("/proc/device-tree/system/linux,revision")

NOT_A_PI = (
    "RETROBOARD_DISPLAY=hzeller needs a Raspberry Pi, and this machine has no Pi revision "
    "in {cpuinfo} or {device_tree}; use RETROBOARD_DISPLAY=emulator here"
)


def _cpuinfo_revision(path: Path) -> int:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return 0
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() == "Revision":
            try:
                return int(value.strip(), 16)
            except ValueError:
                return 0
    return 0


def _device_tree_revision(path: Path) -> int:
    try:
        data = path.read_bytes()
    except OSError:
        return 0
    return int.from_bytes(data[:4], "big") if len(data) >= 4 else 0


def pi_revision(
    cpuinfo: Path | None = None, device_tree_revision: Path | None = None
) -> int | None:
    """The Raspberry Pi revision code, found where rpi-rgb-led-matrix looks; None if none.

    The library reads the ``Revision`` line of ``/proc/cpuinfo``, then the device tree's
    ``system/linux,revision``; 0 counts as missing (no board has that code). Without
    either it guesses a Pi 3, fails to map that Pi's GPIO registers and hands back an
    empty matrix whose first use is a segmentation fault: hence this check first.
    """
    revision = _cpuinfo_revision(cpuinfo or CPUINFO)
    if revision == 0:
        revision = _device_tree_revision(device_tree_revision or DEVICE_TREE_REVISION)
    return revision or None


def require_raspberry_pi() -> int:
    """The Pi's revision code, or :class:`DriverUnavailable` naming the setting to change."""
    revision = pi_revision()
    if revision is None:
        raise DriverUnavailable(NOT_A_PI.format(cpuinfo=CPUINFO, device_tree=DEVICE_TREE_REVISION))
    return revision


def require_known_mapping(matrix: MatrixSettings) -> None:
    """:class:`DriverUnavailable` for a ``MATRIX_HARDWARE_MAPPING`` the library lacks."""
    if matrix.hardware_mapping not in HARDWARE_MAPPINGS:
        raise DriverUnavailable(
            f"MATRIX_HARDWARE_MAPPING={matrix.hardware_mapping!r} is not a wiring "
            f"rpi-rgb-led-matrix knows; use one of {', '.join(HARDWARE_MAPPINGS)}"
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


class HzellerDriver(PanelDriver):
    """Shows whole frames through an off-screen canvas swapped on vertical sync.

    ``width``/``height`` come from the library, i.e. after any pixel mapper.
    """

    def __init__(self, matrix: MatrixSettings) -> None:
        require_known_mapping(matrix)
        revision = require_raspberry_pi()
        log.debug("Raspberry Pi revision %06x", revision)
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
        self._fast_set_image = True

    def _draw(self, frame: Frame) -> None:
        """Draw ``frame`` on the off-screen canvas and swap it in on the next refresh."""
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

    def _release(self) -> None:
        """Blank the panel and release the matrix (its refresh thread stops)."""
        self._matrix.Clear()
        # Dropping the last references deletes the C++ matrix and frees the GPIOs.
        self._canvas = None
        self._matrix = None
