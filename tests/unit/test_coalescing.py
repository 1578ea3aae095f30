"""A client's send queue: every event while it keeps up, the newest of each when it lags."""

from __future__ import annotations

import json
import queue
from typing import Any

import pytest
from engineio import packet as eio  # type: ignore[import-untyped]
from socketio import packet as sio

from retroboard_api.coalescing import COALESCED_EVENTS, GRACE, CoalescingBuffer
from retroboard_api.coalescing_queues import coalesce_outgoing, coalescing_queue_class
from retroboard_api.fanout_turns import interleave_fan_out
from retroboard_api.inbox_coalescing import newest_emits
from retroboard_common.sio_queue import MqttManager

Packet = Any  # engineio.packet.Packet


def event(name: str, data: Any, namespace: str | None = None, ack: int | None = None) -> Packet:
    """The Engine.IO packet python-socketio's manager puts in a client's queue."""
    encoded = sio.Packet(sio.EVENT, data=[name, data], namespace=namespace, id=ack).encode()
    return eio.Packet(eio.MESSAGE, encoded)


def frame(png: bytes) -> list[Packet]:
    """A binary ``frame`` event: its header packet, then the attachment."""
    encoded = sio.Packet(sio.EVENT, data=["frame", png]).encode()
    assert isinstance(encoded, list) and len(encoded) == 2  # BINARY_EVENT + 1 attachment
    return [eio.Packet(eio.MESSAGE, part) for part in encoded]


