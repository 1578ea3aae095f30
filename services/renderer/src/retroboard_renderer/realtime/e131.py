"""E1.31 (ANSI E1.31-2018, "sACN") parser: data, synchronization and discovery packets.

Offsets below are from the standard's packet tables (Table 4-1 data packet, Table 4-2
synchronization packet, Table 4-3 universe discovery packet).
"""

from __future__ import annotations

from dataclasses import dataclass

from retroboard_renderer.realtime.errors import BadPacket

PORT = 5568  # §3.8 ACN_SDT_MULTICAST_PORT

# Root layer (§5)
PREAMBLE_SIZE = 0x0010  # §5.1
POSTAMBLE_SIZE = 0x0000  # §5.2
ACN_PACKET_IDENTIFIER = b"ASC-E1.17\x00\x00\x00"  # §5.3
VECTOR_ROOT_E131_DATA = 0x00000004  # §5.5, Table A-1
VECTOR_ROOT_E131_EXTENDED = 0x00000008  # §5.5, Table A-1
# Framing layer vectors (§6.2.1 / §6.3.1 / §6.4.1, Table A-1)
VECTOR_E131_DATA_PACKET = 0x00000002
VECTOR_E131_EXTENDED_SYNCHRONIZATION = 0x00000001
VECTOR_E131_EXTENDED_DISCOVERY = 0x00000002
# DMP layer (§7)
VECTOR_DMP_SET_PROPERTY = 0x02  # §7.2
DMP_ADDRESS_DATA_TYPE = 0xA1  # §7.3
DMP_FIRST_PROPERTY_ADDRESS = 0x0000  # §7.4
DMP_ADDRESS_INCREMENT = 0x0001  # §7.5
START_CODE_DMX = 0x00  # §7.7: null START code = DMX512 level data

OPTION_PREVIEW_DATA = 0x80  # §6.2.6 bit 7
OPTION_STREAM_TERMINATED = 0x40  # §6.2.6 bit 6
OPTION_FORCE_SYNCHRONIZATION = 0x20  # §6.2.6 bit 5

PRIORITY_MAX = 200  # §6.2.3
PRIORITY_DEFAULT = 100  # §6.2.3
UNIVERSE_MIN = 1  # §6.2.7
UNIVERSE_MAX = 63999  # §6.2.7
MAX_CHANNELS = 512
FLAGS = 0x7  # flags nibble of every "Flags and Length" field (§5.4, §6.2.2, §7.1)

# Offsets (Table 4-1)
_ROOT_FLAGS_LENGTH = 16
_ROOT_VECTOR = 18
_CID = 22
_FRAMING = 38
_FRAMING_VECTOR = 40
_SOURCE_NAME = 44
_PRIORITY = 108
_SYNC_ADDRESS = 109
_SEQUENCE = 111
_OPTIONS = 112
_UNIVERSE = 113
_DMP = 115
_DMP_VECTOR = 117
_DMP_TYPE = 118
_FIRST_ADDRESS = 119
_INCREMENT = 121
_COUNT = 123
_START_CODE = 125
_DATA = 126
DATA_HEADER_LEN = _DATA  # a data packet with 0 channels
MAX_DATA_PACKET = _DATA + MAX_CHANNELS  # 638
SYNC_PACKET_LEN = 49  # Table 4-2
MAX_PACKET = 1144  # Table 4-3: the largest discovery packet (512 universes)


@dataclass(frozen=True, slots=True)
class E131Data:
    """An E1.31 data packet (§6.2) with its DMX channel data (START code excluded)."""

    cid: bytes
    source_name: str
    priority: int
    sync_address: int
    sequence: int
    preview: bool
    terminated: bool
    universe: int
    start_code: int
    data: bytes


@dataclass(frozen=True, slots=True)
class E131Sync:
    """An E1.31 synchronization packet (§6.3): show what was received for ``sync_address``."""

    cid: bytes
    sequence: int
    sync_address: int


@dataclass(frozen=True, slots=True)
class E131Discovery:
    """An E1.31 universe discovery packet (§6.4); the receiver has no use for its list."""

    cid: bytes


E131Packet = E131Data | E131Sync | E131Discovery


def _u16(packet: bytes, at: int) -> int:
    return (packet[at] << 8) | packet[at + 1]


def _u32(packet: bytes, at: int) -> int:
    return int.from_bytes(packet[at : at + 4], "big")


