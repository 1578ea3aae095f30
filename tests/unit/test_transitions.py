"""Transitions: every kind's frames at its start, middle and end, the player over time,
and the render loop drawing them at the panel's rate from the last frame shown."""

from __future__ import annotations

import random
from typing import get_args

import numpy as np
import pytest
from pydantic import Field

from retroboard_common.app_configs import AppConfig
from retroboard_common.models import NO_TRANSITION, Direction, Transition
from retroboard_renderer.apps import App
from retroboard_renderer.drivers.base import Frame
from retroboard_renderer.drivers.emulator import EmulatorDriver
from retroboard_renderer.engine import TRANSITION_DELAY, RenderEngine
from retroboard_renderer.transitions import (
    KINDS,
    Kind,
    TransitionPlayer,
    compose,
    pixelate_block,
    plays,
    resolve,
)
from tests.support.fake_clock import FakeClock

W, H = 16, 8
RED, GREEN, BLUE = [255, 0, 0], [0, 255, 0], [0, 0, 255]


def columns(base: int) -> Frame:
    """A frame whose red channel says the column (``base + x``), green the row."""
    frame = np.zeros((H, W, 3), dtype=np.uint8)
    frame[:, :, 0] = base + np.arange(W)
    frame[:, :, 1] = np.arange(H)[:, None]
    return frame


def solid(value: int, width: int = W, height: int = H) -> Frame:
    return np.full((height, width, 3), value, dtype=np.uint8)


OLD, NEW = columns(0), columns(100)


# --- compose ---------------------------------------------------------------------------


@pytest.mark.parametrize("direction", get_args(Direction))
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_starts_on_the_old_frame_and_ends_on_the_new(
    kind: Kind, direction: Direction
) -> None:
    start = compose(kind, direction, 0.0, OLD, NEW)
    end = compose(kind, direction, 1.0, OLD, NEW)
    assert np.array_equal(start, OLD) and start is not OLD
    assert np.array_equal(end, NEW) and end is not NEW
    # Out of range is clamped; the inputs are never written.
    assert np.array_equal(compose(kind, direction, -1.0, OLD, NEW), OLD)
    assert np.array_equal(compose(kind, direction, 2.0, OLD, NEW), NEW)
    assert np.array_equal(OLD, columns(0)) and np.array_equal(NEW, columns(100))


def test_a_fade_mixes_both_frames_by_its_progress() -> None:
    assert (compose("fade", "left", 0.5, solid(0), solid(200)) == 100).all()
    # w = 64 of 256: (100 × 192 + 200 × 64) >> 8
    assert (compose("fade", "left", 0.25, solid(100), solid(200)) == 125).all()
    assert (compose("fade", "left", 0.5, solid(255), solid(255)) == 255).all()  # no overflow


def test_compose_draws_into_the_buffer_given() -> None:
    out = np.zeros_like(OLD)
    assert compose("fade", "left", 0.5, solid(0), solid(200), out) is out
    assert (out == 100).all()


def test_a_slide_left_pushes_the_old_frame_out_and_brings_the_new_in_from_the_right() -> None:
    frame = compose("slide", "left", 0.25, OLD, NEW)  # 4 of 16 columns
    assert frame[0, :, 0].tolist() == [*range(4, 16), *range(100, 104)]
    assert np.array_equal(frame[:, :, 1], OLD[:, :, 1])  # rows stay where they are


def test_a_slide_right_moves_both_frames_rightwards() -> None:
    frame = compose("slide", "right", 0.25, OLD, NEW)
    assert frame[0, :, 0].tolist() == [*range(112, 116), *range(0, 12)]


def test_a_slide_up_brings_the_new_frame_in_from_the_bottom() -> None:
    frame = compose("slide", "up", 0.25, OLD, NEW)  # 2 of 8 rows
    assert frame[:, 0, 1].tolist() == [2, 3, 4, 5, 6, 7, 0, 1]
    assert frame[:, 0, 0].tolist() == [0] * 6 + [100] * 2


def test_a_slide_down_moves_both_frames_downwards() -> None:
    frame = compose("slide", "down", 0.25, OLD, NEW)
    assert frame[:, 0, 1].tolist() == [6, 7, 0, 1, 2, 3, 4, 5]
    assert frame[:, 0, 0].tolist() == [100] * 2 + [0] * 6


@pytest.mark.parametrize(
    ("direction", "new_columns"),
    [("left", range(12, 16)), ("right", range(0, 4))],
)
def test_a_wipe_reveals_the_new_frame_in_place_behind_a_moving_edge(
    direction: Direction, new_columns: range
) -> None:
    frame = compose("wipe", direction, 0.25, OLD, NEW)
    expected = [100 + x if x in new_columns else x for x in range(W)]
    assert frame[0, :, 0].tolist() == expected  # neither frame moved


