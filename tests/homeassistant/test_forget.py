"""A configurable discovery prefix, and removing a board that left the fleet."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from retroboard_bridge.settings import BridgeSettings
from tests.support.mosquitto import MosquittoBroker
from tests.support.mqtt_probe import MqttProbe
from tests.support.processes import ServiceProcess
from tests.support.services import HomeAssistant, bridge, renderer
from tests.support.waiting import wait_until

BOARD = "attic"
PREFIX = "ha_test"


def retained(broker: MosquittoBroker, pattern: str) -> list[str]:
    """Topics holding a non-empty retained message under ``pattern``.

    The broker queues the retained messages for a subscription when it handles the
    SUBSCRIBE; a (non-retained) marker the same client publishes under ``pattern``
    afterwards comes behind them. A marker published before the subscription is not
    delivered at all, hence the retries.
    """
    late = MqttProbe(broker.url, pattern=pattern)
    marker = pattern.removesuffix("#") + f"fence-{uuid.uuid4().hex}"

    def marker_back() -> bool:
        late.publish(marker, "fence")  # RuntimeError: not connected yet
        try:
            late.wait_for(marker, timeout=0.5)
        except AssertionError:
            return False
        return True

    late.start()
    try:
        wait_until(marker_back, 10, f"the marker on {marker}", ignoring=(RuntimeError,))
    finally:
        late.stop()
    return [m.topic for m in late.messages if m.retain and m.payload]


@pytest.mark.integration
def test_forget_removes_the_board_everywhere(
    broker: MosquittoBroker, tmp_path: Path, ha_probe: MqttProbe, processes: list[ServiceProcess]
) -> None:
    board = renderer(broker, tmp_path, BOARD).start()
    processes.append(board)
    processes.append(bridge(broker, tmp_path, RETROBOARD_HA_DISCOVERY_PREFIX=PREFIX).start())
    ha = HomeAssistant(ha_probe, prefix=PREFIX)
    select = ha.discovery("select", "app", board=BOARD)
    ha.state(select["state_topic"], lambda _s: True)
    # The fence: the bridge handles commands in order and publishes on one connection,
    # so discovery under the default prefix, sent with ours, arrives before the answer.
    ha.send(select["command_topic"], "\u00ff\u00fe" * 40)
    assert ha_probe.wait_for(f"retroboard/{BOARD}/ha/app/response").json()["code"] == "invalid"
    assert not [m for m in ha_probe.messages if m.topic.startswith("homeassistant/")]

    board.stop()  # the board leaves the fleet
    forget = bridge(
        broker, tmp_path, "forget", BOARD, RETROBOARD_HA_DISCOVERY_PREFIX=PREFIX
    ).start()
    assert forget.process is not None and forget.process.wait(15) == 0, forget.output()
    assert f"forgot board '{BOARD}'" in forget.output()

    # only the bridge's own marker is left under the prefix, and it forgot the board
    marker = f"{PREFIX}/retroboard_bridge/announced"
    assert retained(broker, f"{PREFIX}/#") == [marker]
    ha_probe.wait_for(marker, lambda m: BOARD not in m.json()["boards"])
    assert retained(broker, f"retroboard/{BOARD}/#") == []

    # the running bridge forgot it too: HA's next start does not bring it back
    ha_probe.clear()
    ha.restart()
    # The fence: a command the bridge refuses, from the same client. The bridge handles
    # the birth message and the commands in order on one connection and publishes in
    # order, so a config sent for the birth would reach the probe before the answer.
    ha.send(select["command_topic"], "\u00ff\u00fe" * 40)
    assert ha_probe.wait_for(f"retroboard/{BOARD}/ha/app/response").json()["code"] == "invalid"
    assert not [m for m in ha_probe.messages if m.topic.endswith("/config") and m.payload]


def test_discovery_prefix_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETROBOARD_HA_DISCOVERY_PREFIX", "home/assistant")
    assert BridgeSettings().ha_discovery_prefix == "home/assistant"
    for bad in ("ha/#", "/ha", "ha/", "ha/+/x", ""):
        monkeypatch.setenv("RETROBOARD_HA_DISCOVERY_PREFIX", bad)
        with pytest.raises(ValueError):
            BridgeSettings()
