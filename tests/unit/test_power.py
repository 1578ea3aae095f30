"""Power: off, the panel is dark and the apps and the carousel wait; on, everything is
back where it was; the power state survives a restart."""

from __future__ import annotations

import numpy as np
import pytest

from retroboard_common.models import CarouselEntry
from retroboard_renderer.board import Board
from retroboard_renderer.drivers.emulator import EmulatorDriver
from retroboard_renderer.engine import RenderEngine
from retroboard_renderer.store import StateStore
from tests.support.fake_clock import FakeClock
from tests.support.panel import shown
from tests.support.states import settings_state


@pytest.fixture
def board(engine: RenderEngine, store: StateStore, clock: FakeClock) -> Board:
    instance = Board(engine, store, clock=clock)
    instance.restore(None)
    instance.set_brightness(100)
    # A custom app draws the same picture on every frame: "back as it was" is exact.
    instance.push_custom("temp", {"text": "21C", "color": "#00FF00"}, "api")
    instance.switch("temp")
    return instance


def test_off_blanks_the_panel_and_on_brings_it_back(board: Board) -> None:
    before = shown(board)
    assert before.any()
    assert board.set_power(False) == {"settings"}
    assert not shown(board).any()
    assert board.payload("settings").model_dump() == settings_state(100, power=False)
    assert board.current_app == "temp"  # still the board's app, just dark

    board.set_power(True)
    assert np.array_equal(shown(board), before)
    assert board.payload("settings").model_dump()["power"] is True


def test_commands_while_off_apply_and_show_once_on(board: Board) -> None:
    board.set_power(False)
    board.switch("clock")
    board.set_brightness(50)
    assert not shown(board).any()
    board.set_power(True)
    frame = shown(board)
    assert frame.any() and frame.max() <= 128  # the clock, at half brightness
    assert board.current_app == "clock"


def test_turning_off_twice_or_on_when_on_changes_nothing(board: Board) -> None:
    before = shown(board)
    board.set_power(True)
    assert np.array_equal(shown(board), before)
    board.set_power(False)
    board.set_power(False)
    assert not shown(board).any()
    board.set_power(True)
    assert np.array_equal(shown(board), before)


def test_the_carousel_waits_while_off(board: Board, clock: FakeClock) -> None:
    board.set_carousel(
        True,
        [CarouselEntry(app="clock", duration=10), CarouselEntry(app="stars", duration=10)],
    )
    clock.advance(7)
    shown(board)
    board.set_power(False)
    clock.advance(3600)
    shown(board)
    assert board.current_app == "clock"
    board.set_power(True)
    clock.advance(2.9)
    shown(board)
    assert board.current_app == "clock"  # 3 s of its turn were left
    clock.advance(0.1)
    shown(board)
    assert board.current_app == "stars"


def test_the_power_state_survives_a_restart(
    board: Board, store: StateStore, clock: FakeClock
) -> None:
    board.set_power(False)
    store.flush()
    again = Board(RenderEngine(EmulatorDriver(64, 32), clock=clock), store, clock=clock)
    again.restore(store.load())
    assert again.payload("settings").model_dump() == settings_state(100, power=False)
    assert not shown(again).any()
    again.set_power(True)
    frame = shown(again)
    assert again.current_app == "temp"
    assert np.all(frame == (0, 255, 0), axis=-1).sum() > 10

    store.flush()
    third = Board(RenderEngine(EmulatorDriver(64, 32), clock=clock), store, clock=clock)
    third.restore(store.load())
    assert third.payload("settings").model_dump()["power"] is True
    assert shown(third).any()
