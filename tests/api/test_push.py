"""AWTRIX 3 pushes over REST and Socket.IO on a fake broker and a scripted renderer:
custom apps, notifications, dismiss, power, next/previous app, and their documentation.

What the renderer makes of them is tested against the real renderer in
``test_integration_push.py``; here: what the api sends, what it answers, what it refuses
without sending anything.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from tests.support.api_fakes import APPS_LIST, CURRENT_APP, FakeMqtt, Published, ScriptedRenderer
from tests.support.states import settings_state

JSON = {"Content-Type": "application/json"}

SOLAR = {
    "type": "custom",
    "config": {"text": "5 kW", "icon": "sun"},
    "stale": False,
    "error": None,
    "origin": "api",
    "pushed_at": 1_700_000_000.0,
}
WITH_SOLAR = {
    "apps": [*APPS_LIST["apps"], "solar"],
    "current": "clock",
    "instances": {**APPS_LIST["instances"], "solar": SOLAR},
}
NOTIFICATION = {
    "current": {
        "id": 1,
        "text": "Washer done",
        "icon": None,
        "duration": 5.0,
        "repeat": -1,
        "hold": True,
        "wakeup": False,
    },
    "queue": [],
    "length": 0,
}
NO_NOTIFICATION: dict[str, Any] = {"current": None, "queue": [], "length": 0}


def answered(state: dict[str, Any], ignored: list[str] | None = None) -> dict[str, Any]:
    reply: dict[str, Any] = {"success": True, "state": state}
    if ignored is not None:
        reply["ignored"] = ignored
    return reply


def sent(mqtt: FakeMqtt, topic_suffix: str) -> list[dict[str, Any]]:
    """The commands published on ``retroboard/test/cmd/<topic_suffix>``, transaction dropped."""
    topic = f"retroboard/test/cmd/{topic_suffix}"
    bodies = [m.json() for m in mqtt.published if m.topic == topic]
    return [{k: v for k, v in body.items() if k != "transaction"} for body in bodies]


def no_commands(mqtt: FakeMqtt) -> bool:
    return not mqtt.commands()


# --- custom apps ---------------------------------------------------------------------


def test_custom_creates_an_app_from_the_awtrix_json(
    client: FlaskClient, mqtt: FakeMqtt, renderer: ScriptedRenderer
) -> None:
    renderer.boot()
    renderer.replies["custom"] = answered({"apps_list": WITH_SOLAR}, ["sound"])
    app = {"text": "5 kW", "icon": "sun", "sound": "beep", "draw": [{"dp": [0, 0, None]}]}
    response = client.post("/api/custom?name=Solar", json=app)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"success": True, **WITH_SOLAR, "ignored": ["sound"]}
    # The JSON goes on as it came, a null inside it included (the renderer judges it).
    assert sent(mqtt, "custom") == [{"name": "Solar", "app": app}]


def test_custom_on_a_board_of_the_fleet(
    client: FlaskClient, mqtt: FakeMqtt, renderer: ScriptedRenderer
) -> None:
    renderer.boot()
    renderer.replies["custom"] = answered({"apps_list": WITH_SOLAR}, [])
    response = client.post("/api/boards/test/custom?name=solar", json={"text": "5 kW"})
    assert response.get_json() == {"success": True, **WITH_SOLAR, "ignored": []}
    assert sent(mqtt, "custom") == [{"name": "solar", "app": {"text": "5 kW"}}]


def test_an_array_pushes_several_apps(
    client: FlaskClient, mqtt: FakeMqtt, renderer: ScriptedRenderer
) -> None:
    renderer.boot()
    renderer.replies["custom"] = answered({"apps_list": APPS_LIST})  # no ignored: []
    response = client.post("/api/custom?name=test", json=[{"text": "1"}, {"text": "2"}])
    assert response.get_json()["ignored"] == []
    assert sent(mqtt, "custom") == [{"name": "test", "app": [{"text": "1"}, {"text": "2"}]}]


@pytest.mark.parametrize(
    ("kwargs", "pushed"),
    [
        ({}, None),  # curl -X POST …/custom?name=solar
        ({"data": "", "headers": JSON}, None),  # an empty body sent as JSON
        ({"data": "  \n", "headers": JSON}, None),
        ({"json": {}}, {}),
        ({"data": "null", "headers": JSON}, None),
    ],
    ids=["no body", "empty JSON body", "blank", "empty object", "null"],
)
def test_an_empty_push_deletes_the_app(
    client: FlaskClient,
    mqtt: FakeMqtt,
    renderer: ScriptedRenderer,
    kwargs: dict[str, Any],
    pushed: Any,
) -> None:
    renderer.boot()
    renderer.replies["custom"] = answered({"apps_list": APPS_LIST}, [])
    response = client.post("/api/custom?name=solar", **kwargs)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"success": True, **APPS_LIST, "ignored": []}
    expected: dict[str, Any] = {"name": "solar"}
    if pushed is not None:
        expected["app"] = pushed
    assert sent(mqtt, "custom") == [expected]


@pytest.mark.parametrize(
    ("query", "status", "loc"),
    [
        ("", 422, ["name"]),
        ("?name=", 422, ["name"]),
        ("?name=has%20space", 422, ["name"]),
        ("?name=" + "x" * 63, 422, ["name"]),
        ("?name=-dash", 422, ["name"]),
    ],
    ids=["missing", "empty", "space", "too long", "leading dash"],
)
def test_a_bad_name_is_refused_and_nothing_sent(
    client: FlaskClient,
    mqtt: FakeMqtt,
    renderer: ScriptedRenderer,
    query: str,
    status: int,
    loc: list[str],
) -> None:
    renderer.boot()
    response = client.post(f"/api/custom{query}", json={"text": "x"})
    assert response.status_code == status
    body = response.get_json()
    assert body["success"] is False and loc in [d["loc"] for d in body["details"]]
    assert body["error"].startswith("name")
    assert no_commands(mqtt)


@pytest.mark.parametrize(
    ("path", "kwargs", "status", "words"),
    [
        ("/api/custom?name=a", {"data": "{oops", "headers": JSON}, 400, "malformed JSON"),
        ("/api/custom?name=a", {"data": "42", "headers": JSON}, 400, "object or an array"),
        ("/api/custom?name=a", {"data": '"text"', "headers": JSON}, 400, "object or an array"),
        ("/api/custom?name=a", {"data": "NaN", "headers": JSON}, 400, "malformed JSON"),
        ("/api/custom?name=a", {"data": b"\xff\xfe", "headers": JSON}, 400, "malformed JSON"),
        ("/api/custom?name=a", {"data": {"text": "x"}}, 415, "Content-Type"),
        ("/api/notify", {"data": "[]", "headers": JSON}, 400, "JSON object"),
        ("/api/notify", {"data": "{oops", "headers": JSON}, 400, "malformed JSON"),
        ("/api/notify", {"data": '"hi"', "headers": JSON}, 400, "JSON object"),
    ],
    ids=[
        "garbage",
        "number",
        "string",
        "NaN",
        "not UTF-8",
        "form",
        "notify array",
        "notify garbage",
        "notify string",
    ],
)
def test_bodies_that_are_no_awtrix_json_are_refused(
    client: FlaskClient,
    mqtt: FakeMqtt,
    renderer: ScriptedRenderer,
    path: str,
    kwargs: dict[str, Any],
    status: int,
    words: str,
) -> None:
    renderer.boot()
    response = client.post(path, **kwargs)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    body = response.get_json()
    assert body["success"] is False and words in body["error"]
    assert no_commands(mqtt)


@pytest.mark.parametrize("path", ["/api/custom?name=big", "/api/notify"])
def test_pushes_up_to_256_kib_pass_the_16_kib_body_limit(
    client: FlaskClient, mqtt: FakeMqtt, renderer: ScriptedRenderer, path: str
) -> None:
    renderer.boot()
    renderer.replies["custom"] = answered({"apps_list": APPS_LIST}, [])
    renderer.replies["notify"] = answered({"notification": NOTIFICATION}, [])
    # A base64 icon of ~250 KiB: the body is just within 256 KiB.
    icon = "A" * (256 * 1024 - 64)
    response = client.post(path, json={"text": "big", "icon": icon})
    assert response.status_code == 200, response.get_json()
    [command] = mqtt.commands()
    assert len(command.payload) <= 256 * 1024 + 1024  # what the renderer reads of it


@pytest.mark.parametrize("path", ["/api/custom?name=big", "/api/notify", "/api/boards/test/notify"])
def test_pushes_over_256_kib_are_413(
    client: FlaskClient, mqtt: FakeMqtt, renderer: ScriptedRenderer, path: str
) -> None:
    renderer.boot()
    body = json.dumps({"text": "big", "icon": "A" * (256 * 1024)})
    response = client.post(path, data=body, headers=JSON)
    assert response.status_code == 413
    assert response.get_json()["error"] == f"request body larger than {256 * 1024} bytes"
    assert no_commands(mqtt)


def test_other_routes_keep_the_16_kib_limit(client: FlaskClient, mqtt: FakeMqtt) -> None:
    response = client.post(
        "/api/switch", json={"app": "scroll_text", "config": {"text": "x" * 20_000}}
    )
    assert response.status_code == 413
    assert response.get_json()["error"] == f"request body larger than {16 * 1024} bytes"


def test_non_ascii_text_goes_on_as_utf8(
    client: FlaskClient, mqtt: FakeMqtt, renderer: ScriptedRenderer
) -> None:
    renderer.boot()
    renderer.replies["notify"] = answered({"notification": NOTIFICATION}, [])
    client.post("/api/notify", json={"text": "Wäsche fertig ☀"})
    [command] = mqtt.commands("notify")
    assert "Wäsche fertig ☀".encode() in command.payload  # not \\u-escaped: 6 bytes a char


def test_renderer_refusals_name_the_awtrix_key(
    client: FlaskClient, mqtt: FakeMqtt, renderer: ScriptedRenderer
) -> None:
    renderer.boot()
    renderer.replies["custom"] = {
        "success": False,
        "code": "invalid",
        "error": "color: not a colour: give '#RRGGBB' or [r, g, b], got 'red'",
        "details": [{"loc": ["color"], "msg": "not a colour"}],
    }
    response = client.post("/api/custom?name=solar", json={"color": "red"})
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"].startswith("color:") and body["details"][0]["loc"] == ["color"]


# --- notifications -------------------------------------------------------------------


def test_notify_sends_the_awtrix_json_and_answers_the_queue(
    client: FlaskClient, mqtt: FakeMqtt, renderer: ScriptedRenderer
) -> None:
    renderer.boot()
    renderer.replies["notify"] = answered({"notification": NOTIFICATION}, ["rtttl"])
    payload = {"text": "Washer done", "hold": True, "rtttl": "Bond:d=4", "color": [255, 0, 0]}
    response = client.post("/api/notify", json=payload)
    assert response.status_code == 200
    assert response.get_json() == {"success": True, **NOTIFICATION, "ignored": ["rtttl"]}
    assert sent(mqtt, "notify") == [payload]


def test_a_full_queue_is_429(
    client: FlaskClient, mqtt: FakeMqtt, renderer: ScriptedRenderer
) -> None:
    renderer.boot()
    renderer.replies["notify"] = {
        "success": False,
        "code": "queue_full",
        "error": "32 notifications wait already; dismiss one or wait",
        "details": [],
    }
    response = client.post("/api/notify", json={"text": "one too many", "hold": True})
    assert response.status_code == 429
    assert response.get_json()["error"] == "32 notifications wait already; dismiss one or wait"


def test_an_empty_notify_body_is_an_empty_object(
    client: FlaskClient, mqtt: FakeMqtt, renderer: ScriptedRenderer
) -> None:
    renderer.boot()
    renderer.replies["notify"] = answered({"notification": NOTIFICATION}, [])
    assert client.post("/api/notify").status_code == 200
    assert sent(mqtt, "notify") == [{}]


def answer_on(mqtt: FakeMqtt, renderer: ScriptedRenderer, path: str, reply: dict[str, Any]) -> None:
    """Answer ``cmd/<path>`` with ``reply`` on ``response/<its verb>``: the scripted
    renderer answers on ``response/<path>``, one level per ``/``."""
    scripted = mqtt.on_publish
    verb = path.rsplit("/", 1)[-1]

    def on_publish(message: Published) -> None:
        if message.topic == f"retroboard/test/cmd/{path}":
            transaction = message.json().get("transaction")
            body = json.dumps({**reply, "transaction": transaction})
            mqtt.deliver(f"retroboard/test/response/{verb}", body)
        elif scripted is not None:
            scripted(message)

    mqtt.on_publish = on_publish


def test_dismiss_goes_to_awtrixs_topic(
    client: FlaskClient, mqtt: FakeMqtt, renderer: ScriptedRenderer
) -> None:
    renderer.boot()
    answer_on(mqtt, renderer, "notify/dismiss", answered({"notification": NO_NOTIFICATION}))
    empty_bodies: list[dict[str, Any]] = [{}, {"json": {}}, {"data": "", "headers": JSON}]
    for kwargs in empty_bodies:
        response = client.post("/api/notify/dismiss", **kwargs)
        assert response.status_code == 200
        assert response.get_json() == {"success": True, **NO_NOTIFICATION}
    assert sent(mqtt, "notify/dismiss") == [{}, {}, {}]


def test_the_notification_is_read_from_the_cache(
    client: FlaskClient, renderer: ScriptedRenderer
) -> None:
    renderer.boot()  # a renderer without notifications: never published
    response = client.get("/api/notification")
    assert response.status_code == 503 and "notification" in response.get_json()["error"]
    renderer.publish_state("notification", NOTIFICATION)
    assert client.get("/api/notification").get_json() == {"success": True, **NOTIFICATION}
    assert client.get("/api/boards/test/notification").get_json() == {
        "success": True,
        **NOTIFICATION,
    }


# --- power, next and previous app ----------------------------------------------------


def test_power_answers_the_settings(
    client: FlaskClient, mqtt: FakeMqtt, renderer: ScriptedRenderer
) -> None:
    renderer.boot()
    renderer.replies["power"] = answered({"settings": settings_state(75, power=False)})
    response = client.post("/api/power", json={"power": False})
    assert response.get_json() == {"success": True, **settings_state(75, power=False)}
    assert sent(mqtt, "power") == [{"power": False}]
    bad = client.post("/api/power", json={"power": "off"})
    assert bad.status_code == 422 and bad.get_json()["details"][0]["loc"] == ["power"]
    missing = client.post("/api/power", json={})
    assert missing.status_code == 422 and missing.get_json()["details"][0]["loc"] == ["power"]
    assert len(sent(mqtt, "power")) == 1


def test_settings_take_power_alone(
    client: FlaskClient, mqtt: FakeMqtt, renderer: ScriptedRenderer
) -> None:
    renderer.boot()
    renderer.replies["settings"] = answered({"settings": settings_state(75, power=False)})
    assert client.post("/api/settings", json={"power": False}).status_code == 200
    assert sent(mqtt, "settings") == [{"power": False}]  # brightness untouched


@pytest.mark.parametrize(
    ("path", "verb"), [("/api/nextapp", "next_app"), ("/api/previousapp", "previous_app")]
)
def test_next_and_previous_app(
    client: FlaskClient, mqtt: FakeMqtt, renderer: ScriptedRenderer, path: str, verb: str
) -> None:
    renderer.boot()
    renderer.replies[verb] = answered({"current_app": CURRENT_APP})
    empty_bodies: list[dict[str, Any]] = [{}, {"json": {}}, {"data": "", "headers": JSON}]
    for kwargs in empty_bodies:
        response = client.post(path, **kwargs)
        assert response.status_code == 200, response.get_json()
        assert response.get_json() == {"success": True, **CURRENT_APP}
    assert sent(mqtt, verb) == [{}, {}, {}]


# --- Socket.IO -----------------------------------------------------------------------


def connect(app: Any, **kwargs: Any) -> SocketIOTestClient:
    return app.extensions["socketio"].test_client(app, **kwargs)


def names(client: SocketIOTestClient) -> list[str]:
    return [item["name"] for item in client.get_received()]


def test_socketio_push_events_answer_like_rest(
    app: Any, mqtt: FakeMqtt, renderer: ScriptedRenderer
) -> None:
    renderer.boot()
    renderer.replies["custom"] = answered({"apps_list": WITH_SOLAR}, ["sound"])
    renderer.replies["notify"] = answered({"notification": NOTIFICATION}, [])
    renderer.replies["power"] = answered({"settings": settings_state(75)})
    renderer.replies["next_app"] = answered({"current_app": CURRENT_APP})
    client = connect(app, query_string="board=test")
    custom = {"name": "Solar", "app": {"text": "5 kW", "sound": "beep"}}
    assert client.emit("custom", custom, callback=True) == {
        "success": True,
        **WITH_SOLAR,
        "ignored": ["sound"],
    }
    assert sent(mqtt, "custom") == [custom]
    assert client.emit("notify", {"text": "Washer done", "hold": True}, callback=True) == {
        "success": True,
        **NOTIFICATION,
        "ignored": [],
    }
    assert client.emit("power", {"power": True}, callback=True)["power"] is True
    assert client.emit("next_app", callback=True) == {"success": True, **CURRENT_APP}
    bad = client.emit("custom", {"name": "no spaces", "app": {}}, callback=True)
    assert bad["success"] is False and bad["details"][0]["loc"] == ["name"]
    assert len(sent(mqtt, "custom")) == 1


def test_dismiss_event(app: Any, mqtt: FakeMqtt, renderer: ScriptedRenderer) -> None:
    renderer.boot()
    answer_on(mqtt, renderer, "notify/dismiss", answered({"notification": NO_NOTIFICATION}))
    client = connect(app, query_string="board=test")
    assert client.emit("dismiss", callback=True) == {"success": True, **NO_NOTIFICATION}


def test_a_late_notification_reaches_a_client_that_came_early(
    app: Any, renderer: ScriptedRenderer
) -> None:
    # After an api restart a client may connect before the board's retained state is
    # read. An older renderer never publishes a notification: the snapshot must not wait
    # for it; a newer one's comes after the rest, and is sent then.
    client = connect(app, query_string="board=test")
    assert names(client) == ["board_status"]
    renderer.boot()
    assert "notification" not in names(client)  # the snapshot, complete without it
    renderer.publish_state("notification", NOTIFICATION)
    assert client.get_received() == [
        {"name": "notification", "args": [NOTIFICATION], "namespace": "/"}
    ]
    renderer.publish_state("notification", NO_NOTIFICATION)  # live changes: the bridge's
    assert client.get_received() == []


def test_a_snapshot_carries_the_notification(app: Any, renderer: ScriptedRenderer) -> None:
    renderer.boot()
    renderer.publish_state("notification", NOTIFICATION)
    client = connect(app, query_string="board=test")
    received = client.get_received()
    assert [item["name"] for item in received][-2:] == ["notification", "board_status"]
    assert received[-2]["args"] == [NOTIFICATION]


# --- the OpenAPI document ------------------------------------------------------------


def test_openapi_documents_the_awtrix_bodies(client: FlaskClient) -> None:
    spec = client.get("/openapi/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    assert {"CustomAppConfig", "NotificationConfig"} <= schemas.keys()
    assert {"text", "icon", "progress", "draw", "lifetime"} <= schemas["CustomAppConfig"][
        "properties"
    ].keys()
    assert {"hold", "stack", "wakeup"} <= schemas["NotificationConfig"]["properties"].keys()
    for path in ("/api/custom", "/api/boards/{board}/custom"):
        operation = spec["paths"][path]["post"]
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        ref = {"$ref": "#/components/schemas/CustomAppConfig"}
        assert body["anyOf"] == [ref, {"type": "array", "items": ref}]
        [name] = [p for p in operation["parameters"] if p["in"] == "query"]
        assert name["name"] == "name" and name["required"] is True
        assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/CustomResponse"
        }
    for path in ("/api/notify", "/api/boards/{board}/notify"):
        operation = spec["paths"][path]["post"]
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": "#/components/schemas/NotificationConfig"}
        assert "429" in operation["responses"]
    for path in ("/api/notify/dismiss", "/api/power", "/api/nextapp", "/api/previousapp"):
        assert "post" in spec["paths"][path]
    assert "get" in spec["paths"]["/api/notification"]
    assert "ignored" in schemas["CustomResponse"]["properties"]
    assert "ignored" in schemas["NotifyResponse"]["properties"]
