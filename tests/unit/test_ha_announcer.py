"""The Home Assistant announcer on a fake clock and a fake broker: its rate, its queue,
and the marker that tells it what the broker still holds."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

import pytest

from retroboard_bridge.homeassistant.announcer import (
    MARKER_GAP,
    Announcement,
    Announcer,
    TokenBucket,
    marker_topic,
)
from retroboard_bridge.settings import BridgeSettings
from tests.support.fake_clock import FakeClock

PREFIX = "homeassistant"
MARKER = marker_topic(PREFIX)


@dataclass
class Sent:
    at: float
    topic: str
    payload: bytes
    retain: bool


@dataclass
class FakeBroker:
    """Records what is published and keeps what is retained."""

    clock: FakeClock
    connected: bool = True
    sent: list[Sent] = field(default_factory=list)
    retained: dict[str, bytes] = field(default_factory=dict)

    def publish(self, topic: str, payload: bytes, retain: bool) -> None:
        if not self.connected:
            return  # paho would queue it; the announcer must not count on that
        self.sent.append(Sent(self.clock(), topic, payload, retain))
        if retain and payload:
            self.retained[topic] = payload
        elif retain:
            self.retained.pop(topic, None)

    def topics(self, suffix: str = "/config") -> list[str]:
        return [s.topic for s in self.sent if s.topic.endswith(suffix) and s.payload]


@dataclass
class FakeFleet:
    """Boards and their announcements, as the extension would compose them."""

    announcements: dict[str, Announcement] = field(default_factory=dict)
    composed: list[str] = field(default_factory=list)

    def boards(self) -> list[str]:
        return list(self.announcements)

    def compose(self, board: str) -> Announcement | None:
        self.composed.append(board)
        return self.announcements.get(board)


def announcement(
    board: str, apps: str = "clock", states: int = 2, light: str = "ON"
) -> Announcement:
    """Three configs (they name the apps) and ``states`` states of ``board``."""
    configs = {
        f"{PREFIX}/{kind}/retroboard_{board}/{kind}/config": f'{{"apps":"{apps}"}}'.encode()
        for kind in ("light", "select", "sensor")
    }
    values = {f"retroboard/{board}/ha/e{n}/state": b"x" for n in range(states)}
    values[f"retroboard/{board}/ha/display/state"] = light.encode()
    return Announcement(configs, values)


def messages_of(item: Announcement) -> int:
    return len(item.configs) + len(item.states)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def broker(clock: FakeClock) -> FakeBroker:
    return FakeBroker(clock)


@pytest.fixture
def fleet() -> FakeFleet:
    return FakeFleet()


def make(
    fleet: FakeFleet,
    broker: FakeBroker,
    clock: FakeClock,
    rate: float = 1000.0,
    burst: float | None = 10,
    settle: float = 0.0,
) -> Announcer:
    bucket = TokenBucket(rate, burst, clock=clock, sleep=clock.advance)
    return Announcer(
        fleet,
        broker.publish,
        lambda: broker.connected,
        PREFIX,
        bucket,
        clock=clock,
        settle=settle,
    )


def connect(announcer: Announcer, broker: FakeBroker) -> None:
    """A (re)connection: the check, the retained marker, then the fence comes back."""
    broker.connected = True
    announcer.check()
    fence = broker.sent[-1]
    assert fence.topic == announcer.fence and not fence.retain
    if MARKER in broker.retained:
        announcer.on_marker(broker.retained[MARKER])
    announcer.on_fence(fence.payload)


def ready(announcer: Announcer, broker: FakeBroker, clock: FakeClock) -> None:
    """The first connection to an empty broker: our (empty) marker goes at once."""
    connect(announcer, broker)
    run(announcer, clock)
    assert json.loads(broker.retained[MARKER]) == {"run": announcer.run_id, "boards": {}}


def run(announcer: Announcer, clock: FakeClock) -> None:
    """Step until there is nothing left to do, the marker written."""
    for _ in range(100_000):
        if not announcer.step():
            clock.advance(MARKER_GAP)
            if not announcer.step():
                return
    raise AssertionError("the announcer never ran dry")


def fleet_of(fleet: FakeFleet, count: int) -> list[str]:
    boards = [f"b{n:03d}" for n in range(count)]
    for board in boards:
        fleet.announcements[board] = announcement(board)
    return boards


def queue_all(announcer: Announcer, boards: list[str]) -> None:
    for board in boards:
        announcer.queue(board)


def test_the_rate_is_respected(fleet: FakeFleet, broker: FakeBroker, clock: FakeClock) -> None:
    boards = fleet_of(fleet, 40)
    announcer = make(fleet, broker, clock, rate=100, burst=5)
    connect(announcer, broker)
    queue_all(announcer, boards)
    run(announcer, clock)

    sent = [s for s in broker.sent if s.retain and s.topic != MARKER]
    total = sum(messages_of(fleet.announcements[b]) for b in boards)
    assert len(sent) == total == 240
    span = sent[-1].at - sent[0].at
    assert span >= (total - 5) / 100
    assert span < total / 100 + 0.1  # and not much slower than the rate
    # no second holds more than the rate and the burst
    for first in sent:
        window = [s for s in sent if first.at <= s.at < first.at + 1.0]
        assert len(window) <= 100 + 5


def test_rate_must_be_positive(clock: FakeClock) -> None:
    for rate in (0, -1):
        with pytest.raises(ValueError):
            TokenBucket(rate, clock=clock, sleep=clock.advance)


def test_queue_dedupes_keeps_order_and_composes_at_the_turn(
    fleet: FakeFleet, broker: FakeBroker, clock: FakeClock
) -> None:
    announcer = make(fleet, broker, clock)
    ready(announcer, broker, clock)
    fleet_of(fleet, 3)
    for board in ("b002", "b000", "b002", "b001", "b000"):
        announcer.queue(board)
    assert announcer.pending() == ["b002", "b000", "b001"]
    fleet.announcements["b001"] = announcement("b001", apps="stars")  # changed meanwhile
    run(announcer, clock)

    assert fleet.composed == ["b002", "b000", "b001"]
    nodes = [t.split("/")[2] for t in broker.topics()]
    assert nodes == ["retroboard_b002"] * 3 + ["retroboard_b000"] * 3 + ["retroboard_b001"] * 3
    b001 = [s.payload for s in broker.sent if "b001" in s.topic and s.topic.endswith("/config")]
    assert b001 == [b'{"apps":"stars"}'] * 3
    assert all(announcer.announced(b) for b in ("b000", "b001", "b002"))


def test_a_board_waits_until_its_states_settled(
    fleet: FakeFleet, broker: FakeBroker, clock: FakeClock
) -> None:
    announcer = make(fleet, broker, clock, settle=0.5)
    ready(announcer, broker, clock)
    fleet_of(fleet, 1)
    announcer.queue("b000")
    assert not announcer.step()
    clock.advance(0.5)
    assert announcer.step()
    assert len(broker.topics()) == 3


def test_nothing_to_announce_until_the_apps_are_known(
    fleet: FakeFleet, broker: FakeBroker, clock: FakeClock
) -> None:
    announcer = make(fleet, broker, clock)
    connect(announcer, broker)
    announcer.queue("new")
    run(announcer, clock)
    assert fleet.composed == ["new"] and not announcer.announced("new")
    assert not [s for s in broker.sent if s.topic not in (announcer.fence, MARKER)]


def test_a_round_cut_by_a_disconnection_resumes_where_it_stopped(
    fleet: FakeFleet, broker: FakeBroker, clock: FakeClock
) -> None:
    announcer = make(fleet, broker, clock)
    ready(announcer, broker, clock)
    boards = fleet_of(fleet, 10)
    queue_all(announcer, boards)
    for _ in range(4):
        assert announcer.step()
    broker.connected = False  # in the middle of the fifth board
    announcer.step()
    announcer.disconnected()
    assert not announcer.step()  # nothing while offline
    assert announcer.pending() == boards[4:]

    connect(announcer, broker)  # the broker kept everything: our own marker
    run(announcer, clock)
    configs = broker.topics()
    assert len(configs) == len(set(configs)) == 30  # each board once, none lost
    assert [t.split("/")[2] for t in configs[::3]] == [f"retroboard_{b}" for b in boards]


def test_no_marker_means_the_broker_lost_it_and_every_board_goes_again(
    fleet: FakeFleet, broker: FakeBroker, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    announcer = make(fleet, broker, clock)
    ready(announcer, broker, clock)
    boards = fleet_of(fleet, 5)
    queue_all(announcer, boards)
    run(announcer, clock)
    assert len(broker.topics()) == 15
    assert set(json.loads(broker.retained[MARKER])["boards"]) == set(boards)

    broker.sent.clear()
    connect(announcer, broker)  # our marker is there: nothing lost
    run(announcer, clock)
    assert broker.topics() == []

    broker.retained.clear()  # a broker restart without persistence
    with caplog.at_level(logging.WARNING):
        connect(announcer, broker)
    assert "the broker lost Home Assistant's retained discovery" in caplog.text
    assert announcer.pending() == boards
    run(announcer, clock)
    assert len(broker.topics()) == 15


def test_an_earlier_runs_marker_says_which_boards_are_current(
    fleet: FakeFleet, broker: FakeBroker, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    boards = fleet_of(fleet, 6)
    first = make(fleet, broker, clock)
    connect(first, broker)
    queue_all(first, boards)
    run(first, clock)
    first.stop()

    # while no bridge ran: b001's apps changed, b002's light went off
    fleet.announcements["b001"] = announcement("b001", apps="stars")
    fleet.announcements["b002"] = announcement("b002", light="OFF")
    broker.sent.clear()
    second = make(fleet, broker, clock)
    connect(second, broker)
    queue_all(second, boards)
    with caplog.at_level(logging.INFO):
        run(second, clock)

    assert [t.split("/")[2] for t in broker.topics()] == ["retroboard_b001"] * 3
    # b002's configs are current, its states are not (one digest for them all)
    states = [s.topic for s in broker.sent if s.topic.endswith("/state")]
    assert states == list(fleet.announcements["b002"].states)
    line = "Home Assistant discovery: 1 board(s) announced (6 messages), 5 found current"
    assert line in caplog.text
    marker = json.loads(broker.retained[MARKER])
    assert marker["run"] == second.run_id and set(marker["boards"]) == set(boards)


def test_a_board_announced_by_us_but_stale_in_an_earlier_marker_goes_again(
    fleet: FakeFleet, broker: FakeBroker, clock: FakeClock
) -> None:
    fleet_of(fleet, 2)
    announcer = make(fleet, broker, clock)
    connect(announcer, broker)
    queue_all(announcer, ["b000", "b001"])
    run(announcer, clock)
    # another bridge wrote the marker meanwhile, without b001
    broker.retained[MARKER] = json.dumps(
        {"run": "other", "boards": json.loads(broker.retained[MARKER])["boards"] | {"b001": [1, 2]}}
    ).encode()
    broker.sent.clear()
    connect(announcer, broker)
    assert announcer.pending() == ["b001"]
    run(announcer, clock)
    assert [t.split("/")[2] for t in broker.topics()] == ["retroboard_b001"] * 3


def test_live_states_go_at_once_only_when_changed(
    fleet: FakeFleet, broker: FakeBroker, clock: FakeClock
) -> None:
    fleet_of(fleet, 1)
    announcer = make(fleet, broker, clock)
    connect(announcer, broker)
    assert announcer.update_states("b000", {"retroboard/b000/ha/display/state": b"ON"}) == 0
    announcer.queue("b000")
    run(announcer, clock)
    broker.sent.clear()

    live = dict(fleet.announcements["b000"].states)
    assert announcer.update_states("b000", live) == 0  # as on the broker
    live["retroboard/b000/ha/display/state"] = b"OFF"
    assert announcer.update_states("b000", live) == 1
    assert [(s.topic, s.payload, s.retain) for s in broker.sent] == [
        ("retroboard/b000/ha/display/state", b"OFF", True)
    ]
    clock.advance(60)  # the marker follows, later
    run(announcer, clock)
    assert broker.sent[-1].topic == MARKER


def test_changed_configs_clear_the_entities_that_went(
    fleet: FakeFleet, broker: FakeBroker, clock: FakeClock
) -> None:
    fleet_of(fleet, 1)
    announcer = make(fleet, broker, clock)
    connect(announcer, broker)
    announcer.queue("b000")
    run(announcer, clock)
    before = announcer.config_digest("b000")
    smaller = announcement("b000", apps="stars")
    gone = next(iter(smaller.configs))
    del smaller.configs[gone]
    fleet.announcements["b000"] = smaller
    broker.sent.clear()
    announcer.queue("b000")
    run(announcer, clock)
    assert (gone, b"") in [(s.topic, s.payload) for s in broker.sent]
    assert len(broker.topics()) == 2
    assert announcer.config_digest("b000") not in (None, before)
    assert not [s for s in broker.sent if s.topic.endswith("/state")]  # states unchanged


def test_a_removed_board_leaves_the_queue_and_the_marker(
    fleet: FakeFleet, broker: FakeBroker, clock: FakeClock
) -> None:
    boards = fleet_of(fleet, 3)
    announcer = make(fleet, broker, clock)
    connect(announcer, broker)
    queue_all(announcer, boards)
    run(announcer, clock)
    announcer.queue("b001")
    announcer.discard("b001")
    announcer.discard("b002")
    assert announcer.pending() == [] and not announcer.announced("b002")
    run(announcer, clock)  # at once, not after the marker interval
    assert set(json.loads(broker.retained[MARKER])["boards"]) == {"b000"}


def test_a_lost_fence_ends_the_check_as_without_marker(
    fleet: FakeFleet, broker: FakeBroker, clock: FakeClock
) -> None:
    fleet_of(fleet, 2)
    announcer = make(fleet, broker, clock)
    announcer.check()  # the fence never comes back
    assert not announcer.step()
    clock.advance(11)
    assert announcer.step()
    assert announcer.pending() == ["b000", "b001"]


def test_the_rate_setting_defaults_to_500_and_must_be_positive(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("RETROBOARD_HA_DISCOVERY_RATE", raising=False)
    assert BridgeSettings().ha_discovery_rate == 500
    monkeypatch.setenv("RETROBOARD_HA_DISCOVERY_RATE", "2000")
    assert BridgeSettings().ha_discovery_rate == 2000
    for bad in ("0", "-5", "fast"):
        monkeypatch.setenv("RETROBOARD_HA_DISCOVERY_RATE", bad)
        with pytest.raises(ValueError):
            BridgeSettings()
