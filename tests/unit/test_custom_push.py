"""Custom apps pushed AWTRIX 3 style, on the board: an instance of type ``custom`` that is
listed, switched to, rotated in the carousel, kept over restarts until its lifetime runs
out, and whose embedded icon lives in the image library only as long as it is used."""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
import pytest

from retroboard_common.commands import CommandError
from retroboard_common.models import CarouselEntry
from retroboard_renderer.apps import ORIGINAL_APPS, AppContext
from retroboard_renderer.apps.base import STALE_COLOR
from retroboard_renderer.assets import AssetLibrary
from retroboard_renderer.board import MAX_INSTANCES, Board
from retroboard_renderer.drivers.base import Frame
from retroboard_renderer.drivers.emulator import EmulatorDriver
from retroboard_renderer.engine import RenderEngine
from retroboard_renderer.store import StateStore
from tests.support.fake_clock import FakeClock
from tests.support.images import png, png_base64
from tests.support.panel import shown

EPOCH = 1_700_000_000.0
"""Where the fake wall clock starts (a push's ``pushed_at`` is seconds since the epoch)."""


class WallClock:
    """A wall clock that follows the fake monotonic clock, :data:`EPOCH` later: a
    lifetime (wall time) and the render loop (monotonic time) move together, and a
    restarted board reads the same wall time."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock

    def __call__(self) -> float:
        return EPOCH + self.clock()


@pytest.fixture
def library(tmp_path: Path) -> AssetLibrary:
    instance = AssetLibrary(tmp_path / "assets")
    instance.load()
    return instance


def make_board(
    engine: RenderEngine, store: StateStore, clock: FakeClock, library: AssetLibrary
) -> Board:
    """A board whose apps and pushes read the fake wall clock."""
    context = AppContext(wall_clock=WallClock(clock), assets=library)
    return Board(engine, store, assets=library, context=context, clock=clock)


@pytest.fixture
def board(
    engine: RenderEngine, store: StateStore, clock: FakeClock, library: AssetLibrary
) -> Board:
    instance = make_board(engine, store, clock, library)
    instance.restore(None)
    instance.set_brightness(100)  # the panel shows the frames' own colours
    return instance


def restarted(store: StateStore, clock: FakeClock, library: AssetLibrary) -> Board:
    """A new board (and panel) on the saved state, as after a renderer restart."""
    store.flush()
    again = make_board(RenderEngine(EmulatorDriver(64, 32), clock=clock), store, clock, library)
    again.restore(store.load())
    return again


def count(frame: Frame, colour: tuple[int, int, int]) -> int:
    return int(np.all(frame == colour, axis=-1).sum())


def asset_names(board: Board) -> list[str]:
    return [info.name for info in board.payload("assets").assets]  # type: ignore[attr-defined]


def carousel_apps(board: Board) -> list[tuple[str, int]]:
    return [(entry.app, entry.duration) for entry in board.carousel.to_state().apps]


# --- create, update, delete ------------------------------------------------------------


def test_a_push_creates_a_custom_instance_with_where_and_when(
    board: Board, clock: FakeClock
) -> None:
    changed, ignored = board.push_custom("Door", {"text": "open", "color": "#FF0000"}, "mqtt")
    assert "apps_list" in changed and ignored == []
    listed = board.apps_list()
    assert listed.apps[-1] == "door"  # names are lower-cased into instance ids
    door = listed.instances["door"]
    assert (door.type, door.origin, door.pushed_at, door.stale) == (
        "custom",
        "mqtt",
        EPOCH + clock(),
        False,
    )
    assert door.config["text"] == "open" and door.config["color"] == [255, 0, 0]
    assert board.current_app == "clock"  # a push does not take the panel


def test_a_pushed_app_can_be_switched_to_and_configured(board: Board) -> None:
    board.push_custom("door", {"text": "open", "color": [255, 0, 0]}, "api")
    board.switch("door")
    assert count(shown(board), (255, 0, 0)) > 10
    board.configure("door", {"color": [0, 0, 255]})
    frame = shown(board)
    assert count(frame, (255, 0, 0)) == 0 and count(frame, (0, 0, 255)) > 10


def test_a_second_push_replaces_the_app_and_its_time(board: Board, clock: FakeClock) -> None:
    board.push_custom("door", {"text": "open", "color": "#FF0000"}, "mqtt")
    clock.advance(30)
    second_push = EPOCH + clock()
    board.push_custom("door", {"text": "closed"}, "api")
    listed = board.apps_list()
    assert listed.apps.count("door") == 1
    door = listed.instances["door"]
    # AWTRIX semantics: each push is the whole app; keys left out are back to defaults.
    assert (door.config["text"], door.config["color"]) == ("closed", [255, 255, 255])
    assert (door.origin, door.pushed_at) == ("api", second_push)


def test_an_update_shows_at_once_on_the_panel(board: Board) -> None:
    board.push_custom("door", {"text": "open", "color": "#FF0000"}, "mqtt")
    board.switch("door")
    assert count(shown(board), (255, 0, 0)) > 10
    changed, _ = board.push_custom("door", {"text": "open", "color": "#00FF00"}, "mqtt")
    assert "current_app" in changed
    frame = shown(board)
    assert count(frame, (255, 0, 0)) == 0 and count(frame, (0, 255, 0)) > 10


@pytest.mark.parametrize("empty", [None, "", {}, []])
def test_an_empty_push_deletes_the_app(board: Board, empty: object) -> None:
    board.push_custom("door", {"text": "open"}, "mqtt")
    board.switch("door")
    changed, _ = board.push_custom("door", empty, "mqtt")
    assert {"apps_list", "current_app"} <= changed
    assert "door" not in board.apps_list().instances
    assert board.current_app is None
    assert not shown(board).any()


def test_deleting_an_app_that_is_not_there_is_harmless(board: Board) -> None:
    before = board.apps_list()
    board.push_custom("ghost", {}, "mqtt")
    assert board.apps_list() == before


def test_an_empty_push_does_not_delete_other_types(board: Board) -> None:
    with pytest.raises(CommandError) as refused:
        board.push_custom("clock", {}, "mqtt")
    assert refused.value.code == "conflict"
    assert "clock" in board.apps_list().instances


def test_an_array_makes_numbered_apps_and_deleting_the_name_deletes_them_all(
    board: Board,
) -> None:
    pages = [{"text": "one"}, {"text": "two"}, {"text": "three"}]
    board.push_custom("solar", pages, "mqtt")
    listed = board.apps_list()
    assert listed.apps[-3:] == ["solar0", "solar1", "solar2"]
    assert [listed.instances[f"solar{i}"].config["text"] for i in range(3)] == [
        "one",
        "two",
        "three",
    ]
    assert {listed.instances[f"solar{i}"].type for i in range(3)} == {"custom"}

    board.push_custom("solar", [{"text": "only"}, {"text": "two"}], "mqtt")
    assert [a for a in board.apps_list().apps if a.startswith("solar")] == ["solar0", "solar1"]

    board.push_custom("solar", "", "mqtt")
    assert not [a for a in board.apps_list().apps if a.startswith("solar")]


def test_a_bad_item_in_an_array_changes_nothing(board: Board) -> None:
    before = board.saved_state()
    with pytest.raises(CommandError) as refused:
        board.push_custom("solar", [{"text": "ok"}, {"text": 5}], "mqtt")
    assert refused.value.code == "invalid"
    assert refused.value.details is not None and refused.value.details[0].loc[:2] == [1, "text"]
    assert board.saved_state() == before


def test_a_full_board_refuses_more_apps_and_changes_nothing(board: Board) -> None:
    board.push_custom("sensor", [{"text": f"{n}"} for n in range(100)], "mqtt")
    for n in range(MAX_INSTANCES - len(ORIGINAL_APPS) - 100):  # up to the limit
        board.create_app(f"extra-{n}", "clock", None)
    assert len(board.apps_list().apps) == MAX_INSTANCES
    before = board.saved_state()
    for attempt in (
        lambda: board.push_custom("one-more", {"text": "x"}, "mqtt"),
        lambda: board.create_app("one-more", "clock", None),
    ):
        with pytest.raises(CommandError) as refused:
            attempt()
        assert refused.value.code == "conflict"
        assert f"at most {MAX_INSTANCES} apps" in refused.value.message
    board.push_custom("sensor5", {"text": "still updated"}, "mqtt")  # a known one: fine
    assert board.saved_state().configs["sensor5"]["text"] == "still updated"
    assert board.saved_state().configs.keys() == before.configs.keys()


def test_ignored_keys_are_reported_and_the_rest_applies(board: Board) -> None:
    payload = {"text": "hi", "sound": "ding", "rtttl": "x:d=4:c", "hold": True, "save": True}
    _, ignored = board.push_custom("door", payload, "awtrix")
    assert ignored == ["hold", "rtttl", "sound"]
    assert board.apps_list().instances["door"].config["text"] == "hi"


# --- the carousel ----------------------------------------------------------------------


def test_a_new_app_joins_the_running_carousel_at_the_end(
    board: Board, engine: RenderEngine, clock: FakeClock
) -> None:
    board.set_carousel(True, [CarouselEntry(app="clock", duration=5)])
    changed, _ = board.push_custom("door", {"text": "open"}, "mqtt")
    assert "carousel_config" in changed
    board.push_custom("bell", {"text": "ring", "duration": 3}, "mqtt")
    assert carousel_apps(board) == [("clock", 5), ("door", 10), ("bell", 3)]

    clock.advance(5)
    engine.step()
    assert board.current_app == "door"
    clock.advance(10)
    engine.step()
    assert board.current_app == "bell"


def test_an_update_keeps_its_place_and_takes_its_new_duration(board: Board) -> None:
    board.set_carousel(True, [CarouselEntry(app="clock", duration=5)])
    board.push_custom("door", {"text": "open"}, "mqtt")
    board.push_custom("bell", {"text": "ring"}, "mqtt")
    board.push_custom("door", {"text": "shut", "duration": 20}, "mqtt")
    assert carousel_apps(board) == [("clock", 5), ("door", 20), ("bell", 10)]


def test_a_new_app_stays_out_of_a_carousel_that_is_off(board: Board) -> None:
    board.set_carousel(False, [CarouselEntry(app="clock", duration=5)])
    board.push_custom("door", {"text": "open"}, "mqtt")
    assert carousel_apps(board) == [("clock", 5)]


def test_deleting_removes_it_from_the_carousel(board: Board) -> None:
    board.set_carousel(True, [CarouselEntry(app="clock", duration=5)])
    board.push_custom("solar", [{"text": "a"}, {"text": "b"}], "mqtt")
    assert carousel_apps(board) == [("clock", 5), ("solar0", 10), ("solar1", 10)]
    changed, _ = board.push_custom("solar", {}, "mqtt")
    assert "carousel_config" in changed
    assert carousel_apps(board) == [("clock", 5)]
    assert board.carousel.running


# --- restarts and lifetimes ------------------------------------------------------------


def test_custom_apps_survive_a_restart(
    board: Board, store: StateStore, clock: FakeClock, library: AssetLibrary
) -> None:
    board.set_carousel(True, [CarouselEntry(app="clock", duration=5)])
    board.push_custom("door", {"text": "open", "color": "#FF0000"}, "mqtt")
    board.push_custom("solar", [{"text": "a"}, {"text": "b"}], "api")
    again = restarted(store, clock, library)
    assert again.apps_list() == board.apps_list()
    assert again.apps_list().instances["door"].origin == "mqtt"
    assert carousel_apps(again) == carousel_apps(board)
    again.switch("door")
    again.set_brightness(100)
    assert count(shown(again), (255, 0, 0)) > 10


def test_lifetime_mode_0_deletes_the_app_once_not_pushed_for_its_lifetime(
    board: Board, engine: RenderEngine, clock: FakeClock
) -> None:
    board.set_carousel(True, [CarouselEntry(app="clock", duration=300)])
    board.push_custom("door", {"text": "open", "lifetime": 60}, "mqtt")
    clock.advance(59)
    engine.step()
    assert "door" in board.apps_list().instances
    board.push_custom("door", {"text": "still open", "lifetime": 60}, "mqtt")  # counts anew
    clock.advance(59)
    engine.step()
    assert "door" in board.apps_list().instances
    clock.advance(1)
    engine.step()
    assert "door" not in board.apps_list().instances
    assert carousel_apps(board) == [("clock", 300)]


def test_the_render_loop_is_due_back_when_a_lifetime_runs_out(
    board: Board, clock: FakeClock
) -> None:
    board.push_custom("door", {"text": "open", "lifetime": 42}, "mqtt")
    assert board.tick(clock()) == clock() + 42


def test_a_lifetime_keeps_counting_over_a_restart(
    board: Board, store: StateStore, clock: FakeClock, library: AssetLibrary
) -> None:
    board.push_custom("door", {"text": "open", "lifetime": 60}, "mqtt")
    clock.advance(30)
    again = restarted(store, clock, library)
    again.engine.step()
    assert "door" in again.apps_list().instances
    clock.advance(30)
    again.engine.step()
    assert "door" not in again.apps_list().instances
    store.flush()
    assert "door" not in (store.load() or again.saved_state()).configs


def test_an_app_whose_lifetime_ran_out_while_down_is_gone_after_the_restart(
    board: Board, store: StateStore, clock: FakeClock, library: AssetLibrary
) -> None:
    board.push_custom("door", {"text": "open", "lifetime": 60}, "mqtt")
    board.push_custom("temp", {"text": "21"}, "mqtt")  # no lifetime: kept for ever
    clock.advance(3600)
    again = restarted(store, clock, library)
    again.engine.step()
    assert "door" not in again.apps_list().instances
    assert "temp" in again.apps_list().instances


def border(frame: Frame) -> list[Frame]:
    return [frame[0, :], frame[-1, :], frame[:, 0], frame[:, -1]]


def test_lifetime_mode_1_marks_the_app_stale_with_a_red_border(
    board: Board, engine: RenderEngine, clock: FakeClock
) -> None:
    board.push_custom("door", {"text": "open", "lifetime": 60, "lifetimeMode": 1}, "mqtt")
    board.switch("door")
    assert not any(np.all(edge == STALE_COLOR) for edge in border(shown(board)))
    clock.advance(60)
    frame = shown(board)
    assert all(np.all(edge == STALE_COLOR) for edge in border(frame))
    door = board.apps_list().instances["door"]
    assert door.stale is True and door.config["text"] == "open"  # kept, marked

    board.push_custom("door", {"text": "fresh", "lifetime": 60, "lifetimeMode": 1}, "mqtt")
    assert board.apps_list().instances["door"].stale is False
    assert not any(np.all(edge == STALE_COLOR) for edge in border(shown(board)))


def test_a_stale_app_keeps_its_red_border_over_a_restart(
    board: Board, store: StateStore, clock: FakeClock, library: AssetLibrary
) -> None:
    board.push_custom("door", {"text": "open", "lifetime": 60, "lifetimeMode": 1}, "mqtt")
    board.switch("door")
    clock.advance(120)
    again = restarted(store, clock, library)
    again.set_brightness(100)
    again.engine.step()  # the first frame's tick finds the lifetime over
    assert again.apps_list().instances["door"].stale is True
    frame = shown(again)  # the updater's first (icon) update runs here
    assert again.apps_list().instances["door"].stale is True
    assert all(np.all(edge == STALE_COLOR) for edge in border(frame))


# --- embedded icons ----------------------------------------------------------------------


def test_a_base64_icon_is_stored_shown_and_deleted_with_the_app(board: Board) -> None:
    board.push_custom("door", {"text": "hi", "icon": png_base64((255, 0, 0))}, "mqtt")
    icon = board.apps_list().instances["door"].config["icon"]
    assert isinstance(icon, str) and icon.startswith("icon-")
    assert asset_names(board) == [icon]
    board.switch("door")
    assert count(shown(board), (255, 0, 0)) >= 64  # at least the 8×8 picture, on the left

    changed, _ = board.push_custom("door", {}, "mqtt")
    assert "assets" in changed
    assert asset_names(board) == []


def test_an_icon_is_stored_once_and_kept_while_an_app_shows_it(board: Board) -> None:
    red = png_base64((255, 0, 0))
    board.push_custom("door", {"text": "a", "icon": red}, "mqtt")
    board.push_custom("bell", {"text": "b", "icon": red}, "mqtt")
    assert len(asset_names(board)) == 1
    board.push_custom("door", {}, "mqtt")
    assert len(asset_names(board)) == 1  # bell still shows it
    board.push_custom("bell", {"text": "b", "icon": png_base64((0, 0, 255))}, "mqtt")
    (blue,) = asset_names(board)  # the red one is no longer used: gone
    assert board.apps_list().instances["bell"].config["icon"] == blue


def test_a_library_icon_the_user_uploaded_stays(board: Board) -> None:
    board.put_asset("sun", png((255, 255, 0)))
    board.push_custom("outside", {"text": "21", "icon": "sun"}, "mqtt")
    board.push_custom("outside", {}, "mqtt")
    assert asset_names(board) == ["sun"]


def test_an_icon_that_is_not_an_image_changes_nothing(board: Board) -> None:
    before = board.saved_state()
    # (Longer than any library name: a short token of name characters names an image.)
    not_an_image = base64.b64encode(b"definitely not a picture, " * 4).decode()
    with pytest.raises(CommandError) as refused:
        board.push_custom("door", {"text": "hi", "icon": not_an_image}, "mqtt")
    assert refused.value.details is not None and refused.value.details[0].loc == ["icon"]
    assert board.saved_state() == before and asset_names(board) == []


def test_a_notifications_icon_goes_once_the_notification_ends(
    board: Board, clock: FakeClock
) -> None:
    board.notify({"text": "ring", "icon": png_base64((0, 255, 0)), "duration": 5})
    board.notify({"text": "held", "icon": png_base64((0, 0, 255)), "hold": True})
    assert len(asset_names(board)) == 2
    assert count(shown(board), (0, 255, 0)) >= 64
    clock.advance(5)
    shown(board)  # the first ends; the held one shows, its icon kept
    assert count(shown(board), (0, 0, 255)) >= 64
    assert len(asset_names(board)) == 1
    board.dismiss()
    assert asset_names(board) == []


def test_a_custom_app_cannot_be_called_custom(board: Board) -> None:
    before = board.saved_state()
    with pytest.raises(CommandError) as refused:
        board.push_custom("Custom", {"text": "hi"}, "mqtt")
    assert refused.value.details is not None and refused.value.details[0].loc == ["name"]
    assert board.saved_state() == before
