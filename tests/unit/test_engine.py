"""The render loop: brightness reaches the panel, commands act at once, stop blanks."""

from __future__ import annotations

import threading
import time

import numpy as np

from retroboard_common.app_configs import ClockConfig, ScrollTextConfig
from retroboard_renderer.apps.clock import Clock
from retroboard_renderer.apps.scroll_text import ScrollText
from retroboard_renderer.drivers.emulator import EmulatorDriver
from retroboard_renderer.engine import RenderEngine
from tests.support.fake_clock import FakeClock
from tests.support.waiting import wait_until


def test_brightness_scales_what_the_panel_shows(
    engine: RenderEngine, driver: EmulatorDriver
) -> None:
    engine.show_app(Clock(ClockConfig(), 64, 32))
    engine.step()
    assert driver.last_frame.max() == 255
    engine.set_brightness(50)
    engine.step()
    assert 120 <= driver.last_frame.max() <= 135
    engine.set_brightness(0)
    engine.step()
    assert driver.last_frame.max() == 0


def test_no_app_shows_a_blank_panel(engine: RenderEngine, driver: EmulatorDriver) -> None:
    engine.show_app(Clock(ClockConfig(), 64, 32))
    engine.step()
    assert driver.last_frame.any()
    engine.show_app(None)
    engine.step()
    assert not driver.last_frame.any()


def test_a_command_does_not_wait_out_the_frame_period() -> None:
    """A 1 fps app sleeps a second between frames; a switch must not wait for it."""
    driver = EmulatorDriver(64, 32)
    engine = RenderEngine(driver)
    shown = threading.Event()
    red = threading.Event()
    engine.add_frame_listener(
        lambda frame: shown.set() if frame[..., 1].any() and not frame[..., 0].any() else None
    )
    engine.add_frame_listener(lambda frame: red.set() if frame[..., 0].any() else None)
    engine.show_app(Clock(ClockConfig(color=[255, 0, 0]), 64, 32))
    engine.start()
    try:
        assert red.wait(2)  # the clock has drawn: it now sleeps until the next second
        started = time.monotonic()
        engine.show_app(ScrollText(ScrollTextConfig(text="GO", color=[0, 255, 0], speed=8), 64, 32))
        assert shown.wait(2)
        waited = time.monotonic() - started
    finally:
        engine.stop()
    # Way below the clock's one-second frame period.
    assert waited < 0.5, waited


def test_tickers_can_ask_for_an_earlier_frame(engine: RenderEngine) -> None:
    engine.add_ticker(lambda now: now + 0.25)
    assert engine.step() <= 0.25


def test_stop_blanks_the_panel(driver: EmulatorDriver) -> None:
    engine = RenderEngine(driver)
    engine.show_app(Clock(ClockConfig(), 64, 32))
    engine.start()
    try:
        # The emulator starts black: first see the panel itself lit.
        wait_until(lambda: driver.last_frame.any(), timeout=2, what="the clock on the panel")
    finally:
        engine.stop()
    assert not np.asarray(driver.last_frame).any()


def test_a_frame_drawn_after_its_slot_is_late(engine: RenderEngine, clock: FakeClock) -> None:
    engine.show_app(ScrollText(ScrollTextConfig(fps=60), 64, 32))
    timed: list[float] = []
    engine.add_frame_timer(timed.append)
    delay = engine.step()
    clock.advance(delay)  # on time
    delay = engine.step()
    clock.advance(delay + 0.005)  # a little behind, within the slot
    engine.step()
    assert engine.late_frames == 0
    clock.advance(1.0)  # the loop was held up for a second
    engine.step()
    assert engine.late_frames == 1
    assert engine.frames_drawn == len(timed) == 4
    assert all(seconds >= 0 for seconds in timed)
