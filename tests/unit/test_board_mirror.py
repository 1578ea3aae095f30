"""The rules of the one board-state mirror the api and the bridge share.

Messages go through the mirror's own subscriptions, as the broker would deliver them;
each test asserts what listeners are told and what the mirror then holds.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from retroboard_common import board_mirror
from retroboard_common.board_mirror import (
    SHARED_DECODE_BYTES,
    BoardChange,
    BoardGone,
    BoardMirror,
    HealthChange,
    StateChange,
    StatusChange,
    _kept_large_state,
)
from retroboard_common.contract import STATES
from retroboard_common.inbound import decode_state
from retroboard_common.models import RendererHealth, SettingsState, dump_payload
from retroboard_common.topics import StateName
from tests.support.api_fakes import FakeMqtt
from tests.support.fake_clock import FakeClock
from tests.support.states import settings_state

SETTINGS = "retroboard/a/state/settings"
STATUS = "retroboard/a/status"
HEALTH = "retroboard/a/health"


class Mirrored:
    """A mirror subscribed to a fake broker, and every change it reported."""

    def __init__(self, clock: FakeClock) -> None:
        self.mirror = BoardMirror(logging.getLogger("tests.board_mirror"), clock)
        self.changes: list[BoardChange] = []
        self.mirror.on_change(self.changes.append)
        self.mqtt = FakeMqtt()
        self.mirror.attach(self.mqtt)

    def send(self, topic: str, payload: Any) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.mqtt.deliver(topic, data)

    def settings(self, board: str = "a") -> Any:
        record = self.mirror.get(board)
        return None if record is None else record.states.get("settings")

    def reported_states(self) -> list[Any]:
        return [c.payload for c in self.changes if isinstance(c, StateChange)]


@pytest.fixture
def mirrored(clock: FakeClock) -> Mirrored:
    return Mirrored(clock)


def test_a_good_state_is_kept_and_reported(mirrored: Mirrored, clock: FakeClock) -> None:
    mirrored.send(SETTINGS, b'{ "brightness" : 40 }')
    record = mirrored.mirror.get("a")
    assert record is not None and record.last_seen == clock.now
    kept = record.states["settings"]
    # The model's own form: serialised compactly it is the bytes the renderer sends.
    assert json.dumps(kept, separators=(",", ":")).encode() == dump_payload(
        SettingsState(brightness=40)
    )
    assert mirrored.changes == [StateChange("a", "settings", settings_state(40))]


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(b"{not json", id="not-json"),
        pytest.param(b'{"brightness":NaN}', id="nan"),
        pytest.param(b'{"brightness":"bright"}', id="wrong-model"),
        pytest.param(
            b'{"brightness":75' + b" " * STATES["settings"].max_bytes + b"}", id="oversize"
        ),
    ],
)
def test_a_bad_state_is_ignored_and_the_last_good_stays(mirrored: Mirrored, bad: bytes) -> None:
    mirrored.send(SETTINGS, settings_state(40))
    mirrored.send(SETTINGS, bad)
    assert mirrored.settings() == settings_state(40)
    assert mirrored.reported_states() == [settings_state(40)]


def test_a_bad_status_is_ignored(mirrored: Mirrored) -> None:
    mirrored.send(STATUS, b"online")
    mirrored.send(STATUS, b"maybe")
    record = mirrored.mirror.get("a")
    assert record is not None and record.online
    assert mirrored.changes == [StatusChange("a", True)]


@pytest.mark.parametrize(
    "topic",
    [
        "retroboard/_socketio/status",  # the Socket.IO queue, not a board
        "retroboard/_socketio/state/settings",
        "retroboard/a/state/unknown_state",
    ],
)
def test_non_board_topics_are_ignored(mirrored: Mirrored, topic: str) -> None:
    mirrored.send(topic, b"online" if topic.endswith("status") else b'{"brightness":1}')
    assert mirrored.changes == []
    assert mirrored.mirror.board_ids() == []


def test_a_cleared_state_is_forgotten_and_its_return_is_a_change(mirrored: Mirrored) -> None:
    mirrored.send(SETTINGS, settings_state(40))
    mirrored.send(SETTINGS, b"")
    assert mirrored.settings() is None
    assert len(mirrored.changes) == 1  # clearing tells nobody
    mirrored.send(SETTINGS, settings_state(40))
    assert mirrored.reported_states() == [settings_state(40)] * 2


def test_a_cleared_status_removes_the_board_once(mirrored: Mirrored) -> None:
    mirrored.send(STATUS, b"online")
    mirrored.send(SETTINGS, settings_state(40))
    mirrored.send("retroboard/b/status", b"online")
    mirrored.send(STATUS, b"")
    mirrored.send(STATUS, b"")  # cleared again (e.g. a second `forget`)
    assert [c for c in mirrored.changes if isinstance(c, BoardGone)] == [BoardGone("a")]
    assert mirrored.mirror.get("a") is None
    assert mirrored.mirror.board_ids() == ["b"]


def test_late_clears_never_resurrect_a_removed_board(mirrored: Mirrored) -> None:
    mirrored.send(STATUS, b"online")
    mirrored.send(STATUS, b"")
    mirrored.changes.clear()
    mirrored.send(SETTINGS, b"")
    mirrored.send(HEALTH, b"")
    mirrored.send(HEALTH, b'{"store":"degraded"}')
    assert mirrored.mirror.board_ids() == []
    assert mirrored.changes == []


def test_health_of_a_known_board_is_kept_and_changes_reported(mirrored: Mirrored) -> None:
    mirrored.send(STATUS, b"online")
    mirrored.send(HEALTH, b'{"store":"degraded"}')
    mirrored.send(HEALTH, b'{"store":"degraded"}')  # the same again: not a change
    mirrored.send(HEALTH, b"{bad")
    degraded = RendererHealth.model_validate({"store": "degraded"})
    record = mirrored.mirror.get("a")
    assert record is not None and record.health == degraded
    mirrored.send(HEALTH, b"")
    record = mirrored.mirror.get("a")
    assert record is not None and record.health is None
    health = [c for c in mirrored.changes if isinstance(c, HealthChange)]
    assert health == [HealthChange("a", degraded), HealthChange("a", None)]


def test_retained_copies_after_a_reconnect_are_not_changes(
    mirrored: Mirrored, clock: FakeClock
) -> None:
    mirrored.send(SETTINGS, settings_state(40))
    mirrored.send(STATUS, b"online")
    clock.advance(60)
    # reconnect: the broker sends the same retained messages again
    mirrored.send(SETTINGS, settings_state(40))
    record = mirrored.mirror.get("a")
    assert record is not None and record.last_seen == clock.now  # yet the board spoke
    mirrored.send(STATUS, b"online")
    assert [type(c) for c in mirrored.changes] == [StateChange, StatusChange]


def test_the_same_state_on_another_board_is_its_own_change(mirrored: Mirrored) -> None:
    mirrored.send(SETTINGS, settings_state(40))
    mirrored.send("retroboard/b/state/settings", settings_state(40))
    assert [c.board for c in mirrored.changes] == ["a", "b"]


def test_a_change_during_an_outage_is_reported(mirrored: Mirrored) -> None:
    mirrored.send(SETTINGS, settings_state(40))
    mirrored.send(STATUS, b"online")
    mirrored.send(STATUS, b"offline")  # the renderer's will: the broker lost it
    mirrored.send(SETTINGS, settings_state(75))
    mirrored.send(STATUS, b"online")
    assert mirrored.reported_states() == [
        settings_state(40),
        settings_state(75),
    ]
    status = [c.online for c in mirrored.changes if isinstance(c, StatusChange)]
    assert status == [True, False, True]
    assert mirrored.settings() == settings_state(75)


def test_offline_does_not_count_as_seen(mirrored: Mirrored, clock: FakeClock) -> None:
    mirrored.send(STATUS, b"online")
    seen = clock.now
    clock.advance(60)
    mirrored.send(STATUS, b"offline")  # the broker speaking (the will), not the board
    record = mirrored.mirror.get("a")
    assert record is not None and not record.online and record.last_seen == seen


def test_copies_do_not_change_what_is_kept(mirrored: Mirrored) -> None:
    mirrored.send(SETTINGS, settings_state(40))
    record = mirrored.mirror.get("a")
    assert record is not None
    record.states.clear()
    assert mirrored.settings() == settings_state(40)


def test_boards_with_the_same_payload_share_one_copy_until_it_changes(
    mirrored: Mirrored,
) -> None:
    # 10,000 boards of one version hold one apps_list between them, not 10,000 copies
    for board in ("a", "b", "c"):
        mirrored.send(f"retroboard/{board}/state/settings", settings_state(40))
    shared = mirrored.mirror._shared._payloads
    assert len(shared) == 1
    mirrored.send("retroboard/a/state/settings", settings_state(41))
    assert len(shared) == 2
    mirrored.send("retroboard/b/status", b"")  # forgotten
    mirrored.send("retroboard/c/state/settings", b"")  # cleared
    assert [entry[1] for entry in shared.values()] == [1]  # only a's 41 is held
    assert mirrored.settings("a") == settings_state(41)


def test_summaries_are_sorted_and_list_a_board_asked_for(mirrored: Mirrored) -> None:
    for board in ("m", "c", "x"):
        mirrored.send(f"retroboard/{board}/status", b"online")
    mirrored.send("retroboard/x/status", b"")  # forgotten
    summaries = mirrored.mirror.summaries(also="d")
    assert [s.board_id for s in summaries] == ["c", "d", "m"]
    assert [s.online for s in summaries] == [True, False, True]
    assert summaries[1].last_seen is None and not summaries[1].status_known
    assert [s.board_id for s in mirrored.mirror.summaries(also="c")] == ["c", "m"]


def test_one_state_and_the_status_are_read_without_a_copy_of_the_board(
    mirrored: Mirrored,
) -> None:
    assert not mirrored.mirror.knows("a")
    assert mirrored.mirror.state("a", "settings") is None
    assert not mirrored.mirror.is_online("a")

    mirrored.send(SETTINGS, settings_state(30))
    assert mirrored.mirror.knows("a")
    assert mirrored.mirror.state("a", "settings") == settings_state(30)
    assert mirrored.mirror.state("a", "apps_list") is None
    assert not mirrored.mirror.is_online("a")  # no status yet

    mirrored.send(STATUS, b"online")
    assert mirrored.mirror.is_online("a")
    read = mirrored.mirror.state("a", "settings")
    assert read is not None
    read["brightness"] = 99  # the reader's own copy
    assert mirrored.mirror.state("a", "settings") == settings_state(30)
    assert not mirrored.mirror.knows("b")


def app_types(description: str = "Shows the time") -> dict[str, Any]:
    """A ``state/app_types`` payload as large as a real one's schemas make it."""
    schema = {"type": "object", "description": "x" * SHARED_DECODE_BYTES}
    return {"types": {"clock": {"description": description, "schema": schema}}}


