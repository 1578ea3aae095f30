"""Display drivers: the emulator, driver choice, and what the hardware libraries cannot show here.

tests/drivers runs the hzeller driver against RGBMatrixEmulator; the fakes below cover
only what the emulator does not model (double-buffered canvases, per-canvas brightness,
old bindings, a library that fails to start). The piomatter driver meets the real
library's Geometry, Pinout and Colorspace; only PioMatter, which needs a Pi 5's PIO
device, is faked.
"""

from __future__ import annotations

import io
import re
import sys
import types
from pathlib import Path
from typing import Any, ClassVar

import adafruit_blinka_raspberry_pi5_piomatter as real_piomatter
import numpy as np
import pytest
from PIL import Image

from retroboard_renderer.drivers import DriverUnavailable, Frame, create_driver
from retroboard_renderer.drivers.emulator import EmulatorDriver, render_ansi
from retroboard_renderer.settings import DisplayKind, MatrixSettings, RendererSettings
from tests.drivers.machine import pretend_pio_device, pretend_raspberry_pi

HZELLER = "rgbmatrix"
PIOMATTER = "adafruit_blinka_raspberry_pi5_piomatter"


def gradient(width: int = 8, height: int = 4) -> Frame:
    """Even values everywhere, so 50 % halves them exactly."""
    frame = np.zeros((height, width, 3), dtype=np.uint8)
    frame[..., 0] = np.arange(width, dtype=np.uint8) * 2
    frame[..., 1] = (np.arange(height, dtype=np.uint8) * 20)[:, None]
    frame[..., 2] = 200
    return frame


def settings(display: DisplayKind, **matrix: Any) -> RendererSettings:
    return RendererSettings(
        display=display,
        board_id="test",
        emulator_terminal=False,
        matrix=MatrixSettings(**matrix),
    )


# --- emulator -------------------------------------------------------------------


def test_emulator_keeps_a_copy_of_the_frame() -> None:
    driver = EmulatorDriver(8, 4)
    frame = gradient()
    driver.show(frame)
    frame[:] = 0  # the caller may reuse its buffer
    assert np.array_equal(driver.last_frame, gradient())
    assert not driver.last_frame.flags.writeable


def test_emulator_starts_blank() -> None:
    driver = EmulatorDriver(8, 4)
    assert driver.last_frame.shape == (4, 8, 3)
    assert not driver.last_frame.any()


@pytest.mark.parametrize(("percent", "factor"), [(100, 1.0), (50, 0.5), (0, 0.0)])
def test_emulator_brightness_scales_the_frame(percent: int, factor: float) -> None:
    driver = EmulatorDriver(8, 4)
    driver.set_brightness(percent)
    driver.show(gradient())
    expected = (gradient() * factor).astype(np.uint8)
    assert np.array_equal(driver.last_frame, expected)
    assert driver.brightness == percent


def test_emulator_brightness_is_clamped() -> None:
    driver = EmulatorDriver(8, 4)
    driver.set_brightness(250)
    assert driver.brightness == 100
    driver.set_brightness(-3)
    assert driver.brightness == 0


def test_emulator_rejects_a_frame_of_the_wrong_size() -> None:
    with pytest.raises(ValueError, match="frame must be"):
        EmulatorDriver(8, 4).show(np.zeros((8, 4, 3), dtype=np.uint8))


