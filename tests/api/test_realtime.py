"""Unit tests of the Socket.IO handlers with Flask-SocketIO's test client."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask_socketio import SocketIOTestClient

from retroboard_api import create_app
from retroboard_common.topics import STATE_NAMES
from tests.api.served import served
from tests.support.api_app import make_settings
from tests.support.api_fakes import (
    APP_TYPES,
    APPS_LIST,
    ASSETS,
    CAROUSEL,
    CURRENT_APP,
    REALTIME,
    SETTINGS,
    FakeMqtt,
    ScriptedRenderer,
)
from tests.support.states import settings_state

NEWER_STATES = {"notification", "night"}
STATE_EVENTS = [*(name for name in STATE_NAMES if name not in NEWER_STATES), "board_status"]
"""The events of a board whose renderer predates notifications and night mode (the
fakes' renderer)."""
BOOTED_SNAPSHOT = [
    ("apps_list", served("apps_list", APPS_LIST)),
    ("current_app", CURRENT_APP),
    ("settings", served("settings", SETTINGS)),
    ("carousel_config", served("carousel_config", CAROUSEL)),
    ("realtime", REALTIME),
    ("app_types", APP_TYPES),
    ("assets", ASSETS),
    ("board_status", {"board": "test", "online": True}),
]
"""What a client of board ``test`` gets of a booted renderer, in order."""


def connect(app: Any, **kwargs: Any) -> SocketIOTestClient:
    return app.extensions["socketio"].test_client(app, **kwargs)


def events(client: SocketIOTestClient) -> list[tuple[str, Any]]:
    return [(item["name"], item["args"][0]) for item in client.get_received()]


def test_connect_sends_the_board_state_to_that_client(app: Any, renderer: ScriptedRenderer) -> None:
    renderer.boot()
    client = connect(app, query_string="board=test")
    assert events(client) == BOOTED_SNAPSHOT
    client.emit("request_state")
    assert [name for name, _ in events(client)] == STATE_EVENTS


def test_a_client_early_for_its_board_gets_the_state_once_complete(
    app: Any, renderer: ScriptedRenderer
) -> None:
    # e.g. a dashboard reconnecting to an api that restarted and has not read MQTT yet
    client = connect(app, query_string="board=test")
    assert events(client) == [("board_status", {"board": "test", "online": False})]
    renderer.boot()
    assert events(client) == BOOTED_SNAPSHOT
    renderer.publish_state("settings", {"brightness": 1})  # changes come from the bridge
    assert events(client) == []


def test_events_with_more_than_one_argument_are_refused(
    app: Any, mqtt: FakeMqtt, renderer: ScriptedRenderer
) -> None:
    renderer.boot()
    client = connect(app)
    client.get_received()
    for event in ("settings", "preview"):
        reply = client.emit(event, {"brightness": 5}, {"extra": 1}, callback=True)
        assert reply["success"] is False and "one argument" in reply["error"]
    client.emit("request_state", 1, 2)
    assert [name for name, _ in events(client)] == STATE_EVENTS
    assert mqtt.commands() == []


def test_board_from_auth_and_default(app: Any, mqtt: FakeMqtt) -> None:
    kitchen = ScriptedRenderer(mqtt, "kitchen")
    kitchen.mqtt.deliver("retroboard/kitchen/status", b"online")
    kitchen.publish_state("settings", {"brightness": 5})
    client = connect(app, auth={"board": "kitchen"})
    assert events(client) == [
        ("settings", settings_state(5)),
        ("board_status", {"board": "kitchen", "online": True}),
    ]
    default = connect(app)
    assert events(default) == [("board_status", {"board": "test", "online": False})]


def test_clients_join_their_board_room(app: Any) -> None:
    client = connect(app, query_string="board=kitchen")
    assert client.is_connected()
    manager = app.extensions["socketio"].server.manager
    assert len(list(manager.get_participants("/", "board:kitchen"))) == 1


@pytest.mark.parametrize("query", ["board=-bad", "board=" + "x" * 65])
def test_invalid_board_ids_are_refused(app: Any, query: str) -> None:
    client = connect(app, query_string=query)
    assert not client.is_connected()


def test_commands_answer_like_rest(app: Any, mqtt: FakeMqtt, renderer: ScriptedRenderer) -> None:
    renderer.boot()
    renderer.replies["settings"] = {"success": True, "state": {"settings": {"brightness": 9}}}
    client = connect(app, query_string="board=test")
    assert client.emit("settings", {"brightness": 9}, callback=True) == {
        "success": True,
        "brightness": 9,
    }
    bad = client.emit("settings", {"brightness": 900}, callback=True)
    assert bad["success"] is False and bad["details"][0]["loc"] == ["brightness"]
    refused = client.emit("stop", {"unexpected": 1}, callback=True)
    assert refused["success"] is False
    assert client.emit("next", callback=True)["error"].endswith("within 0.3 s")  # silent: 504
    assert [m.topic for m in mqtt.commands()] == [
        "retroboard/test/cmd/settings",
        "retroboard/test/cmd/next",
    ]


def test_config_event_targets_an_app_or_the_current_one(
    app: Any, mqtt: FakeMqtt, renderer: ScriptedRenderer
) -> None:
    renderer.boot()
    renderer.replies["config"] = {
        "success": True,
        "state": {"apps_list": APPS_LIST, "current_app": CURRENT_APP},
    }
    client = connect(app, query_string="board=test")
    body = client.emit("config", {"app": "clock", "config": {"font": "6x10"}}, callback=True)
    assert body["app"] == "clock" and body["schema"]
    assert client.emit("config", {"config": {"font": "6x10"}}, callback=True) == {
        "success": True,
        **CURRENT_APP,
    }
    assert "app" not in mqtt.commands("config")[1].json()


def test_app_instances_are_created_and_deleted_by_events(
    app: Any, mqtt: FakeMqtt, renderer: ScriptedRenderer
) -> None:
    renderer.boot()
    created = json.loads(json.dumps(APPS_LIST))
    created["apps"].append("clock-2")
    created["instances"]["clock-2"] = {**created["instances"]["clock"]}
    renderer.replies["create_app"] = {"success": True, "state": {"apps_list": created}}
    renderer.replies["delete_app"] = {
        "success": False,
        "code": "conflict",
        "error": "'clock' is one of the original apps and cannot be deleted",
    }
    client = connect(app, query_string="board=test")
    body = client.emit("create_app", {"id": "clock-2", "type": "clock"}, callback=True)
    assert body == {"success": True, **created}
    assert mqtt.commands("create_app")[0].json()["id"] == "clock-2"
    refused = client.emit("delete_app", {"id": "clock"}, callback=True)
    assert refused["success"] is False and "original" in refused["error"]
    bad = client.emit("create_app", {"id": "Not Valid", "type": "clock"}, callback=True)
    assert bad["success"] is False and len(mqtt.commands("create_app")) == 1


def test_preview_joins_the_room_and_asks_for_frames(app: Any, mqtt: FakeMqtt) -> None:
    client = connect(app, query_string="board=test")
    assert client.emit("preview", {"enabled": True}, callback=True) == {
        "success": True,
        "board": "test",
        "enabled": True,
    }
    [command] = mqtt.commands("preview")
    assert command.json() == {"ttl": 10.0} and command.qos == 0
    keeper = app.extensions["retroboard"].preview
    assert keeper.watched() == ["test"]
    client.emit("preview", {"enabled": False}, callback=True)
    assert keeper.watched() == []
    assert client.emit("preview", {"enabled": "maybe"}, callback=True)["success"] is False


def test_token_is_required_when_set(mqtt: FakeMqtt) -> None:
    app = create_app(make_settings(api_token="s3cret"), mqtt)
    assert not connect(app).is_connected()
    assert connect(app, auth={"token": "s3cret"}).is_connected()


def test_the_bridge_ready_sends_every_client_its_state_again(
    app: Any, mqtt: FakeMqtt, renderer: ScriptedRenderer
) -> None:
    # A restarted bridge sends no board's first state through the queue: what changed
    # while it was away reaches the api's clients as their snapshot, sent again.
    renderer.boot()
    client = connect(app, query_string="board=test")
    other = connect(app, query_string="board=other")
    events(client), events(other)
    mqtt.deliver("retroboard/_bridge/ready", b"")
    assert events(client) == BOOTED_SNAPSHOT
    assert events(other) == [("board_status", {"board": "other", "online": False})]
