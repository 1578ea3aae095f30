"""Each app draws what a person would see on the panel."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import BaseModel, ValidationError

from retroboard_common.app_catalog import APP_CONFIGS
from retroboard_common.app_configs import ClockConfig, ScrollTextConfig, StarsConfig
from retroboard_renderer.apps import BUILTIN_APPS
from retroboard_renderer.apps.scroll_text import ScrollText
from retroboard_renderer.apps.stars import Stars


def lit(frame: np.ndarray) -> np.ndarray:
    """Mask of pixels that are not black."""
    return np.asarray(frame.any(axis=2))


def test_registry_lists_the_original_apps_first() -> None:
    assert list(BUILTIN_APPS)[:3] == ["clock", "scroll_text", "stars"]
    assert {"countdown", "weather", "image", "web_image"} <= set(BUILTIN_APPS)


def test_each_app_draws_with_the_config_model_the_api_documents() -> None:
    assert {name: app.config_model for name, app in BUILTIN_APPS.items()} == APP_CONFIGS


def test_defaults_match_the_original() -> None:
    # The clock's defaults (same look, more fields): tests/unit/test_clock_app.py.
    assert ClockConfig().model_dump()["font"] == "6x10"
    assert ClockConfig().model_dump()["color"] == [255, 255, 255]
    assert ScrollTextConfig().model_dump() == {
        "text": "Hello, World!",
        "font": "6x10",
        "color": [0, 255, 255],
        "speed": 1,
        "fps": 30,
    }
    assert StarsConfig().model_dump() == {"spawn_rate": 1, "lifetime": 40, "fps": 60}


def test_red_scroll_text_puts_red_pixels_and_moves_them() -> None:
    app = ScrollText(ScrollTextConfig(text="HI", color=[255, 0, 0], speed=2), 64, 32)
    for _ in range(10):
        app.render(0.0)
    first = app.render(0.0).copy()
    second = app.render(0.0).copy()
    assert lit(first).any()
    assert set(map(tuple, first[lit(first)])) == {(255, 0, 0)}
    left_first = np.nonzero(lit(first))[1].min()
    left_second = np.nonzero(lit(second))[1].min()
    assert left_first - left_second == 2
    assert app.frame_delay(0.0) == pytest.approx(1 / 30)


def test_scroll_text_enters_from_the_right_and_wraps() -> None:
    app = ScrollText(ScrollTextConfig(text="A", speed=8), 16, 16)
    assert not lit(app.render(0.0)).any()  # starts just off the right edge
    shown = [lit(app.render(0.0)).any() for _ in range(6)]
    assert any(shown)
    assert app.offset < 16 + 16  # wrapped around


def test_scroll_text_new_text_restarts_but_new_colour_does_not() -> None:
    app = ScrollText(ScrollTextConfig(text="ABC"), 64, 32)
    for _ in range(5):
        app.render(0.0)
    app.configure(ScrollTextConfig(text="ABC", color=[0, 255, 0]))
    assert app.offset == 5
    app.configure(ScrollTextConfig(text="XYZ", color=[0, 255, 0]))
    assert app.offset == 0


def test_stars_spawn_fade_and_die() -> None:
    app = Stars(StarsConfig(spawn_rate=3, lifetime=10), 64, 32, seed=1)
    frames = [app.render(0.0).copy() for _ in range(30)]
    assert app.star_count == 3 * 10  # each star lives `lifetime` frames
    assert all(lit(frame).any() for frame in frames)
    assert len({tuple(c) for f in frames for c in f[lit(f)]}) > 10  # random colours


def test_one_star_fades_in_then_out() -> None:
    app = Stars(StarsConfig(spawn_rate=1, lifetime=11), 8, 8, seed=3)
    app.render(0.0)
    app.configure(StarsConfig(spawn_rate=0, lifetime=11))
    levels = [int(app.render(0.0).max()) for _ in range(10)]
    peak = levels.index(max(levels))
    assert 0 < peak < 9
    assert levels[0] < levels[peak] > levels[-1]
    app.render(0.0)
    assert app.star_count == 0


@pytest.mark.parametrize(
    ("model", "values"),
    [
        (ClockConfig, {"color": [256, 0, 0]}),
        (ClockConfig, {"color": [1, 2]}),
        (ClockConfig, {"font": "../../etc/passwd"}),
        (ClockConfig, {"bogus": 1}),
        (ScrollTextConfig, {"speed": 0}),
        (ScrollTextConfig, {"fps": 1000}),
        (ScrollTextConfig, {"text": "x" * 501}),
        (StarsConfig, {"lifetime": "long"}),
    ],
)
def test_invalid_configs_are_refused(model: type[BaseModel], values: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        model.model_validate(values)


def test_schema_offers_fonts_and_colour_pickers() -> None:
    schema = ClockConfig.model_json_schema()
    assert "6x10" in schema["properties"]["font"]["enum"]
    assert "tom-thumb" in schema["properties"]["font"]["enum"]
    color = schema["properties"]["color"]
    assert color["format"] == "color"
    assert color["minItems"] == color["maxItems"] == 3
    assert schema["additionalProperties"] is False
