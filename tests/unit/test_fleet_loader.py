"""The fleet loader's batching against a fake broker that cuts bursts like Mosquitto.

The fake keeps retained messages and, for each subscription, delivers at most ``cap``
of them (the rest are dropped, silently, as a broker's queue limit does); the fence
comes back after them. The integration test against a real Mosquitto on its default
settings is tests/fleet/test_fleet_loading.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from paho.mqtt.client import topic_matches_sub

from retroboard_common.fleet import DROPPED_TOPIC, FleetLoader
from retroboard_common.topics import BoardTopics
from tests.support.fake_clock import FakeClock
from tests.support.waiting import wait_until

Handler = Callable[[str, bytes], None]


class CuttingBroker:
    """Retained messages, routes, and a per-subscription delivery cap."""

    client_id = "test-loader"

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.retained: dict[str, bytes] = {}
        self.routes: list[tuple[str, Handler]] = []
        self.connect_listeners: list[Callable[[], None]] = []
        self.retained_received = 0
        self.handling_retained = False
        self.connected = True
        self.subscriptions: list[list[str]] = []

    def subscribe(self, pattern: str, handler: Handler, qos: int = 1, **_: Any) -> None:
        self.routes.append((pattern, handler))

    def route(self, pattern: str, handler: Handler) -> None:
        self.routes.append((pattern, handler))

    def on_connect(self, listener: Callable[[], None]) -> None:
        self.connect_listeners.append(listener)

    def subscribe_now(self, filters: list[str]) -> bool:
        if not self.connected:
            return False
        self.subscriptions.append(filters)
        by_prefix: dict[str, list[str]] = {}
        for topic in self.retained:
            by_prefix.setdefault("/".join(topic.split("/")[:3]), []).append(topic)
        matching = {t: self.retained[t] for f in filters for t in self._candidates(f, by_prefix)}
        for topic, payload in list(matching.items())[: self.cap]:
            self.deliver(topic, payload, retained=True)
        return True

    def _candidates(self, pattern: str, by_prefix: dict[str, list[str]]) -> list[str]:
        """The retained topics ``pattern`` matches (looked up by its fixed levels)."""
        levels = pattern.split("/")
        if "+" in levels[1:3]:
            return [t for t in self.retained if topic_matches_sub(pattern, t)]
        topics = by_prefix.get("/".join(levels[:3]), [])
        return [t for t in topics if topic_matches_sub(pattern, t)]

    def unsubscribe_now(self, filters: list[str]) -> None:
        pass

    def publish(self, topic: str, payload: bytes | str, **_: Any) -> None:
        self.deliver(topic, payload.encode() if isinstance(payload, str) else payload)

    def deliver(self, topic: str, payload: bytes, *, retained: bool = False) -> None:
        self.handling_retained = retained
        self.retained_received += retained
        for pattern, handler in list(self.routes):
            if topic_matches_sub(pattern, topic):
                handler(topic, payload)

    def connect(self) -> None:
        for listener in self.connect_listeners:
            listener()


class Fleet:
    """A loader on the cutting broker, and the boards' topics it handed on."""

    def __init__(self, broker: CuttingBroker, clock: FakeClock) -> None:
        self.broker = broker
        self.seen: dict[str, set[str]] = {}
        self.loader = FleetLoader(broker, self.filters, lambda: list(self.seen), clock=clock)
        broker.subscribe("retroboard/+/+", self.take)
        broker.subscribe("retroboard/+/state/+", self.take)
        self.loader.attach()

    @staticmethod
    def filters(board: str) -> list[str]:
        return [f"retroboard/{board}/status", f"retroboard/{board}/state/+"]

    def take(self, topic: str, _payload: bytes) -> None:
        board = topic.split("/")[1]
        if not board.startswith("_"):
            self.seen.setdefault(board, set()).add(topic)

    def complete_boards(self) -> int:
        return sum(1 for topics in self.seen.values() if len(topics) == 3)

    def load(self) -> None:
        done = self.loader.loads_completed
        self.broker.connect()
        wait_until(lambda: self.loader.loads_completed > done, what="a full read")


