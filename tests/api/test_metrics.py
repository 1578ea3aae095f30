"""``GET /metrics``: what a Prometheus scrape of the api shows.

Every scrape is parsed with prometheus_client's own text parser. Unit tests run the app
on the fakes; the integration tests scrape the real stack under gunicorn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from retroboard_api import create_app
from retroboard_common.sio_queue import create_manager
from tests.support.api_app import make_settings
from tests.support.api_fakes import SETTINGS, FakeMqtt, ScriptedRenderer
from tests.support.sio_recorder import SioRecorder
from tests.support.stack import BOARD, Stack, wait_until
from tests.support.states import settings_state
from tests.support.tokens import TOKEN

AUTH = {"Authorization": f"Bearer {TOKEN}"}
REQUESTS = "retroboard_api_requests_total"
DURATION_COUNT = "retroboard_api_request_duration_seconds_count"
CLIENTS = "retroboard_api_socketio_clients"
EMITTED = "retroboard_api_socketio_events_emitted_total"
ROUNDTRIP_COUNT = "retroboard_api_command_roundtrip_seconds_count"
COMMANDS = "retroboard_api_commands_total"
MQTT_CONNECTED = "retroboard_api_mqtt_connected"
METRIC_NAMES = {
    "retroboard_api_requests",
    "retroboard_api_request_duration_seconds",
    "retroboard_api_socketio_clients",
    "retroboard_api_socketio_events_emitted",
    "retroboard_api_command_roundtrip_seconds",
    "retroboard_api_commands",
    "retroboard_api_mqtt_connected",
}
"""The metric families, as the parser names them (a counter's without ``_total``)."""


class Scrape:
    """One parsed scrape: every sample by name and labels."""

    def __init__(self, text: str) -> None:
        self.families = {family.name: family for family in text_string_to_metric_families(text)}
        self.samples = [sample for family in self.families.values() for sample in family.samples]

    def value(self, name: str, **labels: str) -> float:
        """The sample ``name`` with exactly ``labels``; 0 when it was never recorded."""
        found = [s.value for s in self.samples if s.name == name and s.labels == labels]
        assert len(found) <= 1, (name, labels)
        return found[0] if found else 0.0

    def label_values(self, name: str, label: str) -> set[str]:
        return {s.labels[label] for s in self.samples if s.name == name and label in s.labels}


def scrape(client: FlaskClient, **kwargs: Any) -> Scrape:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == CONTENT_TYPE_LATEST
    return Scrape(response.get_data(as_text=True))


def success(state: dict[str, Any]) -> dict[str, Any]:
    return {"success": True, "state": state}


# --- unit: the app on the fakes -----------------------------------------------------


def test_every_metric_is_exposed_from_the_first_scrape(client: FlaskClient) -> None:
    metrics = scrape(client)
    assert set(metrics.families) >= METRIC_NAMES
    assert metrics.value(CLIENTS) == 0
    assert metrics.value(MQTT_CONNECTED) == 1
    # Every known event is there at 0, for a dashboard's rate() to start from.
    assert metrics.value(EMITTED, event="settings") == 0
    assert metrics.value(EMITTED, event="frame") == 0


def test_requests_are_counted_under_their_route_template(
    client: FlaskClient, renderer: ScriptedRenderer
) -> None:
    renderer.boot()
    renderer.replies["settings"] = success({"settings": {**SETTINGS, "brightness": 40}})
    assert client.post("/api/settings", json={"brightness": 40}).status_code == 200
    assert client.post("/api/settings", json={"brightness": "max"}).status_code == 422
    assert client.post(f"/api/boards/{BOARD}/settings", json={"brightness": 40}).status_code == 200
    assert client.get("/api/no/such/path/42").status_code == 404
    assert client.get("/socket.io/?EIO=4&transport=polling").status_code == 200

    metrics = scrape(client)
    assert metrics.value(REQUESTS, method="POST", route="/api/settings", status="200") == 1
    assert metrics.value(REQUESTS, method="POST", route="/api/settings", status="422") == 1
    board_route = "/api/boards/<board>/settings"
    assert metrics.value(REQUESTS, method="POST", route=board_route, status="200") == 1
    assert metrics.value(REQUESTS, method="GET", route="unmatched", status="404") == 1
    assert metrics.value(REQUESTS, method="GET", route="/socket.io", status="200") == 1
    assert metrics.value(DURATION_COUNT, route="/api/settings") == 2
    assert metrics.value(DURATION_COUNT, route=board_route) == 1
    # Never the raw path: its values are unbounded.
    routes = metrics.label_values(REQUESTS, "route")
    assert not any("42" in route or route.endswith(f"/{BOARD}/settings") for route in routes)

    # The scrape itself is counted once it answered: the next one shows it.
    assert scrape(client).value(REQUESTS, method="GET", route="/metrics", status="200") == 1


def test_methods_outside_http_s_own_are_one_label(client: FlaskClient) -> None:
    assert client.open("/api/settings", method="BREW").status_code == 405
    assert client.open("/api/settings", method="TEAPOT").status_code == 405
    metrics = scrape(client)
    assert metrics.value(REQUESTS, method="other", route="unmatched", status="405") == 2
    assert metrics.label_values(REQUESTS, "method") <= {"GET", "other"}


def test_commands_are_counted_by_result_and_timed_when_answered(
    client: FlaskClient, mqtt: FakeMqtt, renderer: ScriptedRenderer
) -> None:
    renderer.boot()
    renderer.replies["settings"] = success({"settings": {**SETTINGS, "brightness": 40}})
    assert client.post("/api/settings", json={"brightness": 40}).status_code == 200
    renderer.replies["switch"] = {"success": False, "code": "invalid", "error": "no"}
    assert client.post("/api/switch", json={"app": "clock"}).status_code == 422
    renderer.replies["switch"] = {"success": False, "code": "queue_full", "error": "busy"}
    assert client.post("/api/switch", json={"app": "clock"}).status_code == 429
    renderer.replies["switch"] = None  # silence
    assert client.post("/api/switch", json={"app": "clock"}).status_code == 504

    metrics = scrape(client)
    assert metrics.value(COMMANDS, verb="settings", result="success") == 1
    assert metrics.value(COMMANDS, verb="switch", result="invalid") == 1
    assert metrics.value(COMMANDS, verb="switch", result="queue_full") == 1
    assert metrics.value(COMMANDS, verb="switch", result="timeout") == 1
    assert metrics.value(ROUNDTRIP_COUNT, verb="settings") == 1
    assert metrics.value(ROUNDTRIP_COUNT, verb="switch") == 2  # the answered ones

    mqtt.connected = False
    assert client.post("/api/settings", json={"brightness": 40}).status_code == 503
    metrics = scrape(client)
    assert metrics.value(COMMANDS, verb="settings", result="offline") == 1
    assert metrics.value(ROUNDTRIP_COUNT, verb="settings") == 1
    assert metrics.value(MQTT_CONNECTED) == 0  # read at scrape time
    mqtt.connected = True
    assert scrape(client).value(MQTT_CONNECTED) == 1


def test_socketio_clients_and_the_events_sent_them(app: Any, renderer: ScriptedRenderer) -> None:
    renderer.boot()
    http = app.test_client()
    sio: SocketIOTestClient = app.extensions["socketio"].test_client(app, query_string="board=test")
    received = [item["name"] for item in sio.get_received()]
    metrics = scrape(http)
    assert metrics.value(CLIENTS) == 1
    for event in set(received):
        assert metrics.value(EMITTED, event=event) == received.count(event), event
    assert metrics.value(EMITTED, event="board_status") == 1

    sio.emit("request_state")
    assert scrape(http).value(EMITTED, event="settings") == 2
    sio.disconnect()
    assert scrape(http).value(CLIENTS) == 0


def test_each_app_has_a_registry_of_its_own(mqtt: FakeMqtt) -> None:
    first = create_app(make_settings(), mqtt).test_client()
    second = create_app(make_settings(), FakeMqtt()).test_client()
    assert first.get("/api/health").status_code == 200
    assert scrape(first).value(REQUESTS, method="GET", route="/api/health", status="200") == 1
    assert scrape(second).value(REQUESTS, method="GET", route="/api/health", status="200") == 0


@pytest.mark.parametrize("public_reads", [False, True])
def test_with_a_token_metrics_need_it(mqtt: FakeMqtt, public_reads: bool) -> None:
    client = create_app(make_settings(api_token=TOKEN, public_reads=public_reads), mqtt)
    http = client.test_client()
    refused = http.post("/api/settings", json={"brightness": 40})
    assert refused.status_code == 401
    for headers in [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}]:
        response = http.get("/metrics", headers=headers)
        assert response.status_code == 401
        assert response.headers["Content-Type"] == "application/json"
        assert response.get_json() == refused.get_json()
    metrics = scrape(http, headers=AUTH)
    assert metrics.value(REQUESTS, method="GET", route="/metrics", status="401") == 3


