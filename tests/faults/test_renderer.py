"""The renderer is ``kill -9``-ed: the broker says ``offline`` for it, commands are
refused with 503 (and never replayed), and the restart shows the saved state."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest

from retroboard_common.settings import ServiceSettings
from tests.faults.stack import RECOVERY, Dashboard, FaultStack, in_rest_shape
from tests.support.stack import BOARD, wait_until

pytestmark = pytest.mark.integration

Dashboards = Callable[[str, int], list[Dashboard]]

KEEPALIVE_BOUND = 1.5 * ServiceSettings.model_fields["mqtt_keepalive"].default
"""The broker declares a silent client gone after 1.5 keepalive periods (MQTT 3.1.1);
``kill -9`` closes the socket, so the last will comes at once in practice."""


def test_renderer_kill_9(faults: FaultStack, dashboards: Dashboards) -> None:
    stack = faults.stack
    (client,) = dashboards(stack.url, 1)
    carousel = {"enabled": True, "apps": [{"app": "stars", "duration": 600}]}
    assert stack.post("/api/carousel", json=carousel).status_code == 200
    assert stack.post("/api/settings", json={"brightness": 21}).status_code == 200
    acknowledged = faults.rest_state()
    assert acknowledged["current"]["app"] == "stars"
    # A change is on disk at once, or within RETROBOARD_SAVE_DELAY (1 s) when it follows
    # another write closely (SD-card wear); kill -9 inside that second would lose it.
    state_file = stack.workdir / f"state-{BOARD}" / "state.json"
    wait_until(
        lambda: json.loads(state_file.read_text())["brightness"] == 21,
        timeout=RECOVERY,
        what="saved",
    )

    stack.probe.clear()
    stack.renderer.kill()
    stack.probe.wait_for(
        f"retroboard/{BOARD}/status", lambda m: m.payload == b"offline", KEEPALIVE_BOUND
    )
    wait_until(lambda: not stack.board_online(), timeout=KEEPALIVE_BOUND, what="api sees offline")
    client.wait(lambda d: d.latest["board_status"]["online"] is False, RECOVERY, "offline")
    assert faults.health()["status"] == "degraded"

    for path, body in [
        ("/api/settings", {"brightness": 99}),
        ("/api/switch", {"app": "clock"}),
        ("/api/stop", {}),
    ]:
        response = stack.post(path, json=body)
        assert response.status_code == 503, response.text
        assert response.json()["success"] is False and "offline" in response.json()["error"]
    assert faults.rest_state() == acknowledged  # the last known state, still readable

    stack.renderer.start()
    started = time.monotonic()
    wait_until(faults.healthy, timeout=RECOVERY, what="renderer back")
    assert time.monotonic() - started < RECOVERY
    saved = json.loads(state_file.read_text())
    assert saved["brightness"] == 21 and saved["current_app"] == "stars"
    wait_until(lambda: faults.rest_state() == acknowledged, timeout=RECOVERY, what="same state")
    client.wait(
        lambda d: (
            d.latest["board_status"]["online"] is True and in_rest_shape(d.state()) == acknowledged
        ),
        RECOVERY,
        "back online with the saved state",
    )
    # The refused commands were never sent, so nothing stale can be replayed later.
    stack.probe.fence()  # one the api had sent would have reached the probe by now
    assert not [m for m in stack.probe.messages if "/cmd/" in m.topic]
    # A fence: the renderer handles commands in order, so a stale one replayed after its
    # restart would be applied before this no-change command is answered.
    assert stack.post("/api/settings", json={"brightness": 21}).status_code == 200
    assert faults.rest_state() == acknowledged
