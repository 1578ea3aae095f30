"""Which transition a board asks its engine for: the settings' default, a carousel
entry's own, and none for power."""

from __future__ import annotations

import numpy as np
import pytest

from retroboard_common.models import CarouselEntry, SettingsBody, Transition
from retroboard_renderer.board import Board
from retroboard_renderer.engine import RenderEngine
from tests.support.fake_clock import FakeClock
from tests.support.panel import shown

FADE = Transition(type="fade", duration=1000)


@pytest.fixture
def faded(board: Board) -> Board:
    board.update_settings(SettingsBody(brightness=100, transition=FADE))
    shown(board)
    return board


def blend_of(before: np.ndarray, after: np.ndarray, frame: np.ndarray) -> bool:
    """Whether ``frame`` is neither ``before`` nor ``after`` (a blend between them)."""
    return not np.array_equal(frame, before) and not np.array_equal(frame, after)


def test_a_switch_plays_the_settings_transition_after_answering(
    faded: Board, engine: RenderEngine, clock: FakeClock
) -> None:
    faded.push_custom("red", {"text": "RR", "color": "#FF0000"}, "api")
    faded.push_custom("blue", {"text": "BB", "color": "#0000FF"}, "api")
    faded.switch("red")
    shown(faded)  # the fade into red starts with the next frame drawn
    clock.advance(1)
    red = shown(faded)
    assert faded.switch("blue") == {"current_app", "apps_list"}  # answered at once
    assert engine.transitioning  # the fade runs after, on the render thread
    assert np.array_equal(shown(faded), red)  # its first frame: where it starts from
    clock.advance(0.5)
    halfway = shown(faded)
    clock.advance(0.5)
    blue = shown(faded)
    assert not engine.transitioning
    assert blend_of(red, blue, halfway)
    assert red[..., 0].max() == 255 and blue[..., 2].max() == 255
    assert halfway[..., 0].max() in range(100, 160) and halfway[..., 2].max() in range(100, 160)


def test_a_carousel_entry_plays_its_own_transition(
    faded: Board, engine: RenderEngine, clock: FakeClock
) -> None:
    wipe = Transition(type="wipe", direction="up", duration=2000)
    faded.set_carousel(
        True,
        [CarouselEntry(app="clock", duration=5), CarouselEntry(app="stars", transition=wipe)],
    )
    shown(faded)
    clock.advance(5)
    shown(faded)  # the carousel turns, and the wipe starts
    assert faded.current_app == "stars"
    assert engine.transitioning
    clock.advance(1.5)
    shown(faded)
    assert engine.transitioning  # 2 s, not the settings' 1 s
    clock.advance(0.5)
    shown(faded)
    assert not engine.transitioning


def test_power_cuts_without_a_transition(faded: Board, engine: RenderEngine) -> None:
    faded.set_power(False)
    assert not engine.transitioning
    assert not shown(faded).any()
    faded.set_power(True)
    assert not engine.transitioning
    assert shown(faded).any()
