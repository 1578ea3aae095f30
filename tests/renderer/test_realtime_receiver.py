"""The realtime receiver against real senders: DDP from the spec, sacn, stupidArtnet.

Every receiver binds port 0 (a free port per protocol), so tests never collide with
each other or with a board on the host. The ``sacn`` package always sends to port
5568 (``sacn.sending.sender_socket_udp.DEFAULT_PORT``, read at send time): the tests
point that module constant at the receiver's port with ``monkeypatch``.
"""

from __future__ import annotations

import ipaddress
import queue
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
import sacn
import sacn.sending.sender_socket_udp as sacn_udp
from sacn.messages.data_packet import DataPacket
from sacn.messages.sync_packet import SyncPacket
from stupidArtnet import StupidArtnet

from retroboard_renderer.realtime import (
    RealtimePorts,
    RealtimeReceiver,
    SourceFilter,
    StreamFrame,
    parse_sources,
)
from tests.support.realtime_senders import art_poll, ddp_packets, universes_of
from tests.support.waiting import wait_until

Frame = npt.NDArray[np.uint8]
ANY_SOURCE = (ipaddress.ip_network("0.0.0.0/0"),)


class Screen:
    """What the receiver showed: every frame, the latest, and a way to wait for one."""

    def __init__(self) -> None:
        self.frames: queue.Queue[StreamFrame] = queue.Queue()
        self.latest: StreamFrame | None = None
        self._lock = threading.Lock()

    def __call__(self, frame: StreamFrame) -> None:
        with self._lock:
            self.latest = frame
        self.frames.put(frame)

    def next(self, timeout: float = 5.0) -> StreamFrame:
        return self.frames.get(timeout=timeout)

    def shows(self, expected: Frame) -> bool:
        with self._lock:
            latest = self.latest
        return latest is not None and np.array_equal(latest.pixels, expected)


Factory = Callable[..., tuple[RealtimeReceiver, Screen]]


@pytest.fixture
def start_receiver() -> Iterator[Factory]:
    started: list[RealtimeReceiver] = []

    def start(
        width: int = 128, height: int = 64, **options: Any
    ) -> tuple[RealtimeReceiver, Screen]:
        screen = Screen()
        options.setdefault("bind", "127.0.0.1")
        options.setdefault("ports", RealtimePorts(ddp=0, e131=0, artnet=0))
        receiver = RealtimeReceiver(width, height, on_frame=screen, **options)
        receiver.start()
        started.append(receiver)
        return receiver, screen

    yield start
    for receiver in started:
        receiver.stop()


@pytest.fixture
def udp() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5)
    yield sock
    sock.close()


def random_frame(width: int = 128, height: int = 64, seed: int = 0) -> Frame:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (height, width, 3), dtype=np.uint8)


# -- DDP, sent as the 3waylabs spec describes --------------------------------------


def send_all(sock: socket.socket, packets: list[bytes], port: int) -> None:
    for packet in packets:
        sock.sendto(packet, ("127.0.0.1", port))


def test_ddp_multi_packet_frame_is_shown_on_push(
    start_receiver: Factory, udp: socket.socket
) -> None:
    receiver, screen = start_receiver()
    frame = random_frame()
    packets = ddp_packets(frame.tobytes())
    assert len(packets) == 18
    send_all(udp, packets, receiver.ports.ddp)
    shown = screen.next()
    assert shown.protocol == "ddp"
    assert shown.source == "127.0.0.1"
    assert shown.pixels.shape == (64, 128, 3) and shown.pixels.dtype == np.uint8
    assert np.array_equal(shown.pixels, frame)
    assert receiver.stats.shown == 1  # only the push showed it


def test_ddp_partial_update_keeps_the_rest(start_receiver: Factory, udp: socket.socket) -> None:
    receiver, screen = start_receiver()
    frame = random_frame()
    send_all(udp, ddp_packets(frame.tobytes()), receiver.ports.ddp)
    screen.next()
    patch = np.full((2, 128, 3), 200, dtype=np.uint8)  # rows 10 and 11
    send_all(udp, ddp_packets(patch.tobytes(), offset=10 * 128 * 3), receiver.ports.ddp)
    expected = frame.copy()
    expected[10:12] = 200
    assert np.array_equal(screen.next().pixels, expected)


