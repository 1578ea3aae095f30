"""Finding 10 of issue 18: a chunked body over the limit was cut at 16 KiB and the
command applied, where the same body with a ``Content-Length`` got 413."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.stack import BOARD, Stack
from tests.support.states import settings_state
from tests.support.tokens import TOKEN

pytestmark = pytest.mark.integration


def chunks(body: bytes, size: int = 1000) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def post(stack: Stack, path: str, body: bytes, *, chunked: bool) -> tuple[int, Any]:
    """POST ``body`` with ``Transfer-Encoding: chunked`` or a ``Content-Length``."""
    connection = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=15)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
    try:
        if chunked:
            connection.request(
                "POST", path, body=chunks(body), headers=headers, encode_chunked=True
            )
        else:
            connection.request("POST", path, body=body, headers=headers)
        answer = connection.getresponse()
        return answer.status, json.loads(answer.read())
    finally:
        connection.close()


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_over_the_limit_is_413_however_it_is_sent(secured: Stack, chunked: bool) -> None:
    before = secured.get("/api/apps/scroll_text/config").json()
    # A complete command, then whitespace past the limit: cut at the limit, it is still
    # valid JSON, so the cut body was applied.
    body = b'{"text": "pwned by a long body"}' + b" " * (40 * 1024)
    status, answer = post(secured, "/api/apps/scroll_text/config", body, chunked=chunked)
    assert status == 413 and answer["success"] is False and "larger than" in answer["error"]
    assert secured.get("/api/apps/scroll_text/config").json() == before


def test_a_small_chunked_body_still_works(secured: Stack) -> None:
    status, answer = post(secured, "/api/settings", b'{"brightness": 33}', chunked=True)
    assert status == 200 and answer == {"success": True, **settings_state(33)}
    secured.probe.wait_for(
        f"retroboard/{BOARD}/state/settings", lambda m: m.json()["brightness"] == 33
    )
