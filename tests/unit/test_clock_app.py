"""The clock shows the time a person in the configured zone reads off their watch."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import numpy as np
import pytest
from pydantic import ValidationError

from retroboard_common.app_configs import ClockConfig
from retroboard_renderer.apps.base import AppContext
from retroboard_renderer.apps.clock import Clock
from retroboard_renderer.text import load_font
from tests.support.fake_clock import FakeClock

# Thursday 3 December 2026, 15:04:05 UTC (00:04:05 on Friday in Tokyo).
NOON_ISH = datetime(2026, 12, 3, 15, 4, 5, tzinfo=UTC).timestamp()


def lit(frame: np.ndarray) -> np.ndarray:
    """Mask of pixels that are not black."""
    return np.asarray(frame.any(axis=2))


def crop(mask: np.ndarray) -> np.ndarray:
    """``mask`` cut to the box around its lit pixels."""
    rows, cols = np.nonzero(mask)
    if not len(rows):
        return mask[:0, :0]
    return mask[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]


def bands(mask: np.ndarray) -> list[np.ndarray]:
    """The lines of lit pixels in ``mask`` (split at blank rows), each cropped."""
    rows: list[bool] = np.asarray(mask.any(axis=1)).tolist()
    found: list[np.ndarray] = []
    start: int | None = None
    for y, on in enumerate([*rows, False]):
        if on and start is None:
            start = y
        elif not on and start is not None:
            found.append(crop(mask[start:y]))
            start = None
    return found


def shown_lines(mask: np.ndarray, *lines: tuple[str, str]) -> bool:
    """Whether ``mask`` holds exactly ``lines``, each ``(text, font name)``, top to
    bottom (compared as the fonts draw them)."""
    expected = [band for text, font in lines for band in bands(load_font(font).render(text))]
    got = bands(mask)
    return len(got) == len(expected) and all(
        g.shape == e.shape and bool((g == e).all()) for g, e in zip(got, expected, strict=True)
    )


def clock(width: int = 64, height: int = 32, wall: float = NOON_ISH, **config: object) -> Clock:
    return Clock(
        ClockConfig.model_validate(config), width, height, AppContext(wall_clock=lambda: wall)
    )


def test_default_clock_keeps_the_old_look_in_local_time() -> None:
    app = clock()
    frame = app.render(0.0)
    local = time.strftime("%H:%M:%S", time.localtime(NOON_ISH))
    assert shown_lines(lit(frame), (local, "6x10"))
    assert set(map(tuple, frame[lit(frame)])) == {(255, 255, 255)}
    ys, xs = np.nonzero(lit(frame))
    assert abs(xs.min() - (63 - xs.max())) <= 6  # centred
    assert abs(ys.min() - (31 - ys.max())) <= 4


def test_two_instances_show_two_cities() -> None:
    utc = clock(timezone="UTC")
    tokyo = clock(timezone="Asia/Tokyo")
    assert shown_lines(lit(utc.render(0.0)), ("15:04:05", "6x10"))
    assert shown_lines(lit(tokyo.render(0.0)), ("00:04:05", "6x10"))


def test_twelve_hour_format_adds_am_pm_and_squeezes_it_in_when_tight() -> None:
    afternoon = clock(timezone="UTC", hour_format=12)
    assert shown_lines(lit(afternoon.render(0.0)), ("3:04:05 PM", "6x10"))
    # "12:04:05 AM" is 66 px in 6x10: without the space it fits 64.
    midnight = clock(timezone="Asia/Tokyo", hour_format=12)
    assert shown_lines(lit(midnight.render(0.0)), ("12:04:05AM", "6x10"))
    wide = clock(width=128, timezone="Asia/Tokyo", hour_format=12)
    assert shown_lines(lit(wide.render(0.0)), ("12:04:05 AM", "6x10"))


def test_without_seconds_it_shows_minutes_and_wakes_each_minute() -> None:
    app = clock(timezone="UTC", seconds=False)
    assert shown_lines(lit(app.render(0.0)), ("15:04", "6x10"))
    assert app.frame_delay(0.0) == pytest.approx(55.001)


@pytest.mark.parametrize(
    ("date", "line"),
    [("short", "Thu 03 Dec"), ("iso", "2026-12-03"), ("dmy", "03.12.2026"), ("mdy", "12/03/2026")],
)
def test_date_line_under_the_time(date: str, line: str) -> None:
    app = clock(timezone="UTC", date=date)
    assert shown_lines(lit(app.render(0.0)), ("15:04:05", "6x10"), (line, "6x10"))


def test_date_follows_the_zone_and_shrinks_to_fit() -> None:
    app = clock(timezone="Asia/Tokyo", date="short", font="9x18", width=128, height=64)
    assert shown_lines(lit(app.render(0.0)), ("00:04:05", "9x18"), ("Fri 04 Dec", "9x18"))
    # 90 px of 9x18 do not fit 64: the date takes the largest smaller font that does.
    small = clock(timezone="UTC", date="short", font="9x18", seconds=False)
    assert shown_lines(lit(small.render(0.0))[:20], ("15:04", "9x18"))
    assert shown_lines(lit(small.render(0.0))[20:], ("Thu 03 Dec", "6x13"))


def test_clock_redraws_when_the_second_changes_and_only_then() -> None:
    wall = FakeClock(NOON_ISH)
    app = Clock(ClockConfig(timezone="UTC"), 64, 32, AppContext(wall_clock=wall))
    first = app.render(0.0).copy()
    app.frame[0, 0] = (1, 2, 3)  # a redraw would clear this
    wall.advance(0.5)
    assert tuple(app.render(0.5)[0, 0]) == (1, 2, 3)
    wall.advance(0.5)
    assert shown_lines(lit(app.render(1.0)), ("15:04:06", "6x10"))
    assert not np.array_equal(first, app.frame)
    assert 0 < app.frame_delay(1.0) <= 1.001


def test_wall_clock_keyword_still_works() -> None:
    app = Clock(ClockConfig(timezone="UTC"), 64, 32, wall_clock=lambda: NOON_ISH)
    assert shown_lines(lit(app.render(0.0)), ("15:04:05", "6x10"))


def test_color_font_and_zone_apply_live() -> None:
    app = clock(timezone="UTC")
    narrow = lit(app.render(0.0)).sum()
    app.configure(ClockConfig(font="9x18", color=[255, 0, 0], timezone="Asia/Tokyo"))
    frame = app.render(0.0)
    assert set(map(tuple, frame[lit(frame)])) == {(255, 0, 0)}
    assert lit(frame).sum() > narrow
    wide = clock(width=128, font="9x18", timezone="Asia/Tokyo")
    assert shown_lines(lit(wide.render(0.0)), ("00:04:05", "9x18"))


def test_defaults() -> None:
    assert ClockConfig().model_dump() == {
        "font": "6x10",
        "color": [255, 255, 255],
        "timezone": "",
        "hour_format": 24,
        "seconds": True,
        "date": "none",
    }


@pytest.mark.parametrize(
    "values",
    [
        {"timezone": "Mars/Olympus_Mons"},
        {"timezone": "../../etc/passwd"},
        {"timezone": "/etc/localtime"},
        {"timezone": "Europe/Berlin "},
        {"timezone": "x" * 65},
        {"timezone": 9},
        {"hour_format": 13},
        {"hour_format": "12"},
        {"seconds": 1},
        {"date": "long"},
    ],
)
def test_bad_clock_configs_are_refused(values: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ClockConfig.model_validate(values)


def test_real_zones_are_accepted() -> None:
    for name in ("", "UTC", "Asia/Tokyo", "America/Argentina/Buenos_Aires", "Etc/GMT+5"):
        assert ClockConfig(timezone=name).timezone == name
