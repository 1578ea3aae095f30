"""Limits against the real stack: text and carousel lengths, names that look like paths,
oversized Socket.IO messages. Oversized and malformed REST bodies are covered by
tests/api/test_integration_rest.py, oversized MQTT commands by
tests/renderer/test_mqtt_contract.py."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
import socketio

from retroboard_common.models import MAX_CAROUSEL_APPS
from tests.support.stack import Stack
from tests.support.tokens import TOKEN

pytestmark = pytest.mark.integration

AUTH = {"Authorization": f"Bearer {TOKEN}"}
MAX_TEXT_LENGTH = 500  # scroll_text's text, as its JSON Schema says


def state(stack: Stack) -> dict[str, Any]:
    """Every state payload of the default board, read with the token."""
    paths = ("apps", "current", "settings", "carousel")
    return {path: stack.get(f"/api/{path}", headers=AUTH).json() for path in paths}


def refused(stack: Stack, path: str, body: Any, status: int) -> dict[str, Any]:
    """POST ``body``; it must be refused with ``status`` and change nothing."""
    before = state(stack)
    response = stack.post(path, json=body, headers=AUTH)
    assert response.status_code == status, response.text
    answer: dict[str, Any] = response.json()
    assert answer["success"] is False
    assert state(stack) == before
    return answer


@pytest.fixture
def stack(secured: Stack) -> Stack:
    return secured


def test_the_text_limit_is_in_the_schema_and_enforced(stack: Stack) -> None:
    schema = stack.get("/api/app-types", headers=AUTH).json()["types"]["scroll_text"]
    text_schema = json.dumps(schema)
    assert f'"maxLength": {MAX_TEXT_LENGTH}' in text_schema
    ok = stack.post(
        "/api/apps/scroll_text/config", json={"text": "x" * MAX_TEXT_LENGTH}, headers=AUTH
    )
    assert ok.status_code == 200, ok.text
    answer = refused(
        stack, "/api/apps/scroll_text/config", {"text": "y" * (MAX_TEXT_LENGTH + 1)}, 422
    )
    assert answer["details"][0]["loc"] == ["text"]


def test_the_carousel_length_is_limited(stack: Stack) -> None:
    entries = [{"app": "clock", "duration": 5}] * (MAX_CAROUSEL_APPS + 1)
    answer = refused(stack, "/api/carousel", {"apps": entries}, 422)
    assert answer["details"][0]["loc"] == ["apps"]


@pytest.mark.parametrize(
    "font", ["../../../../etc/passwd", "/usr/share/fonts/x.bdf", "6x10.bdf", "fonts/6x10", ""]
)
def test_fonts_are_names_never_paths(stack: Stack, font: str) -> None:
    answer = refused(stack, "/api/apps/clock/config", {"font": font}, 422)
    assert answer["details"][0]["loc"] == ["font"]


@pytest.mark.parametrize("app", ["../clock", "..%2Fclock", "clock/..", "/etc/passwd"])
def test_app_names_are_never_paths(stack: Stack, app: str) -> None:
    answer = refused(stack, "/api/switch", {"app": app}, 422)
    assert answer["details"][0]["loc"] == ["app"]
    response = stack.get(f"/api/apps/{app}/config", headers=AUTH)
    assert response.status_code == 404 and response.json()["success"] is False


@pytest.mark.parametrize("board", ["%2E%2E", "..%2F..%2Fetc", "a%00b", "x" * 65])
def test_board_ids_are_never_paths(stack: Stack, board: str) -> None:
    response = stack.get(f"/api/boards/{board}/settings", headers=AUTH)
    assert response.status_code == 404 and response.json()["success"] is False


def test_an_oversized_socketio_message_closes_that_connection(stack: Stack) -> None:
    client = socketio.Client(reconnection=False)
    gone = threading.Event()
    client.on("disconnect", lambda *_args: gone.set())
    client.connect(stack.url, transports=["websocket"], wait_timeout=5, auth={"token": TOKEN})
    before = state(stack)
    try:
        client.emit("switch", {"app": "scroll_text", "config": {"text": "z" * 100_000}})
        assert gone.wait(10), "still connected after a message over SOCKETIO_MAX_MESSAGE_BYTES"
    finally:
        client.disconnect()
        if client.eio.ws is not None:  # closed by the server: websocket-client keeps the socket
            client.eio.ws.shutdown()
    assert state(stack) == before
