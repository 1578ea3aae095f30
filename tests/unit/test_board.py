"""Board rules: switching, configs, brightness, stop, carousel, refusals change nothing."""

from __future__ import annotations

import json

import pytest

from retroboard_common.app_configs import ScrollTextConfig
from retroboard_common.commands import CommandError
from retroboard_common.models import CarouselEntry
from retroboard_renderer.board import Board
from retroboard_renderer.drivers.emulator import EmulatorDriver
from retroboard_renderer.engine import RenderEngine
from retroboard_renderer.state import SavedState
from retroboard_renderer.store import StateStore
from tests.support.fake_clock import FakeClock
from tests.support.states import settings_state


def test_boots_on_the_first_app(board: Board) -> None:
    assert board.current_app == "clock"


def test_switch_merges_config_and_shows_the_app(board: Board, engine: RenderEngine) -> None:
    changed = board.switch("scroll_text", {"text": "Hi", "color": [255, 0, 0]})
    assert changed == {"current_app", "apps_list"}
    assert board.current_app == "scroll_text"
    assert engine.app is not None and engine.app.name == "scroll_text"
    current = board.payload("current_app").model_dump()
    assert current == {
        "app": "scroll_text",
        "config": {"text": "Hi", "font": "6x10", "color": [255, 0, 0], "speed": 1, "fps": 30},
    }


def test_config_applies_live_to_the_running_app(board: Board, engine: RenderEngine) -> None:
    board.switch("scroll_text")
    running = engine.app
    board.configure(None, {"color": [0, 0, 255]})
    assert engine.app is running  # not restarted
    assert running is not None and running.config.color == [0, 0, 255]


def test_config_of_another_app_is_saved_for_later(board: Board) -> None:
    changed = board.configure("stars", {"spawn_rate": 5})
    assert changed == {"apps_list"}
    assert board.current_app == "clock"
    board.switch("stars")
    assert board.payload("current_app").model_dump()["config"]["spawn_rate"] == 5


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda b: b.switch("nope"), "unknown_app"),
        (lambda b: b.switch("clock", {"color": [300, 0, 0]}), "invalid"),
        (lambda b: b.configure("clock", {"font": "/etc/passwd"}), "invalid"),
        (lambda b: b.configure("clock", {"size": 3}), "invalid"),
        # Without an app: stars' fields while the clock shows are a conflict, not invalid;
        # fields no app has are invalid.
        (lambda b: b.configure(None, {"fps": 30}), "conflict"),
        (lambda b: b.configure(None, {"fps": 0}), "invalid"),
        (lambda b: b.set_carousel(True, []), "conflict"),
        (lambda b: b.set_carousel(True, [CarouselEntry(app="nope", duration=5)]), "unknown_app"),
        (lambda b: b.next(), "conflict"),
    ],
)
def test_refused_changes_change_nothing(board: Board, call: object, code: str) -> None:
    before = board.saved_state()
    with pytest.raises(CommandError) as refused:
        call(board)  # type: ignore[operator]
    assert refused.value.code == code
    assert board.saved_state() == before


def test_invalid_config_names_the_field(board: Board) -> None:
    with pytest.raises(CommandError) as refused:
        board.configure("scroll_text", {"speed": 99})
    assert refused.value.details is not None
    assert refused.value.details[0].loc == ["config", "speed"]
    assert "speed" in refused.value.message


def test_stop_blanks_and_clears_the_current_app(
    board: Board, engine: RenderEngine, driver: EmulatorDriver
) -> None:
    engine.step()
    assert driver.last_frame.any()  # the clock is lit: something for stop to blank
    board.stop()
    engine.step()
    assert board.current_app is None
    assert board.payload("current_app").model_dump() == {"app": None, "config": {}}
    assert not driver.last_frame.any()


def test_configure_without_app_while_stopped_is_refused(board: Board) -> None:
    board.stop()
    with pytest.raises(CommandError):
        board.configure(None, {"color": [1, 2, 3]})


def test_brightness_reaches_the_driver(
    board: Board, engine: RenderEngine, driver: EmulatorDriver
) -> None:
    board.set_brightness(10)
    engine.step()
    assert 0 < driver.last_frame.max() <= 27
    assert board.payload("settings").model_dump() == settings_state(10)


def carousel(*apps: tuple[str, int]) -> list[CarouselEntry]:
    return [CarouselEntry(app=app, duration=duration) for app, duration in apps]


