"""RETROBOARD_API_TOKEN against the real stack: REST and Socket.IO, both transports."""

from __future__ import annotations

from typing import Any

import pytest
import socketio

from tests.security.sio import TRANSPORTS, try_connect
from tests.support.stack import BOARD, Stack
from tests.support.states import settings_state
from tests.support.tokens import TOKEN
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration

AUTH = {"Authorization": f"Bearer {TOKEN}"}
BAD_HEADERS = [
    {},
    {"Authorization": "Bearer wrong"},
    {"Authorization": f"Bearer {TOKEN}x"},
    {"Authorization": f"Basic {TOKEN}"},
    {"Authorization": TOKEN},
    {"X-Api-Token": TOKEN},
]
SETTINGS_COMMANDS = f"retroboard/{BOARD}/cmd/settings"
# Not 3, the value the refused command carries: the fence must not be mistaken for it.
FENCE_BRIGHTNESS = 40
PROTECTED_READS = ["/api/settings", "/api/apps", "/api/boards", f"/api/boards/{BOARD}/current"]


@pytest.mark.parametrize("headers", BAD_HEADERS, ids=lambda h: next(iter(h.values()), "none"))
def test_reads_without_the_right_token_are_401_json(
    secured: Stack, headers: dict[str, str]
) -> None:
    for path in PROTECTED_READS:
        response = secured.get(path, headers=headers)
        assert response.status_code == 401, path
        assert response.headers["Content-Type"] == "application/json"
        body = response.json()
        assert body["success"] is False and "token" in body["error"] and body["details"] == []
        assert TOKEN not in response.text


def set_brightness(stack: Stack, brightness: int) -> Any:
    """Set the brightness with the token; the settings once its command was published
    and the api reads it back."""
    stack.probe.clear()
    assert stack.post("/api/settings", json={"brightness": brightness}, headers=AUTH).ok
    stack.probe.wait_for(SETTINGS_COMMANDS, lambda m: m.json()["brightness"] == brightness)

    def settings_with_it() -> Any:
        settings = stack.get("/api/settings", headers=AUTH).json()
        return settings if settings["brightness"] == brightness else None

    return wait_until(settings_with_it, timeout=5, what=f"brightness {brightness} read back")


def commands_up_to_a_fence(stack: Stack, brightness: int) -> list[tuple[str, Any]]:
    """Every command the api published since the probe was cleared, up to a fence.

    The fence is a command sent with the token that changes nothing; the api publishes
    commands in order on one connection, so a refused one would come before it.
    """
    assert stack.post("/api/settings", json={"brightness": brightness}, headers=AUTH).ok
    fence = stack.probe.wait_for(SETTINGS_COMMANDS, lambda m: m.json()["brightness"] == brightness)
    commands = [m for m in stack.probe.messages if "/cmd/" in m.topic]
    return [(m.topic, m.json()) for m in commands[: commands.index(fence) + 1]]


@pytest.mark.parametrize("headers", BAD_HEADERS[:3], ids=["none", "wrong", "longer"])
def test_commands_without_the_right_token_are_refused_and_never_sent(
    secured: Stack, headers: dict[str, str]
) -> None:
    before = set_brightness(secured, FENCE_BRIGHTNESS)
    secured.probe.clear()
    for path, body in [("/api/settings", {"brightness": 3}), ("/api/switch", {"app": "stars"})]:
        response = secured.post(path, json=body, headers=headers)
        assert response.status_code == 401 and response.json()["success"] is False
    assert secured.post("/api/stop", headers=headers).status_code == 401
    fenced = commands_up_to_a_fence(secured, before["brightness"])
    assert [(topic, body.get("brightness")) for topic, body in fenced] == [
        (SETTINGS_COMMANDS, FENCE_BRIGHTNESS)
    ]
    assert secured.get("/api/settings", headers=AUTH).json() == before


def test_the_right_token_is_accepted(secured: Stack) -> None:
    assert secured.get("/api/health").status_code == 200  # always open
    assert secured.get("/api/settings", headers=AUTH).status_code == 200
    answer = secured.post("/api/settings", json={"brightness": 61}, headers=AUTH)
    assert answer.status_code == 200 and answer.json() == {
        "success": True,
        **settings_state(61),
    }
    lower = {"Authorization": f"bearer {TOKEN}"}  # the scheme is case-insensitive
    assert secured.get("/api/settings", headers=lower).status_code == 200


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize(
    ("auth", "query"),
    [(None, ""), ({"token": "wrong"}, ""), ({}, "?token=wrong"), ({"board": BOARD}, "")],
    ids=["none", "wrong", "wrong-query", "board-only"],
)
def test_socketio_without_the_right_token_is_refused(
    secured: Stack, transport: str, auth: dict[str, str] | None, query: str
) -> None:
    result = try_connect(secured, transport, query=query, auth=auth)
    assert isinstance(result, str), "connected without the token"
    assert "token" in result


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_socketio_with_the_token_gets_state_and_may_command(secured: Stack, transport: str) -> None:
    received: list[str] = []
    client = socketio.Client(reconnection=False)
    client.on("*", lambda event, *_args: received.append(event))
    client.connect(secured.url, transports=[transport], wait_timeout=5, auth={"token": TOKEN})
    try:
        answer = client.call("settings", {"brightness": 44}, timeout=10)
        assert answer == {"success": True, **settings_state(44)}
        assert {"apps_list", "current_app", "settings", "board_status"} <= set(received)
    finally:
        client.disconnect()
    by_query = try_connect(secured, transport, query=f"?token={TOKEN}")
    assert isinstance(by_query, socketio.Client)
    by_query.disconnect()


def test_the_token_never_reaches_the_api_log(secured: Stack) -> None:
    start = len(secured.api.output())
    for transport in TRANSPORTS:
        client = try_connect(secured, transport, query=f"?token={TOKEN}")
        assert isinstance(client, socketio.Client)
        client.disconnect()
    assert secured.get("/api/settings", headers=AUTH).ok
    # The access lines are written as the requests end, in order: the last one's is the fence.
    wait_until(
        lambda: '"GET /api/settings HTTP/1.1"' in secured.api.output()[start:],
        timeout=5,
        what="the access line of the last request",
    )
    log = secured.api.output()
    assert "token=***" in log  # the query-string token was there, masked
    assert TOKEN not in log
