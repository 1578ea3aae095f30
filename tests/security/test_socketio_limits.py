"""Findings 8, 11 and 13 of issue 18, against a real gunicorn api.

8. 15,000 Engine.IO handshakes without a token were all accepted (170 → 352 MB): a
   session without the token now takes a *guest* slot, bounded per address and in all.
11. A polling ``POST`` over ``SOCKETIO_MAX_MESSAGE_BYTES`` was never answered.
13. A refused connect showed ``{'message': '…'}`` in the dashboard, not the sentence.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import socketio

from tests.security.sio import PUBLIC_READS, RawEngineIO, extra_api
from tests.support.stack import Stack
from tests.support.tokens import TOKEN

pytestmark = pytest.mark.integration

PER_ADDRESS = 4
IN_ALL = 6
NEIGHBOUR = "127.0.0.2"  # another loopback address: Linux routes all of 127/8 here


@pytest.fixture(scope="module")
def bounded(secured: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """An api with the token, public reads and small guest bounds."""
    with extra_api(
        secured,
        tmp_path_factory.mktemp("bounded"),
        **PUBLIC_READS,
        SOCKETIO_MAX_GUESTS=str(IN_ALL),
        SOCKETIO_MAX_GUESTS_PER_ADDRESS=str(PER_ADDRESS),
        SOCKETIO_MAX_MESSAGE_BYTES="2048",
    ) as stack:
        yield stack


def handshake(stack: Stack, source: str = "127.0.0.1") -> tuple[int, Any]:
    """One Engine.IO polling handshake from ``source``: its status and body."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", stack.port, timeout=10, source_address=(source, 0)
    )
    try:
        connection.request("GET", "/socket.io/?EIO=4&transport=polling")
        answer = connection.getresponse()
        body = answer.read().decode()
    finally:
        connection.close()
    if answer.status == 200:
        assert body.startswith("0"), body
        return 200, json.loads(body[1:])
    return answer.status, json.loads(body)


def close_session(stack: Stack, sid: str) -> None:
    """Close a polling session as a client leaving would (Engine.IO ``1``)."""
    url = f"{stack.url}/socket.io/?EIO=4&transport=polling&sid={sid}"
    assert requests.post(url, data="1", timeout=10).text == "OK"


def test_handshakes_without_the_token_are_bounded_per_address_and_in_all(
    bounded: Stack,
) -> None:
    opened = [handshake(bounded) for _ in range(PER_ADDRESS)]
    assert [status for status, _ in opened] == [200] * PER_ADDRESS
    status, body = handshake(bounded)
    assert status == 429 and body["success"] is False and "this address" in body["error"]

    # Another address still gets in, up to the total …
    neighbours = [handshake(bounded, NEIGHBOUR) for _ in range(IN_ALL - PER_ADDRESS)]
    assert [status for status, _ in neighbours] == [200] * (IN_ALL - PER_ADDRESS)
    status, body = handshake(bounded, NEIGHBOUR)
    assert status == 503 and "try again later" in body["error"]

    # … and a session that ends gives its slot back.
    for _, session in opened + neighbours:
        close_session(bounded, session["sid"])
    status, body = handshake(bounded)
    assert status == 200
    close_session(bounded, body["sid"])


def test_a_client_with_the_token_is_no_guest(bounded: Stack) -> None:
    clients = []
    for _ in range(PER_ADDRESS + 2):  # more than an address's guest slots
        client = socketio.Client(reconnection=False)
        client.connect(bounded.url, transports=["polling"], auth={"token": TOKEN}, wait_timeout=5)
        clients.append(client)
    try:
        status, body = handshake(bounded)  # the guest slots are all still free
        assert status == 200
        close_session(bounded, body["sid"])
    finally:
        for client in clients:
            client.disconnect()


def test_an_oversized_polling_post_is_answered_and_ends_the_session(bounded: Stack) -> None:
    session = RawEngineIO(bounded, "polling")
    url = f"{bounded.url}/socket.io/?EIO=4&transport=polling&sid={session.sid}"
    too_big = "4" + '2["settings",{"text":"' + "x" * 4096 + '"}]'
    try:
        answer = requests.post(url, data=too_big, timeout=10)
        assert answer.status_code == 413
        assert answer.json()["error"].startswith("a Socket.IO message is at most 2048 bytes")
        # The session is over: the next poll is refused, as the server forgot it.
        assert requests.get(url, timeout=10).status_code == 400
    finally:
        session.close()


def test_a_refused_connect_says_the_plain_sentence(secured: Stack) -> None:
    session = RawEngineIO(secured, "polling")
    try:
        session.send("40")  # no token, no public reads: refused
        refusal = session.receive_until(lambda item: item.startswith("44"))
    finally:
        session.close()
    # What socket.io-client hands the dashboard as the error's data.
    assert json.loads(refusal[2:]) == {"message": "a valid token is required"}