def test_carousel_rotates_with_durations_and_wraps(
    board: Board, engine: RenderEngine, clock: FakeClock
) -> None:
    board.set_carousel(True, carousel(("scroll_text", 5), ("stars", 2)))
    assert board.current_app == "scroll_text"
    clock.advance(4.9)
    engine.step()
    assert board.current_app == "scroll_text"
    clock.advance(0.2)
    engine.step()
    assert board.current_app == "stars"
    assert board.carousel.index == 1
    clock.advance(2.0)
    engine.step()
    assert board.current_app == "scroll_text"  # wrapped around
    assert board.payload("carousel_config").model_dump()["current_index"] == 0


def test_carousel_shows_each_app_with_its_saved_config(
    board: Board, clock: FakeClock, engine: RenderEngine
) -> None:
    board.configure("stars", {"lifetime": 7})
    board.set_carousel(True, carousel(("clock", 1), ("stars", 1)))
    clock.advance(1.0)
    engine.step()
    assert engine.app is not None and engine.app.config.lifetime == 7


def test_the_engine_sleeps_only_until_the_carousel_is_due(
    board: Board, engine: RenderEngine
) -> None:
    board.set_carousel(True, carousel(("clock", 3)))
    assert engine.step() <= 3.0


def test_disabling_keeps_the_current_app(
    board: Board, clock: FakeClock, engine: RenderEngine
) -> None:
    board.set_carousel(True, carousel(("clock", 1), ("stars", 1)))
    clock.advance(1.0)
    engine.step()
    board.set_carousel(False, None)
    clock.advance(10.0)
    engine.step()
    assert board.current_app == "stars"
    assert board.payload("carousel_config").model_dump()["enabled"] is False


def test_manual_switch_stops_the_carousel(
    board: Board, clock: FakeClock, engine: RenderEngine
) -> None:
    board.set_carousel(True, carousel(("clock", 1), ("stars", 1)))
    changed = board.switch("scroll_text")
    assert "carousel_config" in changed
    clock.advance(5.0)
    engine.step()
    assert board.current_app == "scroll_text"
    assert board.carousel.enabled is False


def test_next_skips_ahead(board: Board) -> None:
    board.set_carousel(True, carousel(("clock", 60), ("stars", 60)))
    board.next()
    assert board.current_app == "stars"


def test_state_is_restored_with_carousel_position(tmp_path: object, clock: FakeClock) -> None:
    store = StateStore(tmp_path / "s", save_delay=0.0)  # type: ignore[operator]
    first = Board(RenderEngine(EmulatorDriver(64, 32), clock=clock), store, clock=clock)
    first.restore(None)
    first.configure("scroll_text", {"text": "saved"})
    first.set_brightness(33)
    first.set_carousel(True, carousel(("clock", 5), ("scroll_text", 5)))
    first.next()
    store.flush()

    second = Board(RenderEngine(EmulatorDriver(64, 32), clock=clock), store, clock=clock)
    second.restore(store.load())
    assert second.current_app == "scroll_text"
    assert second.carousel.running and second.carousel.index == 1
    assert second.payload("settings").model_dump() == settings_state(33)
    assert second.config_of("scroll_text").model_dump()["text"] == "saved"


def test_restore_order_saved_then_flag_then_first(engine: RenderEngine, store: StateStore) -> None:
    board = Board(engine, store)
    board.restore(SavedState(current_app="stars"), initial_app="scroll_text")
    assert board.current_app == "stars"
    board.restore(None, initial_app="scroll_text")
    assert board.current_app == "scroll_text"
    board.restore(None, initial_app=None)
    assert board.current_app == "clock"


def test_saved_garbage_for_one_app_falls_back_to_its_defaults(
    engine: RenderEngine, store: StateStore
) -> None:
    board = Board(engine, store)
    saved = SavedState(
        configs={"clock": {"color": "purple"}, "ghost": {}, "stars": {"lifetime": 9}}
    )
    board.restore(saved)
    assert board.config_of("clock").model_dump()["color"] == [255, 255, 255]
    assert board.config_of("stars").model_dump()["lifetime"] == 9


def test_apps_list_gives_each_instances_type_and_config(board: Board) -> None:
    payload = board.apps_list().model_dump(by_alias=True)
    assert payload["apps"] == ["clock", "scroll_text", "stars"]
    assert payload["current"] == "clock"
    info = payload["instances"]["scroll_text"]
    assert info == {
        "type": "scroll_text",
        "config": ScrollTextConfig().model_dump(),
        "stale": False,
        "error": None,
        "origin": None,
        "pushed_at": None,
    }


def test_the_types_catalog_holds_each_types_description_and_schema(board: Board) -> None:
    payload = board.payload("app_types").model_dump(by_alias=True)
    info = payload["types"]["scroll_text"]
    assert info["schema"]["properties"]["speed"]["minimum"] == 1
    assert info["description"]
    assert "schema" not in json.dumps(board.apps_list().model_dump(by_alias=True))
