"""The api's board list: last-seen times, and boards removed by ``forget``."""

from __future__ import annotations

from retroboard_api.cache import StateCache
from tests.support.fake_clock import FakeClock


def test_last_seen_and_forgotten_boards() -> None:
    clock = FakeClock(1_000_000.0)
    cache = StateCache(clock)
    cache.handle_status("retroboard/a/status", b"online")
    cache.handle_state("retroboard/a/state/settings", b'{"brightness":4}')
    cache.handle_status("retroboard/b/status", b"online")
    clock.now += 30
    cache.handle_status("retroboard/a/status", b"offline")
    record = cache.get("a")
    assert record is not None and not record.online
    assert record.last_seen_iso == "1970-01-12T13:46:40+00:00"

    # `retroboard-bridge forget a`: states cleared, then the status
    cache.handle_state("retroboard/a/state/settings", b"")
    cache.handle_status("retroboard/a/status", b"")
    cache.handle_state("retroboard/a/state/apps_list", b"")  # late clears resurrect nothing
    assert [r.board_id for r in cache.boards()] == ["b"]
