"""E1.31 parsing and source arbitration, packets built here from ANSI E1.31-2018."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retroboard_renderer.realtime import e131
from retroboard_renderer.realtime.arbitration import UniverseArbiter
from retroboard_renderer.realtime.assembly import FLUSH_AFTER, FrameAssembly
from retroboard_renderer.realtime.errors import BadPacket

CID = bytes(range(16))


def flags_length(length: int) -> bytes:
    return (0x7000 | length).to_bytes(2, "big")


def root(vector: int, body: bytes, cid: bytes = CID) -> bytes:
    """Root layer (Table 4-1, offsets 0-37) in front of the framing layer ``body``."""
    after = 4 + 16 + len(body)  # vector, CID, then the framing layer
    return (
        b"\x00\x10\x00\x00"
        + b"ASC-E1.17\x00\x00\x00"
        + flags_length(2 + after)
        + vector.to_bytes(4, "big")
        + cid
        + body
    )


def data_packet(
    universe: int,
    channels: bytes,
    *,
    priority: int = 100,
    sequence: int = 0,
    options: int = 0,
    start_code: int = 0,
    name: bytes = b"test source",
    count: int | None = None,
) -> bytes:
    dmp = (
        b"\x02\xa1\x00\x00\x00\x01"
        + (len(channels) + 1 if count is None else count).to_bytes(2, "big")
        + bytes((start_code,))
        + channels
    )
    dmp = flags_length(2 + len(dmp)) + dmp
    framing = (
        (2).to_bytes(4, "big")
        + name.ljust(64, b"\x00")
        + bytes((priority,))
        + (0).to_bytes(2, "big")
        + bytes((sequence, options))
        + universe.to_bytes(2, "big")
        + dmp
    )
    return root(4, flags_length(2 + len(framing)) + framing)


def sync_packet(sync_address: int, sequence: int = 3) -> bytes:
    framing = (
        (1).to_bytes(4, "big") + bytes((sequence,)) + sync_address.to_bytes(2, "big") + b"\0\0"
    )
    return root(8, flags_length(2 + len(framing)) + framing)


def test_a_data_packet_is_parsed() -> None:
    packet = e131.parse(data_packet(7, b"\x01\x02\x03", priority=150, sequence=9))
    assert isinstance(packet, e131.E131Data)
    assert packet.universe == 7
    assert packet.priority == 150
    assert packet.sequence == 9
    assert packet.cid == CID
    assert packet.source_name == "test source"
    assert packet.start_code == 0
    assert packet.data == b"\x01\x02\x03"
    assert not packet.preview and not packet.terminated


def test_options_are_read() -> None:
    packet = e131.parse(data_packet(1, b"\x00", options=0x80 | 0x40))
    assert isinstance(packet, e131.E131Data)
    assert packet.preview and packet.terminated


def test_a_full_universe_is_parsed() -> None:
    packet = e131.parse(data_packet(63999, bytes(range(256)) * 2))
    assert isinstance(packet, e131.E131Data)
    assert len(packet.data) == 512


def test_a_sync_packet_is_parsed() -> None:
    packet = e131.parse(sync_packet(4000, sequence=5))
    assert packet == e131.E131Sync(cid=CID, sequence=5, sync_address=4000)


def test_a_discovery_packet_is_recognised() -> None:
    framing = (2).to_bytes(4, "big") + bytes(64) + bytes(4) + b"\x70\x0c" + (2).to_bytes(4, "big")
    packet = e131.parse(root(8, flags_length(2 + len(framing)) + framing))
    assert packet == e131.E131Discovery(cid=CID)


def with_byte(packet: bytes, at: int, value: int) -> bytes:
    return packet[:at] + bytes((value,)) + packet[at + 1 :]


GOOD = data_packet(1, b"\x10\x20\x30")


@pytest.mark.parametrize(
    ("packet", "reason"),
    [
        (b"", "e131 truncated"),
        (GOOD[:30], "e131 truncated"),
        (GOOD[:-1], "e131 root length"),
        (GOOD + b"\x00", "e131 root length"),
        (with_byte(GOOD, 1, 0x11), "e131 not acn"),
        (with_byte(GOOD, 8, ord("X")), "e131 not acn"),
        (with_byte(GOOD, 21, 5), "e131 root vector"),
        (with_byte(GOOD, 43, 9), "e131 framing vector"),
        (with_byte(GOOD, 39, 0), "e131 framing length"),
        (with_byte(GOOD, 116, 0), "e131 dmp length"),
        (with_byte(GOOD, 117, 0x03), "e131 dmp header"),
        (with_byte(GOOD, 118, 0xA2), "e131 dmp header"),
        (with_byte(GOOD, 122, 2), "e131 dmp header"),
        (data_packet(1, b"\x01", count=5), "e131 property count"),
        (data_packet(1, b"\x01", priority=201), "e131 priority"),
        (data_packet(0, b"\x01"), "e131 universe"),
        (data_packet(64000, b"\x01"), "e131 universe"),
        (data_packet(1, bytes(513)), "e131 oversized"),
        (bytes(2000), "e131 oversized"),
        (sync_packet(1) + b"\x00", "e131 root length"),
    ],
)
def test_bad_packets_raise_bad_packet(packet: bytes, reason: str) -> None:
    with pytest.raises(BadPacket) as caught:
        e131.parse(packet)
    assert caught.value.reason == reason


@given(st.binary(max_size=1200))
def test_random_bytes_raise_nothing_but_bad_packet(data: bytes) -> None:
    with contextlib.suppress(BadPacket):
        e131.parse(data)


@given(st.integers(0, len(GOOD) - 1), st.integers(0, 255), st.integers(0, len(GOOD)))
def test_corrupted_packets_raise_nothing_but_bad_packet(at: int, value: int, cut: int) -> None:
    with contextlib.suppress(BadPacket):
        e131.parse(with_byte(GOOD, at, value)[:cut])


def test_multicast_groups_follow_the_universe() -> None:
    assert e131.multicast_group(1) == "239.255.0.1"
    assert e131.multicast_group(0x1234) == "239.255.18.52"


@pytest.mark.parametrize(
    ("new", "last", "old"),
    [
        (5, 5, True),
        (4, 5, True),
        (0, 255, False),
        (255, 0, True),
        (6, 5, False),
        (237, 0, True),
        (236, 0, False),
        (200, 0, False),
    ],
)
def test_sequence_numbers_per_6_7_2(new: int, last: int, old: bool) -> None:
    assert e131.sequence_is_old(new, last) is old


A, B = b"a" * 16, b"b" * 16


def test_the_highest_priority_source_wins() -> None:
    arbiter = UniverseArbiter()
    assert arbiter.accept(1, A, 100, 0, now=0.0) == ""
    assert arbiter.accept(1, B, 150, 0, now=0.1) == ""
    assert arbiter.accept(1, A, 100, 1, now=0.2) == "lower priority"
    assert arbiter.accept(1, B, 150, 1, now=0.3) == ""
    assert arbiter.accept(2, A, 100, 2, now=0.3) == ""  # per universe


def test_a_silent_source_expires_after_2_5_s() -> None:
    arbiter = UniverseArbiter()
    arbiter.accept(1, B, 150, 0, now=0.0)
    assert arbiter.accept(1, A, 100, 0, now=2.4) == "lower priority"
    assert arbiter.accept(1, A, 100, 1, now=2.6) == ""


def test_a_terminated_source_is_gone_at_once() -> None:
    arbiter = UniverseArbiter()
    arbiter.accept(1, B, 150, 0, now=0.0)
    arbiter.terminate(1, B)
    assert arbiter.accept(1, A, 100, 0, now=0.1) == ""


def test_equal_priority_keeps_the_owner() -> None:
    arbiter = UniverseArbiter()
    assert arbiter.accept(1, A, 100, 0, now=0.0) == ""
    assert arbiter.accept(1, B, 100, 0, now=0.1) == "other source"
    assert arbiter.accept(1, A, 100, 1, now=0.2) == ""


def test_old_sequence_numbers_are_dropped() -> None:
    arbiter = UniverseArbiter()
    assert arbiter.accept(1, A, 100, 10, now=0.0) == ""
    assert arbiter.accept(1, A, 100, 9, now=0.1) == "out of order"
    assert arbiter.accept(1, A, 100, 10, now=0.1) == "out of order"
    assert arbiter.accept(1, A, 100, 11, now=0.2) == ""
    assert arbiter.accept(1, A, 100, 100, now=0.3) == ""  # a jump forward is fine


def test_assembly_shows_when_complete_or_on_a_repeat() -> None:
    assembly = FrameAssembly([1, 2, 3])
    assert not assembly.before_write(1)
    assert not assembly.after_write(1, 0.0)
    assert not assembly.before_write(2)
    assert not assembly.after_write(2, 0.0)
    assert assembly.before_write(1)  # a sender covering universes 1-2 only
    assert not assembly.after_write(1, 0.0)
    assert not assembly.after_write(2, 0.0)
    assert assembly.after_write(3, 0.0)
    assert not assembly.pending
    assert assembly.flush_at is None  # a complete frame leaves nothing to flush


def test_assembly_flushes_a_partial_frame_once_the_sender_is_quiet() -> None:
    assembly = FrameAssembly([1, 2, 3])
    assert not assembly.flush_due(10.0)  # nothing pending
    assembly.after_write(1, 10.0)
    assembly.after_write(2, 10.005)  # the next packet of the frame postpones the flush
    assert assembly.flush_at == pytest.approx(10.005 + FLUSH_AFTER)
    assert not assembly.flush_due(10.005 + FLUSH_AFTER / 2)
    assert assembly.pending
    assert assembly.flush_due(10.005 + FLUSH_AFTER)
    assert not assembly.pending and assembly.flush_at is None
    assert not assembly.flush_due(11.0)  # shown once, not again
    assert not assembly.before_write(1)  # the next frame starts afresh


def test_assembly_does_not_flush_data_held_for_a_sync_packet() -> None:
    assembly = FrameAssembly([1, 2])
    assembly.after_write(1, 0.0, hold=True)
    assert assembly.flush_at is None and not assembly.flush_due(5.0)
    assert assembly.pending  # still shown by the sync packet or a repeat
