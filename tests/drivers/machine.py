"""Make this machine look like a Raspberry Pi to the drivers' up-front checks.

The drivers read the files the hardware libraries read (``/proc/cpuinfo``, ``/dev/pio0``);
these helpers point them at files in a test's tmp folder instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from retroboard_renderer.drivers import hzeller, piomatter

# A Raspberry Pi 4 Model B 4 GB as its kernel shows it (Raspberry Pi OS, 64-bit).
PI4_CPUINFO = """\
processor\t: 0
BogoMIPS\t: 108.00
Features\t: fp asimd evtstrm crc32 cpuid
CPU implementer\t: 0x41
CPU architecture: 8
CPU part\t: 0xd08

Revision\t: c03111
Serial\t\t: 10000000a1b2c3d4
Model\t\t: Raspberry Pi 4 Model B Rev 1.1
"""


def pretend_raspberry_pi(
    monkeypatch: pytest.MonkeyPatch, folder: Path, cpuinfo: str = PI4_CPUINFO
) -> None:
    """The hzeller driver finds ``cpuinfo`` (and no device tree) in ``folder``."""
    path = folder / "cpuinfo"
    path.write_text(cpuinfo)
    monkeypatch.setattr(hzeller, "CPUINFO", path)
    monkeypatch.setattr(hzeller, "DEVICE_TREE_REVISION", folder / "no-device-tree")


def pretend_pio_device(monkeypatch: pytest.MonkeyPatch, folder: Path) -> Path:
    """The piomatter driver finds a read-write ``pio0`` in ``folder``."""
    path = folder / "pio0"
    path.write_bytes(b"")
    monkeypatch.setattr(piomatter, "PIO_DEVICE", path)
    return path