def _check_pdu(packet: bytes, at: int, reason: str) -> None:
    """A PDU's "Flags and Length" must be 0x7 and cover the rest of the packet."""
    value = _u16(packet, at)
    if value >> 12 != FLAGS or value & 0x0FFF != len(packet) - at:
        raise BadPacket(reason)


def parse(packet: bytes) -> E131Packet:
    """Parse one E1.31 datagram; raises :class:`BadPacket` for anything else."""
    size = len(packet)
    if size > MAX_PACKET:
        raise BadPacket("e131 oversized")
    if size < _FRAMING_VECTOR + 4:
        raise BadPacket("e131 truncated")
    if (
        _u16(packet, 0) != PREAMBLE_SIZE
        or _u16(packet, 2) != POSTAMBLE_SIZE
        or packet[4:16] != ACN_PACKET_IDENTIFIER
    ):
        raise BadPacket("e131 not acn")
    _check_pdu(packet, _ROOT_FLAGS_LENGTH, "e131 root length")
    cid = bytes(packet[_CID:_FRAMING])
    root_vector = _u32(packet, _ROOT_VECTOR)
    framing_vector = _u32(packet, _FRAMING_VECTOR)
    _check_pdu(packet, _FRAMING, "e131 framing length")
    if root_vector == VECTOR_ROOT_E131_DATA:
        if framing_vector != VECTOR_E131_DATA_PACKET:
            raise BadPacket("e131 framing vector")
        return _parse_data(packet, cid)
    if root_vector == VECTOR_ROOT_E131_EXTENDED:
        if framing_vector == VECTOR_E131_EXTENDED_SYNCHRONIZATION:
            if size != SYNC_PACKET_LEN:
                raise BadPacket("e131 sync length")
            return E131Sync(cid=cid, sequence=packet[44], sync_address=_u16(packet, 45))
        if framing_vector == VECTOR_E131_EXTENDED_DISCOVERY:
            return E131Discovery(cid=cid)
        raise BadPacket("e131 framing vector")
    raise BadPacket("e131 root vector")


def _parse_data(packet: bytes, cid: bytes) -> E131Data:
    size = len(packet)
    if size < DATA_HEADER_LEN:
        raise BadPacket("e131 truncated")
    if size > MAX_DATA_PACKET:
        raise BadPacket("e131 oversized")
    _check_pdu(packet, _DMP, "e131 dmp length")
    if (
        packet[_DMP_VECTOR] != VECTOR_DMP_SET_PROPERTY
        or packet[_DMP_TYPE] != DMP_ADDRESS_DATA_TYPE
        or _u16(packet, _FIRST_ADDRESS) != DMP_FIRST_PROPERTY_ADDRESS
        or _u16(packet, _INCREMENT) != DMP_ADDRESS_INCREMENT
    ):
        raise BadPacket("e131 dmp header")
    if _u16(packet, _COUNT) != size - _START_CODE:
        raise BadPacket("e131 property count")
    priority = packet[_PRIORITY]
    if priority > PRIORITY_MAX:
        raise BadPacket("e131 priority")
    universe = _u16(packet, _UNIVERSE)
    if not UNIVERSE_MIN <= universe <= UNIVERSE_MAX:
        raise BadPacket("e131 universe")
    name = packet[_SOURCE_NAME:_PRIORITY].split(b"\x00", 1)[0]
    options = packet[_OPTIONS]
    return E131Data(
        cid=cid,
        source_name=name.decode("utf-8", errors="replace"),
        priority=priority,
        sync_address=_u16(packet, _SYNC_ADDRESS),
        sequence=packet[_SEQUENCE],
        preview=bool(options & OPTION_PREVIEW_DATA),
        terminated=bool(options & OPTION_STREAM_TERMINATED),
        universe=universe,
        start_code=packet[_START_CODE],
        data=bytes(packet[_DATA:]),
    )


def multicast_group(universe: int) -> str:
    """The IPv4 multicast address of ``universe`` (§9.3.1: 239.255.<hi>.<lo>)."""
    return f"239.255.{(universe >> 8) & 0xFF}.{universe & 0xFF}"


def sequence_is_old(new: int, last: int) -> bool:
    """§6.7.2: discard when (new - last) as a signed 8-bit value is in -19..0.

    The standard's wording is "less than or equal to 0, but greater than -20".
    """
    diff = ((new - last + 128) & 0xFF) - 128
    return -20 < diff <= 0
