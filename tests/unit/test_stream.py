"""A pixel stream takes the panel and gives it back (retroboard_renderer.stream), on a
fake clock with the engine stepped by hand."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from retroboard_common.commands import CommandError
from retroboard_renderer.board import Board
from retroboard_renderer.drivers.emulator import EmulatorDriver
from retroboard_renderer.engine import RenderEngine
from retroboard_renderer.realtime.stats import ReceiverStats
from retroboard_renderer.stream import DropReport
from tests.support.fake_clock import FakeClock


class Receiver:
    """Stands in for the UDP receiver: only its ``enabled`` switch matters here."""

    enabled = True


def red(width: int = 64, height: int = 32) -> np.ndarray:
    frame = np.zeros((height, width, 3), dtype=np.uint8)
    frame[..., 0] = 255
    return frame


@pytest.fixture
def receiver(board: Board) -> Receiver:
    instance = Receiver()
    board.realtime.attach(instance)
    return instance


def test_a_stream_owns_the_panel_then_gives_the_app_back(
    board: Board, engine: RenderEngine, driver: EmulatorDriver, clock: FakeClock, receiver: Receiver
) -> None:
    engine.step()
    clock_frame = driver.last_frame.copy()
    assert clock_frame.any() and not (clock_frame[..., 1:] == 0).all()  # white clock digits
    app = engine.app

    board.realtime.show(red(), "ddp", "192.168.1.20")
    engine.step()
    assert (driver.last_frame[..., 0] > 0).all() and (driver.last_frame[..., 1:] == 0).all()
    state = board.realtime.state()
    assert (state.active, state.protocol, state.source) == (True, "ddp", "192.168.1.20")

    clock.advance(2.4)
    engine.step()
    assert engine.streaming  # not yet quiet for 2.5 s
    clock.advance(0.2)
    engine.step()
    assert not engine.streaming and engine.app is app  # the same app, never restarted
    assert (driver.last_frame[..., 1:] > 0).any()  # the clock shows again
    assert board.realtime.state().active is False


def test_brightness_applies_to_the_stream(
    board: Board, engine: RenderEngine, driver: EmulatorDriver, receiver: Receiver
) -> None:
    board.set_brightness(50)
    board.realtime.show(red(), "e131", "10.0.0.7")
    engine.step()
    shown = int(driver.last_frame[0, 0, 0])
    assert 0 < shown < 255


def test_the_rate_is_reported_once_a_second_not_per_frame(
    board: Board, engine: RenderEngine, clock: FakeClock, receiver: Receiver
) -> None:
    published: list[set[str]] = []
    board.on_change(lambda names: published.append(set(names)))
    for _ in range(30):  # 30 frames over half a second
        board.realtime.show(red(), "artnet", "10.0.0.8")
        clock.advance(1 / 60)
        engine.step()
    assert published == [{"realtime"}]  # the stream started: once
    clock.advance(0.51)
    engine.step()
    assert published == [{"realtime"}, {"realtime"}]  # one second on: the rate
    # The frames of the last second: all but the first, shown 1.01 s ago.
    assert board.realtime.state().fps == 29.0


def test_switching_streams_off_ends_the_one_shown_and_drops_the_next(
    board: Board, engine: RenderEngine, driver: EmulatorDriver, receiver: Receiver
) -> None:
    board.realtime.show(red(), "ddp", "10.0.0.9")
    assert board.set_realtime(False) == {"realtime"}
    assert receiver.enabled is False and not engine.streaming
    board.realtime.show(red(), "ddp", "10.0.0.9")  # one already in flight
    engine.step()
    assert not engine.streaming and not (driver.last_frame[..., 0] == 255).all()
    assert board.saved_state().realtime is False
    board.set_realtime(True)
    assert receiver.enabled is True and board.realtime.state().enabled is True


def test_without_a_receiver_streams_cannot_be_switched_on(board: Board) -> None:
    assert board.realtime.state().enabled is False  # RETROBOARD_REALTIME=false
    with pytest.raises(CommandError) as refused:
        board.set_realtime(True)
    assert refused.value.code == "conflict"


def test_the_switch_survives_a_restart(
    board: Board, engine: RenderEngine, receiver: Receiver, clock: FakeClock
) -> None:
    board.set_realtime(False)
    saved = board.saved_state()
    again = Board(engine, board.store, clock=clock)
    again.realtime.attach(Receiver())
    again.restore(saved)
    assert again.realtime.state().enabled is False


class CountingReceiver:
    """Stands in for the receiver's counters."""

    def __init__(self) -> None:
        self.stats = ReceiverStats()


def test_drops_are_logged_once_a_minute_with_their_reasons(
    caplog: pytest.LogCaptureFixture,
) -> None:
    receiver = CountingReceiver()
    report = DropReport(receiver, interval=60)
    assert report.tick(0.0) == 60.0
    receiver.stats = ReceiverStats(
        dropped={"ddp truncated": 3, "source not allowed": 1, "universe not used": 40}
    )
    with caplog.at_level(logging.DEBUG):
        report.tick(59.0)
        assert not caplog.records  # not before the minute is up
        report.tick(60.0)
        receiver.stats = ReceiverStats(
            dropped={"ddp truncated": 5, "source not allowed": 1, "universe not used": 40}
        )
        report.tick(120.0)
        report.tick(180.0)  # nothing new: no line
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.WARNING, "dropped stream packets in 60 s: 3 ddp truncated, 1 source not allowed"),
        # Another board's universes are routine traffic, not a fault.
        (logging.DEBUG, "dropped stream packets in 60 s: 40 universe not used"),
        (logging.WARNING, "dropped stream packets in 60 s: 2 ddp truncated"),
    ]
