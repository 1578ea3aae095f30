"""hypothesis sends random Socket.IO events (names, payloads, argument counts) to the
real api: every command event is answered like REST, nothing crashes, and the
connection and the service keep working."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psutil  # type: ignore[import-untyped]
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retroboard_common import contract
from tests.support.fuzzing import BACKGROUND_RANDOM, json_values
from tests.support.sio_recorder import SioRecorder
from tests.support.stack import BOARD, Stack, wait_until

pytestmark = [pytest.mark.integration, BACKGROUND_RANDOM]

EXAMPLES = 400
COMMAND_EVENTS = [*contract.COMMAND_EVENTS, contract.PREVIEW_EVENT]  # each answered
RESERVED = {"connect", "connect_error", "disconnect", "disconnecting", "message"}

near_miss = st.fixed_dictionaries(
    {},
    optional={
        "app": st.sampled_from(["clock", "stars", "nope", ""]) | json_values,
        "config": st.dictionaries(st.sampled_from(["text", "fps", "font", "z"]), json_values),
        "brightness": st.integers(-5, 120) | json_values,
        "enabled": st.booleans() | json_values,  # also the realtime event's field
        "apps": st.lists(st.fixed_dictionaries({"app": st.just("clock")}), max_size=2)
        | json_values,
        "board": st.sampled_from([BOARD, "other", "../x"]) | json_values,
    },
)
arguments = st.lists(json_values | near_miss | st.binary(max_size=32), max_size=3).map(tuple)
events = st.sampled_from([*COMMAND_EVENTS, "request_state"]) | st.text(max_size=16).filter(
    lambda name: name not in RESERVED
)


def connect(stack: Stack) -> SioRecorder:
    """A recorder watching ``BOARD`` on ``stack``."""
    return SioRecorder(f"{stack.url}?board={BOARD}", auth={}).connect(wait_timeout=10)


def alive(recorder: SioRecorder) -> bool:
    """The connection answers an event with an acknowledgement."""
    reply = recorder.client.call("preview", {"enabled": False}, timeout=10)
    return recorder.client.connected and isinstance(reply, dict) and reply["success"] is True


@pytest.fixture
def sio_client(fuzz_stack: Stack) -> Iterator[SioRecorder]:
    client = connect(fuzz_stack)
    yield client
    client.disconnect()


def api_worker(stack: Stack) -> int:
    """The gunicorn worker's pid (a crashed worker is replaced with a new pid)."""
    assert stack.api.process is not None
    (worker,) = psutil.Process(stack.api.process.pid).children()
    pid: int = worker.pid
    return pid


def test_random_events_never_break_the_api(fuzz_stack: Stack, sio_client: SioRecorder) -> None:
    worker = api_worker(fuzz_stack)

    @given(event=events, args=arguments)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def fuzz(event: str, args: tuple[Any, ...]) -> None:
        if event in COMMAND_EVENTS and len(args) <= 1:
            reply = sio_client.client.call(event, *args, timeout=15)
            assert isinstance(reply, dict) and isinstance(reply.get("success"), bool), reply
            if not reply["success"]:
                assert reply["error"] and isinstance(reply["details"], list), reply
        else:
            sio_client.client.emit(event, args)
        assert alive(sio_client)

    fuzz()
    assert api_worker(fuzz_stack) == worker  # never crashed and replaced
    wait_until(lambda: fuzz_stack.get("/api/health").json()["status"] == "ok", what="healthy")
    assert fuzz_stack.post("/api/settings", json={"brightness": 66}).status_code == 200
    fresh = connect(fuzz_stack)
    try:
        wait_until(lambda: len(fresh.events) >= 5, timeout=10, what="state on connect")
        assert alive(fresh)
    finally:
        fresh.disconnect()