def test_ddp_without_push_shows_when_the_last_byte_arrives(
    start_receiver: Factory, udp: socket.socket
) -> None:
    receiver, screen = start_receiver(64, 32)
    frame = random_frame(64, 32, seed=3)
    send_all(udp, ddp_packets(frame.tobytes(), push=False), receiver.ports.ddp)
    assert np.array_equal(screen.next().pixels, frame)


def test_ddp_as_common_senders_send_it_is_drawn(
    start_receiver: Factory, udp: socket.socket
) -> None:
    """LedFx and WLED-style senders: data type 0 ("undefined") and destination id 0."""
    receiver, screen = start_receiver()
    frame = random_frame(seed=11)
    send_all(udp, ddp_packets(frame.tobytes(), data_type=0x00), receiver.ports.ddp)
    assert np.array_equal(screen.next().pixels, frame)
    other = random_frame(seed=12)
    send_all(udp, ddp_packets(other.tobytes(), destination=0), receiver.ports.ddp)
    assert np.array_equal(screen.next().pixels, other)
    assert receiver.stats.dropped == {}


def test_ddp_rgbw_is_refused_and_counted(start_receiver: Factory, udp: socket.socket) -> None:
    receiver, screen = start_receiver(16, 8)
    packets = ddp_packets(random_frame(16, 8).tobytes(), data_type=0x1B)  # RGBW 8 bit
    send_all(udp, packets, receiver.ports.ddp)
    wait_until(lambda: receiver.stats.drops("ddp data type") == 1, what="the drop")
    assert screen.frames.empty() and receiver.stats.shown == 0


def test_the_shown_pixels_are_a_copy(start_receiver: Factory, udp: socket.socket) -> None:
    receiver, screen = start_receiver(16, 8)
    first = random_frame(16, 8, seed=1)
    send_all(udp, ddp_packets(first.tobytes()), receiver.ports.ddp)
    shown = screen.next()
    send_all(udp, ddp_packets(random_frame(16, 8, seed=2).tobytes()), receiver.ports.ddp)
    screen.next()
    assert np.array_equal(shown.pixels, first)


def test_serpentine_layout_reverses_odd_rows(start_receiver: Factory, udp: socket.socket) -> None:
    receiver, screen = start_receiver(16, 8, layout="serpentine")
    stream = random_frame(16, 8, seed=4)
    send_all(udp, ddp_packets(stream.tobytes()), receiver.ports.ddp)
    expected = stream.copy()
    expected[1::2] = expected[1::2, ::-1]
    assert np.array_equal(screen.next().pixels, expected)


# -- E1.31 from the sacn package ------------------------------------------------------


@pytest.fixture
def sacn_senders(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Any]]:
    senders: list[Any] = []

    def make(port: int, name: str = "test") -> Any:
        monkeypatch.setattr(sacn_udp, "DEFAULT_PORT", port)
        sender = sacn.sACNsender(
            bind_address="127.0.0.1", bind_port=0, source_name=name, universeDiscovery=False
        )
        sender.start()
        senders.append(sender)
        return sender

    yield make
    for sender in senders:
        sender.stop()


def test_e131_multi_universe_frame_and_partial_update(
    start_receiver: Factory, sacn_senders: Callable[..., Any]
) -> None:
    receiver, screen = start_receiver()
    sender = sacn_senders(receiver.ports.e131)
    frame = random_frame(seed=5)
    channels = universes_of(frame.tobytes())
    assert len(channels) == 49
    for universe, data in enumerate(channels, start=1):
        sender.activate_output(universe)
        sender[universe].destination = "127.0.0.1"
        sender[universe].dmx_data = data
    wait_until(lambda: screen.shows(frame), timeout=10, what="the sACN frame")
    assert screen.latest is not None and screen.latest.protocol == "e131"

    expected = frame.copy()
    flat = expected.reshape(-1, 3)
    flat[2 * 170 : 3 * 170] = (1, 2, 3)  # universe 3 only
    sender[3].dmx_data = tuple(flat[2 * 170 : 3 * 170].tobytes())
    wait_until(lambda: screen.shows(expected), timeout=10, what="the partial update")


