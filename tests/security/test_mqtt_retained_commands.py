"""Retained commands (issue 18, finding 3): never executed, cleared, logged once.

``mosquitto_pub -r`` on ``retroboard/<board>/cmd/*`` or on a Home Assistant
``…/ha/<entity>/set`` topic left a command the broker handed to the renderer (or the
bridge) again at every start and every reconnect, silently undoing what the api had
acknowledged since. Clearing it publishes an empty retained message, which reaches the
subscribers as an empty command (``{}``: ``stop`` or ``next`` would run); that echo
must not run either.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.mosquitto import MosquittoBroker
from tests.support.mqtt_probe import MqttProbe, Received
from tests.support.processes import ServiceProcess
from tests.support.services import bridge, processes
from tests.support.stack import renderer_process, wait_until
from tests.support.states import settings_state

pytestmark = pytest.mark.integration

BOARD = "test"
BASE = f"retroboard/{BOARD}"
__all__ = ["processes"]  # a fixture of the Home Assistant tests, used here too


def start_renderer(
    broker: MosquittoBroker, probe: MqttProbe, workdir: Path, started: list[ServiceProcess]
) -> ServiceProcess:
    """A renderer for ``test`` (its state kept in ``workdir``), once it answers."""
    process = renderer_process(broker, workdir).start()
    started.append(process)
    answer_state(probe, timeout=20)
    return process


def answer_state(probe: MqttProbe, timeout: float = 10.0) -> dict[str, Any]:
    """The board's whole state, from a ``request_state`` it answered.

    Also a fence: the renderer handles messages in order, and the broker hands it its
    retained messages right after it subscribes, before anything sent later.
    """

    def ask() -> dict[str, Any] | None:
        try:
            answer = probe.request(BOARD, "request_state", {}, timeout=2)
        except (AssertionError, RuntimeError):  # one of us is not (re)connected yet
            return None
        state: dict[str, Any] = answer["state"]
        return state

    result: dict[str, Any] = wait_until(ask, timeout=timeout, what="the renderer's answer")
    return result


def retained_commands(broker: MosquittoBroker) -> list[Received]:
    """What a new subscriber is handed as retained under the board's ``cmd/``."""
    fresh = MqttProbe(broker.url, f"{BASE}/#")
    fresh.start()
    try:
        # The broker sends a subscription's retained messages together: once the
        # retained status is here, a retained command would be too.
        fresh.wait_for(f"{BASE}/status", lambda m: m.retain, timeout=10)
        return [m for m in fresh.messages if m.retain and "/cmd/" in m.topic]
    finally:
        fresh.stop()


def test_renderer_start_runs_no_retained_command(
    broker: MosquittoBroker, probe: MqttProbe, tmp_path: Path, processes: list[ServiceProcess]
) -> None:
    renderer = start_renderer(broker, probe, tmp_path, processes)
    assert probe.request(BOARD, "switch", {"app": "clock"})["success"] is True
    assert probe.request(BOARD, "settings", {"brightness": 40})["success"] is True
    renderer.stop()

    # The attack, while the renderer is away (e.g. during an update).
    probe.publish(f"{BASE}/cmd/stop", {}, retain=True)
    probe.publish(f"{BASE}/cmd/settings", {"brightness": 13}, retain=True)
    probe.clear()
    renderer = start_renderer(broker, probe, tmp_path, processes)

    state = answer_state(probe)
    assert state["current_app"]["app"] == "clock"  # neither the stop nor its clear's echo ran
    assert state["settings"] == settings_state(40)
    assert retained_commands(broker) == []  # cleared: the broker forgot them
    answered = {m.topic for m in probe.messages if "/response/" in m.topic}
    assert answered == {f"{BASE}/response/request_state"}, answered
    log = renderer.output()
    assert log.count(f"ignoring a retained command on {BASE}/cmd/stop") == 1, log[-2000:]
    assert log.count(f"ignoring a retained command on {BASE}/cmd/settings") == 1


def test_broker_reconnect_replays_no_retained_command(
    broker: MosquittoBroker, probe: MqttProbe, tmp_path: Path, processes: list[ServiceProcess]
) -> None:
    start_renderer(broker, probe, tmp_path, processes)
    # A running renderer gets a live retained publish as an ordinary command (the flag
    # only marks what the broker kept from before a subscription): it runs once.
    probe.publish(f"{BASE}/cmd/settings", {"brightness": 13}, retain=True)
    assert answer_state(probe)["settings"] == settings_state(13)
    assert probe.request(BOARD, "settings", {"brightness": 40})["success"] is True

    broker.restart()  # retained messages persist; every client reconnects

    assert answer_state(probe, timeout=20)["settings"] == settings_state(40)
    assert retained_commands(broker) == []


def test_bridge_start_runs_no_retained_home_assistant_command(
    broker: MosquittoBroker, probe: MqttProbe, tmp_path: Path, processes: list[ServiceProcess]
) -> None:
    start_renderer(broker, probe, tmp_path, processes)
    assert probe.request(BOARD, "switch", {"app": "stars"})["success"] is True
    # Home Assistant's light "off" (→ cmd/stop) and its "next" button (→ cmd/next; an
    # empty payload presses it too, which is what clearing it sends).
    probe.publish(f"{BASE}/ha/display/set", {"state": "OFF"}, retain=True)
    probe.publish(f"{BASE}/ha/next/set", "PRESS", retain=True)
    probe.clear()

    process = bridge(broker, tmp_path).start()
    processes.append(process)
    for entity in ("display", "next"):
        probe.wait_for(f"{BASE}/ha/{entity}/set", lambda m: m.payload == b"", timeout=15)
    # Fence: a live HA command, turned into cmd/switch after whatever came before.
    probe.publish(f"{BASE}/ha/app/set", "clock")
    probe.wait_for(f"{BASE}/cmd/switch", lambda m: m.json().get("app") == "clock")

    sent = [m.topic for m in probe.messages if m.topic.startswith(f"{BASE}/cmd/")]
    assert sent == [f"{BASE}/cmd/switch"], sent
    assert answer_state(probe)["current_app"]["app"] == "clock"
    log = process.output()
    assert log.count(f"ignoring a retained command on {BASE}/ha/display/set") == 1, log[-2000:]
