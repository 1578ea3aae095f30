"""A hardware display chosen on a machine without that hardware: one clear line, no crash.

Off a Pi, rpi-rgb-led-matrix guesses a Pi 3 and the process dies of a segmentation
fault; off a Pi 5, piomatter prints a line on stdout and calls exit(1). The renderer
checks what the libraries check, first, and stops with a line naming the setting.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from retroboard_renderer.drivers import DriverUnavailable, hzeller, piomatter
from retroboard_renderer.settings import MatrixSettings
from tests.drivers.machine import PI4_CPUINFO, pretend_raspberry_pi

RENDERER = Path(sys.executable).parent / "retroboard-renderer"

# How the bindings built from rpi-rgb-led-matrix 89072356 behave on this x86-64 machine
# (docs/deploy.md): RGBMatrix() prints why and returns a matrix with no C++ object
# behind it; the first call on it is a segmentation fault.
STAND_IN_BINDINGS = """
import os
import signal
import sys


class RGBMatrixOptions:
    pass


class RGBMatrix:
    def __init__(self, options=None):
        sys.stderr.write(
            "non-existent Revision: Could not determine Pi model\\n"
            "Failed to read revision from /proc/device-tree/system/linux,revision\\n"
            "Unknown Revision: Could not determine Pi model\\n"
            "Must run as root to be able to access /dev/mem\\n"
        )

    def CreateFrameCanvas(self):
        os.kill(os.getpid(), signal.SIGSEGV)
"""


def run_renderer(display: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    bindings = tmp_path / "bindings"
    (bindings / "rgbmatrix").mkdir(parents=True)
    (bindings / "rgbmatrix" / "__init__.py").write_text(STAND_IN_BINDINGS)
    env = {
        **os.environ,
        "PYTHONPATH": str(bindings),
        "RETROBOARD_DISPLAY": display,
        "RETROBOARD_BOARD_ID": "test",
        "RETROBOARD_STATE_DIR": str(tmp_path / "state"),
        "MQTT_URL": "mqtt://127.0.0.1:9",  # never reached: the driver comes first
    }
    return subprocess.run(
        [str(RENDERER)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_this_machine_is_not_a_pi() -> None:
    """The tests below run the renderer on this machine as it is."""
    assert hzeller.pi_revision() is None, "these tests need a machine that is not a Pi"
    assert not piomatter.PIO_DEVICE.exists(), "these tests need a machine that is not a Pi 5"


@pytest.mark.parametrize("display", ["hzeller", "piomatter"])
def test_a_hardware_display_off_the_pi_stops_with_one_line(display: str, tmp_path: Path) -> None:
    result = run_renderer(display, tmp_path)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1, result.stdout + result.stderr
    assert len(lines) == 1, result.stderr
    assert f"RETROBOARD_DISPLAY={display} needs a Raspberry Pi" in lines[0]
    assert "use RETROBOARD_DISPLAY=emulator" in lines[0]
    assert result.stdout == ""


# --- where the revision is found ---------------------------------------------------------


def test_the_revision_comes_from_cpuinfo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pretend_raspberry_pi(monkeypatch, tmp_path)
    assert hzeller.pi_revision() == 0xC03111


def test_the_device_tree_is_read_when_cpuinfo_has_no_revision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A 64-bit kernel without the Raspberry Pi lines, as on some distributions.
    pretend_raspberry_pi(monkeypatch, tmp_path, cpuinfo="processor\t: 0\nRevision\t: 0000\n")
    device_tree = tmp_path / "linux,revision"
    device_tree.write_bytes(bytes.fromhex("00d04170"))  # a Pi 5, big-endian
    monkeypatch.setattr(hzeller, "DEVICE_TREE_REVISION", device_tree)
    assert hzeller.pi_revision() == 0xD04170


@pytest.mark.parametrize(
    "cpuinfo",
    [
        "processor\t: 0\nvendor_id\t: GenuineIntel\n",  # a PC
        "Revision\t: 0000\n",  # no board has revision 0
        "Revision\t: unknown\n",
    ],
)
def test_no_revision_means_no_pi(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cpuinfo: str
) -> None:
    pretend_raspberry_pi(monkeypatch, tmp_path, cpuinfo=cpuinfo)
    (tmp_path / "short").write_bytes(b"\x00\x01")
    monkeypatch.setattr(hzeller, "DEVICE_TREE_REVISION", tmp_path / "short")
    assert hzeller.pi_revision() is None
    with pytest.raises(DriverUnavailable, match="RETROBOARD_DISPLAY=hzeller needs a Raspberry Pi"):
        hzeller.HzellerDriver(MatrixSettings())


def test_a_pi_without_the_bindings_is_told_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pretend_raspberry_pi(monkeypatch, tmp_path, cpuinfo=PI4_CPUINFO)
    monkeypatch.setitem(sys.modules, "rgbmatrix", None)
    with pytest.raises(DriverUnavailable, match="needs the rpi-rgb-led-matrix Python bindings"):
        hzeller.HzellerDriver(MatrixSettings())


def test_an_unwritable_pio_device_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    device = tmp_path / "pio0"
    device.write_bytes(b"")
    monkeypatch.setattr(piomatter, "PIO_DEVICE", device)
    monkeypatch.setattr(os, "access", lambda *_args, **_kwargs: False)  # as for a non-root user
    with pytest.raises(DriverUnavailable, match=f"cannot open its PIO device {device}"):
        piomatter.PiomatterDriver(MatrixSettings())