def test_e131_sender_updating_one_universe_is_shown_promptly(
    start_receiver: Factory, sacn_senders: Callable[..., Any]
) -> None:
    """sacn resends an unchanged universe only once a second: no waiting for a repeat."""
    receiver, screen = start_receiver()  # 128x64: universes 1-49, only 1 is sent
    sender = sacn_senders(receiver.ports.e131)
    sender.activate_output(1)
    sender[1].destination = "127.0.0.1"
    sender[1].dmx_data = (10,) * 510
    first = np.zeros((64, 128, 3), dtype=np.uint8)
    first.reshape(-1, 3)[:170] = 10
    wait_until(lambda: screen.shows(first), what="the first update")
    while not screen.frames.empty():
        screen.frames.get()
    sender[1].dmx_data = (20,) * 510  # sent once, then not again for about a second
    shown = screen.next(timeout=0.5)
    assert shown.protocol == "e131"
    assert (shown.pixels.reshape(-1, 3)[:170] == 20).all()
    assert not shown.pixels.reshape(-1, 3)[170:].any()


def test_e131_higher_priority_source_wins(
    start_receiver: Factory, sacn_senders: Callable[..., Any]
) -> None:
    receiver, screen = start_receiver(16, 8)  # 128 pixels: one universe
    low, high = sacn_senders(receiver.ports.e131, "low"), sacn_senders(receiver.ports.e131, "high")
    red = np.zeros((8, 16, 3), dtype=np.uint8)
    red[..., 0] = 255
    blue = np.zeros((8, 16, 3), dtype=np.uint8)
    blue[..., 2] = 255
    for sender, frame, priority in ((low, red, 50), (high, blue, 150)):
        sender.activate_output(1)
        sender[1].destination = "127.0.0.1"
        sender[1].priority = priority
        sender[1].dmx_data = tuple(frame.tobytes())
    wait_until(lambda: receiver.stats.drops("lower priority") >= 1, timeout=10, what="a drop")
    assert screen.shows(blue)
    low[1].dmx_data = tuple(red.tobytes())  # the low source keeps sending, still loses
    dropped = receiver.stats.drops("lower priority")
    wait_until(lambda: receiver.stats.drops("lower priority") > dropped, what="another drop")
    assert screen.shows(blue)


def test_e131_multicast_is_received(
    start_receiver: Factory, sacn_senders: Callable[..., Any]
) -> None:
    receiver, screen = start_receiver(16, 8, bind="0.0.0.0", sources=ANY_SOURCE)
    assert receiver.multicast_groups == ["239.255.0.1"]
    sender = sacn_senders(receiver.ports.e131)
    frame = random_frame(16, 8, seed=6)
    sender.activate_output(1)
    sender[1].multicast = True
    sender[1].dmx_data = tuple(frame.tobytes())
    wait_until(lambda: screen.shows(frame), timeout=10, what="the multicast frame")


def test_e131_terminated_source_gives_way_at_once(
    start_receiver: Factory, sacn_senders: Callable[..., Any]
) -> None:
    receiver, screen = start_receiver(16, 8)
    low, high = sacn_senders(receiver.ports.e131, "low"), sacn_senders(receiver.ports.e131, "high")
    red = np.zeros((8, 16, 3), dtype=np.uint8)
    red[..., 0] = 255
    high.activate_output(1)
    high[1].destination = "127.0.0.1"
    high[1].priority = 150
    high[1].dmx_data = tuple(np.full_like(red, 7).tobytes())
    wait_until(lambda: screen.shows(np.full_like(red, 7)), what="the high source")
    high.deactivate_output(1)  # three stream-terminated packets
    wait_until(lambda: receiver.stats.drops("terminated") == 3, what="the terminations")
    low.activate_output(1)
    low[1].destination = "127.0.0.1"
    low[1].priority = 50
    low[1].dmx_data = tuple(red.tobytes())
    # Well before the 2.5 s a silent source takes to expire.
    wait_until(lambda: screen.shows(red), timeout=1.5, what="the low source")


def test_e131_preview_data_is_not_shown(
    start_receiver: Factory, sacn_senders: Callable[..., Any]
) -> None:
    receiver, screen = start_receiver(16, 8)
    sender = sacn_senders(receiver.ports.e131)
    sender.activate_output(1)
    sender[1].destination = "127.0.0.1"
    sender[1].preview_data = True
    sender[1].dmx_data = tuple(random_frame(16, 8).tobytes())
    wait_until(lambda: receiver.stats.drops("preview") >= 1, what="the preview drop")
    assert screen.frames.empty()


