"""Unit tests of the REST API on a fake broker and a scripted renderer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from retroboard_api import create_app
from tests.api.served import served
from tests.support.api_app import make_settings
from tests.support.api_fakes import (
    APP_TYPES,
    APPS_LIST,
    CAROUSEL,
    CURRENT_APP,
    REALTIME,
    SETTINGS,
    FakeMqtt,
    ScriptedRenderer,
)


def success(state: dict[str, Any]) -> dict[str, Any]:
    return {"success": True, "state": state}


# --- reads ---------------------------------------------------------------------------


def test_health_ok_and_degraded(
    client: FlaskClient, mqtt: FakeMqtt, renderer: ScriptedRenderer
) -> None:
    body = client.get("/api/health").get_json()
    assert body["status"] == "degraded"  # the default board never said online
    assert body["boards"] == {
        "test": {"online": False, "last_seen": None, "store": None, "store_error": None}
    }
    renderer.boot()
    body = client.get("/api/health").get_json()
    assert body["success"] is True and body["status"] == "ok"
    assert body["mqtt"] == {"connected": True, "broker": "mqtt://127.0.0.1:1883"}
    assert body["boards"]["test"]["online"] is True
    mqtt.deliver("retroboard/test/health", b'{"store":"degraded","error":"disk full"}')
    body = client.get("/api/health").get_json()
    assert body["status"] == "degraded"
    assert body["boards"]["test"]["store"] == "degraded"
    assert body["boards"]["test"]["store_error"] == "disk full"
    mqtt.deliver("retroboard/test/health", b'{"store":"ok","error":null}')
    assert client.get("/api/health").get_json()["status"] == "ok"
    mqtt.connected = False
    response = client.get("/api/health")
    assert response.status_code == 200 and response.get_json()["status"] == "degraded"


def test_reads_return_state_payload_fields(client: FlaskClient, renderer: ScriptedRenderer) -> None:
    renderer.boot()
    apps = served("apps_list", APPS_LIST)
    assert client.get("/api/apps").get_json() == {"success": True, **apps}
    assert client.get("/api/current").get_json() == {"success": True, **CURRENT_APP}
    settings = served("settings", SETTINGS)
    assert client.get("/api/settings").get_json() == {"success": True, **settings}
    assert client.get("/api/carousel").get_json() == {
        "success": True,
        **served("carousel_config", CAROUSEL),
    }
    assert client.get("/api/realtime").get_json() == {"success": True, **REALTIME}
    assert client.get("/api/apps/scroll_text/config").get_json() == {
        "success": True,
        "app": "scroll_text",
        "type": "scroll_text",
        "config": {"text": "Hello"},
        "schema": APP_TYPES["types"]["scroll_text"]["schema"],
    }
    assert client.get("/api/app-types").get_json() == {"success": True, **APP_TYPES}
    assert client.get("/api/apps/scroll_text").get_json() == {
        "success": True,
        "id": "scroll_text",
        "type": "scroll_text",
        "config": {"text": "Hello"},
        "stale": False,
        "error": None,
        "origin": None,
        "pushed_at": None,
    }
    settings = served("settings", SETTINGS)
    assert client.get("/api/boards/test/settings").get_json() == {"success": True, **settings}


def test_read_before_any_state_is_503(client: FlaskClient) -> None:
    response = client.get("/api/settings")
    assert response.status_code == 503
    assert response.get_json()["success"] is False


def test_unknown_app_config_is_404(client: FlaskClient, renderer: ScriptedRenderer) -> None:
    renderer.boot()
    response = client.get("/api/apps/nope/config")
    assert response.status_code == 404
    assert response.get_json()["details"] == [{"loc": ["app"], "msg": "unknown app"}]


@pytest.mark.parametrize("board", ["other", "-x", "a" * 65, "x y"])
def test_unknown_board_is_404(client: FlaskClient, board: str) -> None:
    for method, path in [("get", "settings"), ("post", "settings"), ("get", "health")]:
        response = getattr(client, method)(f"/api/boards/{board}/{path}", json={"brightness": 1})
        assert response.status_code == 404, (method, path)
        assert response.get_json()["error"].startswith("unknown board")


def test_boards_lists_seen_boards_and_the_default(client: FlaskClient, mqtt: FakeMqtt) -> None:
    mqtt.deliver("retroboard/kitchen/status", b"online")
    body = client.get("/api/boards").get_json()
    assert body["success"] is True
    assert [(b["id"], b["online"]) for b in body["boards"]] == [("kitchen", True), ("test", False)]
    assert client.get("/api/boards/kitchen/health").get_json()["boards"].keys() == {"kitchen"}


# --- commands ------------------------------------------------------------------------


def test_switch_answers_with_the_new_state(
    client: FlaskClient, mqtt: FakeMqtt, renderer: ScriptedRenderer
) -> None:
    renderer.boot()
    new = {"app": "scroll_text", "config": {"text": "Hi"}}
    renderer.replies["switch"] = success({"current_app": new, "apps_list": APPS_LIST})
    response = client.post("/api/switch", json={"app": "scroll_text", "config": {"text": "Hi"}})
    assert response.status_code == 200
    assert response.get_json() == {"success": True, **new}
    command = mqtt.commands("switch")[0].json()
    assert command["app"] == "scroll_text" and command["config"] == {"text": "Hi"}


@pytest.mark.parametrize(
    ("method", "path", "body", "verb", "state"),
    [
        ("post", "/api/stop", None, "stop", {"current_app": {"app": None, "config": {}}}),
        ("post", "/api/settings", {"brightness": 10}, "settings", {"settings": {"brightness": 10}}),
        ("post", "/api/carousel", {"enabled": False}, "carousel", {"carousel_config": CAROUSEL}),
        ("post", "/api/carousel/next", None, "next", {"carousel_config": CAROUSEL}),
        ("post", "/api/config", {"font": "9x18"}, "config", {"current_app": CURRENT_APP}),
        (
            "post",
            "/api/realtime",
            {"enabled": False},
            "realtime",
            {"realtime": {**REALTIME, "enabled": False}},
        ),
        (
            "post",
            "/api/boards/test/stop",
            None,
            "stop",
            {"current_app": {"app": None, "config": {}}},
        ),
    ],
)
def test_commands_return_the_state_they_changed(
    client: FlaskClient,
    mqtt: FakeMqtt,
    renderer: ScriptedRenderer,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    verb: str,
    state: dict[str, Any],
) -> None:
    renderer.boot()
    renderer.replies[verb] = success(state)
    response = getattr(client, method)(path, json=body) if body else getattr(client, method)(path)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"success": True, **next(iter(state.values()))}
    assert len(mqtt.commands(verb)) == 1


def test_app_config_post_answers_with_that_app(
    client: FlaskClient, mqtt: FakeMqtt, renderer: ScriptedRenderer
) -> None:
    renderer.boot()
    apps_list = json.loads(json.dumps(APPS_LIST))
    apps_list["instances"]["scroll_text"]["config"] = {"text": "Yo"}
    renderer.replies["config"] = success({"apps_list": apps_list})
    response = client.post("/api/apps/scroll_text/config", json={"text": "Yo"})
    assert response.status_code == 200
    assert response.get_json()["config"] == {"text": "Yo"}
    assert mqtt.commands("config")[0].json()["app"] == "scroll_text"


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("malformed", 400),
        ("too_large", 413),
        ("unknown_app", 404),
        ("invalid", 422),
        ("conflict", 409),
        ("queue_full", 429),
        ("internal", 500),
    ],
)
def test_renderer_refusals_map_to_statuses(
    client: FlaskClient, renderer: ScriptedRenderer, code: str, status: int
) -> None:
    renderer.boot()
    details = [{"loc": ["app"], "msg": "why"}]
    renderer.replies["switch"] = {"success": False, "code": code, "error": "no", "details": details}
    response = client.post("/api/switch", json={"app": "clock"})
    assert response.status_code == status
    assert response.get_json() == {"success": False, "error": "no", "details": details}


def test_config_details_name_the_body_fields(
    client: FlaskClient, renderer: ScriptedRenderer
) -> None:
    renderer.boot()
    renderer.replies["config"] = {
        "success": False,
        "code": "invalid",
        "error": "invalid config for clock: font: unknown font",
        "details": [{"loc": ["config", "font"], "msg": "unknown font"}],
    }
    # Fonts the api knows, refused by this (scripted) renderer all the same.
    response = client.post("/api/apps/clock/config", json={"font": "4x6"})
    assert response.status_code == 422
    assert response.get_json()["details"] == [{"loc": ["font"], "msg": "unknown font"}]
    response = client.post("/api/config", json={"font": "4x6"})
    assert response.get_json()["details"] == [{"loc": ["font"], "msg": "unknown font"}]


def test_unknown_app_config_post_is_404_without_a_round_trip(
    client: FlaskClient, mqtt: FakeMqtt, renderer: ScriptedRenderer
) -> None:
    renderer.boot()
    assert client.post("/api/apps/nope/config", json={"x": 1}).status_code == 404
    assert mqtt.commands() == []


def test_offline_renderer_is_503(
    client: FlaskClient, mqtt: FakeMqtt, renderer: ScriptedRenderer
) -> None:
    renderer.boot()
    mqtt.deliver("retroboard/test/status", b"offline")
    response = client.post("/api/settings", json={"brightness": 3})
    assert response.status_code == 503
    assert "offline" in response.get_json()["error"]
    assert mqtt.commands() == []
    assert client.get("/api/settings").get_json()["brightness"] == 75  # last known state


def test_silent_renderer_is_504(client: FlaskClient, renderer: ScriptedRenderer) -> None:
    renderer.boot()
    response = client.post("/api/stop")
    assert response.status_code == 504
    assert response.get_json()["success"] is False


# --- bad input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "status", "error"),
    [
        ({"data": "{bad", "content_type": "application/json"}, 400, "malformed JSON"),
        ({"data": "", "content_type": "application/json"}, 400, "malformed JSON"),
        ({"data": "[1, 2]", "content_type": "application/json"}, 400, "JSON object"),
        ({}, 400, "JSON object"),
        ({"data": "brightness=3"}, 415, "application/json"),
        ({"data": '{"brightness": 3}', "content_type": "text/plain"}, 415, "application/json"),
        ({"json": {"brightness": 3, "pad": "x" * 20_000}}, 413, "larger than"),
        ({"json": {"brightness": 101}}, 422, "brightness"),
        ({"json": {"brightness": "dim"}}, 422, "brightness"),
        ({"json": {"brightness": 3, "extra": 1}}, 422, "extra"),
        # Strict types: JSON's true is not the number 1, "40" is not 40.
        ({"json": {"brightness": True}}, 422, "brightness"),
        ({"json": {"brightness": "40"}}, 422, "brightness"),
        ({"json": {"brightness": 40.5}}, 422, "brightness"),
    ],
)
def test_bad_bodies_are_refused_before_any_command(
    client: FlaskClient,
    mqtt: FakeMqtt,
    renderer: ScriptedRenderer,
    kwargs: dict[str, Any],
    status: int,
    error: str,
) -> None:
    renderer.boot()
    response = client.post("/api/settings", **kwargs)
    assert response.status_code == status
    body = response.get_json()
    assert body["success"] is False and error in body["error"]
    assert isinstance(body["details"], list)
    assert mqtt.commands() == []


@pytest.mark.parametrize(
    "body", [{"enabled": 1}, {"enabled": "off"}, {}, {"enabled": False, "protocol": "ddp"}]
)
def test_a_bad_realtime_switch_is_refused_before_any_command(
    client: FlaskClient, mqtt: FakeMqtt, renderer: ScriptedRenderer, body: dict[str, Any]
) -> None:
    renderer.boot()
    response = client.post("/api/realtime", json=body)
    assert response.status_code == 422
    assert response.get_json()["details"][0]["loc"][0] in ("enabled", "protocol")
    assert mqtt.commands("realtime") == []


def test_a_whole_number_written_as_a_float_is_an_integer(
    client: FlaskClient, mqtt: FakeMqtt, renderer: ScriptedRenderer
) -> None:
    renderer.boot()
    renderer.replies["settings"] = success({"settings": {"brightness": 40}})
    assert client.post("/api/settings", json={"brightness": 40.0}).status_code == 200
    assert mqtt.commands("settings")[-1].json()["brightness"] == 40


def test_a_method_not_allowed_says_which_are(client: FlaskClient) -> None:
    response = client.delete("/api/settings")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}


def test_422_details_name_the_field(client: FlaskClient, renderer: ScriptedRenderer) -> None:
    renderer.boot()
    body = client.post("/api/carousel", json={"apps": [{"app": "clock", "duration": 0}]}).get_json()
    assert body["details"][0]["loc"] == ["apps", 0, "duration"]


def test_errors_are_json_on_every_path(client: FlaskClient) -> None:
    for method, path, status in [
        ("get", "/api/nope", 404),
        ("get", "/nope", 404),
        ("get", "/api/switch", 405),
        ("delete", "/api/settings", 405),
        ("get", "/", 404),
    ]:
        response = getattr(client, method)(path)
        assert response.status_code == status
        assert response.is_json and response.get_json()["success"] is False
    assert client.get("/").get_json()["error"] == "dashboard not built"


def test_unexpected_exception_is_json_500(
    app: Any, client: FlaskClient, renderer: ScriptedRenderer
) -> None:
    renderer.boot()

    def broken(*_args: Any) -> Any:
        raise RuntimeError("boom")

    app.extensions["retroboard"].actions.read = broken
    response = client.get("/api/current")
    assert response.status_code == 500
    assert response.get_json() == {
        "success": False,
        "error": "internal error; see the api log",
        "details": [],
    }


# --- token, CORS, dashboard ------------------------------------------------------------------


def test_token_is_required_when_set(mqtt: FakeMqtt, renderer: ScriptedRenderer) -> None:
    app = create_app(make_settings(api_token="s3cret"), mqtt)
    client = app.test_client()
    renderer.boot()
    assert client.get("/api/health").status_code == 200
    response = client.get("/api/settings")
    assert response.status_code == 401 and response.get_json()["success"] is False
    assert client.get("/api/settings", headers={"Authorization": "Bearer wrong"}).status_code == 401
    ok = client.get("/api/settings", headers={"Authorization": "Bearer s3cret"})
    assert ok.status_code == 200


def test_cors_allows_the_dev_origins_only(client: FlaskClient, renderer: ScriptedRenderer) -> None:
    renderer.boot()
    allowed = client.get("/api/settings", headers={"Origin": "http://localhost:5173"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    other = client.get("/api/settings", headers={"Origin": "http://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_serves_the_built_dashboard(tmp_path: Path, mqtt: FakeMqtt) -> None:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><div id=app></div>")
    (dist / "assets" / "app-1234.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("TOP-SECRET-CONTENT")
    client = create_app(make_settings(web_dist=dist), mqtt).test_client()

    def get(path: str) -> tuple[int, bytes, dict[str, str]]:
        with client.get(path) as response:  # closes the file send_file opened
            return response.status_code, response.get_data(), dict(response.headers)

    status, data, headers = get("/")
    assert status == 200 and b"id=app" in data
    assert headers["Cache-Control"] == "no-cache"
    status, data, headers = get("/assets/app-1234.js")
    assert status == 200 and "max-age=31536000" in headers["Cache-Control"]
    assert b"id=app" in get("/settings/brightness")[1]  # a client-side route
    assert b"TOP-SECRET" not in get("/../secret.txt")[1]
    assert b"TOP-SECRET" not in get("/..%2Fsecret.txt")[1]
    status, data, _ = get("/api/nope")
    assert status == 404 and json.loads(data)["success"] is False
    assert get("/api/switch")[0] == 405