@pytest.mark.parametrize(("direction", "new_rows"), [("up", [6, 7]), ("down", [0, 1])])
def test_a_vertical_wipe_moves_its_edge_over_the_rows(
    direction: Direction, new_rows: list[int]
) -> None:
    frame = compose("wipe", direction, 0.25, OLD, NEW)
    assert frame[:, 0, 0].tolist() == [100 if y in new_rows else 0 for y in range(H)]


def test_a_wipe_edge_travels_the_whole_way() -> None:
    lit = [
        int((compose("wipe", "left", p / 8, solid(0), solid(9))[0, :, 0] == 9).sum())
        for p in range(9)
    ]
    assert lit == [0, 2, 4, 6, 8, 10, 12, 14, 16]


def test_pixelate_coarsens_the_old_frame_then_sharpens_the_new() -> None:
    assert [pixelate_block(p, W, H) for p in (0.0, 0.25, 0.5, 0.75, 1.0)] == [1, 2, 4, 2, 1]
    first, middle, last = (compose("pixelate", "left", p, OLD, NEW) for p in (0.25, 0.5, 0.75))
    for frame, block, source in ((first, 2, OLD), (middle, 4, NEW), (last, 2, NEW)):
        for y in range(0, H, block):
            for x in range(0, W, block):
                # Every block is one colour: its top-left pixel's, of the right frame.
                assert (frame[y : y + block, x : x + block] == source[y, x]).all()


def test_pixelate_crops_blocks_cut_by_the_panel_edges() -> None:
    old, new = solid(0, 10, 5), columns(0)[:5, :10].copy()
    frame = compose("pixelate", "left", 0.5, old, new)  # blocks of 2: 5 × 3 of them
    assert frame.shape == (5, 10, 3)
    assert frame[4, :, 0].tolist() == [0, 0, 2, 2, 4, 4, 6, 6, 8, 8]
    assert frame[:, 0, 1].tolist() == [0, 0, 2, 2, 4]


def test_compose_refuses_what_it_cannot_draw() -> None:
    with pytest.raises(ValueError, match="kind"):
        compose("random", "left", 0.5, OLD, NEW)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="shape"):
        compose("fade", "left", 0.5, OLD, solid(0, 4, 4))


# --- the player --------------------------------------------------------------------------


def test_a_player_runs_its_transition_over_its_duration() -> None:
    player = TransitionPlayer(Transition(type="fade", duration=500), solid(0), 10.0)
    assert (player.kind, player.duration, player.ends) == ("fade", 0.5, 10.5)
    assert (player.frame(10.0, solid(200)) == 0).all()
    assert (player.frame(10.25, solid(200)) == 100).all()
    assert (player.frame(10.5, solid(200)) == 200).all()
    assert not player.done(10.49)
    assert player.done(10.5) and player.done(11.0)
    assert player.progress(9.0) == 0.0 and player.progress(10.125) == 0.25


def test_the_player_blends_with_the_new_frame_it_is_given_each_time() -> None:
    player = TransitionPlayer(Transition(type="fade", duration=1000), solid(0), 0.0)
    assert (player.frame(0.5, solid(100)) == 50).all()
    assert (player.frame(0.5, solid(200)) == 100).all()


def test_nothing_plays_for_none_or_no_time() -> None:
    assert not plays(None) and not plays(NO_TRANSITION)
    assert not plays(Transition(type="fade", duration=0))
    assert plays(Transition(type="wipe", duration=1))
    player = TransitionPlayer(Transition(type="slide", direction="up"), OLD, 0.0)
    assert (player.kind, player.direction) == ("slide", "up")
    for nothing in (NO_TRANSITION, Transition(type="slide", duration=0)):
        with pytest.raises(ValueError):
            TransitionPlayer(nothing, OLD, 0.0)


def test_random_picks_a_real_kind_and_direction_once() -> None:
    spec = Transition(type="random", duration=500)
    picks = {resolve(spec, random.Random(seed)) for seed in range(50)}
    assert {kind for kind, _ in picks} == set(KINDS)
    assert {direction for _, direction in picks} == set(get_args(Direction))
    # Seeded, it is deterministic; resolved at the start, it stays for the whole run.
    one = TransitionPlayer(spec, OLD, 0.0, rng=random.Random(7))
    two = TransitionPlayer(spec, OLD, 0.0, rng=random.Random(7))
    assert (one.kind, one.direction) == (two.kind, two.direction)
    assert one.kind in KINDS
    assert np.array_equal(one.frame(0.2, NEW), two.frame(0.2, NEW))
    expected = compose(one.kind, one.direction, 0.4, OLD, NEW)
    assert np.array_equal(one.frame(0.2, NEW), expected)