def test_e131_sync_shows_a_partial_frame(start_receiver: Factory, udp: socket.socket) -> None:
    """Packets built by sacn's message classes, sent raw: universe 1 of 2, then sync."""
    receiver, screen = start_receiver(16, 16)  # 256 pixels: universes 1 and 2
    cid = tuple(range(16))
    data = tuple(random_frame(16, 16, seed=10).tobytes()[:510])
    priorities = DataPacket(cid=cid, sourceName="raw", universe=2, dmxData=(255,) * 512)
    priorities.dmxStartCode = 0xDD  # per-address priority, not levels: must not be drawn
    packet = DataPacket(cid=cid, sourceName="raw", universe=1, dmxData=data, sync_universe=7)
    for message in (priorities, packet):
        udp.sendto(bytes(message.getBytes()), ("127.0.0.1", receiver.ports.e131))
    udp.sendto(
        bytes(SyncPacket(cid=cid, syncAddr=7).getBytes()), ("127.0.0.1", receiver.ports.e131)
    )
    shown = screen.next()
    assert shown.pixels.reshape(-1)[:510].tobytes() == bytes(data)
    assert not shown.pixels.reshape(-1)[510:].any()
    assert receiver.stats.drops("e131 start code") == 1
    assert "239.255.0.7" in receiver.multicast_groups  # a multicast sync is heard too


# -- Art-Net from stupidArtnet --------------------------------------------------------


@pytest.fixture
def artnet_sender() -> Iterator[Callable[[int], StupidArtnet]]:
    senders: list[StupidArtnet] = []

    def make(port: int) -> StupidArtnet:
        sender = StupidArtnet("127.0.0.1", 1, 510, 30, True, False, None, False, port)
        senders.append(sender)
        return sender

    yield make
    for sender in senders:
        sender.close()


def send_universe(sender: StupidArtnet, universe: int, data: bytes) -> None:
    sender.set_universe(universe)
    sender.set_packet_size(len(data) + len(data) % 2)
    sender.set(bytearray(data) + bytearray(len(data) % 2))
    sender.show()


def test_artnet_multi_universe_frame_and_partial_update(
    start_receiver: Factory, artnet_sender: Callable[[int], StupidArtnet]
) -> None:
    receiver, screen = start_receiver()
    sender = artnet_sender(receiver.ports.artnet)
    frame = random_frame(seed=7)
    for universe, data in enumerate(universes_of(frame.tobytes()), start=1):
        send_universe(sender, universe, bytes(data))
    # A stalled sender may be flushed mid-frame: wait for the whole frame.
    wait_until(lambda: screen.shows(frame), what="the Art-Net frame")
    assert screen.latest is not None
    assert screen.latest.protocol == "artnet" and screen.latest.source == "127.0.0.1"

    expected = frame.copy()
    flat = expected.reshape(-1, 3)
    flat[4 * 170 : 5 * 170] = (9, 8, 7)  # universe 5, sent twice as a sender streaming it
    for _ in range(2):
        send_universe(sender, 5, flat[4 * 170 : 5 * 170].tobytes())
    wait_until(lambda: screen.shows(expected), what="the partial update")


def test_artnet_sender_updating_one_universe_is_shown_promptly(
    start_receiver: Factory, artnet_sender: Callable[[int], StupidArtnet]
) -> None:
    receiver, screen = start_receiver()  # universes 1-49, only 2 is sent, once
    send_universe(artnet_sender(receiver.ports.artnet), 2, bytes([30]) * 510)
    shown = screen.next(timeout=0.5)
    assert (shown.pixels.reshape(-1, 3)[170:340] == 30).all()
    assert not shown.pixels.reshape(-1, 3)[:170].any()


def test_a_console_counting_universes_from_zero(
    start_receiver: Factory, artnet_sender: Callable[[int], StupidArtnet]
) -> None:
    receiver, screen = start_receiver(16, 8, first_universe=0)  # one universe: 0
    assert "239.255.0.0" not in receiver.multicast_groups  # E1.31 has no universe 0
    frame = random_frame(16, 8, seed=11)
    send_universe(artnet_sender(receiver.ports.artnet), 0, frame.tobytes())
    assert np.array_equal(screen.next().pixels, frame)


