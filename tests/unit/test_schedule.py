"""Carousel entries' days and windows, read at a local time."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from retroboard_common.models import CarouselEntry
from retroboard_renderer.schedule import eligible

BERLIN = ZoneInfo("Europe/Berlin")


def at(text: str) -> datetime:
    """A Berlin local time, ``2026-12-04 07:30`` (a Friday)."""
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def entry(**fields: object) -> CarouselEntry:
    return CarouselEntry.model_validate({"app": "clock", **fields})


def test_an_entry_without_days_or_window_always_shows() -> None:
    assert eligible(entry(), at("2026-12-04 03:00"))


@pytest.mark.parametrize(
    ("time", "shows"),
    [("06:59", False), ("07:00", True), ("09:29", True), ("09:30", False), ("23:00", False)],
)
def test_a_morning_window(time: str, shows: bool) -> None:
    morning = entry(**{"from": "07:00", "until": "09:30"})
    assert eligible(morning, at(f"2026-12-04 {time}")) is shows


@pytest.mark.parametrize(
    ("when", "shows"),
    [
        ("2026-12-04 21:59", False),  # Friday, before it opens
        ("2026-12-04 22:00", True),  # Friday night
        ("2026-12-05 01:59", True),  # after midnight: still Friday's window
        ("2026-12-05 02:00", False),
        ("2026-12-05 22:30", False),  # Saturday night is not a Friday
        ("2026-12-04 01:00", False),  # Thursday's night
    ],
)
def test_a_window_across_midnight_belongs_to_the_day_it_starts(when: str, shows: bool) -> None:
    friday_night = entry(days=["fri"], **{"from": "22:00", "until": "02:00"})
    assert eligible(friday_night, at(when)) is shows


def test_days_alone_mean_all_day_on_those_days() -> None:
    weekend = entry(days=["sat", "sun"])
    assert not eligible(weekend, at("2026-12-04 12:00"))  # Friday
    assert eligible(weekend, at("2026-12-05 00:00"))
    assert eligible(weekend, at("2026-12-06 23:59"))


def test_from_alone_lasts_until_midnight_and_until_alone_starts_at_midnight() -> None:
    assert not eligible(entry(**{"from": "18:00"}), at("2026-12-04 17:59"))
    assert eligible(entry(**{"from": "18:00"}), at("2026-12-04 23:59"))
    assert eligible(entry(until="06:00"), at("2026-12-04 00:00"))
    assert not eligible(entry(until="06:00"), at("2026-12-04 06:00"))


def test_until_equal_to_from_is_a_whole_day_from_then() -> None:
    friday_seven = entry(days=["fri"], **{"from": "07:00", "until": "07:00"})
    assert not eligible(friday_seven, at("2026-12-04 06:59"))  # Friday, before it
    assert eligible(friday_seven, at("2026-12-04 07:00"))
    assert eligible(friday_seven, at("2026-12-05 06:59"))  # Saturday: Friday's window
    assert not eligible(friday_seven, at("2026-12-05 07:00"))


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"from": "25:00"}, ("from",)),
        ({"until": "7:00"}, ("until",)),
        ({"from": "07:60"}, ("from",)),
        ({"days": ["monday"]}, ("days", 0)),
        ({"days": []}, ("days",)),
        ({"days": ["mon", "mon"]}, ("days",)),
    ],
)
def test_a_bad_schedule_is_refused_naming_the_field(
    fields: dict[str, object], where: tuple[object, ...]
) -> None:
    with pytest.raises(ValidationError) as refused:
        entry(**fields)
    assert refused.value.errors()[0]["loc"] == where


def test_a_plain_entry_serialises_as_it_always_did() -> None:
    assert entry().model_dump() == {"app": "clock", "duration": 10}
    scheduled = entry(days=["mon"], **{"from": "07:00", "until": "09:30"})
    assert scheduled.model_dump() == {
        "app": "clock",
        "duration": 10,
        "days": ["mon"],
        "from": "07:00",
        "until": "09:30",
    }
