"""Local wall-clock time: the board's timezone (``RETROBOARD_TIMEZONE``) over an
injectable wall clock, so schedules and night mode are tested without waiting."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from datetime import datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WallClock = Callable[[], float]
"""Seconds since the epoch (``time.time``, or a test's fake)."""

_ZONEINFO_MARKER = "zoneinfo/"


def load_timezone(name: str) -> tzinfo:
    """The IANA zone ``name`` (``Europe/Berlin``); empty: the system's zone.

    Raises ``ValueError`` for a name the tz database does not know.
    """
    if not name:
        return system_timezone()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {name!r} (an IANA name, e.g. Europe/Berlin)") from None


def system_timezone() -> tzinfo:
    """The system's zone by name (``TZ``, the ``/etc/localtime`` link or
    ``/etc/timezone``), so daylight saving follows it; UTC when none is set (a
    container's default)."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        target = str(localtime.resolve())
        if _ZONEINFO_MARKER in target:
            candidates.append(target.split(_ZONEINFO_MARKER, 1)[1])
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    for name in filter(None, candidates):
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return ZoneInfo("UTC")


class LocalClock:
    """The wall clock read in the board's timezone."""

    def __init__(self, zone: tzinfo, wall_clock: WallClock = time.time) -> None:
        self.zone = zone
        self.wall_clock = wall_clock

    def wall(self) -> float:
        """Seconds since the epoch, now."""
        return self.wall_clock()

    def now(self) -> datetime:
        """The local date and time now (aware)."""
        return datetime.fromtimestamp(self.wall_clock(), self.zone)