def test_snapshot_writes_the_shown_frame_as_png(tmp_path: Path) -> None:
    driver = EmulatorDriver(8, 4)
    driver.set_brightness(50)
    driver.show(gradient())
    path = driver.snapshot(tmp_path / "panel.png")
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.size == (8, 4)
        assert np.array_equal(np.asarray(image.convert("RGB")), gradient() // 2)
    assert [p.name for p in tmp_path.iterdir()] == ["panel.png"]  # no temp file left


def test_snapshot_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "panel.png"
    target.write_bytes(b"old")
    EmulatorDriver(8, 4).snapshot(str(target))
    with Image.open(target) as image:
        assert image.size == (8, 4)


def test_render_ansi_uses_truecolor_half_blocks() -> None:
    frame = np.zeros((3, 2, 3), dtype=np.uint8)  # odd height: the last line's bottom is black
    frame[0, 0] = (255, 0, 0)
    frame[1, 0] = (0, 0, 255)
    frame[2, 1] = (1, 2, 3)
    text = render_ansi(frame)
    assert text.startswith("\x1b[H")
    lines = text[len("\x1b[H") :].split("\n")
    assert len(lines) == 2
    assert lines[0].startswith("\x1b[38;2;255;0;0m\x1b[48;2;0;0;255m▀")
    assert "\x1b[38;2;1;2;3m" in lines[1] and "\x1b[48;2;0;0;0m" in lines[1]
    assert text.count("▀") == 4


def test_terminal_output_is_painted_in_place_and_rate_capped() -> None:
    stream = io.StringIO()
    driver = EmulatorDriver(4, 2, terminal=True, stream=stream)
    frame = np.zeros((2, 4, 3), dtype=np.uint8)
    for value in range(1, 31):  # a burst far above 10 fps
        frame[:] = value
        driver.show(frame)
    driver.close()
    out = stream.getvalue()
    assert "\x1b[38;2;" in out and "\x1b[48;2;" in out and "▀" in out
    paints = out.count("\x1b[H")
    assert 1 <= paints <= 3
    last = out.rsplit("\x1b[H", 1)[1]
    assert "\x1b[38;2;30;30;30m" in last  # the last frame of the burst is never dropped
    assert out.endswith("\x1b[?25h\n")


def test_terminal_shows_the_dimmed_frame() -> None:
    stream = io.StringIO()
    driver = EmulatorDriver(2, 2, terminal=True, stream=stream)
    driver.set_brightness(50)
    driver.show(np.full((2, 2, 3), 200, dtype=np.uint8))
    driver.close()
    assert "\x1b[38;2;100;100;100m" in stream.getvalue()


# --- choosing a driver ------------------------------------------------------------


def test_create_driver_emulator_is_sized_by_the_matrix(monkeypatch: pytest.MonkeyPatch) -> None:
    # A hardware library that explodes on import proves the emulator never touches it.
    monkeypatch.setitem(sys.modules, HZELLER, None)
    monkeypatch.setitem(sys.modules, PIOMATTER, None)
    driver = create_driver(settings("emulator", rows=16, cols=32, chain_length=2, parallel=2))
    assert isinstance(driver, EmulatorDriver)
    assert (driver.width, driver.height) == (64, 32)


@pytest.mark.parametrize(
    ("display", "module", "hint"),
    [
        ("hzeller", HZELLER, "pip wheel . with Pillow's src/libImaging on C_INCLUDE_PATH"),
        ("piomatter", PIOMATTER, "pip install adafruit-blinka-raspberry-pi5-piomatter"),
    ],
)
def test_missing_hardware_library_names_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, display: DisplayKind, module: str, hint: str
) -> None:
    pretend_raspberry_pi(monkeypatch, tmp_path)
    pretend_pio_device(monkeypatch, tmp_path)
    monkeypatch.setitem(sys.modules, module, None)  # absent, even where it is installed
    with pytest.raises(DriverUnavailable, match=re.escape(hint)) as caught:
        create_driver(settings(display))
    assert "\n" not in str(caught.value)


# --- hzeller against a fake rgbmatrix: what RGBMatrixEmulator does not model ------------


class FakeCanvas:
    def __init__(self) -> None:
        self.images: list[Image.Image] = []
        self.set_image_kwargs: list[dict[str, Any]] = []
        self.cleared = 0
        self.brightness = 100

    def SetImage(self, image: Image.Image, **kwargs: Any) -> None:
        self.images.append(image.copy())
        self.set_image_kwargs.append(kwargs)

    def Clear(self) -> None:
        self.cleared += 1


