"""Unit tests: renderer error codes → HTTP statuses, and the request/response gateway."""

from __future__ import annotations

import json
import threading

import pytest

from retroboard_api.cache import StateCache
from retroboard_api.commands import STATUS_BY_CODE, CommandGateway, status_for
from retroboard_api.errors import ApiError
from retroboard_common.models import ErrorCode
from tests.support.api_fakes import FakeMqtt, ScriptedRenderer


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("malformed", 400),
        ("too_large", 413),
        ("unknown_app", 404),
        ("unknown_verb", 404),
        ("invalid", 422),
        ("conflict", 409),
        ("internal", 500),
    ],
)
def test_status_for_each_code(code: ErrorCode, status: int) -> None:
    assert status_for(code) == status


def test_every_error_code_is_mapped() -> None:
    assert set(STATUS_BY_CODE) == set(ErrorCode.__args__)  # type: ignore[attr-defined]
    assert status_for(None) == 500


@pytest.fixture
def gateway(mqtt: FakeMqtt) -> CommandGateway:
    cache = StateCache()
    cache.attach(mqtt)
    gateway = CommandGateway(mqtt, cache, timeout=0.2)
    gateway.attach()
    return gateway


def test_sends_a_transaction_at_qos_0_and_returns_the_response(
    gateway: CommandGateway, mqtt: FakeMqtt, renderer: ScriptedRenderer
) -> None:
    renderer.boot()
    renderer.replies["settings"] = {"success": True, "state": {"settings": {"brightness": 5}}}
    response = gateway.send("test", "settings", {"brightness": 5})
    assert response.state == {"settings": {"brightness": 5}}
    [sent] = mqtt.commands("settings")
    assert sent.topic == "retroboard/test/cmd/settings"
    assert sent.qos == 0 and not sent.retain
    body = sent.json()
    assert body["brightness"] == 5 and isinstance(body["transaction"], str)


def test_refusal_carries_status_and_details(
    gateway: CommandGateway, renderer: ScriptedRenderer
) -> None:
    renderer.boot()
    renderer.replies["switch"] = {
        "success": False,
        "code": "unknown_app",
        "error": "unknown app 'x'",
        "details": [{"loc": ["app"], "msg": "unknown app"}],
    }
    with pytest.raises(ApiError) as caught:
        gateway.send("test", "switch", {"app": "x"})
    assert caught.value.status == 404
    assert caught.value.body() == {
        "success": False,
        "error": "unknown app 'x'",
        "details": [{"loc": ["app"], "msg": "unknown app"}],
    }


def test_offline_renderer_is_503_and_nothing_is_sent(
    gateway: CommandGateway, mqtt: FakeMqtt
) -> None:
    mqtt.deliver("retroboard/test/status", b"offline")
    with pytest.raises(ApiError) as caught:
        gateway.send("test", "stop", {})
    assert caught.value.status == 503
    assert mqtt.commands() == []


def test_disconnected_broker_is_503_and_nothing_is_sent(
    gateway: CommandGateway, mqtt: FakeMqtt, renderer: ScriptedRenderer
) -> None:
    renderer.boot()
    mqtt.connected = False
    with pytest.raises(ApiError) as caught:
        gateway.send("test", "stop", {})
    assert caught.value.status == 503
    assert mqtt.published == []


def test_no_answer_is_504_and_a_late_answer_is_ignored(
    gateway: CommandGateway, mqtt: FakeMqtt, renderer: ScriptedRenderer
) -> None:
    renderer.boot()
    with pytest.raises(ApiError) as caught:
        gateway.send("test", "stop", {})
    assert caught.value.status == 504
    transaction = mqtt.commands("stop")[0].json()["transaction"]
    late = json.dumps({"success": True, "transaction": transaction})
    mqtt.deliver("retroboard/test/response/stop", late)  # no waiter left: dropped quietly


def test_answers_reach_the_right_waiter(
    gateway: CommandGateway, mqtt: FakeMqtt, renderer: ScriptedRenderer
) -> None:
    renderer.boot()
    gateway.timeout = 2.0
    # Another client's response with a foreign transaction, then garbage, then ours.
    mqtt.deliver(
        "retroboard/test/response/next", json.dumps({"success": True, "transaction": "other"})
    )
    mqtt.deliver("retroboard/test/response/next", b"not json")

    def answer_later(command: dict[str, object]) -> None:
        def deliver() -> None:
            body = {"success": True, "transaction": command["transaction"], "state": {}}
            mqtt.deliver("retroboard/test/response/next", json.dumps(body))

        threading.Timer(0.05, deliver).start()

    renderer.replies["next"] = answer_later
    assert gateway.send("test", "next", {}).success
