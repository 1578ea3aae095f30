"""Finding 4 of issue 18: with no token (compose's default), a page on a DNS-rebinding
domain sent ``Host: evil.example:<port>`` with ``Origin: http://evil.example:<port>``,
passed the same-origin check and drove the board. Against a real gunicorn api."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any

import pytest
import websocket

from tests.security.sio import extra_api
from tests.support.stack import BOARD, Stack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def open_api(secured: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """An api without a token, as compose starts it, naming one extra host."""
    with extra_api(
        secured, tmp_path_factory.mktemp("open"), RETROBOARD_ALLOWED_HOSTS="board.example"
    ) as stack:
        yield stack


def request(stack: Stack, method: str, path: str, host: str, body: Any = None) -> tuple[int, Any]:
    """A request with ``Host: host`` and the matching browser ``Origin``."""
    connection = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=10)
    headers = {"Host": host, "Origin": f"http://{host}", "Content-Type": "application/json"}
    try:
        data = None if body is None else json.dumps(body)
        connection.request(method, path, body=data, headers=headers)
        answer = connection.getresponse()
        raw = answer.read()
        return answer.status, json.loads(raw) if raw.startswith(b"{") else raw
    finally:
        connection.close()


def test_a_rebinding_host_is_refused_on_every_route(open_api: Stack) -> None:
    evil = f"evil.example:{open_api.port}"
    before = open_api.get("/api/settings").json()
    for method, path, body in [
        ("POST", "/api/settings", {"brightness": 3}),
        ("GET", "/api/settings", None),
        ("GET", "/api/health", None),
        ("GET", "/", None),
        ("GET", "/socket.io/?EIO=4&transport=polling", None),
    ]:
        status, answer = request(open_api, method, path, evil, body)
        assert status == 421, (path, answer)
        assert answer["success"] is False and "evil.example" in answer["error"]
    assert open_api.get("/api/settings").json() == before


def test_a_rebinding_host_gets_no_websocket_session(open_api: Stack) -> None:
    evil = f"evil.example:{open_api.port}"
    url = f"ws://127.0.0.1:{open_api.port}/socket.io/?EIO=4&transport=websocket"

    def first_packet(host: str) -> str:
        ws = websocket.create_connection(url, host=host, origin=f"http://{host}", timeout=10)
        try:
            received = ws.recv()  # gevent-websocket upgrades before the app can refuse
        except websocket.WebSocketConnectionClosedException:
            return ""
        finally:
            ws.close()
            ws.shutdown()  # type: ignore[no-untyped-call]  # close() leaves a closed-by-server socket open
        return received if isinstance(received, str) else received.decode()

    # Our own host gets Engine.IO's open packet, the rebinding one only a closed socket.
    assert first_packet(f"127.0.0.1:{open_api.port}").startswith("0{")
    assert first_packet(evil) == ""


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "retroboard.local", "board.example"])
def test_the_apis_own_hosts_are_served(open_api: Stack, name: str) -> None:
    status, answer = request(
        open_api, "POST", "/api/settings", f"{name}:{open_api.port}", {"brightness": 21}
    )
    assert status == 200 and answer["brightness"] == 21
    open_api.probe.wait_for(
        f"retroboard/{BOARD}/state/settings", lambda m: m.json()["brightness"] == 21
    )
