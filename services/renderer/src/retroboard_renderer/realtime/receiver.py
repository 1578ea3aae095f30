"""A UDP receiver for DDP, E1.31 and Art-Net that hands whole frames to a callback.

One daemon thread waits with :mod:`selectors` on three non-blocking sockets. Frame
rules, per protocol (each has its own frame buffer, so two protocols never mix):

- DDP: data lands at its byte offset in a persistent buffer; the frame is shown on a
  packet with the push flag. A sender that has never set push from that address is
  shown when a packet writes the buffer's last byte (senders that stream a whole
  frame in order without push, as some simple tools do).
- E1.31: per universe the highest-priority live source wins (:mod:`.arbitration`);
  preview-data packets are ignored, stream-terminated ones end that source at once.
  Shown when every universe the panel needs has arrived since the last show, when a
  universe repeats first (a sender covering part of the panel), on a sync packet, or
  (a sender that updated part of the panel and went quiet) once no more of its
  universes arrived for :data:`.assembly.FLUSH_AFTER` (data that names a sync
  address waits for the sync packet instead). The flush needs no thread of its own:
  the select timeout is the time until the earliest pending flush.
- Art-Net: ArtDmx with the same rule as E1.31, ArtSync shows at once; ArtPoll is
  answered with ArtPollReplies naming the board and its universes.

Everything the thread counts is in :attr:`RealtimeReceiver.stats` (datagrams, frames
shown, drops by reason, ArtPolls answered), cheap to poll from any thread: the counters
are written by the receiver thread only and read as a snapshot (``dict`` copies are
atomic under the GIL).
"""

from __future__ import annotations

import contextlib
import logging
import selectors
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from retroboard_renderer.realtime import artnet, ddp, e131
from retroboard_renderer.realtime.arbitration import UniverseArbiter
from retroboard_renderer.realtime.assembly import FrameAssembly
from retroboard_renderer.realtime.errors import BadPacket
from retroboard_renderer.realtime.layout import Layout, PanelLayout
from retroboard_renderer.realtime.multicast import Memberships
from retroboard_renderer.realtime.sources import DEFAULT_SOURCES, Network, SourceFilter
from retroboard_renderer.realtime.stats import ReceiverStats

log = logging.getLogger(__name__)

Protocol = Literal["ddp", "e131", "artnet"]
# Datagrams this large or larger are cut by recvfrom_into and counted as oversized;
# no valid packet of the three protocols comes near it.
_BUFFER_SIZE = 2048
_BURST = 64  # datagrams read from one socket before looking at the others
_RECEIVE_BUFFER = 4 << 20  # ask for 4 MiB of socket buffer (capped by net.core.rmem_max)
_PUSHERS_LIMIT = 256  # DDP senders remembered as "sets push" (a bound, not a real limit)


@dataclass(frozen=True)
class RealtimePorts:
    """UDP ports, one per protocol; 0 asks the system for a free one."""

    ddp: int = ddp.PORT
    e131: int = e131.PORT
    artnet: int = artnet.PORT


@dataclass(frozen=True)
class StreamFrame:
    """A whole frame from a stream: ``pixels`` is the receiver's copy for the callee."""

    pixels: npt.NDArray[np.uint8]
    protocol: Protocol
    source: str


Handler = Callable[[bytes, str, int], None]


