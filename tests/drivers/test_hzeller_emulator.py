"""The hzeller driver against RGBMatrixEmulator, which has the rgbmatrix bindings' Python API.

The emulator is put where the driver imports ``rgbmatrix`` from, with its headless
``raw`` display adapter (no window, no browser, no port): it keeps every frame that
``SwapOnVSync`` puts on the emulated panel, after the pixel mapper and the brightness.
Only what it cannot show (double-buffered canvases, old bindings) is left to the fakes
in tests/unit/test_drivers.py.
"""

from __future__ import annotations

import copy
import importlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from retroboard_renderer.drivers import DisplayDriver, Frame, create_driver
from retroboard_renderer.settings import MatrixSettings, RendererSettings
from tests.drivers.machine import pretend_raspberry_pi

if TYPE_CHECKING:
    from RGBMatrixEmulator.adapters.raw_adapter import RawAdapter

# Imported only inside the tmp working folder: importing RGBMatrixEmulator builds an
# RGBMatrixOptions (a default argument), which reads or writes emulator_config.json in
# the current folder and loads the display adapter named there.
EMULATOR = "RGBMatrixEmulator"

# What the driver sets that the emulator does not model: a runtime option of the real
# bindings (RGBMatrixOptions.drop_privileges in rpi-rgb-led-matrix's core.pyx).
RUNTIME_ONLY = {"drop_privileges"}


class Panel:
    """What the emulated panel showed, read from the emulator's raw display adapter."""

    def __init__(self, raw_adapter: type[RawAdapter]) -> None:
        self._raw_adapter = raw_adapter

    @property
    def adapter(self) -> RawAdapter:
        adapter = self._raw_adapter.INSTANCE
        assert isinstance(adapter, self._raw_adapter), "the driver showed nothing headless"
        return adapter

    @property
    def options(self) -> Any:
        """The RGBMatrixOptions the matrix was created with."""
        return self.adapter.options

    @property
    def frames(self) -> list[Frame]:
        """Every frame shown, oldest first."""
        return [self.adapter.frames[i] for i in sorted(self.adapter.frames)]


