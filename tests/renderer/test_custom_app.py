"""The ``custom`` app (AWTRIX 3 custom apps and notifications) as a viewer sees it, on
panels from AWTRIX's 32×8 up to 256×128: where the text, icon, charts, progress bar and
drawings land, what colour they are, and how they move."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from retroboard_common.custom_apps import EFFECT_NAMES, parse_custom, parse_notification
from retroboard_renderer.apps.base import STALE_COLOR, AppContext
from retroboard_renderer.apps.custom import CustomApp
from retroboard_renderer.apps.drawing import canvas_scale
from retroboard_renderer.assets import AssetLibrary
from tests.support.images import gif

SIZES = [(32, 8), (64, 32), (128, 64)]
RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)
YELLOW = (255, 200, 0)

Frame = npt.NDArray[np.uint8]


def png(size: int = 8) -> bytes:
    """A yellow square with a red middle (a quarter of its side from each edge)."""
    image = Image.new("RGB", (size, size), YELLOW)
    image.paste(RED, (size // 4, size // 4, size - size // 4, size - size // 4))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def library(tmp_path: Path) -> AssetLibrary:
    instance = AssetLibrary(tmp_path / "assets")
    instance.load()
    instance.put("sun", png())
    instance.put("blink", gif([RED, BLUE], 200))
    return instance


def make(
    payload: dict[str, Any], width: int = 64, height: int = 32, library: AssetLibrary | None = None
) -> CustomApp:
    config, _ = parse_custom(payload)
    app = CustomApp(config, width, height, AppContext(assets=library))
    app.update()  # what the board's updater does when the app is made
    app.restart(0.0)
    return app


def shot(app: CustomApp, now: float) -> Frame:
    return app.render(now).copy()


def lit(frame: Frame, color: tuple[int, int, int] | None = None) -> npt.NDArray[np.bool_]:
    """Where ``frame`` shows ``color`` (any colour but black when ``None``)."""
    if color is None:
        return bool_array(frame.any(axis=2))
    return bool_array((frame == np.array(color, np.uint8)).all(axis=2))


def bool_array(value: Any) -> npt.NDArray[np.bool_]:
    return np.asarray(value, dtype=np.bool_)


def columns(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.intp]:
    return np.flatnonzero(mask.any(axis=0))


def rows(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.intp]:
    return np.flatnonzero(mask.any(axis=1))


# --- AWTRIX's documented examples, at every size ------------------------------------


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_rainbow_hello_scrolls_in_many_colours(width: int, height: int) -> None:
    app = make({"text": "Hello, AWTRIX 3!", "rainbow": True, "duration": 10}, width, height)
    # Too long for 32 or 64 pixels; a smaller font spares it scrolling on 128.
    assert app.scrolls is (width < 128)
    first, later = shot(app, 0.3), shot(app, 0.5)
    assert lit(first).any() and lit(later).any()
    if app.scrolls:
        assert columns(lit(later))[0] < columns(lit(first))[0], "the text moves left"
    colours = {tuple(int(c) for c in px) for px in later[lit(later)]}
    assert len(colours) >= 3, "each letter its own hue"
    hue_then = shot(app, 2.0)
    assert not np.array_equal(hue_then, shot(app, 2.2)), "the rainbow cycles"


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_draw_example_lands_on_awtrix_canvas_scaled(width: int, height: int) -> None:
    app = make(
        {
            "draw": [
                {"dc": [28, 4, 3, "#FF0000"]},
                {"dr": [20, 4, 4, 4, "#0000FF"]},
                {"dt": [0, 0, "Hello", "#00FF00"]},
            ]
        },
        width,
        height,
    )
    frame = shot(app, 0.0)
    k = canvas_scale(width, height)
    left, top = (width - 32 * k) // 2, (height - 8 * k) // 2

    def block(x: int, y: int) -> Frame:
        return frame[top + y * k : top + (y + 1) * k, left + x * k : left + (x + 1) * k]

    for x, y in ((31, 4), (25, 4), (28, 1), (28, 7)):  # the circle's outline, r = 3
        assert (block(x, y) == RED).all(), (x, y)
    assert not lit(block(28, 4)).any(), "an outlined circle is hollow"
    assert (block(20, 4) == BLUE).all() and (block(23, 7) == BLUE).all()
    hello = lit(frame, GREEN)
    assert hello.any()
    assert columns(hello)[-1] < left + 20 * k and rows(hello)[0] >= top
    assert app.frame_delay(0.0) >= 0.5, "a still drawing is not redrawn 30 times a second"


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_coloured_fragments_keep_their_colours_in_order(width: int, height: int) -> None:
    app = make(
        {"text": [{"t": "Hello, ", "c": "FF0000"}, {"t": "world!", "c": "00FF00"}], "repeat": 2},
        width,
        height,
    )
    seen_both = False
    for step in range(200):
        frame = shot(app, step * 0.05)
        red, green = lit(frame, RED), lit(frame, GREEN)
        if red.any() and green.any():
            assert columns(red)[0] < columns(green)[0]
            seen_both = True
        assert not (lit(frame) & ~red & ~green).any(), "nothing but the two colours"
    assert seen_both


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_a_short_text_is_centred_and_still(width: int, height: int) -> None:
    app = make({"text": "1"}, width, height)
    assert not app.scrolls
    frame = shot(app, 0.0)
    white = lit(frame, WHITE)
    xs, ys = columns(white), rows(white)
    assert abs((xs[0] + xs[-1]) / 2 - (width - 1) / 2) <= 2
    assert abs((ys[0] + ys[-1]) / 2 - (height - 1) / 2) <= 2
    assert np.array_equal(frame, shot(app, 3.0))
    assert app.frame_delay(3.0) >= 0.5
    assert app.passes == 0


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_progress_bar_fills_its_share_along_the_bottom(width: int, height: int) -> None:
    app = make(
        {"text": "Up", "progress": 25, "progressC": "#00FF00", "progressBC": "#0000FF"},
        width,
        height,
    )
    frame = shot(app, 0.0)
    bottom = frame[-1]
    done = int(lit(bottom[None], GREEN).sum())
    rest = int(lit(bottom[None], BLUE).sum())
    assert done > 0 and rest > 0
    assert abs(done / (done + rest) - 0.25) < 0.05
    assert (
        columns(lit(frame[:-1], GREEN)).size == 0 or rows(lit(frame, GREEN))[0] >= height * 3 // 4
    )
    text_rows = rows(lit(frame, WHITE))
    assert text_rows.size and text_rows[-1] < height - 1, "text stays above the bar"


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_bar_chart_bars_grow_with_their_values(width: int, height: int) -> None:
    app = make({"bar": [1, 4, 2, 8], "color": "#FFFF00", "barBC": "#000040"}, width, height)
    frame = shot(app, 0.0)
    bars = lit(frame, (255, 255, 0))
    back = lit(frame, (0, 0, 64))
    assert back.any()
    xs = columns(bars)
    groups = np.split(xs, np.flatnonzero(np.diff(xs) > 1) + 1)
    assert len(groups) == 4
    heights = [int(bars[:, group].any(axis=1).sum()) for group in groups]
    assert heights[3] > heights[1] > heights[2] > heights[0] > 0
    assert heights[3] >= height - 1, "autoscale: the largest fills the height"


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_line_chart_spans_the_area_right_of_the_icon(
    width: int, height: int, library: AssetLibrary
) -> None:
    app = make(
        {"line": [3, 1, 4, 1, 5, 9, 2, 6], "icon": "sun", "color": "#00FFFF"},
        width,
        height,
        library,
    )
    frame = shot(app, 0.0)
    line = lit(frame, (0, 255, 255))
    icon = lit(frame, YELLOW)
    assert icon.any() and line.any()
    assert columns(line)[0] > columns(icon)[-1]
    assert columns(line)[-1] == width - 1
    peak_x = int(
        np.argmin([rows(line[:, [x]])[0] if line[:, x].any() else height for x in range(width)])
    )
    assert peak_x > width // 2, "the 9 is the highest point, right of the middle"


# --- icons --------------------------------------------------------------------------


@pytest.mark.parametrize(("width", "height", "factor"), [(32, 8, 1), (64, 32, 3), (128, 64, 6)])
def test_icon_sits_left_blown_up_sharp(
    width: int, height: int, factor: int, library: AssetLibrary
) -> None:
    app = make({"text": "21°", "icon": "sun"}, width, height, library)
    frame = shot(app, 0.0)
    icon = lit(frame, YELLOW) | lit(frame, RED)
    xs, ys = columns(icon), rows(icon)
    assert xs.size == 8 * factor and ys.size == 8 * factor
    assert xs[0] <= max(2, factor)
    core = lit(frame, RED)
    assert columns(core).size == 4 * factor, "nearest neighbour: no blended edge"
    assert {tuple(int(c) for c in px) for px in frame[icon]} == {YELLOW, RED}
    text = lit(frame, WHITE)
    assert text.any() and columns(text)[0] > xs[-1]
    assert CustomApp.uses_asset(app.config, "sun")
    assert not CustomApp.uses_asset(app.config, "moon")


def test_a_missing_icon_is_left_out(library: AssetLibrary) -> None:
    app = make({"text": "Hi", "icon": "nowhere"}, 64, 32, library)
    frame = shot(app, 0.0)
    app.settle()
    frame = shot(app, 0.1)
    assert lit(frame, WHITE).any()
    assert not (lit(frame) & ~lit(frame, WHITE)).any()


def test_a_gif_icon_animates_at_its_own_pace(library: AssetLibrary) -> None:
    app = make({"text": "Hi", "icon": "blink"}, 64, 32, library)
    first = shot(app, 0.0)
    assert lit(first, RED).sum() == 24 * 24
    assert 0.1 < app.frame_delay(0.0) <= 0.2
    second = shot(app, 0.25)
    assert lit(second, BLUE).sum() == 24 * 24 and not lit(second, RED).any()


def test_a_replaced_icon_shows_after_update(library: AssetLibrary) -> None:
    app = make({"text": "Hi", "icon": "sun"}, 64, 32, library)
    assert lit(shot(app, 0.0), YELLOW).any()
    library.put("sun", gif([GREEN, GREEN], 100))
    app.update()
    frame = shot(app, 0.1)
    assert lit(frame, GREEN).sum() == 24 * 24 and not lit(frame, YELLOW).any()


def test_an_icon_decodes_off_the_render_thread_when_update_was_not_called(
    library: AssetLibrary,
) -> None:
    config, _ = parse_custom({"text": "Hi", "icon": "sun"})
    app = CustomApp(config, 64, 32, AppContext(assets=library))
    app.restart(0.0)
    app.render(0.0)
    app.settle()
    assert lit(shot(app, 0.1), YELLOW).any()


# --- scrolling ------------------------------------------------------------------------


def long_text(**extra: Any) -> dict[str, Any]:
    return {"text": "A long message that has to scroll by", **extra}


def test_scrolling_counts_passes_and_restart_starts_over() -> None:
    app = make(long_text())
    assert app.scrolls and app.passes == 0
    start = shot(app, 0.0)
    assert not lit(start).any(), "the text comes in from the right"
    xs = [columns(lit(shot(app, t)))[0] for t in (0.2, 0.3, 0.4)]
    assert xs[0] > xs[1] > xs[2]
    for step in range(1, 2000):
        app.render(step * 0.05)
        if app.passes == 2:
            break
    assert app.passes == 2
    assert app.frame_delay(0.0) <= 1 / 20
    app.restart(500.0)
    assert app.passes == 0
    assert np.array_equal(shot(app, 500.0), start)


def test_scroll_speed_is_a_percentage() -> None:
    normal, fast = make(long_text()), make(long_text(scrollSpeed=200))
    for app in (normal, fast):
        app.render(0.0)
    moved_normal = 64 - columns(lit(shot(normal, 0.3)))[0]
    moved_fast = 64 - columns(lit(shot(fast, 0.3)))[0]
    assert moved_fast == pytest.approx(2 * moved_normal, abs=2)


def test_no_scroll_keeps_a_long_text_still() -> None:
    app = make(long_text(noScroll=True))
    assert not app.scrolls
    assert np.array_equal(shot(app, 0.0), shot(app, 2.0))
    assert columns(lit(shot(app, 0.0)))[0] <= 1


@pytest.mark.parametrize("push", [1, 2])
def test_push_icon_moves_the_icon_with_the_text(push: int, library: AssetLibrary) -> None:
    app = make(long_text(icon="sun", pushIcon=push), 64, 32, library)
    home = columns(lit(shot(app, 0.0), YELLOW))
    assert home.size and home[0] <= 2, "the first pass starts at home"
    assert (
        columns(lit(shot(app, 0.3), YELLOW))[0] < home[0] or not lit(shot(app, 0.3), YELLOW).any()
    )
    seen_after_first = False
    for step in range(1, 3000):
        frame = shot(app, step * 0.05)
        if app.passes >= 1 and lit(frame, YELLOW).any():
            seen_after_first = True
        if app.passes >= 2:
            break
    assert app.passes >= 2
    assert seen_after_first is (push == 2)


def test_a_fixed_icon_stays_while_the_text_scrolls(library: AssetLibrary) -> None:
    app = make(long_text(icon="sun"), 64, 32, library)
    icons = [lit(shot(app, t), YELLOW) for t in (0.0, 1.0, 3.0)]
    assert all(np.array_equal(icons[0], other) for other in icons[1:])
    text = lit(shot(app, 1.0), WHITE)
    assert columns(text)[0] > columns(icons[0])[-1], "the text is clipped at the icon"


# --- looks ------------------------------------------------------------------------------


def test_gradient_runs_from_the_first_colour_to_the_second() -> None:
    app = make({"text": "Hi there", "gradient": ["#FF0000", "#0000FF"]}, 128, 32)
    frame = shot(app, 0.0)
    xs = columns(lit(frame))
    left, right = frame[:, xs[0] : xs[0] + 5], frame[:, xs[-1] - 4 : xs[-1] + 1]
    assert left[..., 0].max() > left[..., 2].max()
    assert right[..., 2].max() > right[..., 0].max()


def test_blink_and_fade_follow_their_intervals() -> None:
    blink = make({"text": "Hi", "blinkText": 500})
    assert lit(shot(blink, 0.1)).any()
    assert not lit(shot(blink, 0.6)).any()
    assert lit(shot(blink, 1.1)).any()
    assert 0.3 < blink.frame_delay(0.1) <= 0.41
    fade = make({"text": "Hi", "fadeText": 1000})
    full = shot(fade, 0.0).max()
    half = shot(fade, 0.5).max()
    assert full == 255 and 80 < half < 180
    assert not lit(shot(fade, 1.0)).any()


def test_background_text_case_top_text_and_offset() -> None:
    app = make({"text": "hi", "background": "#102030", "textCase": 1, "topText": True})
    frame = shot(app, 0.0)
    assert tuple(frame[-1, 0]) == (16, 32, 48)
    upper = make({"text": "HI", "background": "#102030", "topText": True})
    assert np.array_equal(frame, shot(upper, 0.0))
    centred = shot(make({"text": "HI", "background": "#102030"}), 0.0)
    assert rows(lit(frame, WHITE))[0] < rows(lit(centred, WHITE))[0]
    assert rows(lit(frame, WHITE))[0] <= 4
    moved = make({"text": "HI", "background": "#102030", "topText": True, "textOffset": 5})
    assert columns(lit(shot(moved, 0.0), WHITE))[0] == columns(lit(frame, WHITE))[0] + 5
    assert make({"text": "hi", "textCase": 2}).render(0.0).any()


def test_left_aligned_when_not_centred() -> None:
    frame = shot(make({"text": "Hi", "center": False}), 0.0)
    assert columns(lit(frame))[0] <= 1


def test_stale_draws_a_red_frame_around_the_panel() -> None:
    app = make({"text": "Hi"})
    app.stale = True
    frame = shot(app, 0.0)
    for edge in (frame[0], frame[-1], frame[:, 0], frame[:, -1]):
        assert (edge == STALE_COLOR).all()
    assert lit(frame, WHITE).any()


@pytest.mark.parametrize("effect", EFFECT_NAMES)
def test_effects_move_behind_the_text(effect: str) -> None:
    app = make({"text": "Hi", "effect": effect, "color": "#FFFFFF"}, 128, 64)
    frames = [shot(app, t) for t in (0.0, 0.7, 1.9)]
    assert any(not np.array_equal(frames[0], other) for other in frames[1:])
    assert lit(frames[1], WHITE).sum() >= 20, "the text is drawn over the effect"
    assert app.frame_delay(0.0) <= 1 / 20


def test_draw_commands_clip_and_draw_bitmaps() -> None:
    app = make(
        {
            "draw": [
                {"dl": [-4000, -4000, 4000, 4000, "#FFFFFF"]},
                {"dfc": [200, 200, 4000, "#00FF00"]},
                {"df": [-10, -10, 5, 5, "#FF0000"]},
                {"db": [0, 0, 2, 2, [0xFF0000, 0x00FF00, 0x0000FF]]},
                {"dt": [40, 90, "off", "#FFFFFF"]},
            ]
        },
        64,
        32,
    )
    frame = shot(app, 0.0)
    assert lit(frame, GREEN).sum() > 0
    top = (32 - 16) // 2
    assert tuple(frame[top, 0]) == RED and tuple(frame[top, 2]) == GREEN
    assert tuple(frame[top + 2, 0]) == BLUE
    assert tuple(frame[top + 2, 2]) != (0, 0, 0), "the missing fourth pixel shows what is under"


def test_dfc_fills_and_drawing_is_on_top_of_text() -> None:
    app = make({"text": "1", "draw": [{"dfc": [16, 4, 2, "#0000FF"]}]}, 32, 8)
    frame = shot(app, 0.0)
    assert tuple(frame[4, 16]) == BLUE and tuple(frame[4, 18]) == BLUE
    assert tuple(frame[4, 19]) != BLUE


def test_notifications_are_drawn_the_same_way() -> None:
    payload = {"text": "Ding", "color": "#FF0000", "hold": True}
    notification, _ = parse_notification(payload)
    app = CustomApp(notification, 64, 32, AppContext())
    app.restart(0.0)
    custom = make({"text": "Ding", "color": "#FF0000"})
    assert np.array_equal(app.render(0.0), custom.render(0.0))


def test_idle_instances_ask_for_few_frames() -> None:
    # Frame cost is measured by bench.apps; here: a static app does not ask to redraw.
    apps = [make({"text": f"{n}"}) for n in range(100)]
    delays = [app.frame_delay(1.0) for app in apps]
    assert min(delays) >= 0.5


def test_a_big_picture_as_icon_is_shrunk_to_fit(library: AssetLibrary) -> None:
    library.put("photo", png(32))
    app = make({"text": "Hi", "icon": "photo"}, 64, 32, library)
    frame = shot(app, 0.0)
    icon = lit(frame, YELLOW) | lit(frame, RED)
    assert columns(icon).size == 24 and rows(icon).size == 24
    assert lit(frame, WHITE).any()
