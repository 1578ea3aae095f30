"""App instances: created, configured, shown, deleted and restored; the three original
apps stay; an instance keeps its state between showings; fetching apps are updated
outside the render loop and show their last good data, marked stale, when a fetch fails."""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
from PIL import Image
from pydantic import Field

from retroboard_common.app_configs import AppConfig
from retroboard_common.commands import CommandError
from retroboard_common.models import CarouselEntry
from retroboard_renderer.apps import BUILTIN_APPS, App, AppClass, AppContext
from retroboard_renderer.apps import image as image_app
from retroboard_renderer.apps.base import STALE_COLOR
from retroboard_renderer.apps.scroll_text import ScrollText
from retroboard_renderer.assets import AssetLibrary
from retroboard_renderer.board import Board
from retroboard_renderer.drivers.base import Frame
from retroboard_renderer.drivers.emulator import EmulatorDriver
from retroboard_renderer.engine import RenderEngine
from retroboard_renderer.store import StateStore
from tests.support.fake_clock import FakeClock


class FetchConfig(AppConfig):
    """A fetching app's config."""

    refresh: int = 60
    colour: list[int] = Field(default_factory=lambda: [0, 255, 0])


class Fetching(App[FetchConfig]):
    """Draws its fetched number of green columns; fetches what ``source`` says."""

    name = "fetching"
    description = "Shows fetched data"
    config_model = FetchConfig
    source: ClassVar[list[object]] = []
    """What the next updates return (an int) or raise (an exception), in turn."""

    def __init__(
        self, config: FetchConfig, width: int, height: int, context: AppContext | None = None
    ) -> None:
        self.columns = 0
        self.updates = 0
        super().__init__(config, width, height, context)

    def update(self) -> float | None:
        self.updates += 1
        value = self.source.pop(0)
        if isinstance(value, Exception):
            raise value
        assert isinstance(value, int)
        self.columns = value
        return float(self.config.refresh)

    def retry_delay(self) -> float:
        return 5.0

    def render(self, now: float) -> Frame:
        self.frame[:] = 0
        self.frame[:, : self.columns] = self.config.colour
        if self.stale:
            self.frame[0:2, -1] = STALE_COLOR
        return self.frame

    def frame_delay(self, now: float) -> float:
        return 1.0


TYPES: dict[str, AppClass] = {**BUILTIN_APPS, "fetching": Fetching}


@pytest.fixture
def board(engine: RenderEngine, store: StateStore, clock: FakeClock) -> Board:
    Fetching.source = []
    instance = Board(engine, store, apps=TYPES, clock=clock)
    instance.restore(None)
    return instance


def refused(action: object, code: str) -> CommandError:
    assert callable(action)
    with pytest.raises(CommandError) as caught:
        action()
    assert caught.value.code == code
    return caught.value


def test_a_second_clock_is_an_instance_of_the_clock_type(board: Board) -> None:
    changed = board.create_app("clock-tokyo", "clock", {"color": [255, 0, 0]})
    assert changed == {"apps_list"}
    listed = board.apps_list()
    assert listed.apps == ["clock", "scroll_text", "stars", "clock-tokyo"]
    assert listed.instances["clock-tokyo"].type == "clock"
    assert listed.instances["clock-tokyo"].config["color"] == [255, 0, 0]
    assert listed.instances["clock"].config["color"] == [255, 255, 255]  # its own config
    board.switch("clock-tokyo")
    assert board.payload("current_app").model_dump()["app"] == "clock-tokyo"


def test_creating_refuses_taken_ids_unknown_types_and_bad_configs(board: Board) -> None:
    before = board.saved_state()
    refused(lambda: board.create_app("clock", "clock", None), "exists")
    refused(lambda: board.create_app("x", "no-such-type", None), "unknown_type")
    refused(lambda: board.create_app("weather", "clock", None), "conflict")
    error = refused(lambda: board.create_app("x", "clock", {"font": "nope"}), "invalid")
    assert error.details and error.details[0].loc == ["config", "font"]
    # "off" is what a carousel fallback or night mode's app says for "none".
    error = refused(lambda: board.create_app("off", "clock", None), "conflict")
    assert error.details and error.details[0].loc == ["id"]
    error = refused(lambda: board.push_custom("off", {"text": "x"}, "api"), "conflict")
    assert error.details and error.details[0].loc == ["name"]
    assert board.saved_state() == before


def test_the_original_apps_cannot_be_deleted(board: Board) -> None:
    for original in ("clock", "scroll_text", "stars"):
        refused(lambda name=original: board.delete_app(name), "conflict")
    refused(lambda: board.delete_app("nothing-here"), "unknown_app")
    assert board.apps_list().apps == ["clock", "scroll_text", "stars"]


def test_deleting_the_instance_on_show_stops_it(board: Board, engine: RenderEngine) -> None:
    board.create_app("second", "stars", None)
    board.switch("second")
    assert board.delete_app("second") == {"apps_list", "current_app"}
    assert board.current_app is None and engine.app is None
    assert "second" not in board.apps_list().instances


def test_deleting_the_instance_on_show_moves_the_carousel_on(
    board: Board, engine: RenderEngine, clock: FakeClock
) -> None:
    board.create_app("second", "stars", None)
    entries = [CarouselEntry(app=a, duration=10) for a in ("clock", "second", "stars", "second")]
    board.set_carousel(True, entries)
    clock.advance(10)
    engine.step()
    assert board.current_app == "second"
    changed = board.delete_app("second")
    assert {"apps_list", "carousel_config", "current_app"} <= changed
    state = board.carousel.to_state()
    assert [entry.app for entry in state.apps] == ["clock", "stars"]
    assert board.current_app == "stars" and state.current_index == 1
    assert board.carousel.due_at() == clock() + 10  # a whole turn for the next one


