"""Finding 1 of issue 18: a read-only Socket.IO client (RETROBOARD_API_PUBLIC_READS)
sent events named ``disconnect`` / ``connect`` itself; they ran the api's connection
handlers as ordinary events, the api forgot the client was read-only and its next
commands went through. Raw Engine.IO packets against a real gunicorn api, both transports.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.security.sio import PUBLIC_READS, TRANSPORTS, RawEngineIO, extra_api
from tests.support.stack import BOARD, Stack
from tests.support.tokens import TOKEN

pytestmark = pytest.mark.integration

AUTH = {"Authorization": f"Bearer {TOKEN}"}
READ_ONLY = "a valid token is required to send commands"


@pytest.fixture(scope="module")
def public(secured: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """An api with the token and public reads, on the secured stack's broker."""
    with extra_api(
        secured,
        tmp_path_factory.mktemp("public-reads"),
        **PUBLIC_READS,
        RETROBOARD_COMMAND_TIMEOUT="5",
    ) as stack:
        yield stack


@pytest.fixture(params=TRANSPORTS)
def reader(request: pytest.FixtureRequest, public: Stack) -> Iterator[RawEngineIO]:
    """A client without the token, connected read-only."""
    session = RawEngineIO(public, request.param)
    session.send("40")
    session.receive_until(lambda item: item.startswith("40{"))
    yield session
    session.close()


def settings(stack: Stack) -> Any:
    return stack.get("/api/settings", headers=AUTH).json()


def commands_after_a_fence(stack: Stack, brightness: int) -> list[Any]:
    """Every command the api published since the probe was cleared, up to a fence.

    The fence is a command sent with the token that changes nothing; the api publishes
    commands in order on one connection, so one of the reader's would come before it.
    """
    assert stack.post("/api/settings", json={"brightness": brightness}, headers=AUTH).ok
    fence = stack.probe.wait_for(
        f"retroboard/{BOARD}/cmd/settings", lambda m: m.json()["brightness"] == brightness
    )
    commands = [m for m in stack.probe.messages if "/cmd/" in m.topic]
    return [(m.topic, m.json()) for m in commands[: commands.index(fence) + 1]]


@pytest.mark.parametrize("reserved", ["disconnect", "connect"])
def test_reserved_event_names_from_a_client_run_no_handler(
    public: Stack, reader: RawEngineIO, reserved: str
) -> None:
    # Not 13, the value the reader tries: the fence must not be mistaken for its command.
    assert public.post("/api/settings", json={"brightness": 40}, headers=AUTH).ok
    before = settings(public)
    public.probe.clear()
    reader.send('421["settings",{"brightness":13}]')
    assert reader.ack(1)["error"] == READ_ONLY

    reader.send(f'42["{reserved}"]', f'422["{reserved}",{{}}]')
    answer = reader.ack(2)
    assert answer["success"] is False and "reserved" in answer["error"], answer

    reader.send('423["settings",{"brightness":13}]', '424["stop"]')
    assert reader.ack(3)["error"] == READ_ONLY
    assert reader.ack(4)["error"] == READ_ONLY
    fenced = commands_after_a_fence(public, before["brightness"])
    assert [body["brightness"] for _topic, body in fenced] == [before["brightness"]]
    assert settings(public) == before


def test_a_reader_stays_read_only_whatever_it_sends(public: Stack, reader: RawEngineIO) -> None:
    before = settings(public)
    reader.send(
        '42["disconnect","client namespace disconnect"]',
        f'42["connect",{{"token":"{TOKEN}"}}]',
        '42["connect",{},{"token":"x"}]',
        '425["settings",{"brightness":14}]',
    )
    assert reader.ack(5)["error"] == READ_ONLY
    assert settings(public) == before


def test_events_named_by_no_string_are_dropped_quietly(public: Stack, reader: RawEngineIO) -> None:
    reader.send("42[[1]]", "42[{}]", "426[7]", '427["settings",{"brightness":15}]')
    assert reader.ack(7)["error"] == READ_ONLY  # the session still answers, still read-only
