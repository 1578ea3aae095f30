"""The api restarts under 50 connected dashboards: all of them reconnect and show the
state changed meanwhile; clients coming and going leak no thread, fd or memory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.faults.stack import Dashboard, FaultStack, in_rest_shape, usage
from tests.support.stack import BOARD, wait_until
from tests.support.states import settings_state

pytestmark = pytest.mark.integration

Dashboards = Callable[[str, int], list[Dashboard]]

CLIENTS = 50
RECONNECT = 30.0
"""Generous: 50 clients back off (0.5 s doubling, randomised) while gunicorn boots."""


def test_api_restart_with_50_dashboards(faults: FaultStack, dashboards: Dashboards) -> None:
    stack = faults.stack
    clients = dashboards(stack.url, CLIENTS)
    for cycle, brightness in enumerate((61, 62), start=1):
        stack.api.stop()
        # Meanwhile the board changes from elsewhere (Home Assistant talks MQTT directly).
        reply = stack.probe.request(BOARD, "settings", {"brightness": brightness})
        assert reply["success"] is True
        stack.api.start()
        wait_until(faults.healthy, timeout=RECONNECT, what="api back")
        expected = faults.rest_state()
        assert expected["settings"] == settings_state(brightness)

        def resynced(d: Dashboard, n: int = cycle, want: Any = expected) -> bool:
            return d.connects > n and in_rest_shape(d.state()) == want

        for client in clients:
            client.wait(resynced, RECONNECT, f"reconnect {cycle} and resync")
    assert faults.all_running(), faults.logs()


def test_dashboards_coming_and_going_leak_nothing(
    faults: FaultStack, dashboards: Dashboards
) -> None:
    stack = faults.stack
    assert stack.api.process is not None
    pid = stack.api.process.pid

    def churn() -> None:
        clients = dashboards(stack.url, CLIENTS)
        assert stack.post("/api/settings", json={"brightness": 30}).status_code == 200
        expected = faults.rest_state()
        for client in clients:
            client.wait(lambda d: in_rest_shape(d.state()) == expected, 10, "the change")
            client.disconnect()
        wait_until(lambda: faults.healthy(), what="api healthy")

    churn()  # warm up: imports, caches, pools
    before = usage(pid)
    for _ in range(4):
        churn()

    def back_to_level() -> bool:
        now = usage(pid)
        return (
            now.threads <= before.threads + 4
            and now.fds <= before.fds + 10
            and now.rss <= before.rss + 32 * 1024 * 1024
        )

    try:  # closed sockets and finished greenlets are released shortly after
        wait_until(back_to_level, timeout=15, what="api resources back to their level")
    except TimeoutError:
        raise AssertionError(f"api leaks: {before} -> {usage(pid)}") from None