def test_metrics_are_not_in_the_openapi_document(client: FlaskClient) -> None:
    paths = client.get("/openapi/openapi.json").get_json()["paths"]
    assert "/metrics" not in paths and "/api/health" in paths


# --- integration: the real stack under gunicorn -------------------------------------


def stack_scrape(stack: Stack) -> Scrape:
    response = stack.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == CONTENT_TYPE_LATEST
    return Scrape(response.text)


@pytest.fixture
def recorder() -> Iterator[Callable[[Stack], SioRecorder]]:
    """Connect recorders to the stack's default board; all disconnected after."""
    made: list[SioRecorder] = []

    def connect(stack: Stack) -> SioRecorder:
        made.append(SioRecorder(f"{stack.url}?board={BOARD}", auth={}).connect())
        return made[-1]

    yield connect
    for instance in made:
        instance.disconnect()


@pytest.mark.integration
def test_stack_counts_a_rest_command_and_its_round_trip(stack: Stack) -> None:
    brightness = stack.get("/api/settings").json()["brightness"]
    before = stack_scrape(stack)
    assert stack.post("/api/settings", json={"brightness": brightness}).status_code == 200
    assert stack.post("/api/settings", json={"brightness": "max"}).status_code == 422
    after = stack_scrape(stack)

    def delta(name: str, **labels: str) -> float:
        return after.value(name, **labels) - before.value(name, **labels)

    assert delta(REQUESTS, method="POST", route="/api/settings", status="200") == 1
    assert delta(REQUESTS, method="POST", route="/api/settings", status="422") == 1
    assert delta(DURATION_COUNT, route="/api/settings") == 2
    assert delta(COMMANDS, verb="settings", result="success") == 1
    assert delta(ROUNDTRIP_COUNT, verb="settings") == 1
    assert delta(REQUESTS, method="GET", route="/metrics", status="200") == 1  # `before`
    assert after.value(MQTT_CONNECTED) == 1


