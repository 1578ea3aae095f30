"""Which senders may drive the panel: an allow-list of IP networks."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Private (RFC 1918, RFC 4193), loopback and link-local ranges: the local network.
DEFAULT_SOURCES: tuple[Network, ...] = tuple(
    ipaddress.ip_network(text)
    for text in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
    )
)

_CACHE_LIMIT = 1024  # distinct sender addresses remembered before the cache is reset


def parse_sources(text: str) -> tuple[Network, ...]:
    """Parse a comma- or space-separated list of networks (``"10.0.0.0/8, ::1"``)."""
    items = text.replace(",", " ").split()
    return tuple(ipaddress.ip_network(item, strict=False) for item in items)


class SourceFilter:
    """Answer "may this address send?" with a cache, so the hot path is a dict lookup."""

    def __init__(self, networks: Iterable[Network] = DEFAULT_SOURCES) -> None:
        self.networks: tuple[Network, ...] = tuple(networks)
        self._cache: dict[str, bool] = {}

    def allows(self, address: str) -> bool:
        """Whether ``address`` (as ``recvfrom`` reports it) is in an allowed network."""
        known = self._cache.get(address)
        if known is not None:
            return known
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone
        except ValueError:
            allowed = False
        else:
            mapped = getattr(ip, "ipv4_mapped", None)
            ip = mapped or ip
            allowed = any(ip.version == net.version and ip in net for net in self.networks)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[address] = allowed
        return allowed