@pytest.fixture
def panel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Panel:
    """RGBMatrixEmulator as ``rgbmatrix``, headless, its config in a tmp working folder."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    emulator = importlib.import_module(EMULATOR)
    raw_adapter = importlib.import_module(f"{EMULATOR}.adapters.raw_adapter").RawAdapter
    defaults = importlib.import_module(f"{EMULATOR}.internal.emulator_config")
    config = copy.deepcopy(defaults.RGBMatrixEmulatorConfig.DEFAULT_CONFIG)
    # No fallback: were "raw" unavailable, the emulator would try the browser adapter.
    config.update(display_adapter="raw", allow_adapter_fallback=False, pixel_size=1)
    # Each RGBMatrixOptions() reads this, so every matrix the driver makes is headless.
    (cwd / "emulator_config.json").write_text(json.dumps(config))
    # The emulator keeps one display adapter per process: each test gets a new panel.
    monkeypatch.setattr(raw_adapter, "INSTANCE", None)
    monkeypatch.setitem(sys.modules, "rgbmatrix", emulator)
    pretend_raspberry_pi(monkeypatch, tmp_path)
    return Panel(raw_adapter)


def hzeller(**matrix: Any) -> DisplayDriver:
    return create_driver(
        RendererSettings(display="hzeller", board_id="test", matrix=MatrixSettings(**matrix))
    )


def pattern(width: int, height: int) -> Frame:
    """Every pixel different, so a flipped, rotated or shifted frame shows."""
    y, x = np.mgrid[0:height, 0:width]
    frame = np.stack([x * 2, y * 2, (x + y) % 2 * 200], axis=-1)
    return frame.astype(np.uint8)


def test_every_matrix_setting_reaches_the_library(
    panel: Panel, monkeypatch: pytest.MonkeyPatch
) -> None:
    environment = {
        "MATRIX_ROWS": "16",
        "MATRIX_COLS": "32",
        "MATRIX_CHAIN_LENGTH": "2",
        "MATRIX_PARALLEL": "2",
        "MATRIX_HARDWARE_MAPPING": "adafruit-hat-pwm",
        "MATRIX_GPIO_SLOWDOWN": "4",
        "MATRIX_PWM_BITS": "7",
        "MATRIX_LED_RGB_SEQUENCE": "RBG",
        "MATRIX_PIXEL_MAPPER": "Rotate:90",
    }
    aliases = {field.validation_alias for field in MatrixSettings.model_fields.values()}
    assert aliases == set(environment), "a MATRIX_* setting this test does not cover"
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("RETROBOARD_DISPLAY", "hzeller")

    driver = create_driver(RendererSettings(board_id="test"))

    options = panel.options
    assert {
        "rows": options.rows,
        "cols": options.cols,
        "chain_length": options.chain_length,
        "parallel": options.parallel,
        "hardware_mapping": options.hardware_mapping,
        "gpio_slowdown": options.gpio_slowdown,
        "pwm_bits": options.pwm_bits,
        "led_rgb_sequence": options.led_rgb_sequence,
        "pixel_mapper_config": options.pixel_mapper_config,
        "brightness": options.brightness,
        "drop_privileges": options.drop_privileges,
    } == {
        "rows": 16,
        "cols": 32,
        "chain_length": 2,
        "parallel": 2,
        "hardware_mapping": "adafruit-hat-pwm",
        "gpio_slowdown": 4,
        "pwm_bits": 7,
        "led_rgb_sequence": "RBG",
        "pixel_mapper_config": "Rotate:90",
        "brightness": 100,
        "drop_privileges": False,  # keeps the state folder writable
    }
    # A misspelt option would be a new attribute: only the runtime option is unknown.
    known = set(vars(sys.modules["rgbmatrix"].RGBMatrixOptions()))
    assert {name for name in vars(options) if not name.startswith("_")} - known == RUNTIME_ONLY

    # 2 × 32 columns by 2 × 16 rows, turned a quarter: the library reports 32 × 64.
    assert (driver.width, driver.height) == (32, 64)
    frame = pattern(32, 64)
    driver.show(frame)
    (shown,) = panel.frames
    assert np.array_equal(shown, np.rot90(frame, k=-1))  # clockwise, as on the panel


@pytest.mark.parametrize(
    ("mapper", "size"),
    [("", (64, 32)), ("Rotate:180", (64, 32)), ("Rotate:270", (32, 64)), ("U-mapper", (32, 64))],
)
def test_the_pixel_mapper_sizes_the_canvas(
    panel: Panel, mapper: str, size: tuple[int, int]
) -> None:
    driver = hzeller(rows=32, cols=32, chain_length=2, pixel_mapper=mapper)
    assert panel.options.pixel_mapper_config == mapper  # unset stays the library default
    assert (driver.width, driver.height) == size
    driver.show(pattern(*size))
    assert len(panel.frames) == 1


def test_whole_frames_are_shown_in_order(panel: Panel) -> None:
    driver = hzeller(rows=16, cols=32)
    first, second = pattern(32, 16), pattern(32, 16)[::-1].copy()
    driver.show(first)
    first[:] = 0  # the caller may reuse its buffer
    driver.show(second)
    assert [frame.shape for frame in panel.frames] == [(16, 32, 3)] * 2
    assert np.array_equal(panel.frames[0], pattern(32, 16))
    assert np.array_equal(panel.frames[1], second)


def test_brightness_dims_the_next_frames(panel: Panel) -> None:
    driver = hzeller(rows=8, cols=8)
    frame = pattern(8, 8)  # even values: 50 % halves them exactly
    driver.show(frame)
    driver.set_brightness(50)
    driver.show(frame)
    driver.set_brightness(0)
    driver.show(frame)
    driver.set_brightness(100)
    driver.show(frame)
    full, half, off, again = panel.frames
    assert np.array_equal(full, frame)
    assert np.array_equal(half, frame // 2)
    assert not off.any()  # the library's minimum is 1 %: "off" is drawn black
    assert np.array_equal(again, frame)
    assert panel.options.brightness == 100


def test_close_blanks_the_panel_and_later_calls_are_ignored(panel: Panel) -> None:
    driver = hzeller(rows=8, cols=8)
    driver.show(pattern(8, 8))
    driver.close()
    driver.close()
    driver.show(pattern(8, 8))
    driver.set_brightness(10)
    shown, blank = panel.frames
    assert shown.any() and not blank.any()
    assert panel.options.brightness == 100


def test_a_frame_of_the_wrong_size_is_refused(panel: Panel) -> None:
    driver = hzeller(rows=8, cols=16)
    with pytest.raises(ValueError, match=r"frame must be uint8 \(8, 16, 3\)"):
        driver.show(pattern(8, 16).T.copy())
    assert panel.frames == []
