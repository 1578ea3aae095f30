"""The broker goes away (never there at start, restarted, ``kill -9``): every service
reconnects with backoff, state and availability are back within 10 s, dashboards
resync, and no acknowledged change is lost."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.faults.stack import (
    RECOVERY,
    Dashboard,
    FaultStack,
    in_rest_shape,
    launch,
    retained,
    shutdown,
)
from tests.support.stack import wait_until
from tests.support.states import settings_state

pytestmark = pytest.mark.integration

Dashboards = Callable[[str, int], list[Dashboard]]


def test_services_started_before_the_broker_connect_once_it_is_up(
    tmp_path: Path, dashboards: Dashboards
) -> None:
    faults = launch(tmp_path, broker_up=False, wait=False)
    try:
        stack = faults.stack
        # The api serves without a broker: health says why, commands are refused.
        health = wait_until(faults.health, what="api answering")
        assert health["status"] == "degraded" and health["mqtt"]["connected"] is False
        response = stack.post("/api/settings", json={"brightness": 10})
        assert response.status_code == 503, response.text
        # sleep: the outage itself, while the services retry with backoff (no event
        # marks "has retried for a while"); then none of them may have given up.
        time.sleep(2)
        assert faults.all_running(), faults.logs()

        faults.broker.start()
        started = time.monotonic()
        try:
            wait_until(faults.healthy, timeout=RECOVERY, what="stack healthy")
            messages = retained(faults.broker, timeout=RECOVERY - (time.monotonic() - started))
        except (TimeoutError, AssertionError) as exc:
            raise AssertionError(f"{exc}\n{faults.logs()}") from None
        assert messages["status"] == b"online"
        assert json.loads(messages["state/settings"]) == settings_state(80)  # refused: not applied

        (dashboard,) = dashboards(stack.url, 1)
        assert stack.post("/api/settings", json={"brightness": 12}).status_code == 200
        dashboard.wait(
            lambda d: d.latest["settings"] == settings_state(12),
            RECOVERY,
            "the change",
        )
        assert faults.all_running()
    finally:
        shutdown(faults)


@pytest.mark.parametrize(
    ("fault", "down"),
    [
        ("restart", 1.0),
        ("kill -9", 1.0),
        # Long enough for an uncapped backoff (1, 2, 4, 8, 16 s …) to oversleep the
        # broker's return by far more than 10 s; capped at 5 s, services are back at once.
        ("kill -9", 20.0),
    ],
)
def test_broker_outage_loses_no_acknowledged_change(
    faults: FaultStack, dashboards: Dashboards, fault: str, down: float
) -> None:
    stack = faults.stack
    clients = dashboards(stack.url, 3)
    switched = stack.post("/api/switch", json={"app": "scroll_text", "config": {"text": "kept"}})
    assert switched.status_code == 200, switched.text
    assert stack.post("/api/settings", json={"brightness": 33}).status_code == 200
    acknowledged = faults.rest_state()
    for client in clients:
        client.wait(lambda d: in_rest_shape(d.state()) == acknowledged, RECOVERY, "the changes")

    if fault == "restart":
        faults.broker.stop()
    else:
        faults.broker.kill()  # retained messages since the last save are gone with it
    wait_until(lambda: not faults.health()["mqtt"]["connected"], what="api sees the outage")
    refused = stack.post("/api/settings", json={"brightness": 5})
    assert refused.status_code == 503, refused.text
    assert stack.get("/api/settings").json()["brightness"] == 33  # reads keep working
    time.sleep(down)  # sleep: the outage itself, as long as the case says
    faults.broker.start()
    started = time.monotonic()

    try:
        wait_until(faults.healthy, timeout=RECOVERY, what="stack healthy")
        messages = retained(faults.broker, timeout=RECOVERY - (time.monotonic() - started))
    except (TimeoutError, AssertionError) as exc:
        raise AssertionError(f"{exc}\n{faults.logs()}") from None
    assert messages["status"] == b"online"
    assert json.loads(messages["state/settings"]) == settings_state(33)
    assert json.loads(messages["state/current_app"])["config"]["text"] == "kept"
    assert faults.rest_state() == acknowledged  # nothing lost, the refused one never applied

    # Dashboards stayed connected to the api; live changes reach them again.
    assert stack.post("/api/settings", json={"brightness": 44}).status_code == 200
    after = faults.rest_state()
    for client in clients:
        client.wait(lambda d: in_rest_shape(d.state()) == after, RECOVERY, "resync")
    (late,) = dashboards(stack.url, 1)
    assert in_rest_shape(late.state()) == after
    assert faults.all_running(), faults.logs()
