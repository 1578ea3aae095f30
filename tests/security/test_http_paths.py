"""Finding 14 of issue 18: ``GET /..%2f..%2f..%2fetc%2fpasswd`` was 404 when the file
existed and the dashboard (200) when not, so an answer told which files exist."""

from __future__ import annotations

import http.client

import pytest

from tests.support.stack import Stack

pytestmark = pytest.mark.integration


def raw_get(stack: Stack, path: str) -> tuple[int, bytes]:
    """GET ``path`` exactly as written (no client-side normalising of ``..``)."""
    connection = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=10)
    try:
        connection.request("GET", path)
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


@pytest.mark.parametrize("encoded", ["..%2f", "..%2F", "%2e%2e%2f", "../"])
def test_paths_outside_the_dashboard_answer_alike_whether_the_file_exists(
    secured: Stack, encoded: str
) -> None:
    up = encoded * 6
    exists = raw_get(secured, f"/{up}etc%2fpasswd")
    missing = raw_get(secured, f"/{up}etc%2fno-such-file-here")
    assert exists == missing
    assert exists[0] == 404 and b"root:" not in exists[1]
    # The dashboard's own routes still get the page.
    status, body = raw_get(secured, "/settings/brightness")
    assert status == 200 and b"RetroBoard" in body
