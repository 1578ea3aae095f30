"""Night mode: a window by local times (``22:30``–``07:00``) or by the sun
(``sunset+30``–``sunrise-15``), and a switch by hand that holds until the window's next
edge.

Pure logic on the board's :class:`~retroboard_renderer.localtime.LocalClock`. Edges are
instants (seconds since the epoch) worked out in the board's timezone, so a daylight
saving change moves nothing, and a wall clock that jumps (NTP setting the clock of a Pi
without a real-time clock) is noticed at the next check: after :data:`RECHECK` seconds
at most, at once when the clock went back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Final

from astral import Observer
from astral.sun import sunrise, sunset
from pydantic import BaseModel, ConfigDict, Field

from retroboard_common.models import SUN_EDGE, Brightness, NightState
from retroboard_renderer.localtime import LocalClock

RECHECK: Final = 60.0
"""Seconds between two looks at the window, however far its next edge (a wall-clock
jump forward is noticed within this)."""

Location = tuple[float, float]
"""Latitude and longitude in degrees."""
LocationSource = Callable[[], Location | None]


class NightSettings(BaseModel):
    """Night mode as saved: the window, what it does, and a switch by hand."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    enabled: bool = False
    from_: str = Field("22:00", alias="from")
    until: str = "07:00"
    brightness: Brightness = 10
    app: str | None = None
    manual: bool | None = None
    """Switched on or off by hand (``None``: the window decides)."""
    manual_until: float | None = None
    """When the hand's switch gives way to the window (``None``: only by hand again)."""


def uses_sun(edge: str) -> bool:
    """Whether a window edge (``sunset+30``) needs the board's location."""
    return edge.startswith("sun")


def edge_on(edge: str, day: date, zone: tzinfo, location: Location | None) -> datetime | None:
    """The instant of a window edge on the local date ``day`` (``None``: the sun does
    not rise or set that day there, or the location is not known)."""
    sun = SUN_EDGE.fullmatch(edge)
    if sun is None:
        hours, _, mins = edge.partition(":")
        return datetime.combine(day, time(int(hours), int(mins)), tzinfo=zone)
    if location is None:
        return None
    kind, sign, offset = sun.groups()
    event = sunset if kind == "sunset" else sunrise
    try:
        at = event(Observer(*location), date=day, tzinfo=zone)
    except ValueError:  # polar day or night: no such event that day
        return None
    shift = timedelta(minutes=int(offset or 0))
    return at + shift if sign != "-" else at - shift


class NightMode:
    """Whether it is night on a board, and when that may change next."""

    def __init__(
        self, clock: LocalClock, location: LocationSource, settings: NightSettings | None = None
    ) -> None:
        self.clock = clock
        self._location = location
        self.settings = settings or NightSettings()
        self._cache: tuple[object, float, float, bool, float | None] | None = None
        """(inputs, computed at, valid until, window active, next edge)."""

    # --- the window ------------------------------------------------------------------

    def window(self, wall: float) -> tuple[bool, float | None]:
        """Whether the window includes ``wall``, and its next edge after it."""
        settings = self.settings
        if not settings.enabled:
            return False, None
        key = (settings.from_, settings.until, self._location())
        cache = self._cache
        if cache is not None and cache[0] == key and cache[1] <= wall < cache[2]:
            return cache[3], cache[4]
        active, edge = self._compute(wall, key[2])
        valid_until = wall + RECHECK if edge is None else min(edge, wall + 6 * 3600)
        self._cache = (key, wall, valid_until, active, edge)
        return active, edge

    def _compute(self, wall: float, location: Location | None) -> tuple[bool, float | None]:
        zone = self.clock.zone
        today = datetime.fromtimestamp(wall, zone).date()
        spans: list[tuple[float, float]] = []
        for days in (-1, 0, 1):
            day = today + timedelta(days=days)
            start = edge_on(self.settings.from_, day, zone, location)
            end = edge_on(self.settings.until, day, zone, location)
            if start is not None and end is not None and end <= start:
                end = edge_on(self.settings.until, day + timedelta(days=1), zone, location)
            if start is not None and end is not None:
                spans.append((start.timestamp(), end.timestamp()))
        active = any(start <= wall < end for start, end in spans)
        later = [when for span in spans for when in span if when > wall]
        return active, min(later, default=None)

    # --- on or off -----------------------------------------------------------------

    def active(self, wall: float) -> bool:
        """Whether night mode is on at ``wall`` (a switch by hand that has run out is
        forgotten)."""
        settings = self.settings
        if settings.manual is not None:
            if settings.manual_until is None or wall < settings.manual_until:
                return settings.manual
            settings.manual = settings.manual_until = None
        return self.window(wall)[0]

    def switch(self, active: bool, wall: float) -> None:
        """Switch night mode on or off by hand, until the window's next edge."""
        window_active, edge = self.window(wall)
        if active == window_active:
            self.settings.manual = self.settings.manual_until = None  # the window agrees
        else:
            self.settings.manual, self.settings.manual_until = active, edge

    def next_check(self, wall: float) -> float:
        """Seconds until :meth:`active` may change (at most :data:`RECHECK`)."""
        edges = [self.window(wall)[1], self.settings.manual_until]
        soonest = min((edge for edge in edges if edge is not None), default=wall + RECHECK)
        return max(0.0, min(soonest - wall, RECHECK))

    def state(self, wall: float) -> NightState:
        """The ``state/night`` payload."""
        settings = self.settings
        active = self.active(wall)
        return NightState(
            enabled=settings.enabled,
            from_=settings.from_,
            until=settings.until,
            brightness=settings.brightness,
            app=settings.app,
            active=active,
            manual=settings.manual is not None,
        )