@pytest.mark.integration
def test_stack_counts_socketio_clients_and_events(
    stack: Stack, recorder: Callable[[Stack], SioRecorder]
) -> None:
    def clients() -> float:
        return stack_scrape(stack).value(CLIENTS)

    # Other tests' clients may still be leaving.
    wait_until(lambda: clients() == 0, timeout=10, what="no Socket.IO client")
    before = stack_scrape(stack)
    sio = recorder(stack)
    sio.wait_for("board_status")
    wait_until(lambda: clients() == 1, timeout=10, what="one Socket.IO client")
    connected = stack_scrape(stack)
    assert connected.value(EMITTED, event="board_status") > before.value(
        EMITTED, event="board_status"
    )
    snapshot_settings = connected.value(EMITTED, event="settings")
    assert snapshot_settings > before.value(EMITTED, event="settings")
    # What the bridge emits reaches the client through the message queue, counted too.
    live = settings_state(98)
    emitter = create_manager(stack.broker.url, "mqtt", write_only=True)
    try:
        # The api subscribes to the queue when its first client connects; retry until then.
        def delivered() -> bool:
            emitter.emit("settings", live, namespace="/", room=f"board:{BOARD}")
            try:
                sio.wait_for("settings", lambda data: data == live, timeout=0.5)
            except AssertionError:
                return False
            return True

        wait_until(delivered, timeout=10, what="queue event delivered")
    finally:
        emitter.close()
    # Counted before it was sent: the client has it, so the count is there.
    assert stack_scrape(stack).value(EMITTED, event="settings") > snapshot_settings

    websockets = connected.value(REQUESTS, method="GET", route="/socket.io", status="101")
    sio.disconnect()
    wait_until(lambda: clients() == 0, timeout=10, what="the client gone")

    # A websocket's request is counted, under its route, once the connection ended.
    def websocket_counted() -> bool:
        metrics = stack_scrape(stack)
        return metrics.value(REQUESTS, method="GET", route="/socket.io", status="101") > websockets

    wait_until(websocket_counted, timeout=10, what="the websocket request counted")
