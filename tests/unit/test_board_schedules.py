"""A board's carousel schedules and fallback, and night mode, on two fake clocks: the
monotonic one that times turns, and the wall clock that local times are read from (it
can jump, as NTP sets a Pi's clock, and it crosses Berlin's daylight-saving changes)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from retroboard_common.commands import CommandError
from retroboard_common.models import CarouselEntry, NightBody, SettingsBody, Transition
from retroboard_common.topics import StateName
from retroboard_renderer.board import Board
from retroboard_renderer.drivers.emulator import EmulatorDriver
from retroboard_renderer.engine import RenderEngine
from retroboard_renderer.localtime import LocalClock
from retroboard_renderer.state import SavedState
from retroboard_renderer.store import StateStore
from tests.support.fake_clock import FakeClock
from tests.support.panel import shown

BERLIN = ZoneInfo("Europe/Berlin")


def wall(text: str) -> float:
    """Seconds since the epoch of a Berlin local time; a time in the hour the March
    change skips does not exist, so tests give those as UTC instead."""
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN).timestamp()


class Clocks:
    """The monotonic clock and the wall clock of one board."""

    def __init__(self, local: str) -> None:
        self.mono = FakeClock()
        self.wall = FakeClock(wall(local))

    def local(self) -> datetime:
        return datetime.fromtimestamp(self.wall.now, BERLIN)


def make_board(clocks: Clocks, store: StateStore, saved: SavedState | None = None) -> Board:
    """A board on ``clocks``: from ``saved``, else new at full brightness."""
    engine = RenderEngine(EmulatorDriver(64, 32), clock=clocks.mono)
    board = Board(engine, store, clock=clocks.mono, local_clock=LocalClock(BERLIN, clocks.wall))
    board.restore(saved)
    if saved is None:
        board.set_brightness(100)
    return board


def refusal(error: pytest.ExceptionInfo[CommandError]) -> tuple[str, list[str | int]]:
    """A refusal's code and the field its first detail names."""
    details = error.value.details or []
    return error.value.code, list(details[0].loc) if details else []


def run(board: Board, clocks: Clocks, seconds: int) -> list[str | None]:
    """Let ``seconds`` pass on both clocks, a frame each second; the app on show after
    each second."""
    seen = []
    for _ in range(seconds):
        clocks.mono.advance(1)
        clocks.wall.advance(1)
        shown(board)
        seen.append(board.current_app)
    return seen


def turns(seen: list[str | None]) -> list[tuple[str | None, int]]:
    """``seen`` as (app, seconds on show) in order."""
    out: list[tuple[str | None, int]] = []
    for app in seen:
        if out and out[-1][0] == app:
            out[-1] = (app, out[-1][1] + 1)
        else:
            out.append((app, 1))
    return out


def entry(app: str, **fields: object) -> CarouselEntry:
    return CarouselEntry.model_validate({"app": app, "duration": 10, **fields})


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    return StateStore(tmp_path / "state", save_delay=0.0)


def test_an_entry_shows_only_on_its_days(store: StateStore) -> None:
    clocks = Clocks("2026-12-05 08:00")  # a Saturday
    board = make_board(clocks, store)
    board.set_carousel(
        True, [entry("clock", days=["mon", "tue", "wed", "thu", "fri"]), entry("stars")]
    )
    assert set(run(board, clocks, 40)) == {"stars"}

    clocks.wall.advance(2 * 86400)  # Monday, same time
    assert {app for app, _ in turns(run(board, clocks, 40))} == {"clock", "stars"}


def test_a_window_across_midnight_and_the_fallback_between(store: StateStore) -> None:
    clocks = Clocks("2026-12-07 21:59:00")
    board = make_board(clocks, store)
    board.set_carousel(
        True, [entry("stars", **{"from": "22:00", "until": "02:00"})], fallback="clock"
    )
    assert board.current_app == "clock"  # outside every window: the fallback
    assert board.payload("carousel_config").model_dump()["fallback"] == "clock"

    seen = run(board, clocks, 90)
    assert "stars" in seen
    assert seen.index("stars") <= 61  # the window opened at 22:00 and was seen then

    clocks.wall.advance(4 * 3600 - 200)  # 01:59 the next day, still in the window
    assert set(run(board, clocks, 30)) == {"stars"}
    seen = run(board, clocks, 200)
    assert seen[-1] == "clock"  # 02:00 closed it; the fallback again


