"""DDP (Distributed Display Protocol, 3waylabs "DDP protocol" specification) parser.

Header (spec "Packet Format"), 10 bytes, or 14 when the timecode flag is set:

====== =====================================================================
byte 0 flags: bits 7-6 version (01 = v1), 0x10 timecode, 0x08 storage,
       0x04 reply, 0x02 query, 0x01 push
byte 1 sequence number in the low 4 bits (0 = not used)
byte 2 data type: bit 7 customer-defined, bits 5-3 type (1 = RGB),
       bits 2-0 bits per element (3 = 8 bits) -> RGB 8-bit is 0x0B;
       "set to zero if not used or undefined"
byte 3 destination id (1 = default output device, 255 = all devices)
4-7    data offset in bytes, big-endian
8-9    data length in bytes, big-endian
(10-13 timecode, only with the timecode flag)
====== =====================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

from retroboard_renderer.realtime.errors import BadPacket

PORT = 4048  # spec: "DDP uses UDP port 4048"
HEADER_LEN = 10  # spec: 10-byte header
TIMECODE_LEN = 4  # spec: the timecode flag adds a 4-byte timecode after the header

VERSION_MASK = 0xC0  # spec: flags bits 7-6 are the protocol version
VERSION_1 = 0x40  # spec: version 1 = 01 in bits 7-6
FLAG_TIMECODE = 0x10
FLAG_STORAGE = 0x08
FLAG_REPLY = 0x04
FLAG_QUERY = 0x02
FLAG_PUSH = 0x01
SEQUENCE_MASK = 0x0F  # spec: sequence number in the low 4 bits of byte 1

# Data type byte (spec "data type" layout): 0b00_001_011 = type RGB, 8 bits per element.
DATA_TYPE_RGB8 = 0x0B
# Not per the spec's layout, but sent as "RGB" by common senders (xLights, older WLED,
# LedFx): accepted as RGB 8-bit too.
DATA_TYPE_RGB_COMMON = 0x01
# Spec: "set to zero if not used or undefined". Real senders (LedFx, WLED-style ones)
# send 0 with plain RGB data, and WLED takes 0 as RGB 8-bit: so do we.
DATA_TYPE_UNDEFINED = 0x00
# Anything else (RGBW 0x1B, 16-bit, customer types) is refused: never draw garbage.
RGB_TYPES = frozenset({DATA_TYPE_RGB8, DATA_TYPE_RGB_COMMON, DATA_TYPE_UNDEFINED})

DESTINATION_DEFAULT = 1  # spec: id 1 = default output device
DESTINATION_ALL = 255  # spec: id 255 = all devices
# Not an id in the spec, but what many senders (LedFx, WLED-style ones) send.
DESTINATION_UNSET = 0
DISPLAY_DESTINATIONS = frozenset({DESTINATION_UNSET, DESTINATION_DEFAULT, DESTINATION_ALL})

# Largest datagram accepted: a UDP payload in one 1500-byte Ethernet frame (1500 - 20
# IP - 8 UDP). The spec suggests at most 1440 data bytes (480 RGB pixels) per packet.
MAX_PACKET = 1472


@dataclass(frozen=True, slots=True)
class DdpPacket:
    """One DDP packet: ``data`` goes to byte ``offset`` of the output's buffer."""

    push: bool
    query: bool
    reply: bool
    storage: bool
    sequence: int
    data_type: int
    destination: int
    offset: int
    data: bytes


def parse(packet: bytes) -> DdpPacket:
    """Parse one DDP datagram; raises :class:`BadPacket` for anything else."""
    size = len(packet)
    if size > MAX_PACKET:
        raise BadPacket("ddp oversized")
    if size < HEADER_LEN:
        raise BadPacket("ddp truncated")
    flags = packet[0]
    if flags & VERSION_MASK != VERSION_1:
        raise BadPacket("ddp version")
    header = HEADER_LEN + (TIMECODE_LEN if flags & FLAG_TIMECODE else 0)
    length = (packet[8] << 8) | packet[9]
    if size < header + length:
        raise BadPacket("ddp truncated")
    if size > header + length:
        raise BadPacket("ddp length")
    query = bool(flags & FLAG_QUERY)
    reply = bool(flags & FLAG_REPLY)
    destination = packet[3]
    data_type = packet[2]
    if not (query or reply):
        # Only pixel data is meaningful to a panel; status/config ids (246-251) and
        # other devices' ids are not.
        if destination not in DISPLAY_DESTINATIONS:
            raise BadPacket("ddp destination")
        if length and data_type not in RGB_TYPES:
            raise BadPacket("ddp data type")
    return DdpPacket(
        push=bool(flags & FLAG_PUSH),
        query=query,
        reply=reply,
        storage=bool(flags & FLAG_STORAGE),
        sequence=packet[1] & SEQUENCE_MASK,
        data_type=data_type,
        destination=destination,
        offset=int.from_bytes(packet[4:8], "big"),
        data=bytes(packet[header : header + length]),
    )
