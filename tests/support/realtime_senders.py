"""Pixel-stream helpers for tests and benchmarks, written from the protocols'
specifications (DDP: 3waylabs' "DDP protocol"; Art-Net 4's ArtPoll). E1.31 and Art-Net
data come from independent PyPI libraries (sacn, stupidArtnet) in the tests."""

from __future__ import annotations

import socket
import struct

DDP_VERSION_1 = 0x40  # flags bits 7-6 = 01
DDP_PUSH = 0x01
DDP_RGB8 = 0x0B  # data type: RGB (TTT=001), 8 bits per element (SSS=011)
DDP_DEFAULT_OUTPUT = 1  # destination id 1: the default output device
DDP_MAX_DATA = 1440  # the spec's advice: 480 RGB pixels per packet
DDP_HEADER = struct.Struct(">BBBBIH")  # flags, sequence, data type, id, offset, length
UNIVERSE_CHANNELS = 510  # 170 RGB pixels of a DMX universe's 512 channels


def ddp_packets(
    stream: bytes,
    *,
    offset: int = 0,
    chunk: int = DDP_MAX_DATA,
    push: bool = True,
    data_type: int = DDP_RGB8,
    destination: int = DDP_DEFAULT_OUTPUT,
    sequence: int | None = None,
) -> list[bytes]:
    """``stream`` (RGB bytes for the buffer from ``offset`` on) as DDP packets, the last
    one with the push flag (unless ``push`` is false). Sequence numbers count 1–15 per
    packet, or are all ``sequence`` when given (one number per frame)."""
    packets = []
    for n, start in enumerate(range(0, len(stream), chunk)):
        data = stream[start : start + chunk]
        last = start + chunk >= len(stream)
        flags = DDP_VERSION_1 | (DDP_PUSH if last and push else 0)
        number = (n % 15) + 1 if sequence is None else sequence
        header = DDP_HEADER.pack(flags, number, data_type, destination, offset + start, len(data))
        packets.append(header + data)
    return packets


def universes_of(rgb: bytes) -> list[tuple[int, ...]]:
    """RGB bytes as 170-pixel universes of 510 channels (the last one shorter)."""
    return [tuple(rgb[i : i + UNIVERSE_CHANNELS]) for i in range(0, len(rgb), UNIVERSE_CHANNELS)]


def art_poll() -> bytes:
    """ArtPoll (Art-Net 4): ID, OpCode 0x2000 low byte first, ProtVer 14, Flags, DiagPriority."""
    return b"Art-Net\x00" + b"\x00\x20" + b"\x00\x0e" + b"\x00\x00"


def free_udp_port() -> int:
    """A UDP port nobody on 127.0.0.1 uses right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