def test_fallback_off_darkens_the_panel_until_a_window_opens(store: StateStore) -> None:
    clocks = Clocks("2026-12-07 06:58:30")
    board = make_board(clocks, store)
    board.set_carousel(True, [entry("clock", **{"from": "07:00", "until": "09:30"})])
    assert board.current_app is None
    assert not shown(board).any()
    seen = run(board, clocks, 120)
    assert seen[-1] == "clock"
    assert shown(board).any()


def test_the_march_change_in_berlin_neither_skips_nor_repeats(store: StateStore) -> None:
    # At 02:00 CET the clocks go to 03:00 CEST: stars' window (01:00–03:00) closes at
    # the change, while every turn keeps its ten seconds on the monotonic clock.
    clocks = Clocks("2026-03-29 01:59:00")
    board = make_board(clocks, store)
    board.set_carousel(
        True, [entry("clock"), entry("stars", **{"from": "01:00", "until": "03:00"})]
    )
    assert turns(run(board, clocks, 60)) == [
        ("clock", 9),
        ("stars", 10),
        ("clock", 10),
        ("stars", 10),
        ("clock", 10),
        ("stars", 10),
        ("clock", 1),
    ]
    assert clocks.local().isoformat() == "2026-03-29T03:00:00+02:00"
    assert turns(run(board, clocks, 60)) == [("clock", 60)]


def test_a_wall_clock_jump_leaves_turns_alone(store: StateStore) -> None:
    clocks = Clocks("2026-12-07 12:00")
    board = make_board(clocks, store)
    board.set_carousel(True, [entry("clock"), entry("stars")])
    run(board, clocks, 4)  # clock has shown 4 of its 10 seconds
    clocks.wall.now = wall("2027-06-01 12:00")  # NTP sets the clock months on
    seen = turns(run(board, clocks, 36))
    assert seen == [("clock", 5), ("stars", 10), ("clock", 10), ("stars", 10), ("clock", 1)]
    clocks.wall.now = wall("2026-12-07 11:00")  # and back an hour
    assert turns(run(board, clocks, 9)) == [("clock", 9)]
    assert turns(run(board, clocks, 1)) == [("stars", 1)]


def night(board: Board, **fields: object) -> None:
    board.set_night(NightBody.model_validate(fields))


def show_white_text(board: Board) -> None:
    """Show a custom app that draws the same white text on every frame."""
    board.push_custom("note", {"text": "HI", "color": "#FFFFFF"}, "api")
    board.switch("note")


def brightest(board: Board) -> int:
    return int(shown(board).max())


def test_night_mode_dims_the_panel_in_its_window(store: StateStore) -> None:
    clocks = Clocks("2026-12-07 22:29:00")
    board = make_board(clocks, store)
    show_white_text(board)
    night(board, enabled=True, **{"from": "22:30", "until": "07:00"}, brightness=10)
    assert board.payload("night").model_dump()["active"] is False
    assert brightest(board) == 255

    run(board, clocks, 61)
    state = board.payload("night").model_dump()
    assert state["active"] is True and state["manual"] is False
    assert brightest(board) == 26  # 10 % of 255, rounded
    assert board.payload("settings").model_dump()["brightness"] == 100  # its own stays

    clocks.wall.now = wall("2026-12-08 06:59:30")
    run(board, clocks, 61)
    assert board.payload("night").model_dump()["active"] is False
    assert brightest(board) == 255


def test_a_wall_clock_jump_into_the_night_is_seen_within_a_minute(store: StateStore) -> None:
    clocks = Clocks("2026-12-07 12:00")
    board = make_board(clocks, store)
    night(board, enabled=True, **{"from": "22:30", "until": "07:00"})
    run(board, clocks, 10)
    clocks.wall.now = wall("2026-12-07 23:00")
    seen = [board.night_active for _ in run(board, clocks, 60)]
    assert seen[-1] is True


def test_the_night_app_shows_over_the_carousel_which_waits(store: StateStore) -> None:
    clocks = Clocks("2026-12-07 22:29:55")
    board = make_board(clocks, store)
    board.set_carousel(True, [entry("stars"), entry("scroll_text")])
    night(board, enabled=True, **{"from": "22:30", "until": "07:00"}, app="clock")
    run(board, clocks, 6)  # stars had 5 s of its 10 when the night began, at 22:30
    assert board.night_active
    assert board.engine.app is board._instances["clock"]
    assert board.current_app == "stars"  # the carousel's, waiting
    run(board, clocks, 600)
    assert board.current_app == "stars"

    night(board, active=False)  # by hand, until 07:00
    assert board.payload("night").model_dump()["manual"] is True
    assert board.engine.app is board._instances["stars"]
    # Its 5 s left run out in the fifth second, which is scroll_text's first.
    assert turns(run(board, clocks, 8)) == [("stars", 4), ("scroll_text", 4)]


