"""A real renderer on a 128×64 emulated panel takes pixel streams over UDP, from a DDP
sender written from the spec and from independent E1.31 and Art-Net libraries, and
shows (in its live preview) exactly the pixels sent; then gives the panel back."""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator

import numpy as np
import pytest
import sacn
import sacn.sending.sender_socket_udp as sacn_udp
from PIL import Image
from stupidArtnet import StupidArtnet

from tests.support.mqtt_probe import MqttProbe, Received
from tests.support.processes import ServiceProcess
from tests.support.realtime_senders import (
    art_poll,
    ddp_packets,
    free_udp_port,
    universes_of,
)
from tests.support.renderer_contract import BOARD, RendererFactory

WIDTH, HEIGHT = 128, 64
STATE = f"retroboard/{BOARD}/state/realtime"
FRAME = f"retroboard/{BOARD}/frame"


def pattern(seed: int) -> np.ndarray:
    """A frame whose every pixel differs from its neighbours (a wrong offset shows)."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8)


def decoded(message: Received) -> np.ndarray:
    with Image.open(io.BytesIO(message.payload)) as image:
        return np.asarray(image.convert("RGB"))


@pytest.fixture
def ports() -> dict[str, int]:
    return {name: free_udp_port() for name in ("ddp", "e131", "artnet")}


@pytest.fixture
def streaming_renderer(
    start_renderer: RendererFactory, probe: MqttProbe, ports: dict[str, int]
) -> Iterator[ServiceProcess]:
    process = start_renderer(
        MATRIX_ROWS=str(HEIGHT),
        MATRIX_COLS=str(WIDTH),
        RETROBOARD_REALTIME_BIND="127.0.0.1",
        RETROBOARD_REALTIME_DDP_PORT=str(ports["ddp"]),
        RETROBOARD_REALTIME_E131_PORT=str(ports["e131"]),
        RETROBOARD_REALTIME_ARTNET_PORT=str(ports["artnet"]),
        RETROBOARD_REALTIME_TIMEOUT="1",
    )
    probe.wait_for(f"retroboard/{BOARD}/status", lambda m: m.payload == b"online", timeout=10)
    assert probe.request(BOARD, "preview", {"ttl": 60})["success"]
    yield process


def shown(probe: MqttProbe, expected: np.ndarray, timeout: float = 10) -> None:
    """Wait until the live preview shows exactly ``expected``."""
    probe.wait_for(FRAME, lambda m: np.array_equal(decoded(m), expected), timeout=timeout)


def test_a_ddp_stream_takes_the_panel_and_gives_it_back(
    streaming_renderer: ServiceProcess, probe: MqttProbe, ports: dict[str, int]
) -> None:
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        first, second = pattern(1), pattern(2)
        for packet in ddp_packets(first.tobytes()):
            sender.sendto(packet, ("127.0.0.1", ports["ddp"]))
        shown(probe, first)
        state = probe.wait_for(STATE, lambda m: m.json()["active"]).json()
        assert (state["protocol"], state["source"]) == ("ddp", "127.0.0.1")

        # A partial update: only the second half of the panel, then push.
        half = len(first.tobytes()) // 2
        packets = ddp_packets(second.tobytes()[half:], offset=half)
        for packet in packets:
            sender.sendto(packet, ("127.0.0.1", ports["ddp"]))
        expected = first.copy()
        expected[HEIGHT // 2 :] = second[HEIGHT // 2 :]
        shown(probe, expected)
    finally:
        sender.close()
    # Quiet for RETROBOARD_REALTIME_TIMEOUT: the clock app is back.
    probe.wait_for(STATE, lambda m: not m.json()["active"], timeout=10)
    probe.wait_for(FRAME, lambda m: not np.array_equal(decoded(m), expected), timeout=10)


def test_an_e131_stream_from_the_sacn_package_fills_49_universes(
    streaming_renderer: ServiceProcess,
    probe: MqttProbe,
    ports: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # sacn always sends to its DEFAULT_PORT, read at send time: point it at the renderer.
    monkeypatch.setattr(sacn_udp, "DEFAULT_PORT", ports["e131"])
    sender = sacn.sACNsender(bind_address="127.0.0.1", bind_port=0, universeDiscovery=False)
    sender.start()
    try:
        frame = pattern(4)
        channels = universes_of(frame.tobytes())
        assert len(channels) == 49
        for universe, data in enumerate(channels, start=1):
            sender.activate_output(universe)
            sender[universe].destination = "127.0.0.1"
            sender[universe].dmx_data = data
        shown(probe, frame)
        state = probe.wait_for(STATE, lambda m: m.json()["active"]).json()
        assert (state["protocol"], state["source"]) == ("e131", "127.0.0.1")
    finally:
        sender.stop()


def test_an_artnet_stream_from_stupidartnet_is_shown_and_the_board_answers_artpoll(
    streaming_renderer: ServiceProcess, probe: MqttProbe, ports: dict[str, int]
) -> None:
    sender = StupidArtnet("127.0.0.1", 1, 510, 30, True, False, None, False, ports["artnet"])
    try:
        frame = pattern(5)
        for universe, data in enumerate(universes_of(frame.tobytes()), start=1):
            sender.set_universe(universe)
            sender.set_packet_size(len(data) + len(data) % 2)
            sender.set(bytearray(data) + bytearray(len(data) % 2))
            sender.show()
        shown(probe, frame)
        state = probe.wait_for(STATE, lambda m: m.json()["active"]).json()
        assert state["protocol"] == "artnet"
    finally:
        sender.close()

    console = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    console.bind(("127.0.0.1", 0))
    console.settimeout(5)
    try:
        console.sendto(art_poll(), ("127.0.0.1", ports["artnet"]))
        reply, _ = console.recvfrom(2048)
        assert reply[:10] == b"Art-Net\x00\x00\x21"  # OpPollReply
        assert reply[26:44].rstrip(b"\x00").decode() == f"RetroBoard {BOARD}"[:17]
    finally:
        console.close()
