"""DDP parsing against packets built here from the 3waylabs DDP specification."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retroboard_renderer.realtime import ddp
from retroboard_renderer.realtime.errors import BadPacket


def ddp_packet(
    data: bytes,
    *,
    offset: int = 0,
    flags: int = 0x40,
    sequence: int = 1,
    data_type: int = 0x0B,
    destination: int = 1,
    timecode: bytes | None = None,
    length: int | None = None,
) -> bytes:
    """Header per the spec: flags, sequence, type, id, offset (4, BE), length (2, BE)."""
    if timecode is not None:
        flags |= 0x10
    header = bytes((flags, sequence, data_type, destination))
    header += offset.to_bytes(4, "big") + (len(data) if length is None else length).to_bytes(
        2, "big"
    )
    return header + (timecode or b"") + data


def test_a_data_packet_is_parsed() -> None:
    packet = ddp.parse(ddp_packet(b"\x01\x02\x03\x04\x05\x06", offset=300, flags=0x41))
    assert packet.push
    assert not packet.query
    assert packet.sequence == 1
    assert packet.offset == 300
    assert packet.data == b"\x01\x02\x03\x04\x05\x06"


def test_push_is_off_without_the_flag() -> None:
    assert not ddp.parse(ddp_packet(b"abc")).push


def test_the_timecode_is_skipped() -> None:
    packet = ddp.parse(ddp_packet(b"xyz", timecode=b"\x00\x00\x00\x07"))
    assert packet.data == b"xyz"


@pytest.mark.parametrize("data_type", [0x0B, 0x01, 0x00])  # spec RGB8, common, undefined
def test_rgb_and_undefined_type_bytes_are_accepted(data_type: int) -> None:
    assert ddp.parse(ddp_packet(b"abc", data_type=data_type)).data == b"abc"


@pytest.mark.parametrize("destination", [0, 1, 255])  # unset (common), default, all
def test_display_destinations_are_accepted(destination: int) -> None:
    assert ddp.parse(ddp_packet(b"abc", destination=destination)).destination == destination


def test_the_sequence_is_the_low_nibble() -> None:
    assert ddp.parse(ddp_packet(b"abc", sequence=0xF7)).sequence == 7


@pytest.mark.parametrize(
    ("packet", "reason"),
    [
        (b"", "ddp truncated"),
        (ddp_packet(b"")[:9], "ddp truncated"),
        (ddp_packet(b"abc", length=6), "ddp truncated"),
        (ddp_packet(b"abcdef", length=3), "ddp length"),
        (ddp_packet(b"abc", flags=0x80), "ddp version"),
        (ddp_packet(b"abc", flags=0x00), "ddp version"),
        (ddp_packet(b"abc", data_type=0x1B), "ddp data type"),  # RGBW
        (ddp_packet(b"abc", data_type=0x1A), "ddp data type"),  # RGB 16-bit
        (ddp_packet(b"abc", destination=251), "ddp destination"),  # status
        (ddp_packet(b"abc", destination=2), "ddp destination"),  # another device
        (ddp_packet(bytes(1463)), "ddp oversized"),
        (ddp_packet(b"abc", timecode=b"\x00")[:13], "ddp truncated"),
    ],
)
def test_bad_packets_raise_bad_packet(packet: bytes, reason: str) -> None:
    with pytest.raises(BadPacket) as caught:
        ddp.parse(packet)
    assert caught.value.reason == reason


def test_the_largest_sensible_packet_is_accepted() -> None:
    assert len(ddp.parse(ddp_packet(bytes(1462))).data) == 1462


@given(st.binary(max_size=2000))
def test_random_bytes_raise_nothing_but_bad_packet(data: bytes) -> None:
    with contextlib.suppress(BadPacket):
        ddp.parse(data)


@given(st.binary(min_size=0, max_size=40), st.integers(0, 255), st.integers(0, 255))
def test_random_headers_raise_nothing_but_bad_packet(tail: bytes, flags: int, kind: int) -> None:
    with contextlib.suppress(BadPacket):
        ddp.parse(bytes((flags, 0, kind, 1)) + tail)
