"""Finding 2 of issue 18: 4,100 sockets each sending a header line every 5 s and never
finishing their request stalled the api for everyone. Against a real gunicorn api with
small limits: one address's slow sockets neither hold a connection for long nor keep
another address from being served."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
from collections.abc import Iterator

import pytest

from tests.security.sio import extra_api
from tests.support.stack import Stack, wait_until

pytestmark = pytest.mark.integration

PER_ADDRESS = 20
HEADER_TIMEOUT = 2.0
NEIGHBOUR = "127.0.0.2"  # another loopback address: another client


@pytest.fixture(scope="module", params=["gevent", "gthread"])
def guarded(
    request: pytest.FixtureRequest, secured: Stack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Stack, str]]:
    """An api with small limits, under each worker class (and its name)."""
    with extra_api(
        secured,
        tmp_path_factory.mktemp("slow"),
        RETROBOARD_API_WORKER_CLASS=request.param,
        RETROBOARD_API_THREADS="40",  # gthread: the pool slow heads would hold
        RETROBOARD_API_MAX_CONNECTIONS_PER_ADDRESS=str(PER_ADDRESS),
        RETROBOARD_API_HEADER_TIMEOUT=str(HEADER_TIMEOUT),
        RETROBOARD_API_MAX_CONNECTIONS="60",  # the whole worker: few, to be filled
    ) as stack:
        yield stack, request.param


def slow_socket(stack: Stack) -> socket.socket:
    """A connection that starts a request and never finishes its head."""
    sock = socket.create_connection(("127.0.0.1", stack.port), timeout=10)
    sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1\r\n")
    return sock


def health_from(stack: Stack, source: str) -> int:
    connection = http.client.HTTPConnection(
        "127.0.0.1", stack.port, timeout=5, source_address=(source, 0)
    )
    try:
        connection.request("GET", "/api/health")
        return connection.getresponse().status
    finally:
        connection.close()


def answer_of(sock: socket.socket) -> tuple[str, dict[str, object]]:
    """The status line and JSON body the server sent before closing ``sock``."""
    data = b""
    while chunk := sock.recv(4096):
        data += chunk
    if not data:
        return "", {}  # closed without an answer
    head, _, body = data.partition(b"\r\n\r\n")
    return head.split(b"\r\n")[0].decode(), json.loads(body)


class Trickler(threading.Thread):
    """The attack itself: a header line every half second, the head never finished."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__(daemon=True)
        self.sock = sock
        self.ended_by_server = threading.Event()
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.5):
            try:
                self.sock.sendall(b"X-More: 1\r\n")
                if self.sock.recv(4096, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b"":
                    break  # end of stream: the server closed it
            except BlockingIOError:
                continue  # nothing from the server yet
            except OSError:
                break  # reset: the server closed it
        else:
            return  # stopped by the test
        self.ended_by_server.set()


def test_slow_sockets_from_one_address_do_not_stop_other_clients(
    guarded: tuple[Stack, str],
) -> None:
    guarded_api, worker_class = guarded
    with contextlib.ExitStack() as closing:
        trickler = Trickler(closing.enter_context(slow_socket(guarded_api)))
        trickler.start()
        closing.callback(trickler.stop.set)
        # Three times what the whole worker holds, all from one address.
        attackers = [closing.enter_context(slow_socket(guarded_api)) for _ in range(180)]
        assert health_from(guarded_api, NEIGHBOUR) == 200
        # Past its share, the address is refused at once, with a reason.
        status, body = answer_of(attackers[-1])
        assert status.startswith("HTTP/1.1 429") and "this address" in str(body["error"])
        # The slow ones it was let in are cut off once their head is overdue (gevent
        # says 408 first; gthread's pool thread only sees its read end) …
        status, body = answer_of(attackers[0])
        if worker_class == "gevent":
            assert status.startswith("HTTP/1.1 408") and "request head" in str(body["error"])
        else:
            assert (status, body) == ("", {})
        # … even one that keeps sending a header line every half second.
        assert trickler.ended_by_server.wait(HEADER_TIMEOUT + 10), "the trickler is still served"
        # And the address itself is served again.
        wait_until(lambda: health_from(guarded_api, "127.0.0.1") == 200, timeout=10, what="served")
