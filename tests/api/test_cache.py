"""Unit tests of the read cache fed by retained MQTT state and status."""

from __future__ import annotations

from retroboard_api.cache import StateCache
from tests.api.fakes import FakeMqtt


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def make_cache() -> tuple[StateCache, FakeMqtt, Clock]:
    clock = Clock()
    cache = StateCache(clock)
    mqtt = FakeMqtt()
    cache.attach(mqtt)
    return cache, mqtt, clock


def test_keeps_raw_state_payloads_per_board() -> None:
    cache, mqtt, _ = make_cache()
    raw = b'{"brightness":40}'
    mqtt.deliver("retroboard/a/state/settings", raw)
    mqtt.deliver("retroboard/b/state/settings", b'{"brightness":10}')
    record = cache.get("a")
    assert record is not None
    assert record.states["settings"] == raw
    assert record.state("settings") == {"brightness": 40}
    assert [r.board_id for r in cache.boards()] == ["a", "b"]


def test_status_and_last_seen() -> None:
    cache, mqtt, clock = make_cache()
    assert cache.get("a") is None and not cache.is_online("a")
    mqtt.deliver("retroboard/a/status", b"online")
    assert cache.is_online("a")
    record = cache.get("a")
    assert record is not None and record.last_seen == clock.now
    assert record.last_seen_iso == "2023-11-14T22:13:20+00:00"
    clock.now += 60
    mqtt.deliver("retroboard/a/status", b"offline")
    record = cache.get("a")
    assert record is not None and not record.online
    assert record.last_seen == clock.now - 60  # "offline" is the broker speaking, not the board


def test_empty_retained_payload_clears_and_bad_json_is_ignored() -> None:
    cache, mqtt, _ = make_cache()
    mqtt.deliver("retroboard/a/state/settings", b'{"brightness":40}')
    mqtt.deliver("retroboard/a/state/settings", b"{not json")
    record = cache.get("a")
    assert record is not None and record.state("settings") == {"brightness": 40}
    mqtt.deliver("retroboard/a/state/settings", b"")
    record = cache.get("a")
    assert record is not None and record.state("settings") is None


def test_ignores_unknown_state_names_and_other_topics() -> None:
    cache, _, _ = make_cache()
    cache.handle_state("retroboard/a/state/whatever", b"{}")
    cache.handle_state("other/a/state/settings", b"{}")
    cache.handle_status("retroboard/a/frame", b"online")
    assert cache.boards() == []


def test_snapshots_are_copies() -> None:
    cache, mqtt, _ = make_cache()
    mqtt.deliver("retroboard/a/state/settings", b'{"brightness":40}')
    record = cache.get("a")
    assert record is not None
    record.states.clear()
    again = cache.get("a")
    assert again is not None and "settings" in again.states
