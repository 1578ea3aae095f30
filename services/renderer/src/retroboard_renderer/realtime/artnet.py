"""Art-Net 4 (Artistic Licence "Art-Net 4" specification) parser and ArtPollReply builder.

Every packet starts with the 8-byte id ``"Art-Net\\0"`` and a little-endian OpCode.
Offsets are from the specification's packet tables (ArtPoll, ArtPollReply, ArtDmx,
ArtSync).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from retroboard_renderer.realtime.errors import BadPacket

PORT = 0x1936  # spec: "UDP port 0x1936" (6454), used for every Art-Net packet
ID = b"Art-Net\x00"  # spec: ID[8]
OP_POLL = 0x2000  # spec Table 1: OpPoll
OP_POLL_REPLY = 0x2100  # spec Table 1: OpPollReply
OP_DMX = 0x5000  # spec Table 1: OpDmx (a.k.a. OpOutput)
OP_SYNC = 0x5200  # spec Table 1: OpSync
PROTOCOL_VERSION = 14  # spec: ProtVerHi/ProtVerLo, current version 14

DMX_HEADER_LEN = 18  # ArtDmx: ID, OpCode, ProtVer, Sequence, Physical, SubUni, Net, Length
POLL_MIN_LEN = 14  # ArtPoll: ID, OpCode, ProtVer, Flags, DiagPriority (later fields optional)
SYNC_LEN = 14  # ArtSync: ID, OpCode, ProtVer, Aux1, Aux2
DMX_MIN_CHANNELS = 2  # spec: Length "in the range 2 - 512"
DMX_MAX_CHANNELS = 512
MAX_PACKET = 1472  # one 1500-byte Ethernet frame; the largest Art-Net packet is far smaller
POLL_REPLY_LEN = 239  # spec: ArtPollReply total size (with Filler[11])
PORTS_PER_REPLY = 4  # spec: an ArtPollReply describes at most 4 ports (BindIndex for more)

# ArtPollReply field values
PORT_TYPE_OUTPUT_DMX = 0x80  # PortTypes: bit 7 "can output data from the Art-Net network", DMX512
STATUS1_NORMAL_NETWORK = 0xE0  # Status1: indicators normal (11), Port-Address set by network (10)
STATUS2_15BIT = 0x08  # Status2 bit 3: supports 15-bit Port-Address (Art-Net 3/4)
STYLE_NODE = 0x00  # Style: StNode, a DMX to/from Art-Net device
# Not verified against the OEM code table: 0x00FF is the value commonly used for "unknown".
OEM_UNKNOWN = 0x00FF
ESTA_NONE = 0x0000  # not verified: no ESTA manufacturer code registered for RetroBoard
SHORT_NAME_LEN = 18
LONG_NAME_LEN = 64
NODE_REPORT_LEN = 64


@dataclass(frozen=True, slots=True)
class ArtDmx:
    """An ArtDmx packet: ``data`` for the 15-bit ``port_address`` (Net:SubNet:Universe)."""

    sequence: int
    physical: int
    port_address: int
    data: bytes


@dataclass(frozen=True, slots=True)
class ArtPoll:
    """An ArtPoll: a controller asking nodes to answer with ArtPollReply."""

    flags: int


@dataclass(frozen=True, slots=True)
class ArtSync:
    """An ArtSync: show the ArtDmx data received since the last one."""


@dataclass(frozen=True, slots=True)
class ArtOther:
    """A well-formed Art-Net packet with an OpCode the receiver does not act on."""

    opcode: int


ArtPacket = ArtDmx | ArtPoll | ArtSync | ArtOther


def parse(packet: bytes) -> ArtPacket:
    """Parse one Art-Net datagram; raises :class:`BadPacket` for anything else."""
    size = len(packet)
    if size > MAX_PACKET:
        raise BadPacket("artnet oversized")
    if size < 10:
        raise BadPacket("artnet truncated")
    if packet[:8] != ID:
        raise BadPacket("artnet id")
    opcode = packet[8] | (packet[9] << 8)  # spec: OpCode is transmitted low byte first
    if opcode == OP_POLL_REPLY:
        return ArtOther(opcode)  # carries no ProtVer at offset 10
    if size < 12:
        raise BadPacket("artnet truncated")
    if (packet[10] << 8) | packet[11] < PROTOCOL_VERSION:
        raise BadPacket("artnet version")  # spec: ignore protocol versions below 14
    if opcode == OP_DMX:
        return _parse_dmx(packet)
    if opcode == OP_POLL:
        if size < POLL_MIN_LEN:
            raise BadPacket("artnet truncated")
        return ArtPoll(flags=packet[12])
    if opcode == OP_SYNC:
        if size < SYNC_LEN:
            raise BadPacket("artnet truncated")
        return ArtSync()
    return ArtOther(opcode)


def _parse_dmx(packet: bytes) -> ArtDmx:
    size = len(packet)
    if size < DMX_HEADER_LEN:
        raise BadPacket("artnet truncated")
    length = (packet[16] << 8) | packet[17]  # spec: LengthHi first
    # The spec says Length "should be an even number"; odd lengths are accepted because
    # the data is still unambiguous, and rejecting a real sender is worse.
    if not DMX_MIN_CHANNELS <= length <= DMX_MAX_CHANNELS:
        raise BadPacket("artnet length")
    if size < DMX_HEADER_LEN + length:
        raise BadPacket("artnet truncated")
    if size > DMX_HEADER_LEN + length:
        raise BadPacket("artnet length")
    # spec: SubUni = SubNet << 4 | Universe; Net = bits 14-8 of the Port-Address.
    port_address = ((packet[15] & 0x7F) << 8) | packet[14]
    return ArtDmx(
        sequence=packet[12],
        physical=packet[13],
        port_address=port_address,
        data=bytes(packet[DMX_HEADER_LEN:]),
    )


def _fixed(text: str, length: int) -> bytes:
    """ASCII, NUL-terminated and padded to ``length`` (the spec's string fields)."""
    raw = text.encode("ascii", errors="replace")[: length - 1]
    return raw + bytes(length - len(raw))


def poll_reply(
    ip: str,
    *,
    short_name: str,
    long_name: str,
    port_addresses: Sequence[int],
    bind_index: int = 1,
    report: str = "#0001 [0000] RetroBoard ok",
) -> bytes:
    """Build one ArtPollReply for up to 4 output ports.

    All ``port_addresses`` must share their Net and SubNet (bits 14-4): one reply has
    one NetSwitch and one SubSwitch; :func:`poll_replies` splits a longer list.
    """
    if not 0 < len(port_addresses) <= PORTS_PER_REPLY:
        raise ValueError("an ArtPollReply describes 1 to 4 ports")
    high = {address >> 4 for address in port_addresses}
    if len(high) != 1:
        raise ValueError("ports of one ArtPollReply share Net and SubNet")
    top = high.pop()
    count = len(port_addresses)
    pad = PORTS_PER_REPLY - count
    address = ipaddress.IPv4Address(ip).packed
    reply = bytearray()
    reply += ID  # 0 ID[8]
    reply += OP_POLL_REPLY.to_bytes(2, "little")  # 8 OpCode
    reply += address  # 10 IP Address[4]
    reply += PORT.to_bytes(2, "little")  # 14 Port, low byte first (spec)
    reply += bytes((0, 1))  # 16 VersInfoH, VersInfoL: firmware revision
    reply += bytes(((top >> 4) & 0x7F, top & 0x0F))  # 18 NetSwitch, 19 SubSwitch
    reply += OEM_UNKNOWN.to_bytes(2, "big")  # 20 OemHi, 21 Oem
    reply += bytes((0, STATUS1_NORMAL_NETWORK))  # 22 Ubea Version, 23 Status1
    reply += ESTA_NONE.to_bytes(2, "little")  # 24 EstaManLo, 25 EstaManHi
    reply += _fixed(short_name, SHORT_NAME_LEN)  # 26 ShortName[18]
    reply += _fixed(long_name, LONG_NAME_LEN)  # 44 LongName[64]
    reply += _fixed(report, NODE_REPORT_LEN)  # 108 NodeReport[64]
    reply += count.to_bytes(2, "big")  # 172 NumPortsHi, NumPortsLo
    reply += bytes([PORT_TYPE_OUTPUT_DMX] * count + [0] * pad)  # 174 PortTypes[4]
    reply += bytes(4)  # 178 GoodInput[4]: no inputs
    reply += bytes(4)  # 182 GoodOutputA[4]
    reply += bytes(4)  # 186 SwIn[4]
    reply += bytes([a & 0x0F for a in port_addresses] + [0] * pad)  # 190 SwOut[4]
    reply += bytes((0, 0, 0))  # 194 AcnPriority (Art-Net 4), 195 SwMacro, 196 SwRemote
    reply += bytes(3)  # 197 Spare[3]
    reply += bytes((STYLE_NODE,))  # 200 Style
    reply += bytes(6)  # 201 MAC[6]: unknown
    reply += address  # 207 BindIp[4]
    reply += bytes((bind_index & 0xFF, STATUS2_15BIT))  # 211 BindIndex, 212 Status2
    # Fields from 213 on (GoodOutputB, Status3, DefaultRespUID, User, RefreshRate,
    # Filler) are later Art-Net 4 additions; left 0 here. Not verified field by field.
    reply += bytes(POLL_REPLY_LEN - len(reply))
    return bytes(reply)


def poll_replies(
    ip: str, *, short_name: str, long_name: str, port_addresses: Sequence[int]
) -> Iterator[bytes]:
    """ArtPollReplies for every port address, 4 per reply, one per Net:SubNet group.

    The spec's BindIndex numbers the replies of one node from 1.
    """
    groups: list[list[int]] = []
    for address in port_addresses:
        if groups and len(groups[-1]) < PORTS_PER_REPLY and groups[-1][0] >> 4 == address >> 4:
            groups[-1].append(address)
        else:
            groups.append([address])
    for index, group in enumerate(groups, start=1):
        yield poll_reply(
            ip,
            short_name=short_name,
            long_name=long_name,
            port_addresses=group,
            bind_index=index,
        )
