"""The countdown shows the time left to its target in a layout that fits the panel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from pydantic import ValidationError

from retroboard_common.app_configs import CountdownConfig
from retroboard_renderer.apps.base import AppContext
from retroboard_renderer.apps.countdown import Countdown
from tests.support.fake_clock import FakeClock
from tests.unit.test_clock_app import lit, shown_lines

TARGET = datetime(2026, 12, 24, 18, 0, tzinfo=UTC)
BEFORE = TARGET - timedelta(days=12, hours=3, minutes=4, seconds=5)


def countdown(wall: FakeClock, width: int = 64, height: int = 32, **config: object) -> Countdown:
    values = {"target": "2026-12-24T18:00", "timezone": "UTC", **config}
    app_config = CountdownConfig.model_validate(values)
    return Countdown(app_config, width, height, AppContext(wall_clock=wall))


def test_days_go_over_the_time_when_one_line_is_too_wide() -> None:
    wall = FakeClock(BEFORE.timestamp())
    # "12d 03:04:05" is 72 px in 6x10: two lines on 64×32, one on 128×64.
    assert shown_lines(lit(countdown(wall).render(0.0)), ("12d", "6x10"), ("03:04:05", "6x10"))
    wide = countdown(wall, width=128, height=64)
    assert shown_lines(lit(wide.render(0.0)), ("12d 03:04:05", "6x10"))


def test_a_low_panel_gets_a_smaller_font_before_losing_the_seconds() -> None:
    wall = FakeClock(BEFORE.timestamp())
    app = countdown(wall, width=64, height=16)
    assert shown_lines(lit(app.render(0.0)), ("12d 03:04:05", "5x8"))
    tiny = countdown(wall, width=40, height=8)  # only "12d 03:04" fits, in 4x6
    assert shown_lines(lit(tiny.render(0.0)), ("12d 03:04", "4x6"))


def test_it_counts_down_once_a_second_in_colour() -> None:
    wall = FakeClock((TARGET - timedelta(hours=1, seconds=2)).timestamp() - 0.25)
    app = countdown(wall, color=[0, 255, 0])
    frame = app.render(0.0)
    assert shown_lines(lit(frame), ("01:00:03", "6x10"))  # 1 h 2.25 s: rounded up
    assert set(map(tuple, frame[lit(frame)])) == {(0, 255, 0)}
    assert app.frame_delay(0.0) == pytest.approx(0.251)
    wall.advance(0.251)
    assert shown_lines(lit(app.render(0.0)), ("01:00:02", "6x10"))
    assert 0 < app.frame_delay(0.0) <= 1.001


def test_done_text_once_the_target_is_reached() -> None:
    wall = FakeClock(TARGET.timestamp() - 1.0)
    app = countdown(wall, done_text="Merry Xmas!")
    assert shown_lines(lit(app.render(0.0)), ("00:00:01", "6x10"))
    wall.advance(1.0)
    # 66 px in 6x10: the largest font that fits 64 is 5x7.
    assert shown_lines(lit(app.render(0.0)), ("Merry Xmas!", "5x8"))
    wall.advance(86400.0)
    assert shown_lines(lit(app.render(0.0)), ("Merry Xmas!", "5x8"))


def test_the_target_is_in_the_configured_zone() -> None:
    wall = FakeClock(BEFORE.timestamp())
    # 18:00 in Tokyo is 09:00 UTC, nine hours earlier than 18:00 UTC.
    tokyo = countdown(wall, width=128, timezone="Asia/Tokyo")
    assert shown_lines(lit(tokyo.render(0.0)), ("11d 18:04:05", "6x10"))


def test_new_target_applies_live() -> None:
    wall = FakeClock(BEFORE.timestamp())
    app = countdown(wall, width=128)
    before = app.render(0.0).copy()
    app.configure(CountdownConfig(target="2026-12-12T19:00", timezone="UTC"))
    assert shown_lines(lit(app.render(0.0)), ("04:04:05", "6x10"))
    assert not np.array_equal(before, app.frame)


def test_defaults() -> None:
    assert CountdownConfig().model_dump() == {
        "target": "2027-01-01T00:00",
        "timezone": "",
        "done_text": "Now!",
        "font": "6x10",
        "color": [255, 160, 0],
    }


@pytest.mark.parametrize(
    "values",
    [
        {"target": "24/12/2026 18:00"},
        {"target": "2026-12-24T18:00+01:00"},
        {"target": "2026-12-24T18:00Z"},
        {"target": "2026-13-01T00:00"},
        {"target": "0001-01-01T00:00"},
        {"target": ""},
        {"target": 1798138800},
        {"timezone": "Atlantis/Capital"},
        {"done_text": "x" * 65},
        {"font": "comic-sans"},
    ],
)
def test_bad_countdown_configs_are_refused(values: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        CountdownConfig.model_validate(values)


def test_a_date_alone_means_its_midnight() -> None:
    config = CountdownConfig(target="2026-12-25", timezone="UTC")
    wall = FakeClock(datetime(2026, 12, 24, 23, 0, tzinfo=UTC).timestamp())
    app = Countdown(config, 64, 32, AppContext(wall_clock=wall))
    assert shown_lines(lit(app.render(0.0)), ("01:00:00", "6x10"))
