"""Joining the E1.31 multicast group of every universe the panel listens on."""

from __future__ import annotations

import contextlib
import errno
import logging
import socket
import struct

log = logging.getLogger(__name__)


def membership(group: str, interface: str) -> bytes:
    """An ``ip_mreq``: the group's address, then the local interface's (both packed)."""
    return socket.inet_aton(group) + socket.inet_aton(interface)


def membership_on(group: str, index: int) -> bytes:
    """A Linux ``ip_mreqn``: group, any local address, interface index."""
    return socket.inet_aton(group) + socket.inet_aton("0.0.0.0") + struct.pack("@i", index)


def interface_indexes() -> list[int]:
    """Indexes of the host's network interfaces (empty where the OS cannot list them)."""
    try:
        return [index for index, _name in socket.if_nameindex()]
    except OSError:
        return []


class Memberships:
    """Multicast group memberships for one receiving socket.

    Linux allows ``net.ipv4.igmp_max_memberships`` (20 by default) groups per socket,
    fewer than a large panel's universes (128×64 needs 49). Extra memberships go on
    helper sockets that are never read: with ``IP_MULTICAST_ALL`` (on by default), the
    receiving socket, bound to the port on ``0.0.0.0``, gets the datagrams of every
    group joined on the host.
    """

    def __init__(self, receiving: socket.socket, interface: str) -> None:
        self._sockets = [receiving]
        self._helpers: list[socket.socket] = []
        self._interface = interface
        self.joined: list[str] = []
        self.failed: list[str] = []
        with contextlib.suppress(OSError):
            receiving.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)

    def join(self, groups: list[str]) -> None:
        """Join each group, opening a helper socket when the current one is full.

        On a specific interface address, the groups are joined there. On ``0.0.0.0``
        they are joined on every interface (Linux ``ip_mreqn``), so a board on both
        Ethernet and Wi-Fi, or a sender on loopback, is heard; interfaces that cannot
        join (down, no multicast) are skipped.
        """
        if self._interface != "0.0.0.0":
            requests = [(g, membership(g, self._interface)) for g in groups]
        else:
            indexes = interface_indexes()
            if indexes and hasattr(socket, "SO_BINDTODEVICE"):  # Linux: ip_mreqn exists
                requests = [(g, membership_on(g, i)) for g in groups for i in indexes]
            else:
                requests = [(g, membership(g, "0.0.0.0")) for g in groups]
        self._join(requests)

    def _join(self, requests: list[tuple[str, bytes]]) -> None:
        fresh = False  # the current socket has no membership yet: a full error is final
        for group, request in requests:
            while True:
                try:
                    self._sockets[-1].setsockopt(
                        socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, request
                    )
                except OSError as error:
                    if error.errno == errno.ENOBUFS and not fresh:
                        self._add_helper()
                        fresh = True
                        continue
                    log.debug("realtime: cannot join %s: %s", group, error)
                    self.failed.append(group)
                else:
                    if group not in self.joined:
                        self.joined.append(group)
                    fresh = False
                break

    def _add_helper(self) -> None:
        helper = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._helpers.append(helper)
        self._sockets.append(helper)

    def close(self) -> None:
        """Leave every group (closing the helpers leaves theirs)."""
        for helper in self._helpers:
            helper.close()
        self._helpers.clear()
        self._sockets = self._sockets[:1]
