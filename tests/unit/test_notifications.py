"""Notifications on the board: one interrupts whatever shows, for its duration (or its
scroll passes, or until dismissed), then the board is back to exactly what it showed and
the carousel carries on with the time its entry had left; the queue behind it, stacking
and replacing, the 32 limit, and waking a board that is powered off."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from retroboard_common.commands import CommandError
from retroboard_common.custom_apps import NotificationConfig
from retroboard_common.models import CarouselEntry
from retroboard_renderer.board import Board
from retroboard_renderer.drivers.base import Frame
from retroboard_renderer.drivers.emulator import EmulatorDriver
from retroboard_renderer.engine import RenderEngine
from retroboard_renderer.notifications import MAX_QUEUED, NotificationQueue, QueueFull
from retroboard_renderer.store import StateStore
from tests.support.fake_clock import FakeClock
from tests.support.panel import shown

RED = (255, 0, 0)
LONG = "a message far too long to fit on the panel, so it scrolls across it"


@pytest.fixture
def board(engine: RenderEngine, store: StateStore, clock: FakeClock) -> Board:
    instance = Board(engine, store, clock=clock)
    instance.restore(None)
    instance.set_brightness(100)  # the panel shows the frames' own colours
    return instance


def red(frame: Frame) -> int:
    return int(np.all(frame == RED, axis=-1).sum())


def state(board: Board) -> dict[str, Any]:
    payload: dict[str, Any] = board.payload("notification").model_dump()
    return payload


def current_text(board: Board) -> str | None:
    current = state(board)["current"]
    return None if current is None else str(current["text"])


def queued_texts(board: Board) -> list[str]:
    return [item["text"] for item in state(board)["queue"]]


def still_app(board: Board) -> None:
    """Show a custom app that draws the same picture on every frame."""
    board.push_custom("temp", {"text": "21C", "color": "#00FF00"}, "api")
    board.switch("temp")


# --- interrupting and giving the board back ------------------------------------------


def test_a_notification_interrupts_the_app_and_gives_the_board_back(
    board: Board, engine: RenderEngine, clock: FakeClock
) -> None:
    still_app(board)
    before = shown(board)
    app = engine.app
    changed, ignored = board.notify({"text": "DING", "color": "#FF0000", "duration": 3})
    assert changed == {"notification"} and ignored == []
    assert red(shown(board)) > 10
    assert current_text(board) == "DING"
    assert board.current_app == "temp"  # the app is still the board's; it just waits

    clock.advance(2.9)
    assert red(shown(board)) > 10
    clock.advance(0.1)
    after = shown(board)
    assert np.array_equal(after, before)
    assert engine.app is app
    assert state(board) == {"current": None, "queue": [], "length": 0}


def test_the_default_duration_is_five_seconds(board: Board, clock: FakeClock) -> None:
    board.notify({"text": "DING", "color": "#FF0000"})
    assert state(board)["current"]["duration"] == 5
    clock.advance(4.9)
    assert red(shown(board)) > 10
    clock.advance(0.1)
    assert red(shown(board)) == 0


def test_the_render_loop_is_due_back_when_a_notification_ends(
    board: Board, clock: FakeClock
) -> None:
    board.notify({"text": "DING", "duration": 7})
    assert board.tick(clock()) == clock() + 7


def test_the_carousel_carries_on_with_the_time_its_entry_had_left(
    board: Board, clock: FakeClock
) -> None:
    board.set_carousel(
        True,
        [CarouselEntry(app="clock", duration=10), CarouselEntry(app="stars", duration=10)],
    )
    clock.advance(6)
    shown(board)
    board.notify({"text": "DING", "color": "#FF0000", "duration": 20})
    clock.advance(20)
    shown(board)  # the notification ends: back to the clock, 4 s of its turn left
    assert state(board)["current"] is None
    assert board.current_app == "clock"
    clock.advance(3.9)
    shown(board)
    assert board.current_app == "clock"
    clock.advance(0.1)
    shown(board)
    assert board.current_app == "stars"
    assert board.carousel.index == 1


def test_a_notification_shows_over_a_stopped_board(board: Board, clock: FakeClock) -> None:
    board.stop()
    assert not shown(board).any()
    board.notify({"text": "DING", "color": "#FF0000", "duration": 2})
    assert red(shown(board)) > 10
    clock.advance(2)
    assert not shown(board).any()


def test_switching_during_a_notification_shows_the_new_app_after_it(
    board: Board, engine: RenderEngine, clock: FakeClock
) -> None:
    board.notify({"text": "DING", "color": "#FF0000", "duration": 2})
    board.switch("stars")
    assert red(shown(board)) > 10  # the notification keeps the panel
    clock.advance(2)
    shown(board)
    assert engine.app is not None and engine.app.name == "stars"


# --- stacking, replacing, holding, repeating ------------------------------------------


def test_stacked_notifications_show_one_after_the_other(board: Board, clock: FakeClock) -> None:
    board.notify({"text": "one", "duration": 2})
    board.notify({"text": "two", "duration": 2})
    board.notify({"text": "three", "duration": 2, "stack": True})
    assert (current_text(board), queued_texts(board)) == ("one", ["two", "three"])
    assert state(board)["length"] == 2
    seen = []
    for _ in range(3):
        seen.append(current_text(board))
        clock.advance(2)
        shown(board)
    assert seen == ["one", "two", "three"]
    assert state(board)["current"] is None


def test_stack_false_replaces_the_one_on_show_and_keeps_the_queue(
    board: Board, clock: FakeClock
) -> None:
    board.notify({"text": "one", "duration": 10})
    board.notify({"text": "two", "duration": 10})
    clock.advance(5)
    board.notify({"text": "urgent", "duration": 3, "stack": False})
    assert (current_text(board), queued_texts(board)) == ("urgent", ["two"])
    clock.advance(3)  # its own duration counts from when it came on
    shown(board)
    assert current_text(board) == "two"  # "one" is gone for good


def test_hold_stays_until_dismissed(board: Board, clock: FakeClock) -> None:
    board.notify({"text": "DOOR", "color": "#FF0000", "hold": True, "duration": 1})
    board.notify({"text": "next", "hold": True})
    for _ in range(3):
        clock.advance(3600)
        assert red(shown(board)) > 10
    assert board.dismiss() == {"notification"}
    assert current_text(board) == "next"
    board.dismiss()
    assert state(board)["current"] is None
    assert red(shown(board)) == 0 and shown(board).any()  # the white clock is back


def test_dismiss_with_nothing_on_show_is_harmless(board: Board, engine: RenderEngine) -> None:
    before = shown(board)
    app = engine.app
    assert board.dismiss() == {"notification"}
    assert state(board) == {"current": None, "queue": [], "length": 0}
    assert engine.app is app and board.current_app == "clock"
    assert np.array_equal(shown(board), before)


def test_repeat_counts_scroll_passes_not_seconds(
    board: Board, engine: RenderEngine, clock: FakeClock
) -> None:
    board.notify({"text": LONG, "repeat": 2, "duration": 1})
    passes: list[int] = []
    for _ in range(10_000):  # frame by frame, as the render loop would
        scroller = engine.app
        shown(board)
        if state(board)["current"] is None:
            break
        passes.append(getattr(scroller, "passes", -1))
        clock.advance(1 / 30)
    else:
        pytest.fail("the notification never ended")
    assert passes[0] == 0 and 1 in passes  # still on after its first pass and its duration
    assert len(passes) / 30 > 1
    assert board.current_app == "clock" and engine.app is not None
    assert engine.app.name == "clock"


def test_repeat_on_a_text_that_fits_falls_back_to_the_duration(
    board: Board, clock: FakeClock
) -> None:
    board.notify({"text": "hi", "repeat": 3, "duration": 2})
    clock.advance(2)
    shown(board)
    assert state(board)["current"] is None


# --- the queue's limit -------------------------------------------------------------------


def test_the_queue_holds_32_and_refuses_more_changing_nothing(board: Board) -> None:
    for number in range(1 + MAX_QUEUED):  # one on show, 32 waiting
        board.notify({"text": f"n{number}", "hold": True})
    assert state(board)["length"] == MAX_QUEUED == 32
    before = state(board)
    with pytest.raises(CommandError) as refused:
        board.notify({"text": "one too many", "hold": True})
    assert refused.value.code == "queue_full"
    assert "32" in refused.value.message
    assert state(board) == before

    board.notify({"text": "urgent", "stack": False})  # replacing needs no room
    assert current_text(board) == "urgent" and state(board)["length"] == 32
    board.dismiss()
    board.notify({"text": "fits again", "hold": True})
    assert queued_texts(board)[-1] == "fits again"


def test_the_queue_itself_raises_queue_full() -> None:
    queue = NotificationQueue()

    class Still:
        passes = 0
        scrolls = False

        def restart(self, now: float) -> None:
            pass

    held = NotificationConfig(text="x", hold=True)
    for _ in range(1 + MAX_QUEUED):
        queue.push(held, Still(), 0.0)
    with pytest.raises(QueueFull):
        queue.push(held, Still(), 0.0)
    assert queue.state().length == MAX_QUEUED


def test_a_bad_notification_changes_nothing(board: Board) -> None:
    with pytest.raises(CommandError) as refused:
        board.notify({"text": "hi", "hold": "yes"})
    assert refused.value.details is not None and refused.value.details[0].loc == ["hold"]
    assert state(board)["current"] is None


def test_app_only_keys_are_ignored_and_reported(board: Board) -> None:
    _, ignored = board.notify({"text": "hi", "lifetime": 30, "sound": "ding"})
    assert ignored == ["lifetime", "sound"]
    assert current_text(board) == "hi"


# --- power ---------------------------------------------------------------------------


def test_wakeup_shows_while_off_and_then_the_board_is_off_again(
    board: Board, clock: FakeClock
) -> None:
    board.set_power(False)
    assert not shown(board).any()
    board.notify({"text": "WAKE", "color": "#FF0000", "wakeup": True, "duration": 3})
    assert red(shown(board)) > 10
    assert state(board)["current"]["wakeup"] is True
    clock.advance(3)
    assert not shown(board).any()
    assert board.payload("settings").model_dump()["power"] is False


def test_a_notification_without_wakeup_is_not_shown_while_off(
    board: Board, clock: FakeClock
) -> None:
    """As the code does it (and AWTRIX): it plays on a dark panel and its time runs."""
    board.set_power(False)
    board.notify({"text": "quiet", "color": "#FF0000", "duration": 3})
    assert not shown(board).any()
    assert current_text(board) == "quiet"
    clock.advance(3)
    shown(board)
    assert state(board)["current"] is None
    board.set_power(True)
    assert red(shown(board)) == 0 and shown(board).any()  # the clock, not the old news


def test_power_on_during_a_notification_shows_the_rest_of_it(
    board: Board, clock: FakeClock
) -> None:
    board.set_power(False)
    board.notify({"text": "quiet", "color": "#FF0000", "duration": 3})
    clock.advance(1)
    board.set_power(True)
    assert red(shown(board)) > 10
    clock.advance(2)
    assert red(shown(board)) == 0


@pytest.mark.parametrize(
    "unseen", [{"text": "quiet", "hold": True}, {"text": LONG, "repeat": 1}], ids=["hold", "repeat"]
)
def test_a_wakeup_notification_is_not_stuck_behind_one_nobody_can_see(
    board: Board, clock: FakeClock, unseen: dict[str, Any]
) -> None:
    board.set_power(False)
    board.notify(unseen)
    clock.advance(60)  # a repeat one counts passes only while drawn: it never ends
    shown(board)
    board.notify({"text": "FIRE", "color": "#FF0000", "wakeup": True})
    assert red(shown(board)) > 10


def test_the_carousel_waits_while_a_wakeup_notification_shows_on_a_board_that_is_off(
    board: Board, clock: FakeClock
) -> None:
    board.set_carousel(
        True,
        [CarouselEntry(app="clock", duration=10), CarouselEntry(app="stars", duration=10)],
    )
    clock.advance(4)
    board.set_power(False)
    board.notify({"text": "WAKE", "wakeup": True, "duration": 30})
    clock.advance(30)
    shown(board)
    clock.advance(100)
    board.set_power(True)
    clock.advance(5.9)
    shown(board)
    assert board.current_app == "clock"
    clock.advance(0.1)
    shown(board)
    assert board.current_app == "stars"


def test_larger_panels_draw_notifications_too(clock: FakeClock, store: StateStore) -> None:
    driver = EmulatorDriver(128, 64)
    board = Board(RenderEngine(driver, clock=clock), store, clock=clock)
    board.restore(None)
    board.set_brightness(100)
    board.notify({"text": "DING", "color": "#FF0000"})
    assert red(shown(board)) > 40
