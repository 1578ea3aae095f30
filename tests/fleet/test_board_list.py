"""The api's board list: last-seen times, boards removed by ``forget``, and pages of a
few hundred boards on a real stack (broker, renderer, api under gunicorn)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from retroboard_api.board_pages import iso_utc
from retroboard_api.cache import StateCache
from tests.support.api_fakes import FakeMqtt
from tests.support.fake_clock import FakeClock
from tests.support.fleet_boards import retain_statuses
from tests.support.stack import BOARD, Stack, start_stack, stop_stack, wait_until

# 300 fake boards, every third offline; with the stack's own renderer ("test") 301.
FAKE = [f"desk-{n:03d}" for n in range(300)]
OFFLINE = set(FAKE[::3])
EVERY = sorted([*FAKE, BOARD])


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
    assert iso_utc(record.last_seen) == "1970-01-12T13:46:40+00:00"

    # `retroboard-bridge forget a`: states cleared, then the status
    mqtt.deliver("retroboard/a/state/settings", b"")
    mqtt.deliver("retroboard/a/status", b"")
    mqtt.deliver("retroboard/a/state/apps_list", b"")  # late clears resurrect nothing
    assert [s.board_id for s in cache.summaries()] == ["b"]


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A real stack whose broker also holds the 300 fake boards."""
    stack = start_stack(Path(tmp_path_factory.mktemp("board-list")))
    try:
        retain_statuses(stack.broker.port, {board: board not in OFFLINE for board in FAKE})
        try:
            wait_until(lambda: boards(stack)["total"] == len(EVERY), 30, "every board listed")
        except TimeoutError:
            raise AssertionError(f"boards: {boards(stack)['total']}\n{stack.logs()}") from None
        yield stack
    finally:
        stop_stack(stack)


def boards(stack: Stack, **query: Any) -> dict[str, Any]:
    """``GET /api/boards?<query>``, which must answer 200."""
    reply = stack.get("/api/boards", params=query)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def walk(stack: Stack, **query: Any) -> tuple[list[dict[str, Any]], int]:
    """Every page of ``query``, following ``next``: the boards and how many pages."""
    seen: list[dict[str, Any]] = []
    pages = 0
    after: str | None = None
    while True:
        page = boards(stack, **query, **({"after": after} if after else {}))
        pages += 1
        seen += page["boards"]
        assert page["success"] is True
        if page["next"] is None:
            return seen, pages
        assert page["next"] == page["boards"][-1]["id"]
        after = page["next"]


@pytest.mark.integration
def test_pages_list_every_board_once_in_order(fleet: Stack) -> None:
    first = boards(fleet)
    assert len(first["boards"]) == 100 and first["total"] == len(EVERY)  # limit 100 by default
    seen, pages = walk(fleet, limit=70)
    assert [board["id"] for board in seen] == EVERY
    assert pages == 5  # 301 boards, 70 a page
    by_id = {board["id"]: board for board in seen}
    assert by_id["desk-000"]["online"] is False and by_id["desk-001"]["online"] is True
    assert by_id["desk-001"]["last_seen"].endswith("+00:00")
    assert by_id[BOARD]["online"] is True  # the real renderer


@pytest.mark.integration
def test_prefix_and_online_filters(fleet: Stack) -> None:
    page = boards(fleet, prefix="desk-29", limit=4)
    assert [b["id"] for b in page["boards"]] == ["desk-290", "desk-291", "desk-292", "desk-293"]
    assert (page["total"], page["next"]) == (10, "desk-293")
    assert boards(fleet, prefix="Desk")["total"] == 0  # ids are case-sensitive

    offline, _ = walk(fleet, online="false", limit=30)
    assert [b["id"] for b in offline] == sorted(OFFLINE)
    assert all(b["online"] is False for b in offline)
    online = boards(fleet, online="true", prefix="desk-00")
    expected = ["desk-001", "desk-002", "desk-004", "desk-005", "desk-007", "desk-008"]
    assert [b["id"] for b in online["boards"]] == expected
    assert boards(fleet, online="true")["total"] == len(EVERY) - len(OFFLINE)


@pytest.mark.integration
def test_a_bad_query_is_422_and_changes_nothing(fleet: Stack) -> None:
    before = boards(fleet, limit=1000)
    for query, field in [
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"online": "maybe"}, "online"),
        ({"after": "no/such"}, "after"),
        ({"prefix": "x" * 65}, "prefix"),
    ]:
        reply = fleet.get("/api/boards", params=query)
        assert reply.status_code == 422, query
        body = reply.json()
        assert body["success"] is False and body["error"].startswith(f"{field}: ")
        assert body["details"][0]["loc"] == [field]
    assert boards(fleet, limit=1000) == before
    assert [b["id"] for b in before["boards"]] == EVERY
