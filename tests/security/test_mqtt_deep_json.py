"""Deep or non-standard JSON (issue 18, finding 9): a clear refusal, never a crash.

A 5,000-deep array fits in 10 KB. Python's parser recurses once per level, so it
ended in ``RecursionError``: REST answered 500, the renderer answered ``internal``
with a traceback in its log. ``NaN`` was accepted, saved and served back as JSON no
client can parse.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from retroboard_bridge.homeassistant.commands import translate
from retroboard_bridge.homeassistant.view import BoardView
from retroboard_common.commands import CommandError
from tests.support.api_fakes import FakeMqtt, ScriptedRenderer
from tests.support.mosquitto import MosquittoBroker
from tests.support.mqtt_probe import MqttProbe
from tests.support.processes import ServiceProcess
from tests.support.stack import renderer_process

BOARD = "test"
DEEP = "[" * 5000 + "]" * 5000  # 10 KB


def deep_config(levels: int = 5000) -> str:
    """A config command whose one value is ``levels`` arrays deep."""
    return '{"app":"clock","config":{"color":' + "[" * levels + "]" * levels + "}}"


def strict(text: str) -> Any:
    """Parse as a browser would: ``NaN``/``Infinity`` are errors."""

    def refuse(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


# --- REST -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/settings", DEEP),
        ("/api/settings", '{"brightness": ' + "[" * 5000 + "]" * 5000 + "}"),
        ("/api/apps/clock/config", '{"color": ' + "[" * 5000 + "]" * 5000 + "}"),
        ("/api/switch", deep_config()),
        ("/api/apps/clock/config", '{"color": NaN}'),
        ("/api/apps/clock/config", '{"color": [1e999, 0, 0]}'),
    ],
)
def test_rest_answers_400_to_deep_or_nonstandard_json(
    client: FlaskClient, renderer: ScriptedRenderer, mqtt: FakeMqtt, path: str, body: str
) -> None:
    renderer.boot()
    response = client.post(path, data=body, content_type="application/json")
    assert response.status_code == 400, response.get_data()[:300]
    answer = strict(response.get_data(as_text=True))
    assert answer["success"] is False
    assert answer["error"].startswith("malformed JSON")
    assert mqtt.commands() == []  # nothing reached the board


def test_rest_still_takes_ordinary_nesting(
    client: FlaskClient, renderer: ScriptedRenderer, mqtt: FakeMqtt
) -> None:
    renderer.boot()
    renderer.replies["config"] = {"success": True, "state": {}}
    response = client.post("/api/apps/clock/config", json={"color": [255, 0, 0]})
    assert response.status_code == 200, response.get_json()
    assert mqtt.commands("config")[0].json()["config"] == {"color": [255, 0, 0]}


# --- MQTT: the renderer -------------------------------------------------------------------


@pytest.fixture
def live_renderer(broker: MosquittoBroker, probe: MqttProbe, tmp_path: Path) -> Any:
    process = renderer_process(broker, tmp_path).start()
    probe.wait_for(f"retroboard/{BOARD}/status", lambda m: m.payload == b"online", timeout=15)
    yield process
    process.stop()


@pytest.mark.integration
@pytest.mark.parametrize(
    "payload",
    [
        deep_config(),
        DEEP,
        '{"app": "clock", "config": {"color": [NaN, 0, 0]}, "transaction": "t"}',
        '{"brightness": Infinity}',
    ],
)
def test_renderer_refuses_deep_or_nonstandard_json_as_malformed(
    live_renderer: ServiceProcess, probe: MqttProbe, payload: str
) -> None:
    verb = "settings" if "brightness" in payload else "config"
    probe.publish(f"retroboard/{BOARD}/cmd/{verb}", payload)
    answer = probe.wait_for(f"retroboard/{BOARD}/response/{verb}").json()
    assert answer["success"] is False
    assert answer["code"] == "malformed", answer
    assert "JSON" in answer["error"]
    # The renderer goes on: the next command is answered, the state is intact.
    assert probe.request(BOARD, "settings", {"brightness": 30})["success"] is True
    assert "Traceback" not in live_renderer.output()


# --- MQTT: Home Assistant's commands through the bridge ------------------------------------


def test_home_assistant_light_command_too_deep_is_malformed() -> None:
    with pytest.raises(CommandError) as refused:
        translate("display", ('{"state": "ON", "effect": ' + DEEP + "}").encode(), BoardView())
    assert refused.value.code == "malformed"