class FakeOptions:
    """Library defaults (it drops root privileges unless told not to)."""

    def __init__(self) -> None:
        self.rows = 32
        self.cols = 32
        self.chain_length = 1
        self.parallel = 1
        self.hardware_mapping = "regular"
        self.gpio_slowdown = 1
        self.pwm_bits = 11
        self.led_rgb_sequence = "RGB"
        self.pixel_mapper_config = ""
        self.brightness = 100
        self.drop_privileges = True


class FakeMatrix:
    instances: ClassVar[list[FakeMatrix]] = []

    def __init__(self, options: FakeOptions) -> None:
        self.options = options
        self.width = options.cols * options.chain_length
        self.height = options.rows * options.parallel
        self.brightness = options.brightness
        self.on_screen = FakeCanvas()
        self.created: list[FakeCanvas] = []
        self.swapped: list[FakeCanvas] = []
        self.cleared = 0
        FakeMatrix.instances.append(self)

    def CreateFrameCanvas(self) -> FakeCanvas:
        canvas = FakeCanvas()
        self.created.append(canvas)
        return canvas

    def SwapOnVSync(self, canvas: FakeCanvas) -> FakeCanvas:
        self.swapped.append(canvas)
        previous, self.on_screen = self.on_screen, canvas
        return previous

    def Clear(self) -> None:
        self.cleared += 1


@pytest.fixture
def fake_rgbmatrix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> type[FakeMatrix]:
    pretend_raspberry_pi(monkeypatch, tmp_path)
    module = types.ModuleType(HZELLER)
    module.RGBMatrix = FakeMatrix  # type: ignore[attr-defined]
    module.RGBMatrixOptions = FakeOptions  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, HZELLER, module)
    FakeMatrix.instances = []
    return FakeMatrix


def test_hzeller_draws_whole_frames_and_swaps_canvases(fake_rgbmatrix: type[FakeMatrix]) -> None:
    driver = create_driver(settings("hzeller", rows=8, cols=8))
    matrix = fake_rgbmatrix.instances[0]
    first, second = gradient(8, 8), gradient(8, 8)[::-1].copy()

    driver.show(first)
    driver.show(second)

    drawn = matrix.created[0]
    assert matrix.swapped[0] is drawn
    assert [image.mode for image in drawn.images] == ["RGB"]
    assert np.array_equal(np.asarray(drawn.images[0]), first)
    # The second frame went to the canvas handed back by the first swap.
    returned = matrix.swapped[1]
    assert returned is not drawn
    assert np.array_equal(np.asarray(returned.images[0]), second)
    assert matrix.on_screen is returned


def test_hzeller_brightness_reaches_matrix_and_offscreen_canvas(
    fake_rgbmatrix: type[FakeMatrix],
) -> None:
    driver = create_driver(settings("hzeller", rows=8, cols=8))
    matrix = fake_rgbmatrix.instances[0]
    driver.set_brightness(40)
    assert matrix.brightness == 40
    assert matrix.created[0].brightness == 40


def test_hzeller_falls_back_to_slow_set_image(
    fake_rgbmatrix: type[FakeMatrix],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def old_bindings(self: FakeCanvas, image: Image.Image, **kwargs: Any) -> None:
        # Bindings built before Pillow 12 read internals that Pillow 12 removed.
        if kwargs.get("unsafe", True):
            raise AttributeError("'ImagingCore' object has no attribute 'unsafe_ptrs'")
        self.images.append(image.copy())

    monkeypatch.setattr(FakeCanvas, "SetImage", old_bindings)
    driver = create_driver(settings("hzeller", rows=8, cols=8))
    driver.show(gradient(8, 8))
    driver.show(gradient(8, 8))
    swapped = fake_rgbmatrix.instances[0].swapped
    assert [len(canvas.images) for canvas in swapped] == [1, 1]
    assert caplog.text.count("slow path") == 1


def test_hzeller_start_failure_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pretend_raspberry_pi(monkeypatch, tmp_path)

    class Broken(FakeMatrix):
        def __init__(self, options: FakeOptions) -> None:
            raise Exception("RGBMatrix creation failed")  # what the bindings raise

    module = types.ModuleType(HZELLER)
    module.RGBMatrix = Broken  # type: ignore[attr-defined]
    module.RGBMatrixOptions = FakeOptions  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, HZELLER, module)
    with pytest.raises(DriverUnavailable, match="could not start the panel: RGBMatrix creation"):
        create_driver(settings("hzeller"))


