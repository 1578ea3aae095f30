"""Which client a request comes from, for per-address limits.

The peer's address (``REMOTE_ADDR``), unless the peer is one of
``RETROBOARD_TRUSTED_PROXIES``: then the nearest address in ``X-Forwarded-For`` that is
not a trusted proxy. ``X-Forwarded-For`` from anyone else is ignored, since a client can
write whatever it likes there. IPv6 clients are grouped by their /64, the block one
subscriber usually holds, so a single host cannot take a slot per address it owns.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

IPV6_GROUP = 64


def parse_networks(value: str) -> list[Network]:
    """``"10.0.0.1, 192.168.0.0/16"`` → networks; raises ``ValueError`` on a bad entry."""
    items = [item.strip() for item in value.split(",")]
    return [ipaddress.ip_network(item, strict=False) for item in items if item]


def client_key(environ: Mapping[str, object], trusted: Sequence[Network] = ()) -> str:
    """The client address of a WSGI request, as a key (IPv6 as its /64 network)."""
    peer = _address(environ.get("REMOTE_ADDR"))
    if peer is None:
        return str(environ.get("REMOTE_ADDR") or "unknown")
    if _trusted(peer, trusted):
        forwarded = str(environ.get("HTTP_X_FORWARDED_FOR") or "")
        for item in reversed(forwarded.split(",")):
            hop = _address(item)
            if hop is None:
                break  # a malformed entry: trust nothing further left of it
            peer = hop
            if not _trusted(hop, trusted):
                break
    if isinstance(peer, ipaddress.IPv6Address):
        if peer.ipv4_mapped is not None:
            return str(peer.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{peer}/{IPV6_GROUP}", strict=False))
    return str(peer)


def is_trusted(peer: str, trusted: Sequence[Network]) -> bool:
    """Whether the peer address ``peer`` is one of the ``trusted`` proxies."""
    address = _address(peer)
    return address is not None and _trusted(address, trusted)


def _address(value: object) -> Address | None:
    try:
        return ipaddress.ip_address(str(value).strip())
    except ValueError:
        return None


def _trusted(address: Address, trusted: Sequence[Network]) -> bool:
    return any(address in network for network in trusted)