def test_night_off_is_dark_but_a_wakeup_notification_shows(store: StateStore) -> None:
    clocks = Clocks("2026-12-07 23:00")
    board = make_board(clocks, store)
    show_white_text(board)
    night(board, enabled=True, **{"from": "22:30", "until": "07:00"}, app="off", brightness=5)
    assert not shown(board).any()
    board.notify({"text": "quiet", "color": "#FFFFFF", "duration": 5})
    assert not shown(board).any()
    board.dismiss()
    board.notify({"text": "ALARM", "color": "#FFFFFF", "duration": 5, "wakeup": True})
    assert brightest(board) == 255  # it wakes the board: full brightness too
    clocks.mono.advance(6)
    clocks.wall.advance(6)
    assert not shown(board).any()


def test_switched_by_hand_until_the_next_edge(store: StateStore) -> None:
    clocks = Clocks("2026-12-07 12:00")
    board = make_board(clocks, store)
    night(board, enabled=True, **{"from": "22:30", "until": "07:00"})
    night(board, active=True)
    state = board.payload("night").model_dump()
    assert state["active"] is True and state["manual"] is True
    clocks.wall.now = wall("2026-12-07 22:31")
    run(board, clocks, 61)
    state = board.payload("night").model_dump()
    assert state["active"] is True and state["manual"] is False  # the window took over


def test_settings_change_any_subset_and_errors_name_the_field(store: StateStore) -> None:
    clocks = Clocks("2026-12-07 12:00")
    board = make_board(clocks, store)
    fade = Transition(type="fade", duration=300)
    board.update_settings(SettingsBody(transition=fade))
    board.update_settings(SettingsBody(latitude=52.52, longitude=13.4))
    settings = board.payload("settings").model_dump()
    assert settings["transition"] == {"type": "fade", "direction": "left", "duration": 300}
    assert (settings["latitude"], settings["longitude"], settings["brightness"]) == (
        52.52,
        13.4,
        100,
    )

    with pytest.raises(CommandError) as error:
        board.update_settings(SettingsBody(latitude=10.0, brightness=3))
    assert refusal(error) == ("conflict", ["longitude"])
    assert board.payload("settings").model_dump() == settings  # nothing changed

    night(board, enabled=True, **{"from": "sunset+30", "until": "sunrise-15"})
    with pytest.raises(CommandError) as error:
        board.update_settings(SettingsBody(latitude=None, longitude=None))
    assert refusal(error) == ("conflict", ["latitude"])


def test_night_errors_name_the_field_and_change_nothing(store: StateStore) -> None:
    clocks = Clocks("2026-12-07 12:00")
    board = make_board(clocks, store)
    before = board.payload("night").model_dump()
    cases: list[tuple[dict[str, object], str, list[str | int]]] = [
        ({"from": "sunset"}, "conflict", ["from"]),  # no location yet
        ({"from": "07:00", "until": "07:00"}, "conflict", ["until"]),
        ({"app": "nope"}, "unknown_app", ["app"]),
    ]
    for fields, code, loc in cases:
        with pytest.raises(CommandError) as error:
            night(board, **fields)
        assert refusal(error) == (code, loc)
        assert board.payload("night").model_dump() == before
    with pytest.raises(CommandError) as error:
        board.set_carousel(True, [entry("clock")], fallback="nope")
    assert refusal(error) == ("unknown_app", ["fallback"])
    assert board.payload("carousel_config").model_dump()["enabled"] is False


def test_schedules_night_and_transitions_survive_a_restart(store: StateStore) -> None:
    clocks = Clocks("2026-12-07 12:00")
    board = make_board(clocks, store)
    board.update_settings(
        SettingsBody(
            transition=Transition(type="slide", direction="up", duration=700),
            latitude=48.1,
            longitude=11.6,
        )
    )
    board.set_carousel(
        True,
        [
            entry("clock", days=["sat", "sun"], transition={"type": "wipe", "duration": 200}),
            entry("stars", **{"from": "07:00", "until": "09:00"}),
        ],
        fallback="scroll_text",
    )
    night(board, enabled=True, **{"from": "sunset+30", "until": "07:00"}, app="off")
    names: tuple[StateName, ...] = ("settings", "carousel_config", "night", "current_app")
    before = {name: board.payload(name).model_dump() for name in names}
    assert before["current_app"]["app"] == "scroll_text"
    store.flush()

    again = make_board(clocks, store, store.load())
    assert {name: again.payload(name).model_dump() for name in names} == before
    assert np.array_equal(shown(again).any(), shown(board).any())
