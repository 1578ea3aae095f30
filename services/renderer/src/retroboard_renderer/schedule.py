"""Carousel schedules: whether an entry's ``days`` and ``from``/``until`` window
include a local time.

A window that crosses midnight (``22:00``–``02:00``) belongs to the day it starts on:
with ``days: ["fri"]`` it shows Friday 22:00 to Saturday 02:00. Windows are local wall
time, so on the day clocks go forward a window inside the skipped hour does not happen,
and on the day they go back one inside the repeated hour happens twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from retroboard_common.models import WEEKDAYS, CarouselEntry

MINUTES_PER_DAY: Final = 24 * 60


def minutes(hh_mm: str) -> int:
    """``"07:30"`` as minutes after midnight (450)."""
    hours, _, mins = hh_mm.partition(":")
    return int(hours) * 60 + int(mins)


def is_scheduled(entry: CarouselEntry) -> bool:
    """Whether ``entry`` shows only at some times (it has days or a window)."""
    return entry.days is not None or entry.from_ is not None or entry.until is not None


def eligible(entry: CarouselEntry, local: datetime) -> bool:
    """Whether ``entry`` may show at the local time ``local``."""
    if not is_scheduled(entry):
        return True
    now = local.hour * 60 + local.minute
    start = minutes(entry.from_) if entry.from_ is not None else 0
    end = minutes(entry.until) if entry.until is not None else MINUTES_PER_DAY
    weekday = local.weekday()
    if start < end:
        inside = start <= now < end
    elif now >= start:
        inside = True
    else:
        inside = now < end
        weekday = (weekday - 1) % 7  # after midnight: the window began the day before
    return inside and (entry.days is None or WEEKDAYS[weekday] in entry.days)
