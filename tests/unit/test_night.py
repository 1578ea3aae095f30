"""Night mode's window (by times or the sun) and the switch by hand, on a fake wall
clock in Europe/Berlin."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from retroboard_renderer.localtime import LocalClock
from retroboard_renderer.night import RECHECK, NightMode, NightSettings
from tests.support.fake_clock import FakeClock

BERLIN = ZoneInfo("Europe/Berlin")
BERLIN_CENTRE = (52.52, 13.40)


def wall(text: str) -> float:
    """Seconds since the epoch of a Berlin local time (``2026-12-04 22:30``)."""
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN).timestamp()


def night(
    clock: FakeClock,
    window: tuple[str, str] = ("22:00", "07:00"),
    location: tuple[float, float] | None = BERLIN_CENTRE,
    **fields: object,
) -> NightMode:
    """Night mode from ``window`` (from, until), enabled unless ``fields`` say not."""
    start, until = window
    settings = NightSettings.model_validate(
        {"enabled": True, "from": start, "until": until, **fields}
    )
    return NightMode(LocalClock(BERLIN, clock), lambda: location, settings)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(wall("2026-12-04 12:00"))


@pytest.mark.parametrize(
    ("when", "on"),
    [
        ("2026-12-04 22:29", False),
        ("2026-12-04 22:30", True),
        ("2026-12-05 03:00", True),
        ("2026-12-05 06:59", True),
        ("2026-12-05 07:00", False),
        ("2026-12-05 12:00", False),
    ],
)
def test_a_window_by_times(clock: FakeClock, when: str, on: bool) -> None:
    mode = night(clock, ("22:30", "07:00"))
    assert mode.active(wall(when)) is on


def test_its_next_edge_is_exact_and_looked_at_least_every_minute(clock: FakeClock) -> None:
    mode = night(clock, ("22:30", "07:00"))
    assert mode.window(wall("2026-12-04 12:00")) == (False, wall("2026-12-04 22:30"))
    assert mode.window(wall("2026-12-04 23:00")) == (True, wall("2026-12-05 07:00"))
    assert mode.next_check(wall("2026-12-04 12:00")) == RECHECK
    assert mode.next_check(wall("2026-12-04 22:29:30")) == 30


def test_a_disabled_window_is_never_on(clock: FakeClock) -> None:
    mode = night(clock, ("22:30", "07:00"), enabled=False)
    assert not mode.active(wall("2026-12-04 23:00"))


def test_a_window_by_the_sun_in_berlin(clock: FakeClock) -> None:
    # The sun sets at 15:53:57 local time on 4 December 2026 in Berlin's centre.
    mode = night(clock, ("sunset+30", "sunrise-15"))
    assert not mode.active(wall("2026-12-04 16:23:50"))
    assert mode.active(wall("2026-12-04 16:24:00"))
    assert mode.active(wall("2026-12-05 07:30"))  # it rises just before 08:00
    assert not mode.active(wall("2026-12-05 08:00"))


def test_where_the_sun_does_not_set_there_is_no_night_by_it() -> None:
    svalbard_midsummer = FakeClock(wall("2026-06-21 12:00"))
    mode = night(svalbard_midsummer, ("sunset", "sunrise"), (78.22, 15.65))
    assert not mode.active(wall("2026-06-21 23:59"))
    assert not mode.active(wall("2026-06-22 02:00"))


def test_a_switch_by_hand_holds_until_the_next_edge(clock: FakeClock) -> None:
    mode = night(clock, ("22:30", "07:00"))
    mode.switch(True, wall("2026-12-04 20:00"))
    assert mode.active(wall("2026-12-04 20:00"))
    assert mode.state(wall("2026-12-04 20:00")).manual
    # At 22:30 the window takes over (and agrees); the hand's switch is forgotten.
    assert mode.active(wall("2026-12-04 22:30"))
    assert not mode.state(wall("2026-12-04 22:30")).manual
    mode.switch(False, wall("2026-12-04 23:00"))
    assert not mode.active(wall("2026-12-05 06:59"))
    assert not mode.active(wall("2026-12-05 07:00"))
    assert not mode.state(wall("2026-12-05 07:00")).manual
    assert mode.active(wall("2026-12-05 22:30"))  # the next night is the window's


def test_switching_to_what_the_window_says_is_no_switch_by_hand(clock: FakeClock) -> None:
    mode = night(clock, ("22:30", "07:00"))
    mode.switch(False, wall("2026-12-04 12:00"))
    assert not mode.state(wall("2026-12-04 12:00")).manual


def test_without_a_window_a_switch_by_hand_holds_until_switched_back(clock: FakeClock) -> None:
    mode = night(clock, enabled=False)
    mode.switch(True, wall("2026-12-04 12:00"))
    assert mode.active(wall("2026-12-10 12:00"))
    mode.switch(False, wall("2026-12-10 12:00"))
    assert not mode.active(wall("2026-12-10 12:00"))
    assert not mode.state(wall("2026-12-10 12:00")).manual


def test_the_march_change_in_berlin_moves_no_edge(clock: FakeClock) -> None:
    # 29 March 2026: at 02:00 CET the clocks go to 03:00 CEST.
    mode = night(clock, ("01:00", "03:30"))
    assert mode.window(wall("2026-03-29 01:59")) == (True, wall("2026-03-29 03:30"))
    after_the_change = wall("2026-03-29 01:59") + 60  # one real minute later: 03:00 CEST
    assert datetime.fromtimestamp(after_the_change, BERLIN).hour == 3
    assert mode.active(after_the_change)
    # The night lasted 1.5 real hours, 01:00 CET to 03:30 CEST.
    assert wall("2026-03-29 03:30") - wall("2026-03-29 01:00") == 1.5 * 3600
    assert not mode.active(wall("2026-03-29 03:30"))


def test_the_october_change_makes_one_night_an_hour_longer(clock: FakeClock) -> None:
    # 25 October 2026: at 03:00 CEST the clocks go back to 02:00 CET.
    mode = night(clock, ("22:00", "07:00"))
    start, end = wall("2026-10-24 22:00"), wall("2026-10-25 07:00")
    assert mode.window(start) == (True, end)
    assert end - start == 10 * 3600
    assert mode.active(end - 1) and not mode.active(end)


def test_a_clock_set_back_is_looked_at_again_at_once(clock: FakeClock) -> None:
    mode = night(clock, ("22:30", "07:00"))
    assert mode.active(wall("2026-12-04 23:00"))
    assert not mode.active(wall("2026-12-04 12:00"))  # NTP put the clock back
