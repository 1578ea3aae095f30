"""Realtime pixel streams: DDP, E1.31 (sACN) and Art-Net receivers for the panel.

Pure parsers (:mod:`.ddp`, :mod:`.e131`, :mod:`.artnet`), the pixel layout
(:mod:`.layout`), the source allow-list (:mod:`.sources`) and the UDP receiver
(:mod:`.receiver`). Nothing here knows about the render engine.
"""

from __future__ import annotations

from retroboard_renderer.realtime.errors import BadPacket
from retroboard_renderer.realtime.layout import PanelLayout
from retroboard_renderer.realtime.receiver import RealtimePorts, RealtimeReceiver, StreamFrame
from retroboard_renderer.realtime.sources import DEFAULT_SOURCES, SourceFilter, parse_sources
from retroboard_renderer.realtime.stats import ReceiverStats

__all__ = [
    "DEFAULT_SOURCES",
    "BadPacket",
    "PanelLayout",
    "RealtimePorts",
    "RealtimeReceiver",
    "ReceiverStats",
    "SourceFilter",
    "StreamFrame",
    "parse_sources",
]