class RealtimeReceiver:
    """Receive realtime pixel streams for a ``width`` × ``height`` panel.

    ``enabled`` may be set from any thread: while it is ``False`` the ports are not
    read at all (the kernel drops what their buffers cannot hold, which costs this
    process nothing), and what waits in them when streams are allowed again is read
    and dropped as ``"disabled"``, never shown. ``stats.received`` counts every
    datagram read, dropped ones included.
    """

    def __init__(
        self,
        width: int,
        height: int,
        *,
        first_universe: int = 1,
        layout: Layout = "rows",
        sources: Iterable[Network] = DEFAULT_SOURCES,
        ports: RealtimePorts = RealtimePorts(),  # frozen: a safe shared default
        bind: str = "0.0.0.0",
        on_frame: Callable[[StreamFrame], None],
        name: str = "RetroBoard",
        multicast: bool = True,
    ) -> None:
        self._layout = PanelLayout(width, height, first_universe=first_universe, layout=layout)
        self._filter = SourceFilter(sources)
        self._ports = ports
        self._bind = bind
        self._on_frame = on_frame
        self._name = name
        self._multicast = multicast
        self._enabled = True
        self._reading = False  # whether the data sockets are in the selector
        self._received = 0
        self._shown = 0
        self._replies = 0
        self._dropped: dict[str, int] = {}
        self._frames = {
            "ddp": self._layout.new_frame(),
            "e131": self._layout.new_frame(),
            "artnet": self._layout.new_frame(),
        }
        self._pushers: set[str] = set()
        self._arbiter = UniverseArbiter()
        universes = list(self._layout.universes)
        self._e131_assembly = FrameAssembly(universes)
        self._artnet_assembly = FrameAssembly(universes)
        self._e131_source = ""
        self._artnet_source = ""
        self._sockets: list[socket.socket] = []
        self._selector: selectors.BaseSelector | None = None
        self._memberships: Memberships | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._wake_read: socket.socket | None = None
        self._wake_write: socket.socket | None = None
        self._artnet_socket: socket.socket | None = None
        self._handlers: list[tuple[socket.socket, Handler]] = []
        self._flushable: list[tuple[Protocol, socket.socket, FrameAssembly]] = []

    # -- public API -------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        """Whether streams are read and shown."""
        return self._enabled

    @enabled.setter
    def enabled(self, value: bool) -> None:
        self._enabled = value
        self._wake()  # the thread takes the sockets out of (or back into) the selector

    @property
    def reading(self) -> bool:
        """Whether the ports are being read now (``enabled`` takes effect on the
        receiver's thread, a moment after it is set)."""
        return self._reading

    @property
    def ports(self) -> RealtimePorts:
        """The bound ports once started (the configured ones before)."""
        return self._ports

    @property
    def stats(self) -> ReceiverStats:
        """A snapshot of the counters: datagrams, frames shown, drops by reason, replies.

        Cheap (a few ints and one small ``dict`` copy) and safe from any thread: poll
        it to log or show what is dropped, e.g. ``stats.dropped`` or ``stats.drops(r)``.
        """
        return ReceiverStats(
            received=self._received,
            shown=self._shown,
            dropped=dict(self._dropped),
            replies=self._replies,
        )

    @property
    def multicast_groups(self) -> list[str]:
        """The E1.31 multicast groups joined (empty before start or without multicast)."""
        return list(self._memberships.joined) if self._memberships else []

    def start(self) -> None:
        """Bind the three sockets, join the multicast groups and start the thread."""
        if self._thread is not None:
            raise RuntimeError("the receiver is already started")
        selector = selectors.DefaultSelector()
        try:
            ddp_socket = self._open(self._ports.ddp)
            e131_socket = self._open(self._ports.e131)
            artnet_socket = self._open(self._ports.artnet)
        except OSError:
            self._close_sockets()
            raise
        self._artnet_socket = artnet_socket
        self._flushable = [
            ("e131", e131_socket, self._e131_assembly),
            ("artnet", artnet_socket, self._artnet_assembly),
        ]
        self._ports = RealtimePorts(
            ddp=ddp_socket.getsockname()[1],
            e131=e131_socket.getsockname()[1],
            artnet=artnet_socket.getsockname()[1],
        )
        if self._multicast:
            interface = "0.0.0.0" if self._bind in ("", "0.0.0.0") else self._bind
            self._memberships = Memberships(e131_socket, interface)
            # E1.31 universes are 1-63999 (§6.2.7); a panel from Art-Net's universe 0 on
            # has no group for its first one.
            groups = [e131.multicast_group(u) for u in self._layout.universes if u >= 1]
            self._memberships.join(groups)
        self._wake_read, self._wake_write = socket.socketpair()
        self._wake_read.setblocking(False)
        selector.register(self._wake_read, selectors.EVENT_READ, None)
        handlers: list[tuple[socket.socket, Handler]] = [
            (ddp_socket, self._handle_ddp),
            (e131_socket, self._handle_e131),
            (artnet_socket, self._handle_artnet),
        ]
        self._handlers = handlers
        self._selector = selector
        self._follow_enabled()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="realtime-receiver", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and close the sockets (leaving the multicast groups)."""
        thread = self._thread
        if thread is None:
            return
        self._stopping = True
        self._wake()
        thread.join(timeout=5)
        self._thread = None
        if self._selector is not None:
            self._selector.close()
            self._selector = None
        self._close_sockets()

    # -- sockets ----------------------------------------------------------------

    def _wake(self) -> None:
        if self._wake_write is not None:
            with contextlib.suppress(OSError):
                self._wake_write.send(b"x")

    def _follow_enabled(self) -> None:
        """Put the data sockets in the selector while enabled, take them out while not
        (on the receiver's thread, or before it starts)."""
        selector = self._selector
        if selector is None or self._reading == self._enabled:
            return
        for sock, handler in self._handlers:
            if self._enabled:
                self._discard_waiting(sock)
                selector.register(sock, selectors.EVENT_READ, handler)
            else:
                selector.unregister(sock)
        self._reading = self._enabled

    def _discard_waiting(self, sock: socket.socket) -> None:
        """Drop what arrived while streams were off: stale, never to be shown."""
        while True:
            try:
                sock.recv(_BUFFER_SIZE)
            except OSError:  # BlockingIOError: empty
                return
            self._received += 1
            self._drop("disabled")

    def _open(self, port: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sockets.append(sock)
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RECEIVE_BUFFER)
        sock.bind((self._bind, port))
        sock.setblocking(False)
        return sock

    def _close_sockets(self) -> None:
        if self._memberships is not None:
            self._memberships.close()
            self._memberships = None
        for sock in (*self._sockets, self._wake_read, self._wake_write):
            if sock is not None:
                sock.close()
        self._sockets = []
        self._wake_read = self._wake_write = None
        self._artnet_socket = None
        self._flushable = []
        self._handlers = []
        self._reading = False

    def _run(self) -> None:
        selector = self._selector
        assert selector is not None
        buffer = bytearray(_BUFFER_SIZE)
        view = memoryview(buffer)
        while not self._stopping:
            self._follow_enabled()
            ready: set[object] = set()
            for key, _events in selector.select(timeout=self._until_flush()):
                if key.data is None:
                    with contextlib.suppress(OSError):
                        key.fileobj.recv(64)  # type: ignore[union-attr]
                    continue
                ready.add(key.fileobj)
                self._drain(key.fileobj, key.data, buffer, view)  # type: ignore[arg-type]
            self._flush(ready)

    def _until_flush(self) -> float | None:
        """Seconds until the earliest pending flush; ``None`` (block) when none is."""
        deadlines = [a.flush_at for _p, _s, a in self._flushable if a.flush_at is not None]
        if not deadlines:
            return None
        return max(0.0, min(deadlines) - time.monotonic())

    def _flush(self, ready: set[object]) -> None:
        """Show the pending frames whose protocol has been quiet for FLUSH_AFTER."""
        now = time.monotonic()
        for protocol, sock, assembly in self._flushable:
            # A socket just read may hold more of the frame: look again next pass.
            if sock not in ready and assembly.flush_due(now):
                source = self._e131_source if protocol == "e131" else self._artnet_source
                self._show(protocol, source)

    def _drain(
        self, sock: socket.socket, handler: Handler, buffer: bytearray, view: memoryview
    ) -> None:
        """Read up to a burst of datagrams from ``sock`` and hand each to ``handler``."""
        for _ in range(_BURST):
            try:
                size, address = sock.recvfrom_into(buffer)
            except BlockingIOError:
                return
            except OSError:  # e.g. an ICMP error from an earlier reply: not fatal
                return
            self._received += 1
            if not self._enabled:  # switched off mid-burst
                self._drop("disabled")
                continue
            if size >= _BUFFER_SIZE:
                self._drop("oversized")
                continue
            ip = address[0]
            if not self._filter.allows(ip):
                self._drop("source not allowed")
                continue
            try:
                handler(bytes(view[:size]), ip, address[1])
            except BadPacket as bad:
                self._drop(bad.reason)

    def _drop(self, reason: str) -> None:
        self._dropped[reason] = self._dropped.get(reason, 0) + 1

    def _show(self, protocol: Protocol, source: str) -> None:
        self._shown += 1
        frame = StreamFrame(self._frames[protocol].copy(), protocol, source)
        try:
            self._on_frame(frame)
        except Exception:  # a broken callee must not stop the stream
            log.exception("realtime: on_frame failed")

    # -- protocols --------------------------------------------------------------

    def _handle_ddp(self, data: bytes, ip: str, _port: int) -> None:
        packet = ddp.parse(data)
        if packet.query or packet.reply or packet.storage:
            raise BadPacket("ddp control")  # status/config traffic: nothing to draw
        self._layout.write_bytes(self._frames["ddp"], packet.offset, packet.data)
        if packet.push:
            if ip not in self._pushers and len(self._pushers) >= _PUSHERS_LIMIT:
                self._pushers.clear()
            self._pushers.add(ip)
            self._show("ddp", ip)
        elif ip not in self._pushers and self._layout.last_byte_written(
            packet.offset, len(packet.data)
        ):
            self._show("ddp", ip)

    def _handle_e131(self, data: bytes, ip: str, _port: int) -> None:
        packet = e131.parse(data)
        if isinstance(packet, e131.E131Discovery):
            raise BadPacket("e131 discovery")
        if isinstance(packet, e131.E131Sync):
            if self._e131_assembly.pending:
                self._e131_assembly.shown()
                self._show("e131", self._e131_source)
            return
        if packet.preview:
            raise BadPacket("preview")  # §6.2.6: preview data is not for live output
        if packet.terminated:
            # §6.2.6: the packet's data is ignored and the source is gone at once.
            self._arbiter.terminate(packet.universe, packet.cid)
            raise BadPacket("terminated")
        if packet.start_code != e131.START_CODE_DMX:
            raise BadPacket("e131 start code")
        if packet.universe not in self._layout.universes:
            raise BadPacket("universe not used")
        now = time.monotonic()
        reason = self._arbiter.accept(
            packet.universe, packet.cid, packet.priority, packet.sequence, now
        )
        if reason:
            raise BadPacket(reason)
        # §6.2.4.1: data naming a sync address is shown on that sync packet, not flushed;
        # its group is joined on first sight, so a multicast sync reaches us too.
        hold = packet.sync_address != 0
        if hold:
            self._join_sync_group(packet.sync_address)
        self._write_universe(
            "e131", self._e131_assembly, packet.universe, packet.data, ip, now, hold=hold
        )
        self._e131_source = ip

    def _join_sync_group(self, universe: int) -> None:
        memberships = self._memberships
        if memberships is None:
            return
        group = e131.multicast_group(universe)
        if group not in memberships.joined and group not in memberships.failed:
            memberships.join([group])

    def _handle_artnet(self, data: bytes, ip: str, port: int) -> None:
        packet = artnet.parse(data)
        if isinstance(packet, artnet.ArtDmx):
            if packet.port_address not in self._layout.universes:
                raise BadPacket("universe not used")
            self._write_universe(
                "artnet",
                self._artnet_assembly,
                packet.port_address,
                packet.data,
                ip,
                time.monotonic(),
            )
            self._artnet_source = ip
        elif isinstance(packet, artnet.ArtPoll):
            self._reply_to_poll(ip, port)
        elif isinstance(packet, artnet.ArtSync):
            if self._artnet_assembly.pending:
                self._artnet_assembly.shown()
                self._show("artnet", self._artnet_source)
        else:
            raise BadPacket("artnet opcode")

    def _write_universe(
        self,
        protocol: Protocol,
        assembly: FrameAssembly,
        universe: int,
        data: bytes,
        ip: str,
        now: float,
        *,
        hold: bool = False,
    ) -> None:
        if assembly.before_write(universe):
            previous = self._e131_source if protocol == "e131" else self._artnet_source
            self._show(protocol, previous or ip)
        self._layout.write_universe(self._frames[protocol], universe, data)
        if assembly.after_write(universe, now, hold=hold):
            self._show(protocol, ip)

    def _reply_to_poll(self, ip: str, port: int) -> None:
        """Answer an ArtPoll, unicast to its sender (Art-Net 4).

        The spec sends every Art-Net packet to port 6454; controllers that poll from
        another (ephemeral) port listen there for the reply, so both are answered.
        """
        sock = self._artnet_socket
        if sock is None:
            return
        local = self._local_address(ip)
        replies = artnet.poll_replies(
            local,
            short_name=self._name,
            long_name=f"{self._name} {self._layout.width}x{self._layout.height} LED panel",
            port_addresses=list(self._layout.universes),
        )
        targets = {(ip, port), (ip, artnet.PORT)}
        self._replies += 1  # before sending: a poller that has its replies sees the count
        for reply in replies:
            for target in targets:
                with contextlib.suppress(OSError):
                    sock.sendto(reply, target)

    def _local_address(self, peer: str) -> str:
        """The board's IPv4 address as ``peer`` reaches it (no packet is sent)."""
        if self._bind not in ("", "0.0.0.0"):
            return self._bind
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            probe.connect((peer, artnet.PORT))
            address: str = probe.getsockname()[0]
        except OSError:
            address = "0.0.0.0"
        finally:
            probe.close()
        return address