# --- the render loop ---------------------------------------------------------------------


class SolidConfig(AppConfig):
    color: list[int] = Field(default_factory=lambda: [255, 255, 255])


class Solid(App[SolidConfig]):
    """One colour all over, at 1 fps; counts its frames."""

    name = "solid"
    description = "One colour"
    config_model = SolidConfig

    def __init__(self, color: list[int], width: int = 64, height: int = 32) -> None:
        self.renders = 0
        super().__init__(SolidConfig(color=color), width, height)

    def render(self, now: float) -> Frame:
        self.renders += 1
        self.frame[:] = self.config.color
        return self.frame

    def frame_delay(self, now: float) -> float:
        return 1.0


def fill(color: list[int]) -> Frame:
    return np.broadcast_to(np.array(color, dtype=np.uint8), (32, 64, 3)).copy()


def run_transition(
    engine: RenderEngine, driver: EmulatorDriver, clock: FakeClock, limit: int = 1000
) -> list[tuple[float, float, Frame]]:
    """Step the engine until its transition is over: (time, delay, frame) of each step,
    the first one after the end included."""
    steps = []
    for _ in range(limit):
        now = clock()
        delay = engine.step()
        steps.append((now, delay, driver.last_frame))
        if not engine.transitioning:
            return steps
        clock.advance(delay)
    raise AssertionError("the transition never ended")


def test_a_fade_blends_at_the_panel_rate_then_shows_the_new_app(
    engine: RenderEngine, driver: EmulatorDriver, clock: FakeClock
) -> None:
    engine.show_app(Solid(RED))
    assert engine.step() == 1.0
    assert not engine.transitioning
    blue = Solid(BLUE)
    engine.show_app(blue, Transition(type="fade", duration=500))
    assert engine.transitioning  # before the loop even drew it
    started = clock()
    steps = run_transition(engine, driver, clock)

    *running, (ended, after_delay, final) = steps
    assert ended == pytest.approx(started + 0.5, abs=1e-6)
    assert np.array_equal(final, fill(BLUE))  # the app's own frame, no blend
    assert after_delay == 1.0  # back to the app's rate
    assert 30 <= len(running) <= 31
    assert all(0 < delay <= TRANSITION_DELAY + 1e-9 for _, delay, _ in running)
    assert np.array_equal(running[0][2], fill(RED))
    for now, _, frame in running[1:]:
        weight = round((now - started) / 0.5 * 256)
        assert frame[0, 0].tolist() == [255 * (256 - weight) >> 8, 0, 255 * weight >> 8]
    reds = [int(frame[0, 0, 0]) for _, _, frame in running]
    assert reds == sorted(reds, reverse=True) and reds[-1] < 20
    assert blue.renders == len(steps)  # its real frames, every one of them


@pytest.mark.parametrize("recoloured", ["old", "new"])
def test_both_apps_draw_on_during_their_transition(
    engine: RenderEngine, driver: EmulatorDriver, clock: FakeClock, recoloured: str
) -> None:
    old, new = Solid(RED), Solid(BLUE)
    engine.show_app(old)
    engine.step()
    engine.show_app(new, Transition(type="wipe", direction="right", duration=1000))
    engine.step()
    clock.advance(0.5)
    engine.configure_app(old if recoloured == "old" else new, SolidConfig(color=GREEN))
    engine.step()
    # Halfway through a wipe to the right: the new app on the left, the old on the right,
    # each with its frame of now.
    left, right = (BLUE, GREEN) if recoloured == "old" else (GREEN, RED)
    frame = driver.last_frame
    assert frame[:, :32].tolist() == fill(left)[:, :32].tolist()
    assert frame[:, 32:].tolist() == fill(right)[:, 32:].tolist()
    run_transition(engine, driver, clock)
    renders = old.renders
    engine.step()
    assert old.renders == renders  # once the transition is over, the old one rests


def test_a_switch_during_a_transition_starts_from_the_last_blend(
    engine: RenderEngine, driver: EmulatorDriver, clock: FakeClock
) -> None:
    engine.show_app(Solid(RED))
    engine.step()
    engine.show_app(Solid(BLUE), Transition(type="fade", duration=500))
    engine.step()
    clock.advance(0.25)
    engine.step()
    blend = driver.last_frame.copy()
    assert blend[0, 0].tolist() == [127, 0, 127]

    engine.show_app(Solid(GREEN), Transition(type="slide", direction="left", duration=500))
    engine.step()
    assert engine.transitioning
    assert np.array_equal(driver.last_frame, blend)  # no jump back to red or on to blue
    clock.advance(0.25)
    engine.step()
    frame = driver.last_frame
    assert np.array_equal(frame[:, :32], blend[:, :32])
    assert np.array_equal(frame[:, 32:], fill(GREEN)[:, 32:])