def add_boards(broker: CuttingBroker, count: int, *, index: bool = True) -> list[str]:
    boards = [f"b{n:05d}" for n in range(count)]
    for board in boards:
        topics = BoardTopics(board)
        broker.retained[topics.status] = b"online"
        broker.retained[topics.state("settings")] = b"{}"
        broker.retained[topics.state("current_app")] = b"{}"
        if index:
            broker.retained[topics.index] = b"1"
    return boards


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1000.0)


def test_batches_stay_under_a_queue_limit_of_a_thousand(clock: FakeClock) -> None:
    broker = CuttingBroker(cap=1000)
    add_boards(broker, 3000)  # 12,000 retained messages
    fleet = Fleet(broker, clock)
    fleet.load()
    assert fleet.complete_boards() == 3000
    # nothing was read twice: no batch came near the limit
    assert max(len(filters) for filters in broker.subscriptions) < 1000


def test_a_batch_cut_short_is_read_again_in_halves(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    broker = CuttingBroker(cap=950)
    boards = add_boards(broker, 400)
    # one board with a thousand retained states of its own: its batches are cut
    for n in range(1000):
        broker.retained[f"retroboard/{boards[0]}/state/extra{n}"] = b"{}"
    fleet = Fleet(broker, clock)
    fleet.load()
    assert fleet.complete_boards() == 399  # every other board read whole
    halved = [
        filters for filters in broker.subscriptions if f"retroboard/{boards[0]}/status" in filters
    ]
    assert len(halved) > 1 and len(halved[-1]) == 2  # down to the board alone
    assert f"could not read the retained messages of {boards[0]} completely" in caplog.text


def test_boards_without_index_are_found_from_their_status(clock: FakeClock) -> None:
    broker = CuttingBroker(cap=1000)
    add_boards(broker, 30, index=False)
    fleet = Fleet(broker, clock)
    fleet.load()
    assert fleet.complete_boards() == 30


def test_offline_mid_read_stops_quietly_and_reconnecting_reads_again(clock: FakeClock) -> None:
    broker = CuttingBroker(cap=1000)
    add_boards(broker, 100)
    fleet = Fleet(broker, clock)
    broker.connected = False
    fleet.load()  # ends at once: nothing read, no batch retried one by one
    assert fleet.complete_boards() == 0
    assert broker.subscriptions == []
    broker.connected = True
    fleet.load()
    assert fleet.complete_boards() == 100


def test_drops_reported_by_the_broker_make_it_read_everything_again(clock: FakeClock) -> None:
    broker = CuttingBroker(cap=1000)
    add_boards(broker, 50)
    fleet = Fleet(broker, clock)
    fleet.load()
    broker.deliver(DROPPED_TOPIC, b"7")  # the figure at subscribing: history
    broker.retained["retroboard/late/status"] = b"online"
    broker.retained[BoardTopics("late").index] = b"1"
    broker.retained["retroboard/late/state/settings"] = b"{}"
    broker.retained["retroboard/late/state/current_app"] = b"{}"
    clock.now += 60  # past the interval between such reads
    done = fleet.loader.loads_completed
    broker.deliver(DROPPED_TOPIC, b"9")
    wait_until(lambda: fleet.loader.loads_completed > done, what="a read after drops")
    assert fleet.complete_boards() == 51
    fleet.loader.stop()


def test_a_board_heard_of_live_is_read_alone(clock: FakeClock) -> None:
    broker = CuttingBroker(cap=1000)
    fleet = Fleet(broker, clock)
    fleet.load()
    add_boards(broker, 1, index=False)
    before = len(broker.subscriptions)
    fleet.loader.request("b00000")
    wait_until(lambda: fleet.complete_boards() == 1, what="the board read")
    assert broker.subscriptions[before:] == [Fleet.filters("b00000")]
    fleet.loader.stop()
