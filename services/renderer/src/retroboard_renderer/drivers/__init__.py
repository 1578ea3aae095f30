"""Display drivers: the emulator and the two HUB75 libraries, chosen by ``RETROBOARD_DISPLAY``.

Driver modules are imported only when chosen, so the emulator never touches (or needs)
a hardware library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, assert_never

from retroboard_renderer.drivers.base import DisplayDriver, DriverUnavailable, Frame

if TYPE_CHECKING:
    from retroboard_renderer.settings import RendererSettings

__all__ = ["DisplayDriver", "DriverUnavailable", "Frame", "create_driver"]


def create_driver(settings: RendererSettings) -> DisplayDriver:
    """The driver for ``settings.display``, sized by ``settings.matrix``.

    Raises :class:`DriverUnavailable` (one line saying what to install or fix) when
    the chosen hardware library is missing or cannot drive the panel.
    """
    matrix = settings.matrix
    if settings.display == "emulator":
        from retroboard_renderer.drivers.emulator import EmulatorDriver

        return EmulatorDriver(matrix.width, matrix.height, terminal=settings.emulator_terminal)
    if settings.display == "hzeller":
        from retroboard_renderer.drivers.hzeller import HzellerDriver

        return HzellerDriver(matrix)
    if settings.display == "piomatter":
        from retroboard_renderer.drivers.piomatter import PiomatterDriver

        return PiomatterDriver(matrix)
    assert_never(settings.display)
