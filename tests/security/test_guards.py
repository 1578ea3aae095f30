"""The api's guards on fakes: public reads with a token, origins refused, URLs masked.

The real-stack tests next to this file cover the token and origins end to end; these
cover the settings combinations that would each need another stack.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

import pytest

from retroboard_api import create_app
from retroboard_common.logs import RedactingFilter, redact
from retroboard_common.settings import MqttUrl, ServiceSettings, load_settings, mask_url
from retroboard_common.sio_queue import check_queue_url
from tests.support.api_app import make_settings
from tests.support.api_fakes import FakeMqtt, ScriptedRenderer

TOKEN = "t0ken-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SETTINGS_OK = {"success": True, "state": {"settings": {"brightness": 5}}}


@pytest.fixture
def public_reads(mqtt: FakeMqtt, renderer: ScriptedRenderer) -> Any:
    application = create_app(make_settings(api_token=TOKEN, public_reads=True), mqtt)
    renderer.boot()
    renderer.replies["settings"] = SETTINGS_OK
    return application


def test_public_reads_open_gets_but_not_commands(public_reads: Any, mqtt: FakeMqtt) -> None:
    client = public_reads.test_client()
    assert client.get("/api/settings").status_code == 200
    assert client.get("/api/boards/test/apps").status_code == 200
    assert client.get("/api/boards").status_code == 200
    refused = client.post("/api/settings", json={"brightness": 5})
    assert refused.status_code == 401 and refused.get_json()["success"] is False
    assert mqtt.commands("settings") == []
    assert client.post("/api/settings", json={"brightness": 5}, headers=AUTH).status_code == 200


def test_public_reads_document_only_commands_as_secured(public_reads: Any) -> None:
    paths = public_reads.test_client().get("/openapi/openapi.json").get_json()["paths"]
    settings = paths["/api/settings"]
    assert "security" not in settings["get"] and "401" not in settings["get"]["responses"]
    assert settings["post"]["security"] == [{"bearer": []}]
    assert "401" in settings["post"]["responses"]


def test_public_reads_let_socketio_clients_follow_but_not_command(
    public_reads: Any, mqtt: FakeMqtt
) -> None:
    socketio = public_reads.extensions["socketio"]
    reader = socketio.test_client(public_reads)
    assert reader.is_connected()
    names = [item["name"] for item in reader.get_received()]
    assert "settings" in names and "board_status" in names
    answer = reader.emit("settings", {"brightness": 9}, callback=True)
    assert answer["success"] is False and "token" in answer["error"]
    assert mqtt.commands("settings") == []
    writer = socketio.test_client(public_reads, auth={"token": TOKEN})
    assert writer.emit("settings", {"brightness": 9}, callback=True)["success"] is True


def test_without_public_reads_every_get_needs_the_token(
    mqtt: FakeMqtt, renderer: ScriptedRenderer
) -> None:
    client = create_app(make_settings(api_token=TOKEN), mqtt).test_client()
    renderer.boot()
    for path in ("/api/settings", "/api/boards", "/api/boards/test/health"):
        assert client.get(path).status_code == 401, path
    assert client.get("/api/health").status_code == 200
    paths = client.get("/openapi/openapi.json").get_json()["paths"]
    assert paths["/api/settings"]["get"]["security"] == [{"bearer": []}]


def test_a_non_ascii_token_is_refused_not_a_crash(
    mqtt: FakeMqtt, renderer: ScriptedRenderer
) -> None:
    app = create_app(make_settings(api_token=TOKEN), mqtt)
    renderer.boot()
    response = app.test_client().get("/api/settings", headers={"Authorization": "Bearer tök"})
    assert response.status_code == 401
    client = app.extensions["socketio"].test_client(app, auth={"token": "tök"})
    assert not client.is_connected()


@pytest.mark.parametrize("method", ["GET", "POST", "OPTIONS"])
def test_a_disallowed_origin_is_refused_before_anything_runs(
    client: Any, renderer: ScriptedRenderer, mqtt: FakeMqtt, method: str
) -> None:
    renderer.boot()
    headers = {"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"}
    response = client.open("/api/settings", method=method, json={"brightness": 1}, headers=headers)
    assert response.status_code == 403
    assert response.get_json()["success"] is False
    assert "Access-Control-Allow-Origin" not in response.headers
    assert mqtt.commands("settings") == []


def test_same_origin_and_listed_origins_pass(client: Any, renderer: ScriptedRenderer) -> None:
    renderer.boot()
    renderer.replies["settings"] = SETTINGS_OK
    same = client.post(
        "/api/settings", json={"brightness": 1}, headers={"Origin": "http://localhost"}
    )
    assert same.status_code == 200  # the test client's Host is "localhost"
    listed = client.get("/api/settings", headers={"Origin": "http://localhost:5173"})
    assert listed.status_code == 200
    assert listed.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    proxied = client.get(
        "/api/settings",
        headers={
            "Origin": "https://board.example",
            "X-Forwarded-Host": "board.example",
            "X-Forwarded-Proto": "https",
        },
    )
    assert proxied.status_code == 200


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("mqtt://user:s3cret@host:1883", "mqtt://user:***@host:1883"),
        ("redis://:s3cret@host:6379/0", "redis://:***@host:6379/0"),
        ("mqtts://user@host", "mqtts://user@host"),
        ("mqtt://host", "mqtt://host"),
        ("not a url", "not a url"),
    ],
)
def test_mask_url(url: str, masked: str) -> None:
    assert mask_url(url) == masked


@pytest.mark.parametrize(
    "url", ["http://user:s3cret@host", "mqtt://user:s3cret@host:port", "mqtt://user:s3cret@"]
)
def test_bad_broker_urls_never_echo_the_password(url: str) -> None:
    with pytest.raises(ValueError) as caught:
        MqttUrl.parse(url)
    assert "s3cret" not in str(caught.value)
    with pytest.raises(ValueError) as caught:
        check_queue_url(url)
    assert "s3cret" not in str(caught.value)


def test_bad_setting_line_never_shows_the_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MQTT_URL", "http://user:s3cret@broker")
    with pytest.raises(SystemExit):
        load_settings(ServiceSettings, "retroboard-test")
    err = capsys.readouterr().err
    assert "invalid setting MQTT_URL" in err and "s3cret" not in err


@pytest.mark.parametrize(
    ("line", "clean"),
    [
        (
            '"GET /socket.io/?token=abc123&EIO=4 HTTP/1.1" 200',
            '"GET /socket.io/?token=***&EIO=4 HTTP/1.1" 200',
        ),
        ("broker mqtts://user:pw@host:8883 up", "broker mqtts://user:***@host:8883 up"),
        ("queue redis://:pw@redis:6379/0", "queue redis://:***@redis:6379/0"),
        ("the token is s3cret-value", "the token is ***"),
        ("mqtt://host:1883 and /api/settings", "mqtt://host:1883 and /api/settings"),
    ],
)
def test_log_lines_are_redacted(line: str, clean: str) -> None:
    assert redact(line, ["s3cret-value"]) == clean


def test_the_redacting_filter_masks_formatted_records() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "auth %s at %s", ("s3cret", "?token=abc"), None
    )
    assert RedactingFilter(["s3cret", None]).filter(record) is True
    assert record.getMessage() == "auth *** at ?token=***"


def test_none_allows_only_the_api_s_own_origin(mqtt: FakeMqtt, renderer: ScriptedRenderer) -> None:
    app = create_app(make_settings(cors_origins="none"), mqtt)
    renderer.boot()
    client = app.test_client()
    assert client.get("/api/settings", headers={"Origin": "http://localhost"}).status_code == 200
    dev = client.get("/api/settings", headers={"Origin": "http://localhost:5173"})
    assert dev.status_code == 403
    # Socket.IO's handshake asks the same policy (its test client skips the check).
    policy = app.extensions["socketio"].server.eio.cors_allowed_origins
    assert policy("http://localhost:5173", {"HTTP_HOST": "localhost"}) is False
    assert policy("http://localhost", {"HTTP_HOST": "localhost"}) is True


@pytest.mark.parametrize(
    "where",
    [
        {"query_string": {"token": TOKEN}},
        {"headers": {"Cookie": f"token={TOKEN}"}},
        {"headers": {"Authorization": f"Token {TOKEN}"}},
        {"headers": {"Authorization": TOKEN}},
        {"headers": {"X-Api-Key": TOKEN}},
    ],
    ids=["query", "cookie", "other-scheme", "no-scheme", "other-header"],
)
def test_rest_takes_the_token_only_as_a_bearer_header(
    mqtt: FakeMqtt, renderer: ScriptedRenderer, where: dict[str, Any]
) -> None:
    client = create_app(make_settings(api_token=TOKEN), mqtt).test_client()
    renderer.boot()
    assert client.get("/api/settings", **where).status_code == 401
    assert client.get("/api/settings", headers=AUTH).status_code == 200


def test_every_token_compare_is_timing_safe(
    mqtt: FakeMqtt, renderer: ScriptedRenderer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """REST and Socket.IO compare the token with ``hmac.compare_digest``, never ``==``."""
    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def recording(given: bytes, expected: bytes) -> bool:
        compared.append((given, expected))
        return real(given, expected)

    monkeypatch.setattr(hmac, "compare_digest", recording)
    application = create_app(make_settings(api_token=TOKEN), mqtt)
    renderer.boot()
    assert application.test_client().get("/api/settings", headers=AUTH).status_code == 200
    assert compared == [(TOKEN.encode(), TOKEN.encode())]
    compared.clear()
    sio = application.extensions["socketio"].test_client(application, auth={"token": "wrong"})
    assert not sio.is_connected()
    assert compared == [(b"wrong", TOKEN.encode())]