class Ticking:
    """A clock that advances ``step`` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def lagging() -> CoalescingBuffer:
    """A buffer whose packets are each older than the grace when the next one comes."""
    return CoalescingBuffer(grace=GRACE, clock=Ticking(2 * GRACE))


def drain(buffer: CoalescingBuffer) -> list[Packet]:
    return [buffer.popleft() for _ in range(len(buffer))]


def payloads(packets: list[Packet]) -> list[Any]:
    """(type, data) of each packet, to compare sequences."""
    return [(p.packet_type, p.data) for p in packets]


def test_the_coalesced_events_are_the_state_events_board_status_and_frame() -> None:
    assert {
        "apps_list",
        "current_app",
        "settings",
        "carousel_config",
        "realtime",
        "app_types",
        "assets",
        "notification",
        "night",
        "board_status",
        "frame",
    } == COALESCED_EVENTS


def test_a_client_that_keeps_up_gets_every_event_in_order() -> None:
    buffer = lagging()
    sent = [event("settings", {"brightness": n}) for n in range(20)]
    sent += [event("current_app", {"app": "clock", "n": n}) for n in range(5)]
    received = []
    for pkt in sent:
        buffer.append(pkt)
        received.append(buffer.popleft())  # the writer took it before the next one
    assert received == sent
    assert buffer.coalesced == 0 and len(buffer) == 0


def test_a_burst_of_changes_arriving_at_once_is_not_coalesced() -> None:
    """A client that keeps up gets every change even when several arrive together (a
    group commit's states, one MQTT read): none has waited the grace."""
    buffer = CoalescingBuffer(clock=lambda: 100.0)
    sent = [event("settings", {"brightness": n}) for n in range(10)]
    for pkt in sent:
        buffer.append(pkt)
    assert drain(buffer) == sent


def test_only_events_older_than_the_grace_are_replaced() -> None:
    times = iter([0.0, 0.1, 0.3, 0.31])
    buffer = CoalescingBuffer(grace=0.25, clock=lambda: next(times))
    sent = [event("settings", {"brightness": n}) for n in range(4)]
    for pkt in sent:
        buffer.append(pkt)
    # At 0.3 the first had waited 0.3 s (replaced), the second 0.2 s (kept).
    assert drain(buffer) == sent[1:]
    assert buffer.coalesced == 1


def test_a_lagging_client_gets_only_the_newest_of_each_event_in_emitted_order() -> None:
    buffer = lagging()
    sent = [
        event("settings", {"brightness": 1}),
        event("current_app", {"app": "clock"}),
        event("settings", {"brightness": 2}),
        event("carousel_config", {"enabled": False}),
        event("current_app", {"app": "stars"}),
        event("settings", {"brightness": 3}),
        event("board_status", {"board": "b", "online": True}),
    ]
    for pkt in sent:
        buffer.append(pkt)
    # A subsequence of what was emitted: each event's last one, where it was emitted.
    assert drain(buffer) == [sent[3], sent[4], sent[5], sent[6]]
    assert buffer.coalesced == 3


def test_an_event_being_written_is_not_replaced_and_the_next_one_follows() -> None:
    buffer = lagging()
    first, second, third = (event("settings", {"brightness": n}) for n in range(3))
    buffer.append(first)
    assert buffer.popleft() is first  # the writer has it
    buffer.append(second)
    buffer.append(third)
    assert drain(buffer) == [third]


def test_other_packets_are_never_dropped_nor_reordered() -> None:
    """Pings, connect/disconnect, acks, events with an ack id, other events and other
    namespaces pass as they came, whatever is coalesced around them."""
    others = [
        eio.Packet(eio.PING),
        eio.Packet(eio.MESSAGE, sio.Packet(sio.CONNECT, data={"sid": "x"}).encode()),
        eio.Packet(eio.MESSAGE, sio.Packet(sio.ACK, data=[{"success": True}], id=7).encode()),
        event("settings", {"brightness": 5}, ack=3),  # the server waits for its ack
        event("hello", {"n": 1}),
        event("hello", {"n": 2}),  # not a coalesced event: both go
        eio.Packet(eio.NOOP),
        eio.Packet(eio.MESSAGE, sio.Packet(sio.DISCONNECT).encode()),
        eio.Packet(eio.CLOSE),
    ]
    buffer = lagging()
    for n, pkt in enumerate(others):
        buffer.append(event("settings", {"brightness": n}))
        buffer.append(pkt)
    buffer.append(event("settings", {"brightness": 99}))
    received = drain(buffer)
    assert [p for p in received if p in others] == others
    assert payloads([p for p in received if p not in others]) == payloads(
        [event("settings", {"brightness": 99})]
    )


def test_namespaces_coalesce_apart() -> None:
    buffer = lagging()
    root, other = event("settings", {"n": 1}), event("settings", {"n": 1}, namespace="/x")
    buffer.append(root)
    buffer.append(other)
    assert drain(buffer) == [root, other]


def test_preview_frames_coalesce_as_whole_groups() -> None:
    buffer = lagging()
    old, new = frame(b"\x89PNG old"), frame(b"\x89PNG new")
    ping = eio.Packet(eio.PING)
    for pkt in [*old, ping, *new]:
        buffer.append(pkt)
    assert drain(buffer) == [ping, *new]


def test_a_frame_partly_written_is_finished_before_the_next() -> None:
    buffer = lagging()
    old, new = frame(b"old"), frame(b"new")
    buffer.append(old[0])
    assert buffer.popleft() is old[0]  # the header left before its attachment came
    buffer.append(old[1])
    for pkt in new:
        buffer.append(pkt)
    assert drain(buffer) == [old[1], *new]


def test_peek_is_the_next_packet() -> None:
    buffer = CoalescingBuffer(
        [event("settings", {"n": 1}), eio.Packet(eio.PING)], grace=GRACE, clock=Ticking(2 * GRACE)
    )
    buffer.append(event("settings", {"n": 2}))
    assert buffer[0] is buffer.popleft()
    assert buffer[0].packet_type == eio.MESSAGE
    with pytest.raises(IndexError):
        buffer[1]


@pytest.mark.parametrize("mode", ["threading", "gevent"])
def test_the_engines_stop_sentinel_passes_in_its_place(mode: str) -> None:
    # engineio puts None in a client's queue to end its writer or long-poll (close()).
    first, last = event("settings", {"n": 1}), event("current_app", {"app": "clock"})
    q = coalescing_queue_class(mode)()
    q.queue.clock = Ticking(2 * GRACE)
    for pkt in (first, None, last):
        q.put(pkt)
    assert [q.get(block=False) for _ in range(3)] == [first, None, last]


@pytest.mark.parametrize("mode", ["threading", "gevent"])
def test_engine_queue_drops_superseded_packets_and_still_joins(mode: str) -> None:
    """The queue class of each async mode: what engineio's writer does (get, task_done)
    ends with every task done, so ``Socket.close(wait=True)``'s ``join()`` returns."""
    sent = [event("settings", {"brightness": n}) for n in range(50)]
    ping = eio.Packet(eio.PING)
    q = coalescing_queue_class(mode)()
    q.queue.clock = Ticking(2 * GRACE)  # the writer is stuck: each packet waits the grace
    for pkt in sent[:25]:
        q.put(pkt)
    q.put(ping)
    for pkt in sent[25:]:
        q.put(pkt)
    assert q.qsize() == 2
    received = []
    while True:
        try:
            received.append(q.get(block=False))
        except queue.Empty:  # gevent's Empty is queue.Empty
            break
        q.task_done()
    assert received == [ping, sent[-1]]
    assert q.unfinished_tasks == 0
    assert q.join(1.0) if mode == "gevent" else q.join() is None


def test_coalesce_outgoing_gives_an_engine_coalescing_queues() -> None:
    from engineio import Server

    engine = Server(async_mode="threading")
    coalesce_outgoing(engine)
    q = engine.create_queue()
    assert isinstance(q.queue, CoalescingBuffer)
    with pytest.raises(ValueError, match="async mode"):
        coalescing_queue_class("eventlet")


def queued(event: str, data: Any, room: str = "board:b", **extra: Any) -> bytes:
    """A message of the Socket.IO queue as python-socketio's pub/sub managers write it."""
    message = {"method": "emit", "event": event, "data": data, "namespace": "/", "room": room}
    return json.dumps(message | extra).encode()


def test_the_listener_drops_emits_superseded_after_waiting_the_grace() -> None:
    batch = [
        (0.0, queued("settings", {"brightness": 1})),
        (0.0, queued("settings", {"brightness": 1}, room="board:other")),
        (0.0, queued("hello", {"n": 1})),
        (0.1, queued("settings", {"brightness": 2})),
        (0.2, queued("settings", {"brightness": 3}, callback=["sid", "/", 1])),  # ack owed
        (0.2, queued("current_app", {"app": "clock"})),
        (0.3, queued("settings", {"brightness": 4})),
        (0.5, queued("settings", {"brightness": 5})),
    ]
    kept = [message for _arrived, message in newest_emits(batch, now=0.4, grace=0.25)]
    assert [(m["event"], m["room"], m["data"]) for m in kept] == [
        ("settings", "board:other", {"brightness": 1}),
        ("hello", "board:b", {"n": 1}),
        ("settings", "board:b", {"brightness": 3}),
        ("current_app", "board:b", {"app": "clock"}),
        ("settings", "board:b", {"brightness": 4}),  # waited 0.1 s only: kept
        ("settings", "board:b", {"brightness": 5}),
    ]


def test_a_burst_in_the_listeners_inbox_is_not_coalesced() -> None:
    batch = [(1.0, queued("settings", {"brightness": n})) for n in range(5)]
    assert len(newest_emits(batch, now=1.1, grace=0.25)) == 5


def test_room_changes_are_barriers_and_other_messages_pass() -> None:
    enter = json.dumps({"method": "enter_room", "sid": "x", "room": "board:b"}).encode()
    batch = [queued("settings", {"n": 1}), enter, queued("settings", {"n": 2}), b"not json"]
    kept = [message for _arrived, message in newest_emits([(0.0, m) for m in batch], now=9.0)]
    assert kept[:3] == [json.loads(m) for m in batch[:3]]
    assert kept[3] == b"not json"  # as it came: python-socketio ignores it


def test_the_managers_listener_hands_select_everything_waiting() -> None:
    given: list[list[tuple[float, Any]]] = []

    def select(waiting: list[tuple[float, Any]]) -> list[tuple[float, Any]]:
        given.append(list(waiting))
        return newest_emits(waiting, now=waiting[-1][0] + 1.0)  # all past the grace

    manager = MqttManager("mqtt://127.0.0.1:1", write_only=False, select=select)
    try:
        for n in (1, 2):
            manager._receive(manager.topic, queued("settings", {"n": n}))
        listened = manager._listen()
        assert [m["data"] for m in [next(listened)]] == [{"n": 2}]
        assert [json.loads(payload)["data"] for _at, payload in given[0]] == [{"n": 1}, {"n": 2}]
        assert given[0][0][0] <= given[0][1][0]  # arrival times, oldest first
    finally:
        manager.close()


def test_what_arrives_while_a_change_is_handed_on_is_weighed_with_what_waited() -> None:
    """One message handed on at a time: those kept wait for the next selection, with
    whatever arrived while the one before was being fanned out."""

    def select(waiting: list[tuple[float, Any]]) -> list[tuple[float, Any]]:
        return newest_emits(waiting, now=waiting[-1][0] + 1.0)  # all past the grace

    manager = MqttManager("mqtt://127.0.0.1:1", write_only=False, select=select)
    try:
        manager._receive(manager.topic, queued("settings", {"n": 1}))
        manager._receive(manager.topic, queued("hello", {"n": 0}))
        listened = manager._listen()
        handed = [next(listened)]
        for n in (2, 3):  # arrive while settings 1 goes to the clients
            manager._receive(manager.topic, queued("settings", {"n": n}))
        handed += [next(listened), next(listened)]
        # hello waited, kept, and settings 3 supersedes 2, which came with it.
        assert [(m["event"], m["data"]) for m in handed] == [
            ("settings", {"n": 1}),
            ("hello", {"n": 0}),
            ("settings", {"n": 3}),
        ]
    finally:
        manager.close()


class RecordingServer:
    """The part of ``socketio.Server`` a fan-out goes through, and when it yielded."""

    def __init__(self) -> None:
        self.log: list[str] = []

    def _send_eio_packet(self, eio_sid: str, _packet: Packet) -> None:
        self.log.append(eio_sid)


def test_a_fan_out_yields_to_the_event_loop_in_turns() -> None:
    server = RecordingServer()
    interleave_fan_out(server, every=3, pause=lambda _seconds: server.log.append("yield"))
    for sid in "abcdefg":
        server._send_eio_packet(sid, event("settings", {"brightness": 1}))
    assert server.log == ["a", "b", "c", "yield", "d", "e", "f", "yield", "g"]