def test_artpoll_is_answered_with_the_board_and_its_universes(
    start_receiver: Factory, udp: socket.socket
) -> None:
    receiver, _screen = start_receiver(name="Kitchen")
    udp.sendto(art_poll(), ("127.0.0.1", receiver.ports.artnet))
    ports: set[int] = set()
    while len(ports) < 49:
        reply, sender = udp.recvfrom(2048)
        assert sender == ("127.0.0.1", receiver.ports.artnet)
        assert reply[:8] == b"Art-Net\x00" and reply[8:10] == b"\x00\x21"  # OpPollReply
        assert len(reply) == 239
        assert reply[10:14] == bytes((127, 0, 0, 1))
        assert reply[26:44].rstrip(b"\x00") == b"Kitchen"
        assert reply[44:108].startswith(b"Kitchen 128x64")
        count = reply[173]
        assert 1 <= count <= 4
        assert all(t == 0x80 for t in reply[174 : 174 + count])  # DMX512 outputs
        top = (reply[18] << 8) | (reply[19] << 4)
        ports.update(top | reply[190 + i] for i in range(count))
    assert ports == set(range(1, 50))
    assert receiver.stats.replies == 1


# -- what is dropped -------------------------------------------------------------------


def test_sources_outside_the_allow_list_are_dropped(
    start_receiver: Factory, udp: socket.socket
) -> None:
    receiver, screen = start_receiver(16, 8, sources=(ipaddress.ip_network("10.0.0.0/8"),))
    send_all(udp, ddp_packets(random_frame(16, 8).tobytes()), receiver.ports.ddp)
    udp.sendto(art_poll(), ("127.0.0.1", receiver.ports.artnet))
    wait_until(lambda: receiver.stats.drops("source not allowed") == 2, what="the drops")
    assert receiver.stats.shown == 0 and receiver.stats.replies == 0
    assert screen.frames.empty()


def test_disabled_drops_everything(start_receiver: Factory, udp: socket.socket) -> None:
    receiver, screen = start_receiver(16, 8)
    receiver.enabled = False
    wait_until(lambda: not receiver.reading, what="the ports left unread")
    stale, frame = random_frame(16, 8, seed=8), random_frame(16, 8, seed=9)
    send_all(udp, ddp_packets(stale.tobytes()), receiver.ports.ddp)  # unread while off
    receiver.enabled = True
    # What waited in the port while streams were off is dropped, never shown.
    wait_until(lambda: receiver.stats.drops("disabled") == 1, what="the stale packet dropped")
    assert screen.frames.empty()
    send_all(udp, ddp_packets(frame.tobytes()), receiver.ports.ddp)
    assert np.array_equal(screen.next().pixels, frame)


def test_malformed_packets_are_counted_and_the_stream_goes_on(
    start_receiver: Factory, udp: socket.socket
) -> None:
    receiver, screen = start_receiver(16, 8)
    ports = receiver.ports
    for port in (ports.ddp, ports.e131, ports.artnet):
        for junk in (
            b"",
            b"\x41",
            b"Art-Net\x00\x00\x50",
            b"\x00\x10\x00\x00ASC-E1.17",
            bytes(4000),
        ):
            udp.sendto(junk, ("127.0.0.1", port))
    wait_until(lambda: receiver.stats.received == 15, what="every datagram")
    stats = receiver.stats
    assert sum(stats.dropped.values()) == 15
    assert stats.drops("oversized") == 3
    assert stats.shown == 0
    frame = random_frame(16, 8, seed=9)
    send_all(udp, ddp_packets(frame.tobytes()), ports.ddp)
    assert np.array_equal(screen.next().pixels, frame)


def test_a_failing_callback_does_not_stop_the_receiver(udp: socket.socket) -> None:
    calls: list[StreamFrame] = []

    def fail(frame: StreamFrame) -> None:
        calls.append(frame)
        raise RuntimeError("boom")

    receiver = RealtimeReceiver(4, 4, bind="127.0.0.1", ports=RealtimePorts(0, 0, 0), on_frame=fail)
    receiver.start()
    try:
        for _ in range(2):
            send_all(udp, ddp_packets(bytes(48)), receiver.ports.ddp)
        wait_until(lambda: len(calls) == 2, what="two frames")
    finally:
        receiver.stop()


def test_the_default_allow_list_is_the_local_network() -> None:
    allowed = SourceFilter()
    for address in ("10.1.2.3", "172.20.0.5", "192.168.1.9", "127.0.0.1", "169.254.3.3"):
        assert allowed.allows(address), address
    for address in ("::1", "fd12::5", "fe80::1%eth0", "::ffff:192.168.1.9"):
        assert allowed.allows(address), address
    for address in ("8.8.8.8", "172.32.0.1", "192.0.2.2", "2001:db8::1", "not an ip"):
        assert not allowed.allows(address), address
    assert SourceFilter(parse_sources("10.0.0.0/8, 2001:db8::/32")).allows("2001:db8::1")