def test_a_large_payload_many_boards_share_is_validated_once(
    mirrored: Mirrored, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 10,000 boards of one version publish one 33 KB app_types: one validation, not 10,000
    _kept_large_state.cache_clear()
    decoded: list[str] = []

    def counting(name: StateName, payload: bytes) -> Any:
        decoded.append(name)
        return decode_state(name, payload)

    monkeypatch.setattr(board_mirror, "decode_state", counting)
    for board in ("a", "b", "c"):
        mirrored.send(f"retroboard/{board}/state/app_types", app_types())
    mirrored.send("retroboard/a/state/app_types", app_types("Shows the time, bigger"))
    assert decoded == ["app_types", "app_types"]
    assert [c.board for c in mirrored.changes] == ["a", "b", "c", "a"]
    bigger = app_types("Shows the time, bigger")
    assert mirrored.reported_states() == [app_types(), app_types(), app_types(), bigger]


def test_a_large_bad_payload_is_refused_every_time(mirrored: Mirrored) -> None:
    _kept_large_state.cache_clear()
    bad = app_types()
    bad["types"]["clock"]["description"] = 42  # not a string
    for board in ("a", "b"):
        mirrored.send(f"retroboard/{board}/state/app_types", bad)
    assert mirrored.changes == []
    assert mirrored.mirror.get("a") is None and mirrored.mirror.get("b") is None
