"""The api's board list: last-seen times, and boards removed by ``forget``."""

from __future__ import annotations

from retroboard_api.cache import StateCache
from tests.support.api_fakes import FakeMqtt
from tests.support.fake_clock import FakeClock


def test_last_seen_and_forgotten_boards() -> None:
    clock = FakeClock(1_000_000.0)
    cache = StateCache(clock)
    mqtt = FakeMqtt()
    cache.attach(mqtt)
    mqtt.deliver("retroboard/a/status", b"online")
    mqtt.deliver("retroboard/a/state/settings", b'{"brightness":4}')
    mqtt.deliver("retroboard/b/status", b"online")
    clock.now += 30
    mqtt.deliver("retroboard/a/status", b"offline")
    record = cache.get("a")
    assert record is not None and not record.online
    assert record.last_seen_iso == "1970-01-12T13:46:40+00:00"

    # `retroboard-bridge forget a`: states cleared, then the status
    mqtt.deliver("retroboard/a/state/settings", b"")
    mqtt.deliver("retroboard/a/status", b"")
    mqtt.deliver("retroboard/a/state/apps_list", b"")  # late clears resurrect nothing
    assert [r.board_id for r in cache.boards()] == ["b"]