def test_a_switch_without_a_transition_cuts_at_once(
    engine: RenderEngine, driver: EmulatorDriver, clock: FakeClock
) -> None:
    engine.show_app(Solid(RED))
    engine.step()
    engine.show_app(Solid(BLUE), Transition(type="fade", duration=500))
    engine.step()
    clock.advance(0.1)
    engine.step()
    for transition in (None, NO_TRANSITION, Transition(type="fade", duration=0)):
        engine.show_app(Solid(GREEN), transition)
        assert not engine.transitioning
        assert engine.step() == 1.0
        assert np.array_equal(driver.last_frame, fill(GREEN))


def test_transitions_run_from_and_to_nothing(
    engine: RenderEngine, driver: EmulatorDriver, clock: FakeClock
) -> None:
    engine.show_app(Solid(RED), Transition(type="wipe", direction="left", duration=500))
    engine.step()
    assert not driver.last_frame.any()  # nothing was shown: from black
    clock.advance(0.25)
    assert engine.step() <= TRANSITION_DELAY
    assert not driver.last_frame[:, :32].any()
    assert np.array_equal(driver.last_frame[:, 32:], fill(RED)[:, 32:])
    clock.advance(0.25)
    engine.step()
    assert not engine.transitioning

    engine.show_app(None, Transition(type="slide", direction="right", duration=500))
    engine.step()
    clock.advance(0.25)
    assert engine.step() <= TRANSITION_DELAY  # no app to ask: the transition sets the rate
    assert not driver.last_frame[:, :32].any()
    assert np.array_equal(driver.last_frame[:, 32:], fill(RED)[:, 32:])
    clock.advance(0.25)
    engine.step()
    assert not engine.transitioning and not driver.last_frame.any()


def test_a_stream_ends_a_transition(
    engine: RenderEngine, driver: EmulatorDriver, clock: FakeClock
) -> None:
    engine.show_app(Solid(RED))
    engine.step()
    engine.show_app(Solid(BLUE), Transition(type="fade", duration=500))
    engine.step()
    clock.advance(0.1)
    engine.step()
    stream = fill(GREEN)
    engine.show_stream(stream)
    assert not engine.transitioning
    engine.step()
    assert np.array_equal(driver.last_frame, stream)  # as it is, no blend
    clock.advance(0.1)
    engine.end_stream()
    engine.step()
    assert not engine.transitioning
    assert np.array_equal(driver.last_frame, fill(BLUE))  # the app, not the rest of the fade


def test_a_transition_asked_for_while_a_stream_shows_does_not_play(
    engine: RenderEngine, driver: EmulatorDriver
) -> None:
    engine.show_stream(fill(GREEN))
    engine.step()
    engine.show_app(Solid(BLUE), Transition(type="fade", duration=500))
    engine.step()
    engine.end_stream()
    engine.step()
    assert not engine.transitioning
    assert np.array_equal(driver.last_frame, fill(BLUE))


def test_listeners_see_the_blends(
    engine: RenderEngine, driver: EmulatorDriver, clock: FakeClock
) -> None:
    seen: list[Frame] = []
    engine.add_frame_listener(lambda frame: seen.append(frame.copy()))
    engine.show_app(Solid(RED))
    engine.step()
    engine.show_app(Solid(BLUE), Transition(type="fade", duration=500))
    shown = [frame for _, _, frame in run_transition(engine, driver, clock)]
    assert len(seen) == 1 + len(shown)
    assert all(np.array_equal(a, b) for a, b in zip(seen[1:], shown, strict=True))
    assert any(frame[0, 0].tolist() == [127, 0, 127] for frame in seen[1:-1])
    assert seen[-1][0, 0].tolist() == BLUE


def test_a_random_transition_is_picked_with_the_engines_generator(
    driver: EmulatorDriver, clock: FakeClock
) -> None:
    engine = RenderEngine(driver, clock=clock, rng=random.Random(11))
    engine.show_app(Solid(RED))
    engine.step()
    engine.show_app(Solid(BLUE), Transition(type="random", duration=500))
    engine.step()
    clock.advance(0.2)
    engine.step()
    kind, direction = resolve(Transition(type="random"), random.Random(11))
    expected = compose(kind, direction, 0.4, fill(RED), fill(BLUE))
    assert np.array_equal(driver.last_frame, expected)