def test_deleting_the_only_carousel_entry_turns_the_carousel_off(board: Board) -> None:
    board.create_app("second", "stars", None)
    board.set_carousel(True, [CarouselEntry(app="second")])
    board.delete_app("second")
    assert board.carousel.to_state().model_dump() == {
        "enabled": False,
        "apps": [],
        "current_index": 0,
        "fallback": "off",
    }
    assert board.current_app is None


def test_an_instance_keeps_its_state_between_showings(board: Board, engine: RenderEngine) -> None:
    board.switch("scroll_text", {"text": "A long message", "speed": 3})
    for _ in range(5):
        engine.step()
    shown = engine.app
    assert isinstance(shown, ScrollText)
    offset = shown.offset
    board.switch("clock")
    board.switch("scroll_text")
    assert shown.offset == offset
    assert engine.app is shown


def test_instances_survive_a_restart(
    board: Board, store: StateStore, clock: FakeClock, driver: EmulatorDriver
) -> None:
    board.create_app("clock-tokyo", "clock", {"color": [1, 2, 3]})
    board.switch("clock-tokyo")
    store.flush()
    again = Board(RenderEngine(driver, clock=clock), store, apps=TYPES, clock=clock)
    again.restore(store.load())
    assert again.current_app == "clock-tokyo"
    assert again.apps_list() == board.apps_list()


def test_an_instance_of_a_type_no_longer_installed_is_kept_not_shown(
    board: Board, store: StateStore, clock: FakeClock, driver: EmulatorDriver
) -> None:
    board.create_app("news", "fetching", {"refresh": 120})
    store.flush()
    without = Board(RenderEngine(driver, clock=clock), store, apps=dict(BUILTIN_APPS), clock=clock)
    without.restore(store.load())
    assert "news" not in without.apps_list().apps
    without.set_brightness(10)  # saves
    store.flush()
    back = Board(RenderEngine(driver, clock=clock), store, apps=TYPES, clock=clock)
    back.restore(store.load())
    assert back.apps_list().instances["news"].config == {"refresh": 120, "colour": [0, 255, 0]}


def test_a_failed_fetch_keeps_the_last_data_marked_stale_with_the_error(
    board: Board, engine: RenderEngine, driver: EmulatorDriver, clock: FakeClock
) -> None:
    heard: list[set[str]] = []
    board.on_change(lambda names: heard.append(set(names)))
    Fetching.source = [5, OSError("connection refused"), 7]
    board.set_brightness(100)  # the panel shows the frames' own colours
    board.create_app("news", "fetching", None)
    board.switch("news")
    board.updater.poll()  # the first update is due at once
    engine.step()
    assert driver.last_frame[5, :5].tolist() == [[0, 255, 0]] * 5
    assert board.apps_list().instances["news"].stale is False

    clock.advance(60)
    board.updater.poll()
    info = board.apps_list().instances["news"]
    assert (info.stale, info.error) == (True, "connection refused")
    assert {"apps_list"} in heard
    engine.step()
    assert driver.last_frame[5, :5].tolist() == [[0, 255, 0]] * 5  # the last good data
    assert tuple(driver.last_frame[0, -1]) == STALE_COLOR

    clock.advance(4)
    board.updater.poll()
    assert board.apps_list().instances["news"].stale  # the retry is not due yet
    clock.advance(1)
    board.updater.poll()
    engine.step()
    assert board.apps_list().instances["news"].model_dump() == {
        "type": "fetching",
        "config": {"refresh": 60, "colour": [0, 255, 0]},
        "stale": False,
        "error": None,
        "origin": None,
        "pushed_at": None,
    }
    assert np.array_equal(driver.last_frame[0, -1], [0, 0, 0])


def test_a_slow_fetch_never_holds_up_a_frame(store: StateStore) -> None:
    """Real threads: the update blocks until the test lets it go, frames go on."""
    release = threading.Event()
    started = threading.Event()

    class Slow(Fetching):
        name = "slow"

        def update(self) -> float | None:
            started.set()
            release.wait(10)
            return 60.0

    engine = RenderEngine(EmulatorDriver(64, 32))
    board = Board(engine, store, apps={**BUILTIN_APPS, "slow": Slow})
    board.restore(None)
    board.create_app("slow-one", "slow", None)
    board.switch("slow-one")
    board.updater.start()
    try:
        assert started.wait(5)
        drawn = engine.frames_drawn
        for _ in range(3):
            engine.step()  # would block on the render lock if update held it
        assert engine.frames_drawn == drawn + 3
    finally:
        release.set()
        board.updater.stop()


def test_a_replaced_image_is_decoded_off_the_render_thread(
    engine: RenderEngine,
    driver: EmulatorDriver,
    store: StateStore,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    library = AssetLibrary(tmp_path / "assets")
    library.load()
    board = Board(engine, store, assets=library, clock=clock)
    board.restore(None)
    board.set_brightness(100)
    board.put_asset("pic", solid_png((255, 0, 0)))
    board.create_app("photo", "image", {"asset": "pic", "fit": "stretch"})
    board.switch("photo")
    board.updater.poll()  # decoded ahead on the worker (here: inline)
    engine.step()
    assert tuple(engine.driver.last_frame[5, 5]) == (255, 0, 0)  # type: ignore[attr-defined]

    board.put_asset("pic", solid_png((0, 0, 255)))
    board.updater.poll()  # the put asked for the users' update at once
    monkeypatch.setattr(image_app, "decode", lambda *a, **k: pytest.fail("decoded on render"))
    engine.step()
    assert tuple(engine.driver.last_frame[5, 5]) == (0, 0, 255)  # type: ignore[attr-defined]


def solid_png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(out, "PNG")
    return out.getvalue()
