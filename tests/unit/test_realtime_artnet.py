"""Art-Net parsing and ArtPollReply building, checked against the Art-Net 4 layout."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retroboard_renderer.realtime import artnet
from retroboard_renderer.realtime.errors import BadPacket


def art_dmx(
    data: bytes,
    *,
    sub_uni: int = 1,
    net: int = 0,
    length: int | None = None,
    version: int = 14,
    sequence: int = 3,
) -> bytes:
    n = len(data) if length is None else length
    return (
        b"Art-Net\x00"
        + (0x5000).to_bytes(2, "little")
        + version.to_bytes(2, "big")
        + bytes((sequence, 0, sub_uni, net))
        + n.to_bytes(2, "big")
        + data
    )


def art_poll() -> bytes:
    return b"Art-Net\x00" + (0x2000).to_bytes(2, "little") + (14).to_bytes(2, "big") + b"\x02\x00"


def test_art_dmx_is_parsed() -> None:
    packet = artnet.parse(art_dmx(b"\x01\x02\x03\x04", sub_uni=0x25, net=0x03, sequence=9))
    assert packet == artnet.ArtDmx(
        sequence=9, physical=0, port_address=0x0325, data=b"\x01\x02\x03\x04"
    )


def test_an_odd_length_is_accepted() -> None:
    packet = artnet.parse(art_dmx(b"\x01\x02\x03"))
    assert isinstance(packet, artnet.ArtDmx)
    assert packet.data == b"\x01\x02\x03"


def test_art_poll_and_sync_are_parsed() -> None:
    assert artnet.parse(art_poll()) == artnet.ArtPoll(flags=2)
    sync = b"Art-Net\x00" + (0x5200).to_bytes(2, "little") + b"\x00\x0e\x00\x00"
    assert artnet.parse(sync) == artnet.ArtSync()


def test_other_opcodes_are_reported_as_such() -> None:
    packet = b"Art-Net\x00" + (0x9700).to_bytes(2, "little") + b"\x00\x0e" + bytes(10)
    assert artnet.parse(packet) == artnet.ArtOther(0x9700)


@pytest.mark.parametrize(
    ("packet", "reason"),
    [
        (b"", "artnet truncated"),
        (b"Art-Net\x00\x00", "artnet truncated"),
        (b"Art-Nex\x00" + art_dmx(b"\0\0")[8:], "artnet id"),
        (art_dmx(b"\x00\x00", version=13), "artnet version"),
        (art_dmx(b"\x00\x00")[:17], "artnet truncated"),
        (art_dmx(b"\x00\x00", length=4), "artnet truncated"),
        (art_dmx(b"\x00\x00\x00\x00", length=2), "artnet length"),
        (art_dmx(b"\x00"), "artnet length"),
        (art_dmx(bytes(514)), "artnet length"),
        (art_poll()[:13], "artnet truncated"),
        (art_dmx(bytes(1500)), "artnet oversized"),
    ],
)
def test_bad_packets_raise_bad_packet(packet: bytes, reason: str) -> None:
    with pytest.raises(BadPacket) as caught:
        artnet.parse(packet)
    assert caught.value.reason == reason


@given(st.binary(max_size=1600))
def test_random_bytes_raise_nothing_but_bad_packet(data: bytes) -> None:
    with contextlib.suppress(BadPacket):
        artnet.parse(data)


@given(st.binary(max_size=600))
def test_random_bodies_raise_nothing_but_bad_packet(body: bytes) -> None:
    for opcode in (0x2000, 0x5000, 0x5200, 0x2100):
        with contextlib.suppress(BadPacket):
            artnet.parse(b"Art-Net\x00" + opcode.to_bytes(2, "little") + body)


def test_poll_reply_fields_sit_where_the_spec_puts_them() -> None:
    reply = artnet.poll_reply(
        "192.168.1.20",
        short_name="Board",
        long_name="Board 64x32",
        port_addresses=[0x0231, 0x0232, 0x0233],
    )
    assert len(reply) == 239
    assert reply[:8] == b"Art-Net\x00"
    assert reply[8:10] == b"\x00\x21"  # OpPollReply, low byte first
    assert reply[10:14] == bytes((192, 168, 1, 20))
    assert reply[14:16] == b"\x36\x19"  # port 0x1936, low byte first
    assert reply[18] == 0x02 and reply[19] == 0x03  # NetSwitch, SubSwitch
    assert reply[26:44] == b"Board".ljust(18, b"\x00")
    assert reply[44:108] == b"Board 64x32".ljust(64, b"\x00")
    assert reply[172:174] == b"\x00\x03"  # NumPorts
    assert list(reply[174:178]) == [0x80, 0x80, 0x80, 0]  # DMX512 outputs
    assert list(reply[190:194]) == [1, 2, 3, 0]  # SwOut
    assert reply[207:211] == bytes((192, 168, 1, 20))  # BindIp
    assert reply[211] == 1  # BindIndex


def test_poll_replies_split_by_four_and_by_subnet() -> None:
    replies = list(
        artnet.poll_replies(
            "10.0.0.2", short_name="B", long_name="B", port_addresses=list(range(1, 19))
        )
    )
    ports = [[r[18] << 8 | r[19] << 4 | r[190 + i] for i in range(r[173])] for r in replies]
    assert ports == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15], [16, 17, 18]]
    assert [r[211] for r in replies] == [1, 2, 3, 4, 5]


def test_long_names_are_cut_and_terminated() -> None:
    reply = artnet.poll_reply(
        "10.0.0.2", short_name="x" * 40, long_name="y" * 100, port_addresses=[1]
    )
    assert reply[26:44] == b"x" * 17 + b"\x00"
    assert reply[44:108] == b"y" * 63 + b"\x00"