# --- piomatter: the real library, but for PioMatter (it needs a Pi 5's /dev/pio0) ----------


REAL_GEOMETRY = real_piomatter.Geometry  # the fixture wraps the module's one


class FakePioMatter:
    """Takes what the real PioMatter takes, checked against the real library's types."""

    instances: ClassVar[list[FakePioMatter]] = []
    geometries: ClassVar[list[dict[str, Any]]] = []

    def __init__(self, *, colorspace: Any, pinout: Any, framebuffer: Frame, geometry: Any) -> None:
        assert isinstance(colorspace, real_piomatter.Colorspace)
        assert isinstance(pinout, real_piomatter.Pinout)
        assert isinstance(geometry, REAL_GEOMETRY)
        assert framebuffer.flags.c_contiguous  # a plain buffer, as the real one reads it
        self.colorspace = colorspace
        self.pinout = pinout
        self.framebuffer = framebuffer
        self.geometry = FakePioMatter.geometries[-1]  # the arguments it was made with
        self.shown: list[Frame] = []
        FakePioMatter.instances.append(self)

    def show(self) -> None:
        self.shown.append(self.framebuffer.copy())


@pytest.fixture
def fake_piomatter(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> type[FakePioMatter]:
    def geometry(**kwargs: Any) -> Any:
        # The real Geometry: a wrong argument name or type raises here, as on a Pi 5.
        made = REAL_GEOMETRY(**kwargs)
        FakePioMatter.geometries.append(kwargs)
        return made

    pretend_pio_device(monkeypatch, tmp_path)
    monkeypatch.setattr(real_piomatter, "Geometry", geometry)
    monkeypatch.setattr(real_piomatter, "PioMatter", FakePioMatter)
    monkeypatch.setattr(FakePioMatter, "instances", [])
    monkeypatch.setattr(FakePioMatter, "geometries", [])
    return FakePioMatter


def test_piomatter_maps_geometry_and_pinout(fake_piomatter: type[FakePioMatter]) -> None:
    driver = create_driver(
        settings("piomatter", rows=32, cols=64, chain_length=2, hardware_mapping="adafruit-hat")
    )
    matter = fake_piomatter.instances[0]
    assert matter.geometry == {"width": 128, "height": 32, "n_addr_lines": 4, "n_planes": 10}
    assert matter.pinout == real_piomatter.Pinout.AdafruitMatrixBonnet
    assert matter.colorspace == real_piomatter.Colorspace.RGB888Packed
    assert matter.framebuffer.shape == (32, 128, 3) and matter.framebuffer.dtype == np.uint8
    assert (driver.width, driver.height) == (128, 32)


def test_piomatter_parallel_chains_become_lanes(fake_piomatter: type[FakePioMatter]) -> None:
    create_driver(settings("piomatter", rows=16, cols=8, parallel=3, pwm_bits=6))
    kwargs = fake_piomatter.instances[0].geometry
    assert fake_piomatter.instances[0].pinout == real_piomatter.Pinout.Active3  # "regular"
    assert (kwargs["width"], kwargs["height"]) == (8, 48)
    assert (kwargs["n_lanes"], kwargs["n_planes"]) == (6, 6)
    pixel_map = kwargs["map"]
    assert sorted(pixel_map) == list(range(8 * 48))
    # Address 0, column 0: one pixel per lane, each lane 8 rows further down.
    assert pixel_map[:6] == [row * 8 for row in (0, 8, 16, 24, 32, 40)]


def test_piomatter_show_copies_the_dimmed_frame(fake_piomatter: type[FakePioMatter]) -> None:
    driver = create_driver(settings("piomatter", rows=8, cols=8))
    matter = fake_piomatter.instances[0]
    framebuffer = matter.framebuffer
    driver.show(gradient(8, 8))
    driver.set_brightness(50)
    driver.show(gradient(8, 8))
    driver.set_brightness(0)
    driver.show(gradient(8, 8))
    assert matter.framebuffer is framebuffer  # written in place, never replaced
    assert np.array_equal(matter.shown[0], gradient(8, 8))
    assert np.array_equal(matter.shown[1], gradient(8, 8) // 2)
    assert not matter.shown[2].any()


def test_piomatter_reorders_channels_for_the_led_sequence(
    fake_piomatter: type[FakePioMatter],
) -> None:
    driver = create_driver(settings("piomatter", rows=8, cols=8, led_rgb_sequence="BGR"))
    driver.show(gradient(8, 8))
    assert np.array_equal(fake_piomatter.instances[0].shown[0], gradient(8, 8)[..., ::-1])


def test_piomatter_close_blanks_the_panel(fake_piomatter: type[FakePioMatter]) -> None:
    driver = create_driver(settings("piomatter", rows=8, cols=8))
    driver.show(gradient(8, 8))
    driver.close()
    driver.show(gradient(8, 8))
    shown = fake_piomatter.instances[0].shown
    assert len(shown) == 2 and not shown[-1].any()


@pytest.mark.parametrize(
    ("hardware_mapping", "pinout"),
    [
        ("regular", "Active3"),
        ("adafruit-hat", "AdafruitMatrixBonnet"),
        ("adafruit-hat-pwm", "AdafruitMatrixBonnet"),
        ("AdafruitMatrixBonnetBGR", "AdafruitMatrixBonnetBGR"),
        ("Active3BGR", "Active3BGR"),
        ("AdafruitMatrixHat", "AdafruitMatrixHat"),
    ],
)
def test_piomatter_pinouts_are_the_library_s(
    fake_piomatter: type[FakePioMatter], hardware_mapping: str, pinout: str
) -> None:
    create_driver(settings("piomatter", rows=32, cols=64, hardware_mapping=hardware_mapping))
    assert fake_piomatter.instances[0].pinout == getattr(real_piomatter.Pinout, pinout)


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ({"rows": 40}, "MATRIX_ROWS=40"),
        ({"hardware_mapping": "classic"}, "MATRIX_HARDWARE_MAPPING='classic'"),
    ],
)
def test_piomatter_refuses_what_it_cannot_drive(
    fake_piomatter: type[FakePioMatter], matrix: dict[str, Any], message: str
) -> None:
    with pytest.raises(DriverUnavailable, match=message):
        create_driver(settings("piomatter", **matrix))


def test_hzeller_refuses_a_wiring_the_library_lacks_in_one_line(
    fake_rgbmatrix: type[FakeMatrix],
) -> None:
    # rpi-rgb-led-matrix would hand back an empty matrix that crashes on first use.
    with pytest.raises(DriverUnavailable) as caught:
        create_driver(settings("hzeller", hardware_mapping="adafruit-bonnet"))
    message = str(caught.value)
    assert "MATRIX_HARDWARE_MAPPING='adafruit-bonnet'" in message and "adafruit-hat" in message
    assert "\n" not in message


@pytest.mark.parametrize("sequence", ["RRG", "GGG", "RBB"])
def test_an_led_sequence_missing_a_colour_is_refused(sequence: str) -> None:
    # The library would abort the renderer: "LED sequence … does not contain any 'B'".
    with pytest.raises(ValueError, match="R, G and B once each"):
        MatrixSettings(led_rgb_sequence=sequence)
    assert MatrixSettings(led_rgb_sequence="GBR").led_rgb_sequence == "GBR"
