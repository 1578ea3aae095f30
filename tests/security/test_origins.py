"""RETROBOARD_CORS_ORIGINS against the real stack: only listed origins and the api's own
may use REST and Socket.IO from a browser."""

from __future__ import annotations

from typing import Any

import pytest
import socketio

from tests.security.sio import TRANSPORTS, engineio_open_packet, try_connect
from tests.support.stack import BOARD, Stack
from tests.support.tokens import ALLOWED_ORIGIN, TOKEN

pytestmark = pytest.mark.integration

AUTH = {"Authorization": f"Bearer {TOKEN}"}
EVIL = "http://evil.example"
# Not allowed either: another scheme, port or host than the listed origin.
OTHER_ORIGINS = [EVIL, "http://dashboard.example", "https://dashboard.example:8443", "null"]
# Not 7, the value the refused command carries: the fence must not be mistaken for it.
FENCE_BRIGHTNESS = 70


def commands_up_to_a_fence(stack: Stack) -> list[tuple[str, Any]]:
    """Every command the api published since the probe was cleared, up to a fence.

    The fence is a command sent with the token from the api's own origin; the api
    publishes commands in order on one connection, so a refused one would come before it.
    """
    headers = {**AUTH, "Origin": stack.url}
    assert stack.post("/api/settings", json={"brightness": FENCE_BRIGHTNESS}, headers=headers).ok
    fence = stack.probe.wait_for(
        f"retroboard/{BOARD}/cmd/settings", lambda m: m.json()["brightness"] == FENCE_BRIGHTNESS
    )
    commands = [m for m in stack.probe.messages if "/cmd/" in m.topic]
    return [(m.topic, m.json()) for m in commands[: commands.index(fence) + 1]]


@pytest.mark.parametrize("origin", OTHER_ORIGINS)
def test_rest_from_another_origin_is_403_and_sends_nothing(secured: Stack, origin: str) -> None:
    secured.probe.clear()
    headers = {**AUTH, "Origin": origin}  # even with the token
    command = secured.post("/api/settings", json={"brightness": 7}, headers=headers)
    assert command.status_code == 403
    assert command.json()["success"] is False and "origin" in command.json()["error"]
    assert "Access-Control-Allow-Origin" not in command.headers
    read = secured.get("/api/settings", headers=headers)
    assert read.status_code == 403 and "Access-Control-Allow-Origin" not in read.headers
    fenced = commands_up_to_a_fence(secured)
    assert [(topic, body.get("brightness")) for topic, body in fenced] == [
        (f"retroboard/{BOARD}/cmd/settings", FENCE_BRIGHTNESS)
    ]


def test_preflight_from_another_origin_is_refused(secured: Stack) -> None:
    preflight = secured.http.options(
        f"{secured.url}/api/settings",
        headers={
            "Origin": EVIL,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
        timeout=10,
    )
    assert preflight.status_code == 403
    assert "Access-Control-Allow-Origin" not in preflight.headers


def test_the_listed_origin_gets_cors_headers(secured: Stack) -> None:
    preflight = secured.http.options(
        f"{secured.url}/api/settings",
        headers={
            "Origin": ALLOWED_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
        timeout=10,
    )
    assert preflight.ok
    assert preflight.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()
    headers = {**AUTH, "Origin": ALLOWED_ORIGIN}
    answer = secured.post("/api/settings", json={"brightness": 8}, headers=headers)
    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN


def test_the_api_s_own_origin_is_allowed(secured: Stack) -> None:
    headers = {**AUTH, "Origin": secured.url}  # the dashboard it serves itself
    assert secured.post("/api/settings", json={"brightness": 9}, headers=headers).ok


def test_socketio_polling_from_another_origin_is_refused(secured: Stack) -> None:
    result = try_connect(secured, "polling", auth={"token": TOKEN}, origin=EVIL)
    assert isinstance(result, str), "connected from a disallowed origin"
    handshake = secured.get("/socket.io/?EIO=4&transport=polling", headers={"Origin": EVIL})
    assert handshake.status_code == 400 and "origin" in handshake.text.lower()


def test_socketio_websocket_from_another_origin_is_refused(secured: Stack) -> None:
    assert engineio_open_packet(secured, EVIL) == ""
    assert engineio_open_packet(secured, ALLOWED_ORIGIN).startswith('0{"sid"')


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("origin", [ALLOWED_ORIGIN, "own"])
def test_socketio_from_allowed_origins_connects(
    secured: Stack, transport: str, origin: str
) -> None:
    claimed = secured.url if origin == "own" else origin
    result = try_connect(secured, transport, auth={"token": TOKEN}, origin=claimed)
    assert isinstance(result, socketio.Client), result
    result.disconnect()
