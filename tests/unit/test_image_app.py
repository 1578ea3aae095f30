"""The ``image`` app: draws a library asset with each fit, plays animations at their
own pace, follows replaced and deleted assets, and costs next to nothing a frame."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from pydantic import ValidationError

from retroboard_common.app_catalog import APP_CONFIGS
from retroboard_common.app_configs import ImageConfig
from retroboard_renderer import images
from retroboard_renderer.apps.base import STALE_COLOR, AppContext
from retroboard_renderer.apps.image import PLACEHOLDER_COLOR, ImageApp
from retroboard_renderer.assets import AssetLibrary
from tests.support.images import gif

RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


def quadrants() -> bytes:
    image = Image.new("RGB", (8, 8))
    for box, color in (
        ((0, 0, 4, 4), RED),
        ((4, 0, 8, 4), GREEN),
        ((0, 4, 4, 8), BLUE),
        ((4, 4, 8, 8), WHITE),
    ):
        image.paste(color, box)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def library(tmp_path: Path) -> AssetLibrary:
    instance = AssetLibrary(tmp_path / "assets")
    instance.load()
    return instance


def make(library: AssetLibrary, width: int = 64, height: int = 32, **config: Any) -> ImageApp:
    return ImageApp(ImageConfig(**config), width, height, AppContext(assets=library))


def shown(app: ImageApp, now: float) -> Any:
    """What the app draws at ``now`` once a decode the first render started is done."""
    app.render(now)
    app.settle()
    return app.render(now)


def color(frame: Any, y: int, x: int) -> tuple[int, ...]:
    return tuple(int(v) for v in frame[y, x])


def test_image_is_a_known_app_config() -> None:
    assert APP_CONFIGS["image"] is ImageConfig
    assert ImageConfig().asset == ""
    assert ImageConfig().fit == "contain"
    assert ImageConfig().background == [0, 0, 0]
    for bad in ({"asset": "Bad Name"}, {"fit": "zoom"}, {"background": [0, 0]}):
        with pytest.raises(ValidationError):
            ImageConfig(**bad)


@pytest.mark.parametrize(("width", "height"), [(64, 32), (128, 64)])
def test_each_fit_draws_the_picture(library: AssetLibrary, width: int, height: int) -> None:
    library.put("quad", quadrants())
    mid_x, bottom, right = width // 2, height - 1, width - 1

    contain = shown(make(library, width, height, asset="quad", background=[9, 9, 9]), 0.0)
    left = (width - height) // 2
    assert color(contain, 0, 0) == (9, 9, 9)
    assert color(contain, 0, left) == RED
    assert color(contain, bottom, left + height - 1) == WHITE

    cover = shown(make(library, width, height, asset="quad", fit="cover"), 0.0)
    assert color(cover, 0, 0) == RED
    assert color(cover, 0, right) == GREEN
    assert color(cover, bottom, 0) == BLUE

    stretch = shown(make(library, width, height, asset="quad", fit="stretch"), 0.0)
    assert (stretch[: height // 2, :mid_x] == RED).all()
    assert (stretch[height // 2 :, mid_x:] == WHITE).all()

    center = shown(make(library, width, height, asset="quad", fit="center"), 0.0)
    assert color(center, height // 2 - 4, mid_x - 4) == RED
    assert color(center, height // 2 + 3, mid_x + 3) == WHITE
    assert color(center, 0, 0) == (0, 0, 0)
    assert int((center.sum(axis=2) > 0).sum()) == 64  # drawn unscaled: 8×8 pixels


def test_without_an_asset_it_shows_the_placeholder(library: AssetLibrary) -> None:
    for app in (make(library), make(library, asset="missing")):
        frame = app.render(0.0)
        assert color(frame, 12, 26) == PLACEHOLDER_COLOR  # the outline's corner
        assert int(frame.sum()) > 0
        assert app.frame_delay(0.0) <= 1.0


def test_a_replaced_asset_shows_its_new_picture_and_a_deleted_one_the_placeholder(
    library: AssetLibrary,
) -> None:
    library.put("pic", gif([RED], [100]))
    app = make(library, asset="pic", fit="stretch")
    assert (shown(app, 0.0) == RED).all()
    library.put("pic", gif([BLUE], [100]))
    assert (app.render(0.5) == RED).all()  # until the new version is decoded
    assert app.frame_delay(0.5) <= 0.02
    app.settle()  # decoded, not drawn yet: still due again at once
    assert app.frame_delay(0.5) <= 0.02
    assert (shown(app, 0.5) == BLUE).all()
    library.delete("pic")
    assert color(app.render(1.0), 12, 26) == PLACEHOLDER_COLOR  # at once
    library.put("pic", gif([GREEN], [100]))
    assert (shown(app, 1.5) == GREEN).all()


def test_an_animation_advances_at_its_own_frame_durations(library: AssetLibrary) -> None:
    # 0 ms means 100 ms, as in browsers.
    library.put("anim", gif([RED, GREEN, BLUE], [100, 300, 0]))
    app = make(library, asset="anim", fit="stretch")
    start = 50.0
    app.update()  # decoded ahead, as the updater does
    seen = []
    for offset in (0.0, 0.099, 0.1, 0.399, 0.4, 0.5, 0.6):
        seen.append(color(app.render(start + offset), 0, 0))
    assert seen == [RED, RED, GREEN, GREEN, BLUE, RED, GREEN]
    app.render(start + 0.5)
    assert app.frame_delay(start + 0.5) == pytest.approx(0.1)
    app.render(start + 0.65)
    assert app.frame_delay(start + 0.65) == pytest.approx(0.25)


def test_switching_fits_back_and_forth_decodes_each_once(
    library: AssetLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    library.put("quad", quadrants())
    calls: list[str] = []
    real = images.decode

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[3])
        return real(*args, **kwargs)

    monkeypatch.setattr("retroboard_renderer.apps.image.decode", counting)
    app = make(library, asset="quad")
    for fit in ("contain", "cover", "contain", "cover", "contain"):
        app.configure(ImageConfig(asset="quad", fit=fit))
        shown(app, 0.0)
    assert calls == ["contain", "cover"]


def test_update_decodes_ahead_so_render_only_looks_up(
    library: AssetLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    library.put("quad", quadrants())
    app = make(library, asset="quad")
    assert app.update() is None  # nothing to poll: the board asks again on a change

    def no_decoding(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("render decoded")

    monkeypatch.setattr("retroboard_renderer.apps.image.decode", no_decoding)
    assert color(app.render(0.0), 0, 16) == RED


def test_frames_are_shared_not_copied_and_stale_marks_a_copy(library: AssetLibrary) -> None:
    library.put("quad", quadrants())
    app = make(library, asset="quad", fit="stretch")
    first = shown(app, 0.0)
    assert app.render(1.0) is first
    app.stale = True
    marked = app.render(2.0)
    assert color(marked, 0, 63) == STALE_COLOR
    assert color(first, 0, 63) == GREEN  # the cached frame is untouched
    app.stale = False
    assert app.render(3.0) is first


def test_uses_asset_names_only_its_own() -> None:
    assert ImageApp.uses_asset(ImageConfig(asset="logo"), "logo")
    assert not ImageApp.uses_asset(ImageConfig(asset="logo"), "other")


def test_a_corrupt_file_shows_the_placeholder(library: AssetLibrary) -> None:
    library.put("pic", quadrants())
    path = library.path_of("pic")
    assert path is not None
    path.write_bytes(b"damaged on disk")
    app = make(library, asset="pic")
    assert color(shown(app, 0.0), 12, 26) == PLACEHOLDER_COLOR


def test_an_animated_gif_costs_under_three_percent_of_a_core(library: AssetLibrary) -> None:
    # 20 ms frames: 50 renders a second, the rate such a GIF asks for.
    colors = [(i * 8, 255 - i * 8, i) for i in range(30)]
    library.put("anim", gif(colors, [20] * 30, size=64))
    app = make(library, asset="anim", fit="cover")
    shown(app, 0.0)
    renders = 2000
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        now = 0.0
        for _ in range(renders):
            app.render(now)
            now += app.frame_delay(now)
        best = min(best, time.perf_counter() - started)
    assert now == pytest.approx(renders * 0.02, rel=0.01)
    per_second = best / renders * 50
    assert per_second < 0.03, f"{per_second:.2%} of a core"
    assert np.shares_memory(app.render(0.0), app.render(0.0))


def test_a_slow_decode_never_holds_up_drawing(
    library: AssetLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    library.put("quad", quadrants())
    release = threading.Event()
    real = images.decode

    def slow(*args: Any, **kwargs: Any) -> Any:
        assert release.wait(10), "the test never let the decode finish"
        return real(*args, **kwargs)

    monkeypatch.setattr("retroboard_renderer.apps.image.decode", slow)
    app = make(library, asset="quad")
    # While the decode is stuck, drawing goes on with the placeholder.
    assert color(app.render(0.0), 12, 26) == PLACEHOLDER_COLOR
    assert color(app.render(0.02), 12, 26) == PLACEHOLDER_COLOR
    release.set()
    app.settle()
    assert color(app.render(0.04), 0, 16) == RED
