"""``retroboard monitor`` against a real broker, and the embedded broker itself."""

from __future__ import annotations

import re
from collections.abc import Callable

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from retroboard_common.mqtt import MqttClient
from retroboard_common.settings import MqttUrl
from retroboard_stack.broker import EmbeddedBroker
from tests.support.mosquitto import MosquittoBroker
from tests.support.mqtt_probe import MqttProbe
from tests.support.stack_run import StackRun
from tests.support.waiting import wait_until


def test_monitor_prints_state_events_of_one_board(
    broker: MosquittoBroker, live_probe: MqttProbe, retroboard: Callable[..., StackRun]
) -> None:
    live_probe.publish("retroboard/b1/state/settings", {"brightness": 75}, retain=True)
    live_probe.publish("retroboard/b2/state/settings", {"brightness": 10}, retain=True)
    run = retroboard("monitor", broker.url, "--board", "b1")
    run.wait_for_output(r"b1 settings")
    live_probe.publish("retroboard/b1/status", "online", retain=True)
    live_probe.publish("retroboard/b1/state/settings", {"brightness": 75}, retain=True)  # same
    live_probe.publish("retroboard/b1/cmd/stop", {})
    live_probe.publish("retroboard/b1/state/current_app", {"app": None, "config": {}}, retain=True)
    run.wait_for_output(r"b1 current_app")
    assert run.interrupt() == 0

    lines = run.output().strip().splitlines()
    assert all(re.match(r"^\d\d:\d\d:\d\d b1 ", line) for line in lines), lines
    assert [line[9:] for line in lines] == [
        'b1 settings {"brightness": 75}',
        "b1 status online",
        'b1 current_app {"app": null, "config": {}}',
    ]


def test_monitor_all_prints_repeats_too(
    broker: MosquittoBroker, live_probe: MqttProbe, retroboard: Callable[..., StackRun]
) -> None:
    live_probe.publish("retroboard/b4/state/settings", {"brightness": 5}, retain=True)
    run = retroboard("monitor", broker.url, "--all")
    run.wait_for_output(r"b4 settings")
    live_probe.publish("retroboard/b4/state/settings", {"brightness": 5}, retain=True)
    found = run.wait_for_output(r"(b4 settings .*\n.*){2}")
    assert found
    assert run.interrupt() == 0


def test_monitor_takes_mqtt_url_from_the_environment(
    broker: MosquittoBroker, live_probe: MqttProbe, retroboard: Callable[..., StackRun]
) -> None:
    live_probe.publish("retroboard/b3/status", "offline", retain=True)
    run = retroboard("monitor", MQTT_URL=broker.url)
    run.wait_for_output(r"^\d\d:\d\d:\d\d b3 status offline$")
    assert run.interrupt() == 0


def test_embedded_broker_keeps_retained_messages_for_anonymous_clients() -> None:
    broker = EmbeddedBroker()
    url = broker.start()
    try:
        assert re.fullmatch(r"mqtt://127\.0\.0\.1:\d+", url)
        publisher = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv311)
        publisher.connect("127.0.0.1", broker.port)
        publisher.loop_start()
        publisher.publish("retroboard/x/status", b"online", qos=1, retain=True).wait_for_publish(5)
        publisher.disconnect()
        publisher.loop_stop()

        probe = MqttProbe(url)
        probe.start()
        try:
            message = probe.wait_for("retroboard/x/status")
            assert message.payload == b"online" and message.retain
        finally:
            probe.stop()
    finally:
        broker.stop()


def test_an_mqtt5_client_falls_back_to_3_1_1_on_a_broker_that_refuses_5() -> None:
    # amqtt (the embedded broker) answers an MQTT 5 CONNECT "unsupported protocol
    # version": the api and bridge then speak 3.1.1, subscriptions and all.
    broker = EmbeddedBroker()
    url = broker.start()
    client = MqttClient(MqttUrl.parse(url), "fallback-test", mqtt5=True)
    got: list[bytes] = []
    client.subscribe("retroboard/+/status", lambda _t, payload: got.append(payload), live_only=True)
    client.start()
    try:
        assert client.wait_connected(15)
        assert not client.mqtt5
        client.publish("retroboard/x/status", b"online")
        wait_until(lambda: got == [b"online"], what="the message through the 3.1.1 subscription")
    finally:
        client.stop()
        broker.stop()
