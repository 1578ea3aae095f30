"""RETROBOARD_API_TOKEN against the real stack: REST and Socket.IO, both transports."""

from __future__ import annotations

import time

import pytest
import socketio

from tests.api.stack import BOARD, Stack
from tests.security.conftest import TOKEN
from tests.security.sio import TRANSPORTS, try_connect

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


@pytest.mark.parametrize("headers", BAD_HEADERS[:3], ids=["none", "wrong", "longer"])
def test_commands_without_the_right_token_are_refused_and_never_sent(
    secured: Stack, headers: dict[str, str]
) -> None:
    before = secured.get("/api/settings", headers=AUTH).json()
    secured.probe.clear()
    for path, body in [("/api/settings", {"brightness": 3}), ("/api/switch", {"app": "stars"})]:
        response = secured.post(path, json=body, headers=headers)
        assert response.status_code == 401 and response.json()["success"] is False
    assert secured.post("/api/stop", headers=headers).status_code == 401
    time.sleep(0.3)  # a command sent anyway would have arrived by now
    assert not [m for m in secured.probe.messages if "/cmd/" in m.topic]
    assert secured.get("/api/settings", headers=AUTH).json() == before


def test_the_right_token_is_accepted(secured: Stack) -> None:
    assert secured.get("/api/health").status_code == 200  # always open
    assert secured.get("/api/settings", headers=AUTH).status_code == 200
    answer = secured.post("/api/settings", json={"brightness": 61}, headers=AUTH)
    assert answer.status_code == 200 and answer.json() == {"success": True, "brightness": 61}
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
        assert answer == {"success": True, "brightness": 44}
        assert {"apps_list", "current_app", "settings", "board_status"} <= set(received)
    finally:
        client.disconnect()
    by_query = try_connect(secured, transport, query=f"?token={TOKEN}")
    assert isinstance(by_query, socketio.Client)
    by_query.disconnect()


def test_the_token_never_reaches_the_api_log(secured: Stack) -> None:
    for transport in TRANSPORTS:
        client = try_connect(secured, transport, query=f"?token={TOKEN}")
        assert isinstance(client, socketio.Client)
        client.disconnect()
    secured.get("/api/settings", headers=AUTH)
    time.sleep(0.3)  # the access lines are written as the requests end
    log = secured.api.output()
    assert "token=***" in log  # the query-string token was there, masked
    assert TOKEN not in log
